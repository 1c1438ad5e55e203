"""Calendar alignment of one component: greedy rounds, local search, then large-neighbourhood search.

A calendar is a grouping of the component's tasks into rounds whose anchor intervals share a point
(:mod:`optimizer.calendar.bound`). Its value is Σ_g w_g Σ_r max_{t∈r} P[g, t] over merged profiles g.

1. Greedy: stab the anchor intervals by earliest right end (fewest rounds any grouping can have).
2. Local search, best improvement first: move one task to another round it fits (or to a round of its
   own), or merge two rounds, while that lowers the value. Each move is priced on whole profile vectors
   (numpy), so a sweep costs O(tasks × rounds × profiles).
3. Large-neighbourhood search: free a few tasks (a seed task and those sharing most subjects with it),
   keep every other round as one fixed *item*, and let CP-SAT (:mod:`optimizer.calendar.model`) re-place
   the free tasks and the fixed rounds' anchors (so fixed rounds may also merge). Improvements are kept
   and polished by local search. Seeds rotate in a fixed order; it stops when the value is within the
   relative gap of the bound, ``patience`` neighbourhoods in a row bring nothing, or the deterministic budget is spent.
   (One CP-SAT solve of the whole component was tried and dropped: on the stress district its LP bound
   stays far below the per-profile bound and 18 deterministic seconds cost 200 s of wall time.)

4. Capacity (:mod:`optimizer.calendar.complete`, with weekly capacity): the rounds are dated and the
   calendar improved completeness first — the expected officer-visits no assignment of visits to weeks can
   serve — then visits, then λ · expected overload.

On sub-districts of stress-80 small enough for one CP-SAT solve to prove the optimum (20 and 40 tasks),
this search ends within 0.01% of it, while the per-profile bound lies 4% below: stress-80's gap is the
bound's, not the search's (benchmarks/results/calendar-gap.md).

Everything is deterministic: ties go to the lowest index, CP-SAT runs on one worker with a deterministic
time limit, and nothing reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimizer.calendar.model import ItemModel, solve_items
from optimizer.progress import step

__all__ = ["SearchConfig", "SearchResult", "search_calendar"]


@dataclass(frozen=True)
class SearchConfig:
    deterministic_time: float
    relative_gap: float
    random_seed: int
    neighbourhood: int = 10
    step_time: float = 1.0
    patience: int = 24
    log: bool = False


@dataclass(frozen=True)
class SearchResult:
    labels: list[int]       # task → round label (labels are arbitrary ints)
    value: int
    status_detail: str
    anchors: dict[int, int] | None = None   # round label → anchor day, when the search dated the rounds
    trade: dict | None = None               # what the overload penalty traded (see search_calendar)


class _State:
    """Rounds as member lists with their profile-max vectors; value in integer units."""

    def __init__(self, model: ItemModel, labels: list[int]):
        self.m = model
        self.w = model.weights.astype(np.int64)
        self.rounds: dict[int, list[int]] = {}
        for t, r in enumerate(labels):
            self.rounds.setdefault(r, []).append(t)
        self.top = {r: self._max(ts) for r, ts in self.rounds.items()}
        self.next_label = max(self.rounds) + 1

    def _max(self, members: list[int]) -> np.ndarray:
        if not members:
            return np.zeros(self.m.P.shape[0], dtype=np.int64)
        return self.m.P[:, members].max(axis=1)

    def value(self) -> int:
        return int(sum(int(self.w @ v) for v in self.top.values()))

    def span(self, members: list[int]) -> tuple[int, int]:
        return int(self.m.lo[members].max()), int(self.m.hi[members].min())

    def labels(self) -> list[int]:
        out = [0] * self.m.P.shape[1]
        for r, ts in self.rounds.items():
            for t in ts:
                out[t] = r
        return out

    def best_move(self) -> tuple[int, tuple] | None:
        best = None
        order = sorted(self.rounds)
        where = self.labels()
        for t in range(self.m.P.shape[1]):
            r = where[t]
            rest = [u for u in self.rounds[r] if u != t]
            rest_top = self._max(rest)
            out_gain = int(self.w @ (rest_top - self.top[r]))
            col = self.m.P[:, t]
            for s in order:
                if s == r:
                    continue
                lo, hi = self.span(self.rounds[s])
                if max(lo, self.m.lo[t]) > min(hi, self.m.hi[t]):
                    continue
                delta = out_gain + int(self.w @ (np.maximum(self.top[s], col) - self.top[s]))
                if delta < 0 and (best is None or delta < best[0]):
                    best = (delta, ("move", t, s))
            if rest:  # a round of its own
                delta = out_gain + int(self.w @ col)
                if delta < 0 and (best is None or delta < best[0]):
                    best = (delta, ("alone", t, None))
        for a_i, a in enumerate(order):
            la, ha = self.span(self.rounds[a])
            for b in order[a_i + 1:]:
                lb, hb = self.span(self.rounds[b])
                if max(la, lb) > min(ha, hb):
                    continue
                delta = int(self.w @ (np.maximum(self.top[a], self.top[b]) - self.top[a] - self.top[b]))
                if delta < 0 and (best is None or delta < best[0]):
                    best = (delta, ("merge", a, b))
        return best

    def apply(self, move: tuple) -> None:
        kind, x, y = move
        if kind == "merge":
            self.rounds[x] = sorted(self.rounds[x] + self.rounds.pop(y))
            self.top[x] = np.maximum(self.top[x], self.top.pop(y))
            return
        where = self.labels()
        r = where[x]
        self.rounds[r].remove(x)
        if self.rounds[r]:
            self.top[r] = self._max(self.rounds[r])
        else:
            del self.rounds[r], self.top[r]
        if kind == "alone":
            y = self.next_label
            self.next_label += 1
            self.rounds[y] = []
        self.rounds[y] = sorted(self.rounds[y] + [x])
        self.top[y] = self._max(self.rounds[y])

    def polish(self) -> None:
        while (move := self.best_move()) is not None:
            self.apply(move[1])


def _task_labels(members: list, points: list[int], n: int) -> list[int]:
    """Each of the ``n`` tasks' round from a neighbourhood's solution: item ``k`` (the tasks ``members[k]``, kept
    together) took point ``points[k]``."""
    labels = [0] * n
    for item, tasks in enumerate(members):
        for t in tasks:
            labels[t] = points[item]
    return labels


def _greedy(model: ItemModel) -> list[int]:
    """Stab the anchor intervals by earliest right end: every task joins the first stab point it contains."""
    order = sorted(range(len(model.names)), key=lambda t: (int(model.hi[t]), int(model.lo[t]), t))
    labels, point, label = [0] * len(order), None, -1
    for t in order:
        if point is None or model.lo[t] > point:
            label += 1
            point = int(model.hi[t])
        labels[t] = label
    return labels


def _affinity(model: ItemModel) -> np.ndarray:
    """Shared profile mass between tasks: Σ_g w_g min(P[g, t], P[g, u])."""
    P = model.P.astype(np.float64)
    w = model.weights.astype(np.float64)
    n = P.shape[1]
    out = np.zeros((n, n))
    for t in range(n):
        out[t] = (w[:, None] * np.minimum(P[:, [t]], P)).sum(axis=0)
    np.fill_diagonal(out, -1.0)
    return out


def _neighbourhood_model(model: ItemModel, state: _State, free: list[int]) -> tuple[ItemModel, list[list[int]], list[int]]:
    """Items: each free task alone, and every round minus its free tasks as one fixed item.
    Returns the item model, the tasks of each item, and a hint (each item's current point)."""
    members: list[list[int]] = [[t] for t in free]
    hint: list[int] = []
    where = state.labels()
    point_of = {r: state.span(ts)[0] for r, ts in state.rounds.items()}
    hint = [point_of[where[t]] for t in free]
    for r in sorted(state.rounds):
        rest = [t for t in state.rounds[r] if t not in free]
        if rest:
            members.append(rest)
            hint.append(point_of[r])
    lo = np.array([model.lo[ts].max() for ts in members])
    hi = np.array([model.hi[ts].min() for ts in members])
    P = np.stack([model.P[:, ts].max(axis=1) for ts in members], axis=1)
    # profiles on one item only are a constant here; those touching no free task are left out too (fixed
    # rounds may still merge, which never costs; the trial is re-priced on every profile afterwards)
    used = ((P > 0).sum(axis=1) >= 2) & (P[:, :len(free)] > 0).any(axis=1)
    names = [("+".join(model.names[t] for t in ts) if len(ts) <= 3 else f"{model.names[ts[0]]}+{len(ts) - 1}") for ts in members]
    return ItemModel(names, lo, hi, model.weights[used], P[used]), members, hint


def search_calendar(model: ItemModel, bound: float, config: SearchConfig) -> SearchResult:
    """Greedy, local search and LNS for one component (see the module docstring); ``bound`` in model units."""
    state = _State(model, _greedy(model))
    state.polish()
    spent, notes, start = 0.0, [], state.value()
    n = len(model.names)

    def close_enough() -> bool:
        value = state.value()
        return value <= bound + 1e-9 or (value - bound) <= config.relative_gap * value

    if n > 2 and not close_enough():
        affinity = _affinity(model)
        seeds = [int(t) for t in np.random.default_rng(config.random_seed).permutation(n)]
        size = min(config.neighbourhood, n)
        idle, k = 0, 0
        while idle < min(n, config.patience) and spent < config.deterministic_time and not close_enough():
            seed = seeds[k % n]
            k += 1
            near = [int(u) for u in np.argsort(-affinity[seed], kind="stable") if u != seed][:size - 1]
            free = sorted([seed, *near])
            sub, members, hint = _neighbourhood_model(model, state, free)
            budget = min(config.step_time, config.deterministic_time - spent)
            before = state.value()
            solved = solve_items(sub, hint, budget, config.random_seed, 0.0, config.log)
            spent += solved.deterministic_time
            step(spent, config.deterministic_time)  # progress: deterministic time, not the clock
            if solved.points is None:
                idle += 1
                continue
            labels = _task_labels(members, solved.points, n)
            trial = _State(model, labels)
            trial.polish()
            if trial.value() < before:
                state, idle = trial, 0
            else:
                idle += 1
        notes.append(f"{n} tasks: greedy + local search {start * 1e-6:.2f}, LNS ({k} neighbourhoods of {size}, "
                     f"{spent:.2f} deterministic s) {state.value() * 1e-6:.2f} (profiles on several tasks only)")

    return SearchResult(state.labels(), state.value(), "; ".join(notes))
