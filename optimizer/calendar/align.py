"""Calendar alignment (相同对象、相近时间): choose rounds and task windows that minimise expected visits.

A round is an *anchor* day a from which the round's tasks share ``min(min_shared_days, task length)``
days, so one visit can serve all of them. Candidate anchors are every Monday of the year plus every
task's window start and flex start. Model (CP-SAT), per connected component of the task graph (tasks
joined when some subject is eligible for both; components do not interact):

* ``at[t, a]``: task t is served in the round anchored at a; allowed only where t's window can be moved
  (inside its ``window_flex``, keeping its length; fixed tasks stay put) to cover the shared days;
  every task is in exactly one round.
* ``top[g, a] ≥ π[g, t] · at[t, a]``: the largest inclusion probability of subject profile g (subjects
  with the same eligible tasks and probabilities, weighted by their number) in that round, with the
  valid cut Σ_a top[g, a] ≥ max_t π[g, t].

Objective: Σ_g weight_g Σ_a top[g, a] = expected visits Σ_i Σ_r max_{t∈r} π_it under the coordinated
draw. Profiles eligible for a single task add a constant and are left out of the model (but counted).
Each task's window then moves as little as possible from where the plan put it.

Reported: the value, the proven lower bound (never below the all-in-one-round bound Σ_i max_t π_it), the
all-in-one-round bound and the value of the calendar as given (fixed windows grouped by greedy stabbing).
The solve is deterministic: one worker, a fixed random seed and a *deterministic* time limit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import networkx as nx
import polars as pl
from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from optimizer.calendar.rounds import stab_rounds
from scenarios.model import Task

__all__ = ["AlignConfig", "Alignment", "align_calendar", "subject_profiles", "expected_visits"]

PI_UNITS = 10_000  # π in the alignment objective, in 10⁻⁴ (the draw itself uses exact 10⁻⁹ units)
MASS_UNIT = 100 / PI_UNITS / PI_UNITS  # objective unit in expected visits (merged weights are in 10⁻² subject·π)


class AlignConfig(BaseModel):
    """Solver settings for calendar alignment."""

    model_config = ConfigDict(frozen=True)

    min_shared_days: int = Field(21, ge=1, description="Days a round's tasks must share (or the task's whole window)")
    deterministic_time: float = Field(20.0, gt=0, description="CP-SAT deterministic time limit per component")
    relative_gap: float = Field(0.01, ge=0, description="Stop when within this relative gap of the bound")
    random_seed: int = 0
    log_search_progress: bool = False


@dataclass(frozen=True)
class Alignment:
    """The chosen calendar: ``tasks`` has task_id, round, start, end (aligned window) and component."""

    tasks: pl.DataFrame
    expected_visits: float
    bound: float
    all_in_one_round: float
    calendar_as_given: float
    status: str

    @property
    def gap(self) -> float:
        return 0.0 if self.expected_visits == 0 else max(0.0, (self.expected_visits - self.bound) / self.expected_visits)


def subject_profiles(pairs: pl.DataFrame) -> pl.DataFrame:
    """Group subjects with identical (task, π) sets: columns profile, weight, task_id, pi, pi_units."""
    keyed = pairs.select(
        "subject_id", "task_id", pl.col("inclusion_prob").alias("pi"),
        (pl.col("inclusion_prob") * PI_UNITS).round().cast(pl.Int64).clip(1, PI_UNITS).alias("pi_units"),
    ).sort("subject_id", "task_id")
    signature = keyed.group_by("subject_id").agg(
        pl.concat_str("task_id", pl.lit("="), pl.col("pi").cast(pl.String)).str.join(",").alias("signature")
    )
    profiles = signature.group_by("signature").agg(pl.len().alias("weight")).sort("signature").with_row_index("profile")
    one = keyed.join(signature, on="subject_id").group_by("signature", "task_id", "pi", "pi_units").agg()
    return one.join(profiles, on="signature").select(
        pl.col("profile").cast(pl.Int64), pl.col("weight").cast(pl.Int64), "task_id", "pi", "pi_units"
    ).sort("profile", "task_id")


def _merge_proportional(profiles: pl.DataFrame) -> pl.DataFrame:
    """Merge profiles whose π vectors over the same tasks are proportional.

    Σ_r max_{t∈r} (c·π_t) = c · Σ_r max_{t∈r} π_t, so such profiles need one objective term, weighted by
    Σ weight · c. Credit multipliers and count scales multiply every task of a subject alike, which makes
    most profiles proportional (only a π clipped at 1 breaks it). Returns profile, weight (in π units of
    the merged shape), task_id, pi_units (the shape, largest = PI_UNITS).
    """
    top = profiles.group_by("profile").agg(pl.col("pi").max().alias("top"))
    shaped = profiles.join(top, on="profile").with_columns(
        (pl.col("pi") / pl.col("top") * PI_UNITS).round().cast(pl.Int64).alias("shape")
    )
    key = shaped.sort("profile", "task_id").group_by("profile").agg(
        pl.concat_str("task_id", pl.lit("="), pl.col("shape").cast(pl.String)).str.join(",").alias("key"),
        (pl.col("weight").first() * pl.col("top").first() * PI_UNITS).alias("mass"),
    )
    merged = key.group_by("key").agg(pl.col("mass").sum(), pl.col("profile").min().alias("first")).sort("key")
    merged = merged.with_row_index("merged")
    rows = shaped.join(key.select("profile", "key"), on="profile").join(merged, on="key")
    rows = rows.filter(pl.col("profile") == pl.col("first"))
    # mass is Σ weight × π in 10⁻⁴ units; carried in 10⁻² subject·π to keep solver coefficients small
    return rows.select(
        pl.col("merged").cast(pl.Int64).alias("profile"),
        (pl.col("mass") / 100).round().cast(pl.Int64).alias("weight"), "task_id", pl.col("shape").alias("pi_units"),
    ).sort("profile", "task_id")


def expected_visits(profiles: pl.DataFrame, rounds: pl.DataFrame) -> float:
    """Σ_g weight_g Σ_r max_{t∈r} π_gt for a given task→round map (columns task_id, round)."""
    top = profiles.join(rounds.select("task_id", "round"), on="task_id").group_by("profile", "weight", "round").agg(
        pl.col("pi").max()
    )
    return float((top["weight"] * top["pi"]).sum())


def _day(year: int, date: dt.date) -> int:
    return (date - dt.date(year, 1, 1)).days


def _components(tasks: list[Task], profiles: pl.DataFrame) -> list[list[Task]]:
    graph = nx.Graph()
    graph.add_nodes_from(t.id for t in tasks)
    shared = profiles.group_by("profile").agg(pl.col("task_id")).filter(pl.col("task_id").list.len() > 1)
    for task_ids in shared["task_id"].to_list():
        nx.add_path(graph, sorted(task_ids))
    by_id = {t.id: t for t in tasks}
    components = [sorted(c) for c in nx.connected_components(graph)]
    return [[by_id[i] for i in c] for c in sorted(components)]


def _window_range(task: Task, year: int) -> tuple[int, int, int]:
    """(earliest start, latest start, length) in days from 1 January."""
    length = task.window.days
    if task.window_flex is None:
        lo = hi = _day(year, task.window.start)
    else:
        lo, hi = _day(year, task.window_flex.earliest), _day(year, task.window_flex.latest) - length + 1
    return lo, hi, length


def _feasible_anchors(task: Task, anchors: list[int], year: int, config: AlignConfig) -> list[int]:
    lo, hi, length = _window_range(task, year)
    shared = min(config.min_shared_days, length)
    return [a for a in anchors if max(lo, a + shared - length) <= min(hi, a)]


def _anchors(tasks: list[Task], year: int) -> list[int]:
    first = dt.date(year, 1, 1)
    mondays = [d for d in range(0, _day(year, dt.date(year, 12, 31)) + 1) if (first + dt.timedelta(days=d)).weekday() == 0]
    starts = [_day(year, t.window.start) for t in tasks]
    flex = [_day(year, t.window_flex.earliest) for t in tasks if t.window_flex]
    return sorted(set(mondays) | set(starts) | set(flex))


@dataclass
class _Model:
    model: cp_model.CpModel
    at: dict[tuple[str, int], cp_model.IntVar]
    objective_constant: int


def build_model(tasks: list[Task], profiles: pl.DataFrame, year: int, config: AlignConfig) -> _Model:
    """Variables and constraints of one component (see module docstring)."""
    model = cp_model.CpModel()
    anchors = _anchors(tasks, year)
    at: dict[tuple[str, int], cp_model.IntVar] = {}
    for task in tasks:
        feasible = _feasible_anchors(task, anchors, year, config)
        if not feasible:
            raise ValueError(f"task {task.id}: its window cannot hold {config.min_shared_days} shared days")
        for a in feasible:
            at[(task.id, a)] = model.new_bool_var(f"at(task={task.id}, anchor={a})")
        model.add_exactly_one(at[(task.id, a)] for a in feasible).with_name(f"one_round(task={task.id})")

    ids = [t.id for t in tasks]
    mine = _merge_proportional(profiles.filter(pl.col("task_id").is_in(ids)))
    counts = mine.group_by("profile").len()
    single = mine.join(counts.filter(pl.col("len") == 1), on="profile")
    constant = int((single["weight"] * single["pi_units"]).sum())
    multi = mine.join(counts.filter(pl.col("len") > 1), on="profile").sort("profile", "task_id")
    terms = []
    for (profile, weight), rows in multi.group_by("profile", "weight", maintain_order=True):
        members = list(rows.select("task_id", "pi_units").iter_rows())
        tops = []
        for a in anchors:
            here = [(t, p) for t, p in members if (t, a) in at]
            if not here:
                continue
            top = model.new_int_var(0, max(p for _, p in here), f"top(profile={profile}, anchor={a})")
            for t, p in here:
                model.add(top >= p * at[(t, a)])
            tops.append(top)
            terms.append(weight * top)
        model.add(sum(tops) >= max(p for _, p in members)).with_name(f"cut(profile={profile})")
    model.minimize(sum(terms))
    return _Model(model, at, constant)


def _solve(built: _Model, config: AlignConfig, hint: dict[str, int]) -> tuple[cp_model.CpSolver, str]:
    for (task_id, a), var in built.at.items():
        built.model.add_hint(var, hint.get(task_id) == a)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = config.random_seed
    solver.parameters.max_deterministic_time = config.deterministic_time
    solver.parameters.relative_gap_limit = config.relative_gap
    solver.parameters.log_search_progress = config.log_search_progress
    status = solver.solve(built.model)
    return solver, solver.status_name(status)


def _place(task: Task, anchor: int, year: int, config: AlignConfig) -> dt.date:
    """The start closest to the plan's own start that still covers the round's shared days."""
    lo, hi, length = _window_range(task, year)
    shared = min(config.min_shared_days, length)
    first, last = max(lo, anchor + shared - length), min(hi, anchor)
    start = min(max(_day(year, task.window.start), first), last)
    return dt.date(year, 1, 1) + dt.timedelta(days=start)


def align_calendar(tasks: list[Task], pairs: pl.DataFrame, year: int, config: AlignConfig | None = None) -> Alignment:
    """Choose rounds and windows for ``tasks`` given the rules' eligible pairs (subject_id, task_id, inclusion_prob)."""
    config = config or AlignConfig()
    profiles = subject_profiles(pairs)
    given = stab_rounds(tasks)
    calendar_as_given = expected_visits(profiles, given)
    all_in_one = expected_visits(profiles, given.with_columns(pl.lit(0).alias("round")))

    rows, value, bound, statuses = [], 0.0, 0.0, []
    for component, members in enumerate(_components(tasks, profiles)):
        built = build_model(members, profiles, year, config)
        stab = dict(stab_rounds(members).select("task_id", "stab_date").iter_rows())
        hint = {}
        for t in members:  # the calendar as given, moved to the nearest feasible anchor
            feasible = [a for (tid, a) in built.at if tid == t.id]
            hint[t.id] = min(feasible, key=lambda a: abs(a - _day(year, stab[t.id])))
        solver, status = _solve(built, config, hint)
        statuses.append(status)
        if status not in ("OPTIMAL", "FEASIBLE"):
            raise RuntimeError(f"calendar alignment found no plan for tasks {[t.id for t in members]}: {status}")
        value += (solver.objective_value + built.objective_constant) * MASS_UNIT
        bound += (solver.best_objective_bound + built.objective_constant) * MASS_UNIT
        chosen = {t: a for (t, a), var in built.at.items() if solver.boolean_value(var)}
        for task in members:
            start = _place(task, chosen[task.id], year, config)
            rows.append({
                "task_id": task.id, "component": component,
                "anchor": dt.date(year, 1, 1) + dt.timedelta(days=chosen[task.id]),
                "start": start, "end": start + dt.timedelta(days=task.window.days - 1),
            })
    frame = pl.DataFrame(rows)
    # rounds numbered by date (then component), so the draw applies caps in calendar order
    order = frame.select("component", "anchor").unique().sort("anchor", "component").with_row_index("round")
    frame = frame.join(order, on=["component", "anchor"]).with_columns(pl.col("round").cast(pl.Int32))
    by_task = {t.id: k for k, t in enumerate(tasks)}
    frame = frame.sort(pl.col("task_id").replace_strict(by_task)).select("task_id", "round", "start", "end", "anchor", "component")
    status = "OPTIMAL" if all(s == "OPTIMAL" for s in statuses) else "FEASIBLE"
    return Alignment(frame, value, max(bound, all_in_one), all_in_one, calendar_as_given, status)
