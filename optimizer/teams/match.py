"""Random matching of officers (随机选派执法检查人员): give every visit a team.

Rules (沪府发〔2024〕6号 一(三), 二(二); 行政处罚法 art. 42; Zhejiang "所所交叉"):

* hard: each (visit, department) gets ≥ ``min_officers`` officers of that department; every listed
  qualification is held by at least one of them; the team has ≥ ``min_officers_per_visit``; no officer
  from the subject's own grid when ``exclude_own_grid`` (an empty grid never conflicts); an officer's
  visits in an ISO week ≤ ``weekly_capacity``; an officer is on a visit at most once;
* soft: an officer does not meet the same subject twice in the year if another qualified officer is free.

Method. Who goes is decided by the seed alone: each visit looks at each of its departments' officers in a
seeded order drawn from SHA-256 (:mod:`optimizer.teams.order`: a Fisher–Yates shuffle generated only as
far as it is read, so the work grows with the officers examined, not visits × officers), and the greedy
draw (:mod:`optimizer.teams.greedy`) takes visits in (date, visit_id) order and picks the first free
officers of those orders; every free eligible officer is equally likely at each pick (the argument is in
:mod:`optimizer.teams.order`). Weeks share no capacity, so a week whose draw failed for a
reason capacity could explain is re-solved by CP-SAT (:mod:`optimizer.teams.repair`): meet every need it
can, send no one extra, avoid second meetings, then maximise the same priorities. A need no plan can meet
(too few eligible officers or holders) does not trigger a repair; it is reported in ``unstaffed`` with its
reason (:mod:`optimizer.teams.check`), and the rest is staffed as well as it can be.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from optimizer.progress import step
from optimizer.stats import chi2_sf
from optimizer.teams.candidates import (
    eligible_pairs,
    prepare_officers,
    prepare_slots,
    prepare_visits,
    structural_shortfalls,
    week_label,
)
from optimizer.teams.check import explain, hard_violations, unmet_needs
from optimizer.teams.greedy import Cand, VisitPlan, draw_week
from optimizer.teams.order import Officer, SeedDraw, VisitOrder
from optimizer.teams.repair import solve_week

__all__ = ["TeamConfig", "TeamInput", "TeamResult", "match_officers", "officer_share_audit", "check_plan"]

ASSIGNMENT_SCHEMA = {"visit_id": pl.String, "officer_id": pl.String, "department": pl.String}


class TeamConfig(BaseModel):
    """Solver settings for the CP-SAT repair (used only for weeks the greedy draw could not staff)."""

    model_config = ConfigDict(frozen=True)

    deterministic_time: float = Field(10.0, gt=0, description="CP-SAT deterministic time limit per repair phase and week")
    random_seed: int = Field(0, description="CP-SAT random seed (the draw itself reads only the plan seed)")
    log_search_progress: bool = Field(False, description="Print CP-SAT's search log")


@dataclass(frozen=True)
class TeamInput:
    """Everything the matching reads. See the module docstring for the rules.

    ``visits``: visit_id, subject_id, date (Date), week (Int32, ISO week), subject_grid (String, may be
    ""), departments (List[String]). ``needs``: visit_id, department, min_officers (Int32),
    qualifications (List[String]). ``officers``: officer_id, department, qualifications (List[String]),
    grid, weekly_capacity (Int32, visits per ISO week). ``seed``: the plan seed (hex). ``week_capacity``
    (optional): officer_id, week (ISO Monday), weekly_capacity — an officer's capacity in the weeks availability
    changes it (:func:`scenarios.availability.officer_weeks`; 0: away).
    """

    visits: pl.DataFrame
    needs: pl.DataFrame
    min_officers_per_visit: int
    exclude_own_grid: bool
    officers: pl.DataFrame
    seed: str
    week_capacity: pl.DataFrame | None = None  # officer_id, week (ISO Monday), weekly_capacity: availability


@dataclass(frozen=True)
class TeamResult:
    """``assignments`` (visit_id, officer_id, department; sorted by visit_id, department, officer_id);
    ``status`` "GREEDY" if the seeded draw needed no repair, else the worst CP-SAT status of the repaired
    weeks; ``problems`` one line per distinct reason a need went unmet; ``unstaffed`` (visit_id,
    department — "*" for the whole team —, reason, kind, qualification, week); ``repaired_weeks``;
    ``repeat_meetings``: officer–subject pairs that meet more than once."""

    assignments: pl.DataFrame
    status: str
    problems: list[str]
    unstaffed: pl.DataFrame
    repaired_weeks: list[str] = field(default_factory=list)
    repeat_meetings: int = 0


@dataclass(frozen=True)
class _Prepared:
    visits: pl.DataFrame
    officers: pl.DataFrame
    slots: pl.DataFrame


def _prepare(inp: TeamInput) -> _Prepared:
    visits = prepare_visits(inp.visits)
    officers = prepare_officers(inp.officers)
    return _Prepared(visits, officers, prepare_slots(visits, inp.needs))


def _plans(p: _Prepared, seed: str, exclude_own_grid: bool) -> list[list[VisitPlan]]:
    """Visit plans grouped by week, weeks and visits in (date, visit_id) order, each with its lazy seeded order."""
    draw = SeedDraw(seed)
    by_dept: dict[str, list[Officer]] = {}
    for oid, dept, quals, grid in p.officers.sort("officer_id").select("officer_id", "department", "officer_quals", "grid").iter_rows():
        by_dept.setdefault(dept, []).append(Officer(oid, dept, grid, frozenset(quals)))
    slot_rows = p.slots.sort("visit_id", "department").select("visit_id", "department", "min_officers", "qualifications")
    slot_map: dict[str, list[tuple[str, int, tuple[str, ...]]]] = {}
    for vid, dept, k, quals in slot_rows.iter_rows():
        slot_map.setdefault(vid, []).append((dept, k, tuple(quals)))
    weeks: dict[int, list[VisitPlan]] = {}
    for vid, sid, wk, grid in p.visits.sort("order").select("visit_id", "subject_id", "wk", "subject_grid").iter_rows():
        slots = slot_map.get(vid, [])
        order = VisitOrder(draw, vid, grid if exclude_own_grid else "", [d for d, _, _ in slots], by_dept)
        weeks.setdefault(wk, []).append(VisitPlan(vid, sid, wk, slots, order))
    return list(weeks.values())


def _candidates(v: VisitPlan, depts: set[str]) -> dict[str, list[Cand]]:
    """The visit's every eligible officer of ``depts`` with its priority (the whole order: repair only)."""
    out: dict[str, list[Cand]] = {}
    for o, pos, n in v.order.ranked():
        if o.department in depts:
            out.setdefault(o.department, []).append(Cand(o.officer_id, o.department, o.quals, Fraction(n - pos, n + 1)))
    return out


def _repair_departments(week: list[VisitPlan], failures: list, min_per_visit: int) -> set[str]:
    """Departments a repair must re-solve: those that failed, and every department linked to one through a
    visit whose department minimums add up to less than the per-visit minimum (they share its fill).
    Other departments use no capacity a failing one could use, so their draw stands."""
    parent: dict[str, str] = {}

    def find(d: str) -> str:
        while parent.setdefault(d, d) != d:
            d = parent[d]
        return d

    for v in week:
        ds = [d for d, _, _ in v.slots]
        if sum(k for _, k, _ in v.slots) < min_per_visit:
            for d in ds[1:]:
                parent[find(d)] = find(ds[0])
    failing = set()
    by_visit = {v.visit_id: v for v in week}
    for vid, dept, _, _ in failures:
        failing.update([d for d, _, _ in by_visit[vid].slots] if dept == "*" else [dept])
    roots = {find(d) for d in failing}
    every = {d for v in week for d, _, _ in v.slots}
    return {d for d in every if find(d) in roots}


def _restrict(week: list[VisitPlan], depts: set[str], kept: list[tuple[str, str, str]]) -> list[VisitPlan]:
    """The week's visits cut down to ``depts``, with the officers kept from the other departments counted."""
    fixed: dict[str, int] = {}
    for vid, _, _ in kept:
        fixed[vid] = fixed.get(vid, 0) + 1
    return [VisitPlan(v.visit_id, v.subject_id, v.wk, [s for s in v.slots if s[0] in depts], v.order,
                      _candidates(v, depts), fixed.get(v.visit_id, 0)) for v in week]


def _match(inp: TeamInput, config: TeamConfig) -> tuple[TeamResult, _Prepared]:
    p = _prepare(inp)
    structural = structural_shortfalls(p.visits, p.slots, p.officers, inp.min_officers_per_visit, inp.exclude_own_grid)
    known = {(v, d, k, q or "") for v, d, k, q in structural.select("visit_id", "department", "kind", "qualification").iter_rows()}
    usual = dict(p.officers.select("officer_id", "weekly_capacity").iter_rows())
    changed: dict[int, dict[str, int]] = {}
    if inp.week_capacity is not None and inp.week_capacity.height:
        keyed = inp.week_capacity.select(
            "officer_id", (pl.col("week").dt.iso_year().cast(pl.Int32) * 100 + pl.col("week").dt.week()).alias("wk"),
            "weekly_capacity").sort("wk", "officer_id")
        for oid, wk, c in keyed.rows():
            changed.setdefault(int(wk), {})[oid] = int(c)
    met: dict[str, set[str]] = {}
    rows: list[tuple[str, str, str]] = []
    statuses: list[str] = []
    repaired: list[str] = []
    weeks = _plans(p, inp.seed, inp.exclude_own_grid)
    step(1, 10)  # progress (optimizer.progress): preparing a tenth, the weeks eight tenths
    for k, week in enumerate(weeks):
        step(1 + 8 * k / len(weeks), 10)
        before = {v.subject_id: set(met.get(v.subject_id, ())) for v in week}
        capacity = {**usual, **changed[week[0].wk]} if week[0].wk in changed else usual
        assigned, failures = draw_week(week, capacity, met, inp.min_officers_per_visit)
        unexplained = [f for f in failures if (f[0], f[1], f[2], f[3] or "") not in known]
        if unexplained:
            met.update(before)
            depts = _repair_departments(week, unexplained, inp.min_officers_per_visit)
            kept = [a for a in assigned if a[2] not in depts]
            fixed, status = solve_week(_restrict(week, depts, kept), capacity, met, inp.min_officers_per_visit,
                                       [a for a in assigned if a[2] in depts], config.deterministic_time,
                                       config.random_seed, config.log_search_progress)
            statuses.append(status)
            repaired.append(week_label(week[0].wk // 100, week[0].wk % 100))
            assigned = kept + fixed if fixed is not None else assigned
            subject = {v.visit_id: v.subject_id for v in week}
            for vid, oid, _ in assigned:
                met.setdefault(subject[vid], set()).add(oid)
        rows.extend(assigned)

    step(9, 10)
    assignments = pl.DataFrame(rows, schema=ASSIGNMENT_SCHEMA, orient="row").sort("visit_id", "department", "officer_id")
    unmet = unmet_needs(p.visits, p.slots, p.officers, assignments, inp.min_officers_per_visit)
    unstaffed = explain(unmet, structural, p.visits, p.slots, p.officers, inp.min_officers_per_visit).select(
        "visit_id", "department", "reason", "kind", "qualification", "week")
    problems = [
        f"{reason}: {n} visit(s) ({', '.join(ids[:5])}{', …' if n > 5 else ''})"
        for reason, n, ids in unstaffed.group_by("reason").agg(pl.col("visit_id").n_unique().alias("n"), pl.col("visit_id").unique().sort())
        .sort("reason").iter_rows()
    ]
    if not statuses:
        status = "GREEDY"
    elif all(s == "OPTIMAL" for s in statuses):
        status = "OPTIMAL"
    else:
        status = next((s for s in statuses if s not in ("OPTIMAL", "FEASIBLE")), "FEASIBLE")
    subj = assignments.join(p.visits.select("visit_id", "subject_id"), on="visit_id")
    repeats = int(subj.group_by("subject_id", "officer_id").len().filter(pl.col("len") > 1).height)
    return TeamResult(assignments, status, problems, unstaffed, repaired, repeats), p


def match_officers(inp: TeamInput, config: TeamConfig | None = None) -> TeamResult:
    """Give every visit a team drawn from ``inp.seed`` (see module docstring). Never raises on infeasible
    data: unmet needs are in ``unstaffed`` and ``problems``. Raises ValueError on malformed frames."""
    return _match(inp, config or TeamConfig())[0]


def check_plan(inp: TeamInput, assignments: pl.DataFrame) -> list[str]:
    """Hard-rule violations of a written plan (solver-independent; empty when lawful)."""
    visits = prepare_visits(inp.visits)
    officers = prepare_officers(inp.officers)
    return hard_violations(visits, prepare_slots(visits, inp.needs), officers, assignments, inp.exclude_own_grid)


def officer_share_audit(inputs: TeamInput | Callable[[str], TeamInput], seeds: list[str],
                        config: TeamConfig | None = None) -> pl.DataFrame:
    """How often each officer was sent, against a uniform draw among the eligible, over many seeds.

    For each seed and each (visit, department) with k officers sent out of n eligible, every eligible
    officer's uniform expectation grows by k/n. Per officer: ``eligible_slots`` (Σ k over the slots it was
    eligible for), ``chosen``, ``expected``, ``share`` = chosen/eligible_slots, ``uniform_share`` =
    expected/eligible_slots, ``ratio`` = chosen/expected; per department (repeated on its rows) Pearson's
    ``chi2`` over its officers, ``df`` and ``p_value`` (:func:`optimizer.stats.chi2_sf`).
    ``qualified_slots`` counts eligible slots whose need lists a qualification: there holders are
    preferred on purpose and the uniform expectation does not apply. ``inputs`` is a TeamInput (its seed
    is replaced by each of ``seeds``) or a function seed → TeamInput.
    """
    config = config or TeamConfig()
    frames = []
    for seed in seeds:
        inp = inputs(seed) if callable(inputs) else dataclasses.replace(inputs, seed=seed)
        result, p = _match(inp, config)
        pairs = eligible_pairs(p.visits, p.slots, p.officers, inp.exclude_own_grid)
        k = result.assignments.group_by("visit_id", "department").agg(pl.len().alias("k"))
        n = pairs.group_by("visit_id", "department").agg(pl.len().alias("n"))
        qualified = p.slots.select("visit_id", "department", (pl.col("qualifications").list.len() > 0).alias("qualified"))
        slots = k.join(n, on=["visit_id", "department"]).join(qualified, on=["visit_id", "department"])
        elig = pairs.select("visit_id", "department", "officer_id").join(slots, on=["visit_id", "department"])
        chosen = result.assignments.group_by("officer_id").agg(pl.len().alias("chosen"))
        frames.append(elig.group_by("officer_id", "department").agg(
            pl.col("k").sum().alias("eligible_slots"), (pl.col("k") / pl.col("n")).sum().alias("expected"),
            (pl.col("k") * pl.col("qualified")).sum().alias("qualified_slots"),
        ).join(chosen, on="officer_id", how="left").with_columns(pl.col("chosen").fill_null(0)))
    if not frames:
        return pl.DataFrame()
    audit = pl.concat(frames).group_by("officer_id", "department").agg(
        pl.col("eligible_slots", "expected", "qualified_slots", "chosen").sum()
    ).with_columns(
        (pl.col("chosen") / pl.col("eligible_slots")).alias("share"),
        (pl.col("expected") / pl.col("eligible_slots")).alias("uniform_share"),
        (pl.col("chosen") / pl.col("expected")).alias("ratio"),
        ((pl.col("chosen") - pl.col("expected")) ** 2 / pl.col("expected")).alias("_term"),
    )
    dept = audit.group_by("department").agg(pl.col("_term").sum().alias("chi2"), (pl.len() - 1).alias("df"))
    dept = dept.with_columns(pl.struct("chi2", "df").map_elements(
        lambda s: chi2_sf(s["chi2"], s["df"]), return_dtype=pl.Float64).alias("p_value"))
    return audit.drop("_term").join(dept, on="department").sort("department", "officer_id")
