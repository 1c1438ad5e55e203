"""Visit bundling (进一次门、查多项事): turn drawn (subject, task) pairs into dated visits.

Several items on the same subject are done in one go in principle (沪府发〔2024〕6号 二(一), 二(四));
碑林: "相同对象、相近时间". A visit is one subject on one working day (Chinese statutory calendar,
:mod:`optimizer.calendar.workdays`) inside the window of every task it serves; all departments of those tasks go.

Hard rules: each drawn pair is in exactly one visit or listed in ``unplaced`` with a reason; per ISO
week, a department's officer-visits (a visit uses, per department, the max over its tasks of
``min_officers_per_department``) stay within its ``weekly_capacity``; a subject's visits stay within its
``annual_cap``. Objective, lexicographic: fewest unplaced pairs, then fewest visits. Load spreading is a
tie-breaker only, never traded against a visit: weeks by least relative department load in the greedy
plan, days by least officer load inside the week (ties rotate by a hash of the plan seed and subject).

Decomposition (capacity is the only coupling between subjects):

1. per subject, the interval-stabbing optimum over working days (:func:`optimizer.bundling.prep.stab_groups`);
   Σ_subjects min(cap, stabbing count) is ``lower_bound_stabbing``, a lower bound on the visits of any
   plan that places every pair the caps allow;
2. a greedy plan puts those visits into weeks without breaking a capacity or a cap; if it serves every
   pair it is optimal (it meets the bound) and nothing else runs;
3. otherwise the subjects it could not serve completely are re-planned by CP-SAT
   (:mod:`optimizer.bundling.model`) in batches of ``max_model_subjects`` (in window order), each with up to
   ``max_moved_visits`` visits of other subjects that sit in the department-weeks where the batch's pairs
   found no room (``neighbour_rings`` rings deep); those visits keep their tasks together and may only
   change week. Everything else is fixed and subtracted from the capacities, and only department-weeks
   the sub-model could overfill get a capacity constraint. The CP-SAT budget ``deterministic_time`` is
   shared equally by the batches;
4. every pair still unplaced is rescued where a working day of its window has room
   (:mod:`optimizer.bundling.rescue`: joined to one of the subject's visits, a visit of its own within the
   cap, or the subject re-planned from its stabbing groups);
5. each visit's week becomes a day (:func:`_choose_days`).

``bound`` is proven: Σ stabbing counts of the subjects left to the greedy plan plus each sub-model's CP-SAT
bound (which holds with the other subjects' visits fixed, at the sub-model's fewest unplaced pairs).
``status`` is OPTIMAL when every sub-model was solved to optimality. Same input and seed give
byte-identical frames, whatever the row order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from optimizer.bundling.explain import explain_unplaced
from optimizer.bundling.model import Component, Movable, solve_component
from optimizer.bundling.prep import (
    Group,
    Prepared,
    greedy_plan,
    prepare,
    subject_slots,
    tie_hash,
    usage_of,
)
from optimizer.bundling.rescue import rescue_unplaced
from optimizer.progress import step, within

__all__ = ["BundleConfig", "BundleInput", "BundleResult", "bundle_visits", "VISIT_SCHEMA", "UNPLACED_SCHEMA"]

VISIT_SCHEMA = {
    "visit_id": pl.String, "subject_id": pl.String, "date": pl.Date, "week": pl.Int32, "round": pl.Int32,
    "task_ids": pl.List(pl.String), "departments": pl.List(pl.String), "officers": pl.List(pl.Int32),
}
UNPLACED_SCHEMA = {"subject_id": pl.String, "task_id": pl.String, "reason": pl.String, "reason_zh": pl.String}


class BundleConfig(BaseModel):
    """Solver settings for visit bundling. The solve is deterministic: one worker, no wall-clock limit."""

    model_config = ConfigDict(frozen=True)

    deterministic_time: float = Field(10.0, gt=0, description="CP-SAT deterministic time limit per sub-model and solve")
    relative_gap: float = Field(0.0, ge=0, description="Stop a solve within this relative gap of its bound")
    random_seed: int = Field(0, description="CP-SAT random seed")
    log_search_progress: bool = Field(False, description="Print CP-SAT's search log")
    linearization_level: int = Field(2, ge=0, le=2, description="CP-SAT LP strength; 2 proves capacity-bound sub-models far sooner")
    neighbour_rings: int = Field(1, ge=0, description="Rings of neighbouring subjects re-planned with the unserved ones")
    max_model_subjects: int = Field(200, ge=1, description="Most subjects re-planned from scratch in one CP-SAT sub-model")
    max_moved_visits: int = Field(600, ge=0, description="Most neighbours' visits one sub-model may move to another week")


@dataclass(frozen=True)
class BundleInput:
    """Everything bundling reads; see the module docstring and the interface of each frame below.

    ``selected``: subject_id, task_id, round. ``windows``: task_id, start, end. ``task_departments``:
    task_id, departments (every department that must be on a visit serving the task).
    ``officers_per_department``: task_id, min_officers_per_department. ``capacity``: department,
    weekly_capacity (officer-visits per ISO week). ``caps``: subject_id, annual_cap (null = none).
    ``seed``: the plan seed (hex), the only source of tie-breaking. ``used`` (optional): department, date,
    officers — officer-visits of visits already fixed outside this bundling (an adjustment's done and kept
    visits), subtracted from the capacity of their ISO week. ``week_capacity`` (optional): department, week (ISO
    Monday), weekly_capacity — the weeks whose capacity availability changes (:func:`optimizer.calendar.department_weeks`).
    """

    selected: pl.DataFrame
    windows: pl.DataFrame
    task_departments: pl.DataFrame
    officers_per_department: pl.DataFrame
    capacity: pl.DataFrame
    caps: pl.DataFrame
    year: int
    seed: str
    used: pl.DataFrame | None = None
    week_capacity: pl.DataFrame | None = None  # department, week (ISO Monday), weekly_capacity: availability


@dataclass(frozen=True)
class BundleResult:
    """Dated visits (:data:`VISIT_SCHEMA`), unplaced pairs with reasons, and how good the plan is."""

    visits: pl.DataFrame
    unplaced: pl.DataFrame
    status: str
    objective: int
    bound: int
    lower_bound_stabbing: int
    problems: list[str]
    model_subjects: int = 0
    sub_models: list[str] = field(default_factory=list)

    @property
    def gap(self) -> float:
        return 0.0 if self.objective == 0 else (self.objective - self.bound) / self.objective


Visit = tuple[str, int, tuple[str, ...]]  # (subject, week index, tasks served)


def _placed(groups: list[Group]) -> list[Visit]:
    return [(g.subject_id, g.week, g.tasks) for g in groups if g.week is not None]


class _Plan:
    """The current plan: each subject's visits (as groups with a week) and unplaced tasks, and the loads."""

    def __init__(self, prep: Prepared, groups: dict[str, list[Group]], load: dict[tuple[str, int], int]):
        self.prep, self.load = prep, dict(prep.used)  # officer-visits taken outside this bundling count first
        self.visits = {s: [g for g in gs if g.week is not None] for s, gs in groups.items()}
        self.unplaced = {s: [t for g in gs if g.week is None for t in g.tasks] for s, gs in groups.items()}
        self.at: dict[tuple[str, int], set[tuple[str, int]]] = {}  # (department, week) → {(subject, visit index)}
        for s, vs in self.visits.items():
            self._index(s, +1)

    def _index(self, s: str, sign: int) -> None:
        for k, g in enumerate(self.visits[s]):
            for d, o in g.usage:
                self.load[(d, g.week)] = self.load.get((d, g.week), 0) + sign * o
                bucket = self.at.setdefault((d, g.week), set())
                (bucket.add if sign > 0 else bucket.discard)((s, k))

    def release(self, s: str) -> None:
        self._index(s, -1)

    def restore(self, s: str) -> None:
        self._index(s, +1)

    def blocked(self, s: str) -> set[tuple[str, int]]:
        """Department-weeks where an unplaced pair of ``s`` finds no room."""
        cal, out = self.prep.calendar, set()
        for t in self.unplaced[s]:
            info = self.prep.tasks[t]
            for w in range(cal.week_of[info.a], cal.week_of[info.b] + 1):
                for d in info.departments:
                    if self.load.get((d, w), 0) + info.officers > self.prep.capacity[d]:
                        out.add((d, w))
        return out


def _group_weeks(prep: Prepared, g: Group) -> tuple[int, ...]:
    return tuple(range(prep.calendar.week_of[g.lo], prep.calendar.week_of[g.hi] + 1))


def _neighbourhood(prep: Prepared, plan: _Plan, batch: list[str], config: BundleConfig) -> Component:
    """The batch's subjects re-planned from scratch, plus up to ``max_moved_visits`` visits of other subjects
    sitting where the batch's unplaced pairs find no room (and, ring by ring, where those could go)."""
    for s in batch:
        plan.release(s)
    slots = {s: subject_slots(prep, s) for s in batch}
    want = set().union(*(plan.blocked(s) for s in batch))
    chosen: list[tuple[str, int]] = []
    members = set(batch)
    for _ in range(config.neighbour_rings):
        near = sorted({key for dw in sorted(want) for key in plan.at.get(dw, ()) if key[0] not in members and key not in chosen},
                      key=lambda key: (tie_hash(prep.seed, key[0], key[1], "ring"), key))
        near = near[:config.max_moved_visits - len(chosen)]
        if not near:
            break
        chosen.extend(near)
        want = set()
        for s, k in near:
            g = plan.visits[s][k]
            want.update((d, w) for w in _group_weeks(prep, g) for d, _ in g.usage)
    movable = []
    for s, k in sorted(chosen):
        g = plan.visits[s][k]
        movable.append(Movable(s, g.tasks, g.usage, _group_weeks(prep, g), g.week))
        for d, o in g.usage:
            plan.load[(d, g.week)] -= o
    demand: dict[tuple[str, int], int] = {}
    for s in batch:
        for slot in slots[s]:
            for d, o in usage_of([prep.tasks[t] for t in slot.tasks]):
                demand[(d, slot.week)] = demand.get((d, slot.week), 0) + o
    for mv in movable:
        for w in mv.weeks:
            for d, o in mv.usage:
                demand[(d, w)] = demand.get((d, w), 0) + o
    residual = {key: prep.capacity[key[0]] - plan.load.get(key, 0) for key in sorted(demand)
                if plan.load.get(key, 0) + demand[key] > prep.capacity[key[0]]}
    hint = {s: [(g.week, g.tasks) for g in plan.visits[s]] for s in batch}
    return Component(tuple(batch), slots, tuple(movable), residual, hint)


def _apply(prep: Prepared, plan: _Plan, comp: Component, visits: list[Visit], unplaced: list[tuple[str, str]],
           moved: dict[int, int]) -> None:
    """Write a sub-model's answer (or the unchanged plan, when ``moved`` is empty and visits are the hint) back."""
    for m, mv in enumerate(comp.movable):
        g = next(g for g in plan.visits[mv.subject_id] if g.tasks == mv.tasks and g.week == mv.week)
        for d, o in g.usage:
            plan.load[(d, g.week)] += o  # undo the release; re-indexed below
        plan.release(mv.subject_id)
        g.week = moved.get(m, mv.week)
        plan.restore(mv.subject_id)
    for s in comp.subjects:
        plan.visits[s] = []
        plan.unplaced[s] = [t for u, t in unplaced if u == s]
    for s, w, tasks in visits:
        infos = [prep.tasks[t] for t in tasks]
        plan.visits[s].append(Group(s, tasks, max(i.a for i in infos), min(i.b for i in infos), usage_of(infos), w))
    for s in comp.subjects:
        plan.restore(s)


def _choose_days(prep: Prepared, visits: list[Visit]) -> list[tuple[str, dt.date, tuple[str, ...]]]:
    """A working day for each visit inside its week and all its windows: least officer load that day,
    a subject's second visit never on the day of its first if avoidable, ties rotated by seed and subject."""
    cal, seed = prep.calendar, prep.seed
    options = []
    for s, w, tasks in visits:
        infos = [prep.tasks[t] for t in tasks]
        first, last = cal.week_range[w]
        days = list(range(max(first, *(i.a for i in infos)), min(last, *(i.b for i in infos)) + 1))
        assert days, f"visit of {s} in {cal.week_label[w]} has no common working day"  # slots guarantee one
        officers = sum(o for _, o in usage_of(infos))
        options.append((len(days), tie_hash(seed, s, w, ",".join(tasks)), s, w, tasks, days, officers))
    options.sort()
    load: dict[int, int] = {}
    taken: set[tuple[str, int]] = set()
    out = []
    for _, _, s, _, tasks, days, officers in options:
        turn = tie_hash(seed, s) % len(days)
        best = min(range(len(days)), key=lambda k: ((s, days[k]) in taken, load.get(days[k], 0), (k - turn) % len(days)))
        day = days[best]
        load[day] = load.get(day, 0) + officers
        taken.add((s, day))
        out.append((s, cal.days[day], tasks))
    return out


def bundle_visits(inp: BundleInput, config: BundleConfig | None = None) -> BundleResult:
    """Bundle drawn pairs into dated visits; see the module docstring for the rules and the method."""
    config = config or BundleConfig()
    prep = prepare(inp.selected, inp.windows, inp.task_departments, inp.officers_per_department,
                   inp.capacity, inp.caps, inp.year, inp.seed, inp.used, inp.week_capacity)
    step(1, 10)  # progress (optimizer.progress): preparing, greedy, then the CP-SAT batches six tenths
    groups, stab, load = greedy_plan(prep)
    step(2, 10)
    lower = sum(n if prep.caps[s] is None else min(n, max(prep.caps[s], 0)) for s, n in stab.items())

    plan = _Plan(prep, groups, load)
    hot = sorted((s for s in groups if plan.unplaced[s]), key=lambda s: (min(g.lo for g in groups[s]), tie_hash(prep.seed, s), s))
    batches = [hot[k:k + config.max_model_subjects] for k in range(0, len(hot), config.max_model_subjects)]
    budget = config.deterministic_time / max(1, len(batches))
    bound = sum(stab[s] for s in groups) - sum(stab[s] for s in hot)
    optimal, sub_models = True, []
    for k, batch in enumerate(batches):
        step(2 + 6 * k / len(batches), 10)
        comp = _neighbourhood(prep, plan, batch, config)
        before = [(s, g.week, g.tasks) for s in batch for g in plan.visits[s]]
        before_unplaced = sorted((s, t) for s in batch for t in plan.unplaced[s])
        solution = solve_component(prep, comp, config, budget)
        if solution is None or (len(solution.unplaced), len(solution.visits)) > (len(before_unplaced), len(before)):
            chosen_v, chosen_u, moved, comp_bound, comp_optimal = before, before_unplaced, {}, 0, False
            how = "no CP-SAT solution in its time, greedy kept" if solution is None else "CP-SAT worse than greedy, greedy kept"
        else:
            chosen_v, chosen_u, moved = solution.visits, solution.unplaced, solution.moved
            comp_bound, comp_optimal = solution.visits_bound, solution.optimal
            how = f"{solution.status} in {solution.deterministic_time:.2f} deterministic s"
        _apply(prep, plan, comp, chosen_v, chosen_u, moved)
        if _all_cap_forced(prep, stab, chosen_v, chosen_u):  # every pair the caps allow is placed
            comp_bound = max(comp_bound, sum(stab[s] if prep.caps[s] is None else min(stab[s], prep.caps[s]) for s in batch))
        comp_bound = min(comp_bound, len(chosen_v))
        bound += comp_bound
        optimal = optimal and comp_optimal
        sub_models.append(f"{len(batch)} subjects re-planned ({sum(len(v) for v in comp.slots.values())} slots), "
                          f"{len(comp.movable)} neighbour visits movable, {len(comp.residual)} binding department-weeks: "
                          f"{how}; visits {len(chosen_v)} ≥ {comp_bound}, unplaced {len(chosen_u)}")
    step(8, 10)
    with within(8, 10):
        rescued = rescue_unplaced(prep, plan.visits, plan.unplaced, plan.load)
    if rescued:
        optimal = False
        sub_models.append(f"rescue: {rescued} pair(s) placed after the solvers (joined to a visit, a visit of its own, "
                          "or the subject re-planned)")
    visits = [(s, g.week, g.tasks) for s in sorted(plan.visits) for g in plan.visits[s]]
    unplaced = [(s, t) for s in sorted(plan.unplaced) for t in plan.unplaced[s]]
    dated = _choose_days(prep, visits)
    with within(9, 10):
        reasons, problems = explain_unplaced(prep, stab, dated, unplaced)
    problems = [*prep.notes, *problems]
    if rescued:
        problems.append(f"{rescued} drawn pair(s) left by the solvers within their time limit were placed afterwards "
                        "(joined to a visit, as a visit of their own within the cap, or the subject re-planned)")
    if not optimal:
        problems.append(f"bundling not proven optimal within the deterministic time limit: {len(dated)} visits, "
                        f"proven lower bound {bound}")
    return BundleResult(
        visits=_visit_frame(prep, dated), unplaced=_unplaced_frame(reasons),
        status="OPTIMAL" if optimal else "FEASIBLE", objective=len(dated), bound=min(bound, len(dated)),
        lower_bound_stabbing=lower, problems=problems, model_subjects=len(hot), sub_models=sub_models,
    )


def _all_cap_forced(prep: Prepared, stab: dict[str, int], visits: list[Visit], unplaced: list[tuple[str, str]]) -> bool:
    """True when every subject with an unplaced pair has used its whole cap, which is below its stabbing count."""
    used: dict[str, int] = {}
    for s, _, _ in visits:
        used[s] = used.get(s, 0) + 1
    for s in {s for s, _ in unplaced}:
        cap = prep.caps[s]
        if cap is None or used.get(s, 0) < cap or cap >= stab[s]:
            return False
    return True


VISIT_ID_DIGITS = 12
"""Hex digits of a visit id after its ``V`` (48 bits: a collision among a district's visits is rare, and handled)."""


def visit_ids(seed: str, visits: list[tuple[str, dt.date, tuple[str, ...]]]) -> list[str]:
    """The id of each visit (subject, date, tasks), in the order given: ``V`` + 12 upper-case hex digits of
    HMAC-SHA256(key, subject ‖ date ‖ tasks ‖ attempt), the key SHA-256 of a tag and the plan seed.

    Issue 14: sequential ids in date order told anyone holding one when a visit is and how it ranks. These reveal
    nothing about date or order without the plan seed (itself derived from the internal scenario hash, so not
    computable from the public value alone); they are deterministic (same seed and visits, same ids) and of fixed
    width. Uniqueness: visits are taken in the order given (the plan's (date, subject, tasks) order) and one whose
    id is already taken tries attempt 1, 2, … — a deterministic resolution."""
    key = hashlib.sha256(f"jointcheck-visit-id\x1f{seed}".encode()).digest()
    taken: set[str] = set()
    out = []
    for s, day, tasks in visits:
        attempt = 0
        while True:
            message = "\x1f".join([s, day.isoformat(), ",".join(tasks), str(attempt)]).encode("utf-8")
            vid = "V" + hmac.new(key, message, hashlib.sha256).hexdigest()[:VISIT_ID_DIGITS].upper()
            if vid not in taken:
                break
            attempt += 1
        taken.add(vid)
        out.append(vid)
    return out


def _visit_frame(prep: Prepared, dated: list[tuple[str, dt.date, tuple[str, ...]]]) -> pl.DataFrame:
    rows = sorted(dated, key=lambda v: (v[1], v[0], v[2]))
    data = []
    for vid, (s, day, tasks) in zip(visit_ids(prep.seed, rows), rows):
        usage = usage_of([prep.tasks[t] for t in tasks])
        data.append({
            "visit_id": vid, "subject_id": s, "date": day, "week": day.isocalendar()[1],
            "round": min(prep.rounds[(s, t)] for t in tasks), "task_ids": list(tasks),
            "departments": [d for d, _ in usage], "officers": [o for _, o in usage],
        })
    return pl.DataFrame(data, schema=VISIT_SCHEMA)


def _unplaced_frame(reasons: list[tuple[str, str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(sorted(reasons), schema=UNPLACED_SCHEMA, orient="row")
