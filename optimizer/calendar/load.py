"""What a calendar asks of each department: expected officer-visits per ISO week against weekly capacity.

Under the coordinated draw a subject profile g is visited in round r with probability max_{t∈r} π_gt; a
department d goes on that visit when one of the round's tasks it serves is drawn, so its expected
subjects in round r are Σ_g w_g max_{t∈r, d∈t} π_gt, each needing the largest
``min_officers_per_department`` of those tasks. Bundling may date a round's visits on any working day
the profile's tasks in that round share; this spreads each profile's expected load evenly over the ISO
weeks of that span ([latest start, earliest end] of its tasks' aligned windows in the round). Summed over rounds per (department, week) and set against the
department's weekly capacity, it shows where the calendar gathers more work than the officers can do —
before bundling has to leave pairs unplaced. :func:`calendar_load` reports it for the chosen calendar;
:class:`LoadModel` is the same rule on the alignment's own matrices (profiles × tasks), per round and
anchor, which the alignment penalises and uses to date its rounds (:class:`optimizer.calendar.AlignConfig`
``overload_weight``); tests check that the two agree on the calendar chosen.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import polars as pl

__all__ = ["LoadModel", "calendar_load", "effective_capacity", "overload_summary", "shortfall"]


def shortfall(demand: np.ndarray, capacity: np.ndarray) -> tuple[float, tuple[int, int] | None]:
    """The least demand no assignment to weeks can serve, for one department, and the weeks that prove it.

    ``demand[a, b]``: officer-visits that may fall in any of the weeks a..b (a ≤ b; the upper triangle);
    ``capacity[w]``: officer-visits week w can take. Each demand may be split over its weeks (the fractional
    transport relaxation of bundling, which must put every visit in one week of its window): the least unserved
    demand is, by the deficiency form of Hall's theorem on this interval graph, max over families of disjoint
    week intervals I of Σ_I max(0, demand lying inside I − capacity of I) — a dynamic programme over the
    weeks. Returns that figure (0 when everything fits) and the worst single interval (first, last week),
    whose demand against capacity is the certificate (None when everything fits).
    """
    weeks = demand.shape[0]
    if weeks == 0 or not demand.any():
        return 0.0, None
    inside = np.flip(np.cumsum(np.flip(np.cumsum(demand, axis=1), axis=0), axis=0), axis=0)  # Σ_{a'≥a, b'≤b}
    room = np.concatenate([[0.0], np.cumsum(capacity)])
    excess = inside - (room[None, 1:] - room[:-1, None])  # excess[a, b] for a ≤ b
    excess[_below(weeks)] = 0.0
    first, last = np.nonzero(excess > 1e-12)  # only intervals with excess can be in the best family
    if first.size == 0:
        return 0.0, None
    gain = excess[first, last]
    worst = int(np.argmax(gain))
    best = [0.0] * (weeks + 1)
    by_end = np.argsort(last, kind="stable")
    k = 0
    for b in range(weeks):  # weighted interval scheduling, intervals by their last week
        here = best[b]
        while k < by_end.size and last[by_end[k]] == b:
            i = by_end[k]
            here = max(here, best[first[i]] + float(gain[i]))
            k += 1
        best[b + 1] = here
    return float(best[weeks]), (int(first[worst]), int(last[worst]))


@lru_cache(maxsize=256)
def _below(weeks: int) -> tuple[np.ndarray, np.ndarray]:
    return np.tril_indices(weeks, -1)


def _aggregate(spans: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]) -> tuple:
    """Interval demands (department, first week, last week, amount) summed per (department, weeks), in key order."""
    if not spans:
        return tuple(np.zeros(0, dtype=np.int64) for _ in range(3)) + (np.zeros(0),)
    d, a, b, x = (np.concatenate([p[i] for p in spans]) for i in range(4))
    d, a, b = d.astype(np.int64), a.astype(np.int64), b.astype(np.int64)
    span = int(max(a.max(), b.max())) + 1
    key = (d * span + a) * span + b
    keys, where = np.unique(key, return_inverse=True)
    total = np.bincount(where, x, keys.size)
    return keys // (span * span), (keys // span) % span, keys % span, total


def effective_capacity(officer_capacity: list[float], per_visit: int) -> int:
    """Officer-visits a department can give in one week to visits that each need ``per_visit`` distinct officers.

    With officers of capacities c_i, the most visits V such that every visit gets ``per_visit`` different
    officers is the largest V with Σ_i min(c_i, V) ≥ per_visit · V (a visit's officers are distinct, so no
    officer serves more than V of them; the condition is also sufficient — fill visits round-robin). The
    result is per_visit · V: a department of 15 officer-visits a week whose visits need two officers gives
    14, one officer alone gives nothing.
    """
    if per_visit <= 1:
        return int(sum(max(0, c) for c in officer_capacity))
    caps = [max(0, int(c)) for c in officer_capacity]
    lo, hi = 0, sum(caps) // per_visit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sum(min(c, mid) for c in caps) >= per_visit * mid:
            lo = mid
        else:
            hi = mid - 1
    return per_visit * lo


def calendar_load(profiles: pl.DataFrame, rounds: pl.DataFrame, task_departments: pl.DataFrame,
                  capacity: pl.DataFrame) -> pl.DataFrame:
    """Columns department, week (ISO Monday), expected (officer-visits), capacity, over.

    ``profiles``: profile, weight, task_id, pi (:func:`optimizer.calendar.subject_profiles`);
    ``rounds``: task_id, round, start, end (aligned windows); ``task_departments``: task_id, department,
    officers (one row per department of a task); ``capacity``: department, weekly_capacity.
    """
    # each profile's visit in a round may fall on any day its tasks there share: spread it over those weeks
    per = profiles.join(rounds.select("task_id", "round", "start", "end"), on="task_id")
    visit = per.group_by("profile", "round").agg(pl.col("start").max().alias("first"), pl.col("end").min().alias("last"))
    need = per.join(task_departments, on="task_id").group_by("profile", "round", "department").agg(
        pl.col("weight").first(), pl.col("pi").max(), pl.col("officers").max()
    ).with_columns((pl.col("weight") * pl.col("pi") * pl.col("officers")).alias("expected"))
    need = need.join(visit, on=["profile", "round"]).with_columns(
        pl.min_horizontal("first", "last").alias("first")
    ).group_by("department", "first", "last").agg(pl.col("expected").sum())
    need = need.with_columns(
        pl.date_ranges(pl.col("first").dt.truncate("1w"), pl.col("last").dt.truncate("1w"), "1w").alias("week")
    ).with_columns((pl.col("expected") / pl.col("week").list.len()).alias("expected")).explode("week")
    load = need.sort("department", "week", "first", "last").group_by("department", "week", maintain_order=True).agg(
        pl.col("expected").sum())
    load = load.join(capacity.select("department", pl.col("weekly_capacity").alias("capacity")), on="department", how="left")
    return load.with_columns(pl.col("capacity").fill_null(0)).with_columns(
        (pl.col("expected") - pl.col("capacity")).clip(lower_bound=0).alias("over")
    ).sort("department", "week")


def overload_summary(load: pl.DataFrame, top: int = 5) -> dict:
    """Department-weeks whose expected officer-visits exceed capacity: how many, by how much, the worst."""
    over = load.filter(pl.col("over") > 1e-9).sort("over", "department", "week", descending=[True, False, False])
    iso = over.with_columns(pl.col("week").dt.strftime("%G-W%V").alias("label"))
    return {
        "department_weeks_over_capacity": over.height,
        "expected_officer_visits_over_capacity": round(float(over["over"].sum()), 2),
        "worst": [f"{d} {w}: {e:.1f} expected officer-visits, capacity {c}"
                  for d, w, e, c in iso.head(top).select("department", "label", "expected", "capacity").rows()],
    }


class LoadModel:
    """Expected officer-visits per department-week of a grouping of tasks, for the alignment's penalty.

    ``P`` (profiles × tasks, integer shape units) and ``weights`` are the search's merged profiles
    (:mod:`optimizer.calendar.search`); ``unit`` turns weight × P into expected subjects (visits). A round
    r at anchor a asks department d for Σ_g w_g · max_{t∈r, d∈t} π_gt · max_{t∈r, d∈t, π_gt>0} officers_t
    expected officer-visits (the rule of :func:`calendar_load` and :func:`optimizer.calendar.dating.round_demand`),
    plus the profiles of one task (``single``: departments × tasks, officer-visits, additive), spread evenly
    over the ISO weeks of the days its windows share once placed for anchor a (``place(t, a)`` → start day,
    ``lengths``; days from 1 January, weeks counted from the one holding it, plus ``week_shift``). ``base`` is
    the load of rounds outside this model (other components), departments × weeks.
    Overload Σ_{d,w} max(0, load_dw − capacity_dw) is what the alignment's penalty λ prices. The same demand,
    each part movable to any week of its range (:meth:`intervals`), against ``effective`` capacity (what teams
    of distinct officers can use that week, :func:`effective_capacity`; default ``capacity``) gives the
    shortfall (:meth:`shortfall`), which the alignment minimises first (:mod:`optimizer.calendar.complete`);
    ``base_demand`` holds other components' interval demand (departments × weeks × weeks). Dating inside
    the search is by anchor day; the windows themselves are placed as the plan places them (``place``).
    """

    def __init__(self, P: np.ndarray, weights: np.ndarray, unit: float, officers: np.ndarray,
                 task_departments: list[np.ndarray], single: np.ndarray, capacity: np.ndarray,
                 place, lengths: np.ndarray, origin: np.ndarray, weekday_of_day0: int,  # noqa: ANN001
                 base: np.ndarray, week_shift: int = 0, base_demand: np.ndarray | None = None,
                 effective: np.ndarray | None = None, workdays: np.ndarray | None = None) -> None:
        self.P, self.w, self.unit = P, weights.astype(np.float64), unit
        self.origin = origin
        self.officers = officers.astype(np.float64)
        self.deps = task_departments
        self.single = single
        self.capacity = capacity.astype(np.float64)
        self.place, self.lengths, self.wd0 = place, lengths, weekday_of_day0
        self.shift = week_shift  # added to every week index, so weeks before 1 January stay ≥ 0
        self.base = base
        # capacity per department-week (availability); a 1-D capacity holds in every week
        self.cap = (np.broadcast_to(self.capacity[:, None], base.shape) if self.capacity.ndim == 1
                    else self.capacity).astype(np.float64)
        # what the shortfall is judged against: officer-visits teams of distinct officers can use (effective_capacity)
        self.eff = self.cap if effective is None else effective.astype(np.float64)
        self.workdays = workdays  # working days (days from 1 January), sorted: a demand's weeks are those it can use
        self.base_demand = base_demand if base_demand is not None else np.zeros((base.shape[0], base.shape[1], base.shape[1]))
        self._cache: dict[tuple, tuple] = {}

    def demand(self, members: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """(departments, expected officer-visits) of a round holding ``members``, wherever it is dated."""
        deps, _, _, matrix = self.contribution(members, int(self.origin[members[0]]))
        return deps, matrix.sum(axis=1)

    def anchor_days(self, lo: int, hi: int) -> list[int]:
        """Where a round of anchor interval [lo, hi] may be dated: its ends and every Monday between."""
        first_monday = lo + (-(lo + self.wd0)) % 7
        return sorted({lo, hi, *range(first_monday, hi + 1, 7)})

    def moved(self, members: tuple[int, ...], anchor: int) -> int:
        """Days the members' windows move from where the plan put them, if anchored at ``anchor``."""
        return sum(abs(self.place(t, anchor) - int(self.origin[t])) for t in members)

    def contribution(self, members: tuple[int, ...], anchor: int) -> tuple[np.ndarray, int, int, np.ndarray]:
        """(departments, first week, last week, officer-visits: departments × weeks) of the round at ``anchor``.

        Each profile's expected officer-visits are spread over the ISO weeks of the days its own tasks in the
        round share once placed (as :func:`calendar_load` does); one-task profiles over their task's window."""
        return self._both(members, anchor)[0]

    def intervals(self, members: tuple[int, ...], anchor: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(department, first week, last week, officer-visits) of every demand of the round at ``anchor``, each
        movable to any week of its own range: the input of :func:`shortfall`.

        Under the coordinated draw a subject of profile g is drawn in the round for exactly its k likeliest
        tasks with chance π_(k) − π_(k+1) (one number u, task t drawn when u < π_t), and its visit may then fall
        on any day those k windows share. Each level is one demand of the departments of those k tasks (the
        most officers any of them needs): in total at most what :meth:`contribution` spreads over the days
        all the profile's tasks share, on ranges holding those, so an even spread that fits means no shortfall."""
        return self._both(members, anchor)[1]

    def _both(self, members: tuple[int, ...], anchor: int) -> tuple[tuple, tuple]:
        key = (members, anchor)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        starts = np.array([self.place(t, anchor) for t in members], dtype=np.int64)
        ends = starts + self.lengths[list(members)] - 1
        deps = sorted({int(d) for t in members for d in self.deps[t]})
        cols = self.P[:, list(members)]
        mask = cols > 0
        rows = np.flatnonzero(mask.any(axis=1))
        cols, mask = cols[rows], mask[rows]
        big = 1 << 40
        first = np.where(mask, starts, -big).max(axis=1)
        last = np.maximum(np.where(mask, ends, big).min(axis=1), first)
        w0 = (first + self.wd0) // 7 + self.shift
        w1 = (last + self.wd0) // 7 + self.shift
        s_w0 = (starts + self.wd0) // 7 + self.shift
        s_w1 = (ends + self.wd0) // 7 + self.shift
        lo = int(min(w0.min(initial=big), s_w0.min()))
        hi = int(max(w1.max(initial=-big), s_w1.max()))
        width = hi - lo + 1
        matrix = np.zeros((len(deps), width))
        spans: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        if rows.size:  # the draw's levels: with chance π_(k) − π_(k+1) exactly the k likeliest tasks are drawn
            order = np.argsort(-cols, axis=1, kind="stable")
            p_sorted = np.take_along_axis(cols, order, axis=1).astype(np.float64)
            level = p_sorted - np.concatenate([p_sorted[:, 1:], np.zeros((rows.size, 1))], axis=1)
            open_k = np.maximum.accumulate(starts[order], axis=1)
            close_k = np.maximum(np.minimum.accumulate(ends[order], axis=1), open_k)
            if self.workdays is not None and self.workdays.size:  # from the first to the last working day
                i = np.minimum(np.searchsorted(self.workdays, open_k, "left"), self.workdays.size - 1)
                j = np.maximum(np.searchsorted(self.workdays, close_k, "right") - 1, 0)
                first, last = self.workdays[i], self.workdays[j]
                has_day = first <= last
                open_k, close_k = np.where(has_day, first, open_k), np.where(has_day, last, open_k)
            lw0 = (open_k + self.wd0) // 7 + self.shift
            lw1 = (close_k + self.wd0) // 7 + self.shift
        for k, d in enumerate(deps):
            has = np.array([d in self.deps[t] for t in members])
            if rows.size:
                mine = mask & has
                top = np.where(mine, cols, 0).max(axis=1).astype(np.float64)
                staff = np.where(mine, self.officers[list(members)], 0.0).max(axis=1)
                e = self.w[rows] * top * staff * self.unit / (w1 - w0 + 1)
                diff = np.bincount(w0 - lo, e, width + 1) - np.bincount(w1 + 1 - lo, e, width + 1)
                matrix[k] += np.cumsum(diff)[:width]
                staff_k = np.maximum.accumulate(np.where(has, self.officers[list(members)], 0.0)[order], axis=1)
                amount = self.w[rows][:, None] * level * staff_k * self.unit
                keep = amount > 0
                spans.append((np.full(int(keep.sum()), d), lw0[keep], lw1[keep], amount[keep]))
            for j, t in enumerate(members):
                if has[j] and self.single[d, t] > 0:
                    a, b = int(s_w0[j]) - lo, int(s_w1[j]) - lo
                    matrix[k, a:b + 1] += self.single[d, t] / (b - a + 1)
                    a_w, b_w = self._working_weeks(int(starts[j]), int(ends[j]))
                    spans.append((np.array([d]), np.array([a_w]), np.array([b_w]), np.array([self.single[d, t]])))
        joined = _aggregate(spans)
        out = ((np.array(deps, dtype=np.int64), lo, hi, matrix), joined)
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[key] = out
        return out

    def _working_weeks(self, first: int, last: int) -> tuple[int, int]:
        """The weeks of the first and last working day in days first..last (their own weeks when none)."""
        if self.workdays is not None and self.workdays.size:
            i = int(np.searchsorted(self.workdays, first, "left"))
            j = int(np.searchsorted(self.workdays, last, "right")) - 1
            if i <= j:
                first, last = int(self.workdays[i]), int(self.workdays[j])
        return (first + self.wd0) // 7 + self.shift, (last + self.wd0) // 7 + self.shift

    def overload(self, load: np.ndarray) -> float:
        return float(np.maximum(load - self.cap, 0.0).sum())

    def shortfall(self, demand: np.ndarray, departments: np.ndarray | None = None) -> np.ndarray:
        """Per department (all, or ``departments``): :func:`shortfall` of the interval demand ``demand``
        (departments × weeks × weeks) against the capacity teams can use (``eff``)."""
        deps = range(demand.shape[0]) if departments is None else departments
        return np.array([self.department_shortfall(int(d), demand[d]) for d in deps], dtype=np.float64)

    def department_shortfall(self, department: int, demand: np.ndarray) -> float:
        """:func:`shortfall` of one department's interval demand (weeks × weeks) against its usable capacity."""
        used = np.flatnonzero(demand.any(axis=0) | demand.any(axis=1))
        if used.size == 0:
            return 0.0
        a, b = int(used[0]), int(used[-1]) + 1
        return shortfall(demand[a:b, a:b], self.eff[department, a:b])[0]

    @staticmethod
    def add_demand(demand: np.ndarray, intervals, sign: float) -> None:  # noqa: ANN001
        """Add (``sign`` 1) or remove (−1) the interval demands of :meth:`intervals` in ``demand``."""
        if intervals is None:
            return
        deps, w0, w1, amount = intervals
        np.add.at(demand, (deps, w0, w1), sign * amount)

    def delta(self, load: np.ndarray, remove: list, add: list) -> float:
        """Change in overload when the contributions ``remove`` leave ``load`` and ``add`` join it."""
        parts = [c for c in remove + add if c is not None and len(c[0])]
        if not parts:
            return 0.0
        deps = np.unique(np.concatenate([c[0] for c in parts]))
        w0, w1 = min(c[1] for c in parts), max(c[2] for c in parts)
        patch = load[deps, w0:w1 + 1]
        cap = self.cap[deps, w0:w1 + 1]
        new = patch.copy()
        row = {int(d): k for k, d in enumerate(deps)}
        for sign, group in ((-1.0, remove), (1.0, add)):
            for c in group:
                if c is None:
                    continue
                new[[row[int(d)] for d in c[0]], c[1] - w0:c[2] - w0 + 1] += sign * c[3]
        return float(np.maximum(new - cap, 0.0).sum() - np.maximum(patch - cap, 0.0).sum())

    @staticmethod
    def apply(load: np.ndarray, contribution, sign: float) -> None:
        if contribution is None:
            return
        deps, w0, w1, matrix = contribution
        load[deps, w0:w1 + 1] += sign * matrix
