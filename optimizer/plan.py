"""The plan: scenario → rules → calendar alignment → draw → visit bundling → officer teams → KPIs.

:func:`make_plan` runs every stage in memory and returns a :class:`Plan`; :mod:`optimizer.export` writes
it. Every random choice flows from one seed, derived from the public value, the scenario hash and the
plan id (:mod:`optimizer.draw.seed`); every solver runs deterministically, so the same scenario, policy and
public value give byte-identical files.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from optimizer.baselines import independent_joint_visits, single_department_visits
from optimizer.bundling import BundleConfig, BundleInput, BundleResult, bundle_visits
from optimizer.calendar import (
    AlignConfig,
    calendar_load,
    department_weeks,
    overload_summary,
    staffing_from,
    subject_profiles,
)
from optimizer.draw import DrawMode, DrawRun, run_draw
from optimizer.progress import Callback, reporting, step, within
from optimizer.progress import stage as progress_stage
from optimizer.teams import TeamConfig, TeamInput, TeamResult, match_officers
from records.codes import code_secret, inspection_codes
from rules import PolicyError, evaluate, load_policy
from scenarios.availability import officer_weeks
from scenarios.model import Scenario

__all__ = ["PlanSettings", "Plan", "make_plan", "solver_notes", "calendar_overload"]


class PlanSettings(BaseModel):
    """How to plan: draw mode, plan id, policy (default: the scenario's) with an optional reform, solvers."""

    model_config = ConfigDict(frozen=True)

    mode: DrawMode = DrawMode.coordinated
    plan_id: str | None = Field(None, description="Mixed into the seed; default the scenario name")
    policy: str | None = Field(None, description="Policy id; default the scenario's own")
    overrides: dict[str, Any] = Field(default_factory=dict, description="A reform: parameter overrides")
    align: AlignConfig = AlignConfig()
    bundle: BundleConfig = BundleConfig()
    teams: TeamConfig = TeamConfig()


@dataclass(frozen=True)
class Plan:
    scenario: Scenario
    public_value: str
    seed: str
    settings: PlanSettings
    run: DrawRun
    bundle: BundleResult
    teams: TeamResult
    visits: pl.DataFrame         # visit_id, subject_id, date, task_ids, departments, items, inspection_code, round, week
    kpis: dict[str, Any]
    stage_seconds: dict[str, float] = field(default_factory=dict)
    calendar_capacity: dict[str, Any] = field(default_factory=dict)  # optimizer.calendar.load.overload_summary
    manifest_extra: dict[str, Any] = field(default_factory=dict)  # e.g. ``rotation`` (optimizer.rotation)

    @property
    def plan_id(self) -> str:
        return self.settings.plan_id or self.scenario.name


def _task_frame(scenario: Scenario, results) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "task_id": [t.id for t in scenario.tasks],
            "items": [list(t.items) for t in scenario.tasks],
        }
    ).join(results.tasks.select("task_id", pl.col("required_departments").alias("departments"),
                                 "min_officers_per_department", "min_officers_per_visit", "exclude_own_grid"),
           on="task_id")


def _needs(visits: pl.DataFrame, tasks: pl.DataFrame, qualifications: pl.DataFrame) -> pl.DataFrame:
    """Per (visit, department): officers needed and the qualifications its items require."""
    per_task = visits.select("visit_id", pl.col("task_ids").alias("task_id")).explode("task_id")
    counts = per_task.join(tasks, on="task_id") \
        .select("visit_id", pl.col("departments").alias("department"), "min_officers_per_department") \
        .explode("department").group_by("visit_id", "department").agg(pl.col("min_officers_per_department").max().alias("min_officers"))
    quals = per_task.join(qualifications, on="task_id") \
        .group_by("visit_id", "department").agg(pl.col("qualification").unique().sort().alias("qualifications"))
    return counts.join(quals, on=["visit_id", "department"], how="left").with_columns(
        pl.col("qualifications").fill_null(pl.lit([], pl.List(pl.String))), pl.col("min_officers").cast(pl.Int32)
    ).sort("visit_id", "department")


def _reloadable_policy(name: str, overrides: dict[str, Any] | None):  # noqa: ANN202 - rules.Policy
    """The policy to plan under, refused (PolicyError) unless its id alone loads the same policy again.

    A plan's manifest names its policy by id (and digest); ``check``, ``verify``, ``publish`` and ``adjust``
    reload it by that id. A policy given as a file path outside ``rules/policies`` (or a file whose id names a
    different bundled policy) would make a plan nobody can check — its own checker failed before it was written.
    """
    policy = load_policy(name, overrides)
    try:
        again = load_policy(policy.id, overrides)
    except PolicyError:
        again = None
    if again is None or again.digest != policy.digest:
        raise PolicyError(
            f"policy {name}: a plan records its policy by id ({policy.id!r}) so that check, verify and adjust can "
            f"load it again, but that id {'names another policy file' if again else 'is not in rules/policies'}; "
            f"put the file there as rules/policies/{policy.id}.yaml and plan with --policy {policy.id}")
    return policy


def make_plan(
    scenario: Scenario, public_value: str, settings: PlanSettings | None = None,
    progress: Callback | None = None, rotation=None,  # noqa: ANN001 - optimizer.rotation.Rotation
) -> Plan:
    """Run every stage; see the module docstring. Raises PlanBlocked when the rules find violations.

    ``progress``: a callback ``(stage, done, total)`` (:mod:`optimizer.progress`) told how far each of
    :data:`optimizer.progress.PLAN_STAGES` is; it never changes the plan.
    """
    if rotation is not None:
        _check_rotation(scenario, rotation)
    with reporting(progress):
        return _make_plan(scenario, public_value, settings or PlanSettings(), rotation)


def _check_rotation(scenario: Scenario, rotation) -> None:  # noqa: ANN001 - optimizer.rotation.Rotation
    """Earlier years' plans only, of this directory: raise RotationError on a plan of a later year than the
    scenario's (its burden is not behind this year) or on plans that share no subject with the directory (another
    district's plans: their arcs would shift nobody here, so the folder given is not the one meant)."""
    from optimizer.rotation import RotationError
    from scenarios.messages import Message

    later = sorted({(p["plan_id"], p["year"]) for p in rotation.manifest["previous"] if p["year"] > scenario.year})
    if later:
        raise RotationError(Message("rotation.later_year", plans=", ".join(f"plan {i} ({y})" for i, y in later),
                                    plans_zh="、".join(f"计划 {i}（{y}）" for i, y in later), year=scenario.year))
    shared = rotation.shift.join(scenario.subjects.select("subject_id"), on="subject_id", how="semi").height
    if rotation.shift.height and not shared:
        raise RotationError(Message("rotation.other_district", n=scenario.subjects.height,
                                    plans=", ".join(p["plan_id"] for p in rotation.manifest["previous"])))


def _make_plan(scenario: Scenario, public_value: str, settings: PlanSettings, rotation) -> Plan:  # noqa: ANN001
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[stage] = round(now - clock, 3)
        clock = now

    with progress_stage("rules"):
        policy = _reloadable_policy(settings.policy or scenario.policy, settings.overrides or None)
        results = evaluate(scenario, policy)
    lap("rules")
    run = run_draw(scenario, [public_value], settings.mode, plan_id=settings.plan_id, rounds="aligned",
                   align_config=settings.align, results=results, rotation=rotation)
    (seed,) = run.public_values  # the plan seed run_draw derived from the public value
    lap("align+draw")

    with progress_stage("bundling"):
        tasks = _task_frame(scenario, results)
        selected = run.draw.draws.filter("selected").select("subject_id", "task_id", "round")
        capacity = scenario.officers.group_by("department").agg(pl.col("weekly_capacity").sum().cast(pl.Int64)).sort("department")
        bundle = bundle_visits(BundleInput(
            selected=selected,
            windows=run.rounds.select("task_id", "start", "end"),
            task_departments=tasks.select("task_id", "departments"),
            officers_per_department=tasks.select("task_id", "min_officers_per_department"),
            capacity=capacity,
            caps=results.subjects.select("subject_id", "annual_cap"),
            year=scenario.year,
            seed=seed,
            week_capacity=department_weeks(staffing_from(scenario.officers, results.tasks,
                                                         officer_weeks(scenario.availability))),
        ), settings.bundle)
    lap("bundle")

    with progress_stage("teams"):
        grids = scenario.subjects.select("subject_id", pl.col("grid").alias("subject_grid"))
        visits = bundle.visits.join(grids, on="subject_id", how="left")
        per_visit_min = visits.select("visit_id", pl.col("task_ids").alias("task_id")).explode("task_id").join(
            tasks.select("task_id", "min_officers_per_visit", "exclude_own_grid"), on="task_id")
        teams = match_officers(TeamInput(
            visits=visits.select("visit_id", "subject_id", "date", "week", "subject_grid", "departments"),
            needs=_needs(visits, tasks, scenario.task_qualifications()),
            min_officers_per_visit=int(per_visit_min["min_officers_per_visit"].max() or 0),
            exclude_own_grid=bool(per_visit_min["exclude_own_grid"].any()),
            officers=scenario.officers.select("officer_id", "department", "qualifications", "grid", "weekly_capacity"),
            seed=seed,
            week_capacity=officer_weeks(scenario.availability),
        ), settings.teams)
    lap("teams")

    with progress_stage("kpis"):
        items = visits.select("visit_id", pl.col("task_ids").alias("task_id")).explode("task_id").join(
            tasks.select("task_id", "items"), on="task_id").explode("items").group_by("visit_id").agg(
            pl.col("items").unique().sort())
        visits = visits.join(items, on="visit_id", how="left").sort("date", "subject_id", "visit_id")
        visits = visits.with_columns(inspection_codes(visits, code_secret(seed))).select(
            "visit_id", "subject_id", "date", "task_ids", "departments", "items", "inspection_code", "round", "week"
        )
        step(1, 10)
        with within(1, 10, parts=8):  # today's practice drawn and stabbed: most of the stage
            kpis = plan_kpis(scenario, results, run, visits, bundle, tasks, seed)
        capacity = calendar_overload(scenario, results, run, tasks) if run.alignment else {}
        kpis["calendar_department_weeks_over_capacity"] = capacity.get("department_weeks_over_capacity")
        trade = run.alignment.capacity_trade if run.alignment else None
        kpis["calendar_visits_paid_for_capacity"] = trade["visits_paid_for_capacity"] if trade else None
        kpis["calendar_expected_shortfall"] = trade["expected_shortfall"] if trade else None
    lap("kpis")
    extra = {"rotation": rotation.manifest} if rotation is not None else {}
    return Plan(scenario, str(public_value), seed, settings, run, bundle, teams, visits, kpis, seconds, capacity, extra)


def plan_kpis(scenario: Scenario, results, run: DrawRun, visits: pl.DataFrame, bundle: BundleResult,
              tasks: pl.DataFrame, seed: str) -> dict[str, Any]:
    """The figures a planner watches (DOMAIN.md, "Targets"), all computed from the plan itself."""
    draws = run.draw.draws
    selected = draws.filter("selected").select("subject_id", "task_id")
    today, _ = independent_joint_visits(scenario, results, seed)
    covered = set(visits["items"].explode().drop_nulls().to_list())
    alignment = run.alignment
    # "sample sizes met": tasks whose whole randomised size — ⌊Σπ⌋ or ⌈Σπ⌉ as the seed decided, a count exactly
    # (optimizer.draw.allocation; check_sample_sizes) — was drawn *and visited*: a drawn subject left unplaced
    # means the sample was not carried out, so the task does not count
    # every task of the scenario: one with no eligible subject draws (and must draw) nobody — counted, not dropped
    targets = pl.DataFrame({"task_id": [t.id for t in scenario.tasks]}, schema={"task_id": pl.String}).join(
        run.draw.substrata.group_by("task_id").agg(pl.col("n").sum()), on="task_id", how="left").with_columns(
        pl.col("n").fill_null(0))
    visited = visits.select("subject_id", pl.col("task_ids").alias("task_id")).explode("task_id").join(
        selected, on=["subject_id", "task_id"]).group_by("task_id").len()
    met = targets.join(visited, on="task_id", how="left").with_columns(pl.col("len").fill_null(0))
    firms = scenario.subjects.height
    return {
        "visits": visits.height,
        "subject_visits_single_department": single_department_visits(selected, tasks.select("task_id", "departments")),
        "visits_independent_joint": today,
        "visits_expected": round(alignment.expected_visits, 2) if alignment else None,
        "visits_lower_bound": round(alignment.bound, 2) if alignment else None,
        "visits_expected_gap": round(alignment.gap, 4) if alignment else None,
        "visits_lower_bound_all_in_one_round": round(alignment.all_in_one_round, 2) if alignment else None,
        "visits_calendar_as_given": round(alignment.calendar_as_given, 2) if alignment else None,
        "subjects_drawn": selected.height,
        "subjects_visited": visits["subject_id"].n_unique(),
        "sample_sizes_met": int((met["len"] >= met["n"]).sum()),
        "tasks": met.height,
        "item_coverage": round(len(covered) / len(scenario.items), 4),
        "joint_inspection_rate": round(float((visits["departments"].list.len() >= 2).mean() or 0.0), 4),
        "share_of_firms_inspected": round(visits["subject_id"].n_unique() / firms, 6) if firms else 0.0,
        "capped_subjects": int(draws.filter("blocked")["subject_id"].n_unique()),
        "replacements": int(draws["replaced_by"].is_not_null().sum()),
        "unplaced_pairs": bundle.unplaced.height,
    }


def calendar_overload(scenario: Scenario, results, run: DrawRun, tasks: pl.DataFrame) -> dict:
    """The aligned calendar's expected officer-visits per department-week against capacity (a diagnostic)."""
    profiles = subject_profiles(results.pairs.filter(pl.col("eligible")))
    departments = tasks.select("task_id", pl.col("departments").alias("department"),
                               pl.col("min_officers_per_department").alias("officers")).explode("department")
    capacity = scenario.officers.group_by("department").agg(pl.col("weekly_capacity").sum())
    return overload_summary(calendar_load(profiles, run.rounds, departments, capacity))


def solver_notes(plan: Plan) -> list[str]:
    """One line per solver stage that stopped at its deterministic time limit rather than at optimality.

    The plan is still complete and lawful: each stage keeps the best solution it found (the calendar as
    given, the greedy bundles and the seeded random teams are always feasible starting points).
    """
    notes = []
    align = plan.run.alignment
    if align is not None and align.status != "OPTIMAL":
        notes.append(
            f"calendar alignment stopped at its deterministic time limit ({plan.settings.align.deterministic_time:g}) "
            f"or when its search stopped improving: kept the best calendar found — expected visits "
            f"{align.expected_visits:.1f}, lower bound {align.bound:.1f} (subject profiles, alone or in clusters, at their best), "
            f"gap {align.gap:.1%}"
        )
    for c in (align.shortfall if align is not None else []):
        first, last = c["first_week"].isocalendar(), c["last_week"].isocalendar()
        notes.append(
            f"calendar capacity: department {c['department']} in weeks {first[0]}-W{first[1]:02d}..{last[0]}-W{last[1]:02d} "
            f"needs {c['needed']:.1f} expected officer-visits and has {c['available']:.1f} (teams of distinct officers, "
            f"availability and working days counted) in the best calendar found within the tasks' allowed ranges; "
            f"least change: {c['add']} more officer-visits in those weeks, or wider windows for the tasks there")
    bundle = plan.bundle
    if bundle.status not in ("OPTIMAL",):
        notes.append(
            f"visit bundling stopped at its deterministic time limit ({plan.settings.bundle.deterministic_time:g}): "
            f"kept the best bundles found — {bundle.objective} visits, proven bound {bundle.bound}"
        )
    if plan.teams.status not in ("GREEDY", "OPTIMAL"):
        notes.append(
            f"officer matching repair stopped at its deterministic time limit ({plan.settings.teams.deterministic_time:g}) "
            f"with status {plan.teams.status}: kept the best teams found; see unstaffed needs"
        )
    return notes
