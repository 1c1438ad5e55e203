"""Dating the rounds: once tasks are grouped, put each round's anchor where the departments have room.

The grouping fixes the expected visits; the anchor only decides *when* a round's shared days fall (inside
what every member's ``window_flex`` allows). Rounds are dated one by one, the heaviest first (expected
officer-visits Σ_d Σ_g w_g max_{t∈r, d∈t} π_gt × officers), each at the candidate anchor that adds least
expected overload — expected officer-visits above a department's weekly capacity, the round's load
spread evenly over the ISO weeks its placed windows share — then that moves the windows least from where
the plan put them, then the earliest. Without staffing data every cost is zero and each round simply
moves least. This trades nothing against visits: it only uses the freedom the grouping leaves. Used when
the alignment's overload penalty is off (λ = 0) or there is no staffing data; with the penalty on, the
search dates the rounds itself with the per-profile load rule (:class:`optimizer.calendar.load.LoadModel`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from scenarios.model import Task

__all__ = ["Staffing", "date_rounds", "department_weeks", "round_demand", "staffing_from"]


@dataclass(frozen=True)
class Staffing:
    """Weekly capacity per department (officer-visits) and, per task, its departments and officers each.

    ``roster``: each department's officers' usual weekly capacities; ``weeks``: where availability
    (:mod:`scenarios.availability`) changes them, department → ISO Monday → the officers' capacities that week.
    """

    capacity: dict[str, int]
    departments: dict[str, tuple[str, ...]]
    officers: dict[str, int]
    roster: dict[str, tuple[int, ...]] = field(default_factory=dict)
    weeks: dict[str, dict[dt.date, tuple[int, ...]]] = field(default_factory=dict)

    def officer_capacities(self, department: str, monday: dt.date) -> tuple[int, ...]:
        """The department's officers' capacities in the ISO week of ``monday``."""
        default = self.roster.get(department, (self.capacity.get(department, 0),))
        return self.weeks.get(department, {}).get(monday, default)

    def per_visit(self, department: str) -> int:
        """The fewest officers of ``department`` a visit of one of its tasks needs (at least 1)."""
        need = [self.officers.get(t, 0) for t, ds in self.departments.items() if department in ds]
        return max(1, min((n for n in need if n > 0), default=1))


def staffing_from(officers: pl.DataFrame, tasks: pl.DataFrame, weekly: pl.DataFrame | None = None) -> Staffing:
    """From the officer directory (department, weekly_capacity) and the rules' task table (task_id,
    required_departments, min_officers_per_department); ``weekly`` (officer_id, week — the ISO Monday —,
    weekly_capacity): the officers' capacity in the weeks availability changes it
    (:func:`scenarios.availability.officer_weeks`)."""
    capacity = officers.group_by("department").agg(pl.col("weekly_capacity").sum()).sort("department")
    roster = officers.sort("department", "officer_id").group_by("department", maintain_order=True).agg(
        pl.col("weekly_capacity"))
    weeks: dict[str, dict[dt.date, tuple[int, ...]]] = {}
    if weekly is not None and weekly.height:
        mondays = weekly.select("week").unique().sort("week")
        grid = officers.select("officer_id", "department", "weekly_capacity").join(mondays, how="cross").join(
            weekly.select("officer_id", "week", pl.col("weekly_capacity").alias("now")), on=["officer_id", "week"],
            how="left").with_columns(pl.coalesce("now", "weekly_capacity").alias("c"))
        touched = grid.filter(pl.col("now").is_not_null()).select("department", "week").unique()
        per = grid.join(touched, on=["department", "week"]).sort("department", "week", "officer_id").group_by(
            "department", "week", maintain_order=True).agg(pl.col("c"))
        for d, w, cs in per.rows():
            weeks.setdefault(d, {})[w] = tuple(int(c) for c in cs)
    return Staffing(
        capacity={d: int(c) for d, c in capacity.rows()},
        departments={t: tuple(sorted(ds or [])) for t, ds in tasks.select("task_id", "required_departments").rows()},
        officers={t: int(o) for t, o in tasks.select("task_id", "min_officers_per_department").rows()},
        roster={d: tuple(int(c) for c in cs) for d, cs in roster.rows()},
        weeks=weeks,
    )


def department_weeks(staffing: Staffing) -> pl.DataFrame:
    """Department, week (ISO Monday), weekly_capacity: officer-visits in the weeks availability changes, as teams
    of distinct officers can use them (:func:`optimizer.calendar.load.effective_capacity`); other weeks keep the
    department's usual sum."""
    from optimizer.calendar.load import effective_capacity

    rows = [(d, w, effective_capacity(list(caps), staffing.per_visit(d)))
            for d in sorted(staffing.weeks) for w, caps in sorted(staffing.weeks[d].items())]
    return pl.DataFrame(rows, schema={"department": pl.String, "week": pl.Date, "weekly_capacity": pl.Int64},
                        orient="row")


def round_demand(profiles: pl.DataFrame, label_of: dict[str, int], staffing: Staffing) -> dict[int, dict[str, float]]:
    """Expected officer-visits per department of each round (``label_of``: task → round label)."""
    deps = pl.DataFrame(
        [(t, d, staffing.officers.get(t, 0)) for t, ds in sorted(staffing.departments.items()) for d in ds],
        schema={"task_id": pl.String, "department": pl.String, "officers": pl.Int64}, orient="row")
    labels = pl.DataFrame({"task_id": list(label_of), "label": list(label_of.values())})
    need = profiles.join(labels, on="task_id").join(deps, on="task_id").group_by("profile", "label", "department").agg(
        pl.col("weight").first(), pl.col("pi").max(), pl.col("officers").max())
    need = need.with_columns((pl.col("weight") * pl.col("pi") * pl.col("officers")).alias("e")).sort(
        "label", "department", "profile").group_by("label", "department", maintain_order=True).agg(pl.col("e").sum())
    out: dict[int, dict[str, float]] = {}
    for label, d, e in need.rows():
        out.setdefault(label, {})[d] = float(e)
    return out


def _weeks(first: dt.date, last: dt.date) -> list[dt.date]:
    monday = first - dt.timedelta(days=first.weekday())
    out = []
    while monday <= last:
        out.append(monday)
        monday += dt.timedelta(days=7)
    return out


def date_rounds(rounds: list[tuple[int, list[Task], list[int]]], demand: dict[int, dict[str, float]],
                place: Callable[[Task, int], dt.date], capacity: dict[str, int] | None) -> dict[int, int]:
    """Round label → anchor day. ``rounds``: (label, tasks, candidate anchors in the round's interval)."""
    load: dict[tuple[str, dt.date], float] = {}
    order = sorted(rounds, key=lambda r: (-sum(demand.get(r[0], {}).values()), r[0]))
    chosen = {}
    for label, tasks, candidates in order:
        need = demand.get(label, {}) if capacity is not None else {}

        def cost(a: int) -> tuple[float, int, int]:
            starts = [place(t, a) for t in tasks]
            first = max(starts)
            last = min(s + dt.timedelta(days=t.window.days - 1) for s, t in zip(starts, tasks))
            weeks = _weeks(first, max(first, last))
            over = 0.0
            for d, e in need.items():
                add, cap = e / len(weeks), capacity.get(d, 0)
                for w in weeks:
                    now = load.get((d, w), 0.0)
                    over += max(0.0, now + add - cap) - max(0.0, now - cap)
            moved = sum(abs((s - t.window.start).days) for s, t in zip(starts, tasks))
            return round(over, 9), moved, a

        best = min(candidates, key=cost)
        chosen[label] = best
        if need:
            starts = [place(t, best) for t in tasks]
            first = max(starts)
            last = min(s + dt.timedelta(days=t.window.days - 1) for s, t in zip(starts, tasks))
            weeks = _weeks(first, max(first, last))
            for d, e in need.items():
                for w in weeks:
                    load[(d, w)] = load.get((d, w), 0.0) + e / len(weeks)
    return chosen
