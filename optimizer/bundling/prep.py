"""Visit bundling, part 1: the calendar, the prepared pairs, per-subject stabbing and the greedy plan.

Everything here is plain data; the CP-SAT repair lives in :mod:`optimizer.bundling.model` and the
public entry point in :mod:`optimizer.bundling.bundle`.

* Calendar. Days are indices into :func:`optimizer.calendar.workdays.working_days` (the Chinese statutory
  calendar, 法定节假日与调休), so a task window becomes an interval [a, b] of working-day indices and
  any index in it is a lawful visit date. Weeks are ISO weeks, keyed by their Monday.
* Stabbing. For one subject, the fewest dates that hit all its task windows is the classic interval
  stabbing optimum (sort by end; a window that starts after the current date opens a new date). Each
  date's windows form a *group*: one visit serving them, allowed on any working day of
  [max start, that date].
* Greedy plan. Groups are placed into ISO weeks, fewest candidate weeks first, each in the week whose
  busiest department would be least loaded relative to its capacity (ties rotate by a hash of the plan
  seed and the subject). A group that fits no week, and any group beyond a subject's annual cap, is left
  unplaced. The greedy plan never breaks a capacity or a cap; subjects it could not serve completely are
  handed to the CP-SAT repair.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
from dataclasses import dataclass, field

import polars as pl

from optimizer.calendar import working_days

__all__ = ["Calendar", "TaskInfo", "Group", "Prepared", "prepare", "stab_groups", "greedy_plan", "Slot",
           "subject_slots", "tie_hash"]


def tie_hash(seed: str, *parts: object) -> int:
    """A 64-bit number from the plan seed and ``parts`` (SHA-256, stable across machines and versions)."""
    text = "\x1f".join([seed, *map(str, parts)])
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


@dataclass(frozen=True)
class Calendar:
    """Working days of one year, the ISO week of each, and each week's range of working-day indices."""

    year: int
    days: tuple[dt.date, ...]
    week_of: tuple[int, ...]  # working-day index → week index
    week_label: tuple[str, ...]  # week index → "2024-W40"
    week_number: tuple[int, ...]  # week index → ISO week number
    week_range: tuple[tuple[int, int], ...]  # week index → (first, last) working-day index

    @classmethod
    def of(cls, year: int) -> "Calendar":
        days = working_days(year)
        mondays = sorted({d - dt.timedelta(days=d.weekday()) for d in days})
        index = {m: k for k, m in enumerate(mondays)}
        week_of = tuple(index[d - dt.timedelta(days=d.weekday())] for d in days)
        first: dict[int, int] = {}
        last: dict[int, int] = {}
        for i, w in enumerate(week_of):
            first.setdefault(w, i)
            last[w] = i
        iso = [m.isocalendar() for m in mondays]
        return cls(
            year, days, week_of, tuple(f"{y}-W{n:02d}" for y, n, _ in iso), tuple(n for _, n, _ in iso),
            tuple((first[w], last[w]) for w in range(len(mondays))),
        )

    def interval(self, start: dt.date, end: dt.date) -> tuple[int, int]:
        """Working-day indices [a, b] inside [start, end]; a > b when there is none."""
        return bisect.bisect_left(self.days, start), bisect.bisect_right(self.days, end) - 1


@dataclass(frozen=True)
class TaskInfo:
    """One task as the bundler sees it: its window in working days and what a visit serving it uses."""

    task_id: str
    start: dt.date
    end: dt.date
    a: int
    b: int
    departments: tuple[str, ...]
    officers: int  # officer-visits of each of its departments


@dataclass
class Group:
    """One visit of the greedy plan: a subject's tasks served together on a day in [lo, hi]."""

    subject_id: str
    tasks: tuple[str, ...]
    lo: int
    hi: int
    usage: tuple[tuple[str, int], ...]  # (department, officer-visits), sorted
    week: int | None = None


@dataclass(frozen=True)
class Slot:
    """A candidate visit of the CP-SAT model: one week and a maximal set of tasks sharing a working day in it."""

    subject_id: str
    week: int
    tasks: frozenset[str]


@dataclass
class Prepared:
    """Validated, sorted input: pairs per subject, tasks, caps, capacities, and pairs that can never be placed."""

    calendar: Calendar
    seed: str
    tasks: dict[str, TaskInfo]
    subject_tasks: dict[str, tuple[str, ...]]  # subject → its placeable tasks, sorted
    rounds: dict[tuple[str, str], int]
    caps: dict[str, int | None]
    capacity: dict[str, int]
    no_workday: list[tuple[str, str, str, str]] = field(default_factory=list)  # (subject, task, reason, 中文)
    notes: list[str] = field(default_factory=list)
    used: dict[tuple[str, int], int] = field(default_factory=dict)  # (department, week) → officer-visits already taken


def _missing(kind: str, ids: list[str]) -> str:
    shown = ", ".join(sorted(ids)[:10]) + (" …" if len(ids) > 10 else "")
    return f"{kind}: {shown}"


def prepare(selected: pl.DataFrame, windows: pl.DataFrame, task_departments: pl.DataFrame,
            officers_per_department: pl.DataFrame, capacity: pl.DataFrame, caps: pl.DataFrame,
            year: int, seed: str, used: pl.DataFrame | None = None,
            week_capacity: pl.DataFrame | None = None) -> Prepared:
    """Check and index the input; raise ``ValueError`` saying what is missing or repeated.

    ``used``: department, date, officers — officer-visits of visits made outside this bundling (an
    adjustment's kept visits, :mod:`optimizer.adjust`) that count against the capacity of their ISO week."""
    cal = Calendar.of(year)
    pairs = selected.select("subject_id", "task_id", pl.col("round").cast(pl.Int32)).sort("subject_id", "task_id")
    dup = pairs.filter(pl.struct("subject_id", "task_id").is_duplicated())
    if dup.height:
        raise ValueError(_missing("selected repeats (subject, task) pairs", [f"{s}/{t}" for s, t, _ in dup.unique().rows()]))
    need = sorted(set(pairs["task_id"].to_list()))
    tables = {"windows": windows, "task_departments": task_departments, "officers_per_department": officers_per_department}
    for name, frame in tables.items():
        if frame["task_id"].is_duplicated().any():
            raise ValueError(_missing(f"{name} repeats task_id", frame.filter(pl.col("task_id").is_duplicated())["task_id"].unique().to_list()))
        absent = sorted(set(need) - set(frame["task_id"].to_list()))
        if absent:
            raise ValueError(_missing(f"{name} has no row for selected task(s)", absent))
    win = {t: (s, e) for t, s, e in windows.select("task_id", "start", "end").rows()}
    deps = {t: tuple(sorted(set(d or []))) for t, d in task_departments.select("task_id", "departments").rows()}
    offs = {t: int(o) for t, o in officers_per_department.select("task_id", "min_officers_per_department").rows()}
    tasks: dict[str, TaskInfo] = {}
    for t in need:
        start, end = win[t]
        if not deps[t]:
            raise ValueError(f"task {t}: no department in task_departments")
        if offs[t] < 0:
            raise ValueError(f"task {t}: min_officers_per_department {offs[t]} is negative")
        a, b = cal.interval(max(start, dt.date(year, 1, 1)), min(end, dt.date(year, 12, 31)))
        tasks[t] = TaskInfo(t, start, end, a, b, deps[t], offs[t])

    cap_rows = caps.select("subject_id", "annual_cap").unique(subset="subject_id", keep="first", maintain_order=True).sort("subject_id")
    cap_of = {s: (None if c is None else int(c)) for s, c in cap_rows.rows()}
    capacity_of = {d: int(c) for d, c in capacity.select("department", "weekly_capacity").sort("department").rows()}
    notes = []
    used_deps = sorted({d for t in tasks.values() for d in t.departments})
    absent = [d for d in used_deps if d not in capacity_of]
    if absent:
        notes.append(_missing("department(s) with no capacity row, treated as 0 officer-visits a week", absent))
        for d in absent:
            capacity_of[d] = 0

    subject_tasks: dict[str, list[str]] = {}
    rounds: dict[tuple[str, str], int] = {}
    no_workday = []
    for s, t, r in pairs.rows():
        rounds[(s, t)] = int(r)
        info = tasks[t]
        if info.a > info.b:
            no_workday.append((s, t, f"no working day in its window {info.start}..{info.end} "
                                     f"(Chinese statutory calendar {year})",
                               f"时间窗 {info.start}..{info.end} 内没有法定工作日（{year} 年国家法定节假日安排）"))
            continue
        subject_tasks.setdefault(s, []).append(t)
    taken: dict[tuple[str, int], int] = {}
    if used is not None and used.height:
        monday = {cal.days[first] - dt.timedelta(days=cal.days[first].weekday()): w
                  for w, (first, _) in enumerate(cal.week_range)}
        for d, day, o in used.select("department", "date", "officers").sort("department", "date").rows():
            w = monday.get(day - dt.timedelta(days=day.weekday()))
            if w is not None:  # a week with no working day of the year takes no visit anyway
                taken[(d, w)] = taken.get((d, w), 0) + int(o)
    if week_capacity is not None and week_capacity.height:
        # availability: a week with less (or more) than the usual capacity holds the difference as already used
        monday = {cal.days[first] - dt.timedelta(days=cal.days[first].weekday()): w
                  for w, (first, _) in enumerate(cal.week_range)}
        for d, day, c in week_capacity.select("department", "week", "weekly_capacity").sort("department", "week").rows():
            w = monday.get(day)
            if w is not None and d in capacity_of:
                taken[(d, w)] = taken.get((d, w), 0) + capacity_of[d] - int(c)
    return Prepared(cal, seed, tasks, {s: tuple(ts) for s, ts in subject_tasks.items()}, rounds,
                    {s: cap_of.get(s) for s in subject_tasks}, capacity_of, no_workday, notes, taken)


def usage_of(tasks: list[TaskInfo]) -> tuple[tuple[str, int], ...]:
    """Officer-visits per department of one visit: the max over its tasks that involve the department."""
    use: dict[str, int] = {}
    for t in tasks:
        for d in t.departments:
            use[d] = max(use.get(d, 0), t.officers)
    return tuple(sorted(use.items()))


def stab_groups(subject_id: str, infos: list[TaskInfo]) -> list[Group]:
    """The interval-stabbing optimum for one subject: fewest visit dates hitting every task window."""
    order = sorted(infos, key=lambda i: (i.b, i.a, i.task_id))
    groups: list[list[TaskInfo]] = []
    point = -1
    for info in order:
        if not groups or info.a > point:
            groups.append([])
            point = info.b
        groups[-1].append(info)
    return [
        Group(subject_id, tuple(sorted(i.task_id for i in g)), max(i.a for i in g), min(i.b for i in g), usage_of(g))
        for g in groups
    ]


def _weeks(cal: Calendar, lo: int, hi: int) -> range:
    return range(cal.week_of[lo], cal.week_of[hi] + 1)


def greedy_plan(prep: Prepared) -> tuple[dict[str, list[Group]], dict[str, int], dict[tuple[str, int], int]]:
    """Place every subject's stabbing groups into weeks (see module docstring).

    Returns (groups per subject, with ``week`` None when unplaced; stabbing count per subject; load per
    (department, week)). Never exceeds a capacity or a cap.
    """
    cal, seed = prep.calendar, prep.seed
    groups: dict[str, list[Group]] = {}
    stab: dict[str, int] = {}
    queue: list[Group] = []
    for s, ts in prep.subject_tasks.items():
        gs = stab_groups(s, [prep.tasks[t] for t in ts])
        groups[s], stab[s] = gs, len(gs)
        cap = prep.caps[s]
        keep = gs
        if cap is not None and len(gs) > cap:  # the cap's visits go to the groups serving most tasks
            keep = sorted(gs, key=lambda g: (-len(g.tasks), g.lo, g.tasks))[:max(cap, 0)]
        queue.extend(keep)
    queue.sort(key=lambda g: (cal.week_of[g.hi] - cal.week_of[g.lo], tie_hash(seed, g.subject_id, g.lo), g.subject_id, g.lo))

    load: dict[tuple[str, int], int] = dict(prep.used)
    cap_of = prep.capacity
    for g in queue:
        weeks = list(_weeks(cal, g.lo, g.hi))
        turn = tie_hash(seed, g.subject_id, "week") % len(weeks)
        best, best_key = None, None
        for k, w in enumerate(weeks):
            worst, fits = 0, True
            for d, o in g.usage:
                after = load.get((d, w), 0) + o
                if after > cap_of[d]:
                    fits = False
                    break
                worst = max(worst, after * 1_000_000 // max(cap_of[d], 1))
            if fits and (best_key is None or (worst, (k - turn) % len(weeks)) < best_key):
                best, best_key = w, (worst, (k - turn) % len(weeks))
        if best is not None:
            g.week = best
            for d, o in g.usage:
                load[(d, best)] = load.get((d, best), 0) + o
    return groups, stab, load


def subject_slots(prep: Prepared, subject_id: str) -> list[Slot]:
    """Every (week, maximal set of the subject's tasks open on one working day of that week)."""
    infos = [prep.tasks[t] for t in prep.subject_tasks[subject_id]]
    lo, hi = min(i.a for i in infos), max(i.b for i in infos)
    per_week: dict[int, set[frozenset[str]]] = {}
    for day in range(lo, hi + 1):
        open_ = frozenset(i.task_id for i in infos if i.a <= day <= i.b)
        if open_:
            per_week.setdefault(prep.calendar.week_of[day], set()).add(open_)
    slots = []
    for w in sorted(per_week):
        sets = per_week[w]
        maximal = [x for x in sets if not any(x < y for y in sets)]
        slots.extend(Slot(subject_id, w, x) for x in sorted(maximal, key=sorted))
    return slots
