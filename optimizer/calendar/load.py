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

import numpy as np
import polars as pl

__all__ = ["LoadModel", "calendar_load", "overload_summary"]


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
    Overload Σ_{d,w} max(0, load_dw − capacity_d) is what the alignment's penalty λ prices. Dating inside
    the search is by anchor day; the windows themselves are placed as the plan places them (``place``).
    """

    def __init__(self, P: np.ndarray, weights: np.ndarray, unit: float, officers: np.ndarray,
                 task_departments: list[np.ndarray], single: np.ndarray, capacity: np.ndarray,
                 place, lengths: np.ndarray, origin: np.ndarray, weekday_of_day0: int,  # noqa: ANN001
                 base: np.ndarray, week_shift: int = 0) -> None:
        self.P, self.w, self.unit = P, weights.astype(np.float64), unit
        self.origin = origin
        self.officers = officers.astype(np.float64)
        self.deps = task_departments
        self.single = single
        self.capacity = capacity.astype(np.float64)
        self.place, self.lengths, self.wd0 = place, lengths, weekday_of_day0
        self.shift = week_shift  # added to every week index, so weeks before 1 January stay ≥ 0
        self.base = base
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
        for k, d in enumerate(deps):
            has = np.array([d in self.deps[t] for t in members])
            if rows.size:
                mine = mask & has
                top = np.where(mine, cols, 0).max(axis=1).astype(np.float64)
                staff = np.where(mine, self.officers[list(members)], 0.0).max(axis=1)
                e = self.w[rows] * top * staff * self.unit / (w1 - w0 + 1)
                diff = np.bincount(w0 - lo, e, width + 1) - np.bincount(w1 + 1 - lo, e, width + 1)
                matrix[k] += np.cumsum(diff)[:width]
            for j, t in enumerate(members):
                if has[j] and self.single[d, t] > 0:
                    a, b = int(s_w0[j]) - lo, int(s_w1[j]) - lo
                    matrix[k, a:b + 1] += self.single[d, t] / (b - a + 1)
        out = (np.array(deps, dtype=np.int64), lo, hi, matrix)
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[key] = out
        return out

    def overload(self, load: np.ndarray) -> float:
        return float(np.maximum(load - self.capacity[:, None], 0.0).sum())

    def delta(self, load: np.ndarray, remove: list, add: list) -> float:
        """Change in overload when the contributions ``remove`` leave ``load`` and ``add`` join it."""
        parts = [c for c in remove + add if c is not None and len(c[0])]
        if not parts:
            return 0.0
        deps = np.unique(np.concatenate([c[0] for c in parts]))
        w0, w1 = min(c[1] for c in parts), max(c[2] for c in parts)
        patch = load[deps, w0:w1 + 1]
        cap = self.capacity[deps][:, None]
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
