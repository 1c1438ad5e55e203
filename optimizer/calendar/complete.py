"""Completeness first: date and improve a calendar so every drawn pair can be visited, then fewest visits.

A drawn (subject, task) pair that is never visited breaks the promise of the published sample as surely as
a biased draw (沪府发〔2024〕6号 一(三): the drawn subjects are the ones inspected). Before the draw nobody
knows which subjects it picks, so the calendar is judged on expected demand — never on a realised draw, which
would let the solver choose calendars by who they happen to draw. Each round of a calendar asks each
department for expected officer-visits, each of them movable to any ISO week its visit could fall in
(:meth:`optimizer.calendar.load.LoadModel.intervals`); against the weekly capacity the officers have
(availability, integral teams: :func:`optimizer.calendar.load.effective_capacity`) the *shortfall* is the
least of that demand no assignment to weeks can serve (:func:`optimizer.calendar.load.shortfall`).

The order, lexicographic, never a weighted trade:

1. least shortfall (0 wherever some calendar within the tasks' ranges and the capacity allows it);
2. fewest expected visits among calendars equal on 1;
3. λ · expected overload (``AlignConfig.overload_weight``, the even-spread rule the plan reports), which
   only orders calendars equal on 1 and 2 or trades against visits when no shortfall is at stake.

From the visits-only calendar (:func:`optimizer.calendar.search.search_calendar`) the rounds are dated in
that order, then local search (move a task, give it a round of its own, merge two rounds, redate a round)
and large-neighbourhood search (CP-SAT on a neighbourhood, :class:`optimizer.calendar.model.LoadTerm`, its
proposals re-priced exactly) improve it. Deterministic: ties to the lowest index, no clock.
"""

from __future__ import annotations

import numpy as np

from optimizer.calendar.load import LoadModel
from optimizer.calendar.model import ItemModel, LoadTerm, solve_items
from optimizer.calendar.search import (
    SearchConfig,
    SearchResult,
    _affinity,
    _neighbourhood_model,
    _State,
    _task_labels,
)

__all__ = ["TOLERANCE", "penalise"]

TOLERANCE = 0.01  # officer-visits: a shortfall, or a change in it, below this is none (the expected demand is fractional)
SHORTFALL_WEIGHT = 100.0  # visits per officer-visit CP-SAT neighbourhoods pay while a shortfall remains
SHORTFALL_PRICINGS = 4000  # moves priced on the shortfall in one search, then only moves that keep it (deterministic work)


def _spread(deps: int, weeks: int, spans: tuple) -> np.ndarray:
    """Departments × weeks: each interval demand (department, first, last week, amount) spread evenly over its
    weeks — one assignment of it, so where this fits capacity nothing is short."""
    d, a, b, x = spans
    diff = np.zeros((deps, weeks + 1))
    share = x / (b - a + 1)
    np.add.at(diff, (d, a), share)
    np.add.at(diff, (d, b + 1), -share)
    return np.cumsum(diff, axis=1)[:, :weeks]


def _short(x: float) -> float:
    return 0.0 if abs(x) <= TOLERANCE else x


class _Dated(_State):
    """A calendar whose rounds carry anchors, priced (shortfall, expected visits + λ · expected overload).

    ``lam`` is in objective units per officer-visit over capacity. Moves: those of :class:`_State` (the
    receiving round keeps its anchor when it still can, else the nearest day it can; a new round of one task
    may take any anchor day of its interval), and *redate*: move one round's anchor to another Monday (or end)
    of its interval. Each is priced on the departments it touches only.
    """

    def __init__(self, model: ItemModel, labels: list[int], load: LoadModel, lam: float,
                 anchors: dict[int, int] | None = None):
        super().__init__(model, labels)
        self.load, self.lam = load, lam
        self.budget = [SHORTFALL_PRICINGS]  # shared by the copies a search makes (see _lns)
        self.L = load.base.astype(np.float64).copy()
        self.D = load.base_demand.astype(np.float64).copy()
        d, a, b = np.nonzero(self.D)
        self.S = _spread(self.D.shape[0], self.D.shape[1], (d, a, b, self.D[d, a, b]))  # D spread evenly
        self.short = load.shortfall(self.D)
        self.anchor: dict[int, int] = {}
        self.contrib: dict[int, tuple] = {}
        self.spans: dict[int, tuple] = {}
        if anchors is not None:
            for r in sorted(self.rounds):
                self._set(r, anchors[r])
        else:  # heaviest round first, where it leaves least shortfall, adds least overload, moves least, earliest
            order = sorted(self.rounds, key=lambda r: (-float(load.demand(tuple(self.rounds[r]))[1].sum()), r))
            for r in order:
                members = tuple(self.rounds[r])
                best = min(self.candidates(r), key=lambda a: (
                    round(_short(self._shortfall_delta([], [(members, a)])), 6),
                    round(load.delta(self.L, [], [load.contribution(members, a)]), 9), load.moved(members, a), a))
                self._set(r, best)

    # --- bookkeeping -------------------------------------------------------------------------------------
    def _refresh(self, deps: np.ndarray) -> None:
        for d in deps:
            d = int(d)
            fits = bool((self.S[d] <= self.load.eff[d] + 1e-9).all())  # the even spread fits: nothing is short
            self.short[d] = 0.0 if fits else float(self.load.shortfall(self.D, np.array([d]))[0])

    def _set(self, r: int, anchor: int) -> None:
        touched = self._remove(r)
        if r in self.rounds:
            members = tuple(self.rounds[r])
            self.anchor[r] = anchor
            self.contrib[r] = self.load.contribution(members, anchor)
            self.spans[r] = self.load.intervals(members, anchor)
            self.load.apply(self.L, self.contrib[r], 1.0)
            self.load.add_demand(self.D, self.spans[r], 1.0)
            self.S += _spread(*self.S.shape, self.spans[r])
            touched = np.union1d(touched, self.contrib[r][0])
        else:
            self.anchor.pop(r, None)
        self._refresh(touched)

    def _remove(self, r: int) -> np.ndarray:
        c, sp = self.contrib.pop(r, None), self.spans.pop(r, None)
        self.load.apply(self.L, c, -1.0)
        self.load.add_demand(self.D, sp, -1.0)
        if sp is not None:
            self.S -= _spread(*self.S.shape, sp)
        return np.zeros(0, dtype=np.int64) if c is None else c[0]

    def _drop(self, r: int) -> None:
        self._refresh(self._remove(r))
        self.anchor.pop(r, None)

    # --- prices ------------------------------------------------------------------------------------------
    def shortfall(self) -> float:
        return float(self.short.sum())

    def overload(self) -> float:
        return self.load.overload(self.L)

    def cost(self) -> float:
        return self.value() + self.lam * self.overload()

    def better_than(self, other: _Dated) -> bool:
        diff = _short(self.shortfall() - other.shortfall())
        return diff < 0 or (diff == 0 and self.cost() < other.cost() - 1e-6)

    def _shortfall_delta(self, old: list[int], new: list[tuple[tuple[int, ...], int]]) -> float:
        """Change in shortfall when the rounds ``old`` leave and the (members, anchor) groups ``new`` join."""
        oc = [self.contrib[r] for r in old if r in self.contrib]
        nc = [self.load.contribution(ms, a) for ms, a in new if ms]
        parts = [c for c in oc + nc if len(c[0])]
        if not parts:
            return 0.0
        deps = np.unique(np.concatenate([c[0] for c in parts]))
        spans = [(-1.0, self.spans[r]) for r in old if r in self.spans] + \
                [(1.0, self.load.intervals(ms, a)) for ms, a in new if ms]
        rows = self.S.copy()
        for sign, sp in spans:
            rows += sign * _spread(*self.S.shape, sp)
        rows = rows[deps]
        hot = deps[(rows > self.load.eff[deps] + 1e-9).any(axis=1)]
        before = float(self.short[deps].sum())
        if hot.size == 0:
            return -before
        D = self.D[hot].copy()
        index = np.full(self.D.shape[0], -1)
        index[hot] = np.arange(hot.size)
        for sign, (dd, w0, w1, amount) in spans:
            keep = index[dd] >= 0
            np.add.at(D, (index[dd[keep]], w0[keep], w1[keep]), sign * amount[keep])
        return sum(self.load.department_shortfall(int(d), D[k]) for k, d in enumerate(hot)) - before

    def candidates(self, r: int) -> list[int]:
        lo, hi = self.span(self.rounds[r])
        return self.load.anchor_days(lo, hi)

    @staticmethod
    def _clamp(a: int, lo: int, hi: int) -> int:
        return min(max(a, lo), hi)

    # --- local search ------------------------------------------------------------------------------------
    def best_move(self) -> tuple[tuple[float, float], tuple] | None:
        best: tuple[tuple[float, float], tuple] | None = None
        order = sorted(self.rounds)
        where = self.labels()
        short_now = self.shortfall() > TOLERANCE and self.budget[0] > 0
        room = self.lam * self.overload()  # no move can save more than all of it

        class _Found(Exception):
            pass

        def consider(dv: float, old: list[int], new: list[tuple[tuple[int, ...], int]], move: tuple) -> None:
            nonlocal best
            oc = [self.contrib[r] for r in old]
            nc = [self.load.contribution(ms, a) for ms, a in new if ms]
            # a move can lower the shortfall only through a department that has some
            at_stake = short_now and self.budget[0] > 0 and any(self.short[int(d)] > TOLERANCE for c in oc + nc for d in c[0])
            if at_stake:
                self.budget[0] -= 1
            if not at_stake:  # then only a lower cost at no more shortfall helps: the bounds on what it can save hold
                if dv >= room and dv >= 0:
                    return
                if best is not None and best[0][0] == 0 and dv - room >= best[0][1]:
                    return
            total = dv + self.lam * self.load.delta(self.L, oc, nc)
            if not at_stake and total >= -1e-6:
                return
            ds = round(_short(self._shortfall_delta(old, new)), 6)
            if ds < 0:  # first improvement on the shortfall: sweeps stay short while it falls
                best = ((ds, total), move)
                raise _Found
            if ds == 0 and total < -1e-6 and (best is None or (0.0, total) < best[0]):
                best = ((0.0, total), move)

        try:
            self._moves(consider, order, where, room, short_now)
        except _Found:
            pass
        return best

    def _moves(self, consider, order: list[int], where: list[int], room: float, short_now: bool) -> None:  # noqa: ANN001
        """Offer every move to ``consider``: move a task, give it a round of its own, merge two rounds, redate."""
        for t in range(self.m.P.shape[1]):
            r = where[t]
            rest = tuple(u for u in self.rounds[r] if u != t)
            rest_top = self._max(list(rest))
            out_gain = int(self.w @ (rest_top - self.top[r]))
            col = self.m.P[:, t]
            for s in order:
                if s == r:
                    continue
                lo, hi = self.span(self.rounds[s])
                lo, hi = max(lo, int(self.m.lo[t])), min(hi, int(self.m.hi[t]))
                if lo > hi:
                    continue
                dv = out_gain + int(self.w @ (np.maximum(self.top[s], col) - self.top[s]))
                a = self._clamp(self.anchor[s], lo, hi)
                consider(dv, [r, s], [(rest, self.anchor[r]), (tuple(sorted(self.rounds[s] + [t])), a)], ("move", t, s, a))
            if rest:  # a round of its own, on whichever day of its interval suits the departments best
                dv = out_gain + int(self.w @ col)
                for a in self.load.anchor_days(int(self.m.lo[t]), int(self.m.hi[t])):
                    consider(dv, [r], [(rest, self.anchor[r]), ((t,), a)], ("alone", t, None, a))
        for a_i, a in enumerate(order):
            la, ha = self.span(self.rounds[a])
            for b in order[a_i + 1:]:
                lb, hb = self.span(self.rounds[b])
                lo, hi = max(la, lb), min(ha, hb)
                if lo > hi:
                    continue
                dv = int(self.w @ (np.maximum(self.top[a], self.top[b]) - self.top[a] - self.top[b]))
                x = self._clamp(self.anchor[a], lo, hi)
                consider(dv, [a, b], [(tuple(sorted(self.rounds[a] + self.rounds[b])), x)], ("merge", a, b, x))
        if room > 0 or short_now:
            for r in order:
                members = tuple(self.rounds[r])
                for x in self.candidates(r):
                    if x != self.anchor[r]:
                        consider(0, [r], [(members, x)], ("redate", r, None, x))

    def apply(self, move: tuple) -> None:
        kind, x, y, anchor = move
        if kind == "redate":
            self._set(x, anchor)
            return
        if kind == "merge":
            self._drop(y)
            super().apply((kind, x, y))
            self._set(x, anchor)
            return
        r = self.labels()[x]
        label = self.next_label
        super().apply((kind, x, y))
        if r in self.rounds:
            self._set(r, self.anchor[r])
        else:
            self._drop(r)
        self._set(label if kind == "alone" else y, anchor)

    def polish(self) -> None:
        while (move := self.best_move()) is not None:
            self.apply(move[1])


def _lns(model: ItemModel, state: _Dated, config: SearchConfig, spent: float) -> tuple[_Dated, int, float]:
    """Large-neighbourhood search in the same order; CP-SAT sees the overload term (LoadTerm), priced high
    while a shortfall remains (even-spread overload bounds the shortfall from above), and every proposal is
    re-priced exactly."""
    n = len(model.names)
    if n <= 2:
        return state, 0, spent
    affinity = _affinity(model)
    seeds = [int(t) for t in np.random.default_rng(config.random_seed + 1).permutation(n)]
    size = min(config.neighbourhood, n)
    idle, k = 0, 0
    load = state.load
    patience = max(1, config.patience // 2)
    while idle < min(n, patience) and spent < config.deterministic_time and state.overload() > 1e-9:
        seed = seeds[k % n]
        k += 1
        near = [int(u) for u in np.argsort(-affinity[seed], kind="stable") if u != seed][:size - 1]
        free = sorted([seed, *near])
        sub, members, hint = _neighbourhood_model(model, state, free)
        groups = [tuple(ts) for ts in members]
        weight = state.lam if state.shortfall() <= TOLERANCE else max(state.lam, SHORTFALL_WEIGHT * _units(state))
        term = LoadTerm(lambda i, x: load.contribution(groups[i], x), load.base, load.cap, weight)
        budget = min(config.step_time, config.deterministic_time - spent)
        solved = solve_items(sub, hint, budget, config.random_seed, 0.0, config.log, term)
        spent += solved.deterministic_time
        if solved.points is None:
            idle += 1
            continue
        labels = _task_labels(members, solved.points, n)
        trial = _Dated(model, labels, load, state.lam, {p: p for p in set(solved.points)})
        trial.budget = state.budget
        trial.polish()
        if trial.better_than(state):
            state, idle = trial, 0
        else:
            idle += 1
    return state, k, spent


def _units(state: _Dated) -> float:
    """Objective units per expected visit (the load model's ``unit`` is expected visits per unit)."""
    return 1.0 / state.load.unit


def penalise(model: ItemModel, found: SearchResult, load: LoadModel, weight: float, config: SearchConfig) -> SearchResult:
    """From the visits-only calendar ``found``: date its rounds and improve it, shortfall first, then visits,
    then ``weight`` (objective units per officer-visit) × overload, by local search and large-neighbourhood
    search (half the visits-only search's patience). Skipped when nothing is short and λ × the whole overload
    is within the relative gap of the value. The trade — visits, overload and shortfall before and after — is
    returned."""
    state = _Dated(model, found.labels, load, weight)
    before_value, before_over, before_short = state.value(), state.overload(), state.shortfall()
    k, spent = 0, 0.0
    if before_short > TOLERANCE or (weight > 0 and weight * before_over > config.relative_gap * before_value):
        state.polish()
        state, k, spent = _lns(model, state, config, 0.0)
    trade = {"value_without_penalty": before_value, "overload_without_penalty": before_over,
             "shortfall_without_penalty": before_short, "value": state.value(), "overload": state.overload(),
             "shortfall": state.shortfall(), "neighbourhoods": k, "deterministic_time": spent}
    return SearchResult(state.labels(), state.value(), found.status_detail, dict(state.anchor), trade)
