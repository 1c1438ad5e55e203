"""Calendar alignment (相同对象、相近时间): choose rounds and task windows that minimise expected visits.

A round is an *anchor* day a from which the round's tasks share ``min(min_shared_days, task length)``
days, so one visit can serve all of them. A task can serve the round at a exactly when a lies in its
anchor interval (its window moved inside its ``window_flex``, keeping its length; fixed tasks stay put;
:func:`optimizer.calendar.bound.anchor_intervals`), so a calendar is a grouping of tasks into rounds whose
intervals share a point. Tasks are split into connected components (joined when some subject is eligible
for both; components do not interact) and each is aligned by :mod:`optimizer.calendar.search`: greedy
stabbing, local search, large-neighbourhood search with CP-SAT on neighbourhoods
(:mod:`optimizer.calendar.model`).

Objective: Σ_g weight_g Σ_r max_{t∈r} π_gt over subject profiles g (subjects with the same eligible tasks
and probabilities) = expected visits Σ_i Σ_r max_{t∈r} π_it under the coordinated draw. Profiles whose π
vectors are proportional share one term; profiles of a single task add a constant. With weekly capacity the
order is lexicographic (:mod:`optimizer.calendar.complete`): first the expected *shortfall* — officer-visits
no assignment of visits to the weeks they may take can serve (per department, against what teams of distinct
officers can use in each week, availability included, :class:`optimizer.calendar.load.LoadModel`) — then
expected visits, then λ = ``overload_weight`` · expected overload (Σ_{department, week} max(0, expected
officer-visits − capacity), the even-spread rule the plan reports), components in order, each seeing the load
of those before it. The search dates the rounds; what completeness and λ paid — expected visits, overload and
shortfall with and without them — is ``Alignment.capacity_trade`` (the manifest's
``solver.align.capacity_trade``). Without staffing each round's anchor is chosen afterwards where it moves its
windows least (:mod:`optimizer.calendar.dating`).

Reported: the value (recomputed exactly on the profiles), the lower bound — the better of the per-profile
bound (:mod:`optimizer.calendar.bound`: each profile grouping its own tasks at best, which no calendar can
beat) and the clustered bound (:func:`_cluster_bound`: profiles in clusters, each cluster's best calendar
proven by CP-SAT, with π and weights rounded down so it stays below the exact optimum), never below the
all-in-one-round bound Σ_i max_t π_it — and the value of the calendar as given. On stress-80 the clustered
bound takes the gap from 4.7% to 3.6% (30k) for about 3 CPU s (``bound_time`` 0.5; 0 turns it off).
``status`` is OPTIMAL when every component is within ``relative_gap`` of its per-profile bound. Deterministic: one worker, a fixed seed, deterministic time limits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from optimizer.calendar.bound import anchor_intervals, profile_bound, window_range
from optimizer.calendar.dating import Staffing, date_rounds, round_demand
from optimizer.calendar.complete import TOLERANCE as SHORTFALL_TOLERANCE
from optimizer.calendar.complete import penalise
from optimizer.calendar.load import LoadModel, effective_capacity, shortfall
from optimizer.calendar.model import ItemModel, profile_floor, solve_items
from optimizer.calendar.rounds import stab_rounds
from optimizer.calendar.workdays import working_days
from optimizer.calendar.search import SearchConfig, search_calendar
from optimizer.progress import step, within
from scenarios.model import Task

__all__ = ["AlignConfig", "Alignment", "align_calendar", "subject_profiles", "expected_visits"]

PI_UNITS = 10_000  # π in the alignment objective, in 10⁻⁴ (the draw itself uses exact 10⁻⁹ units)
MASS_UNIT = 100 / PI_UNITS / PI_UNITS  # objective unit in expected visits (merged weights are in 10⁻² subject·π)


OVERLOAD_WEIGHT = 0.1
"""Default λ: expected visits the alignment pays to take one expected officer-visit off a department-week
over capacity *once nothing is short* — overload that bundling can still absorb by moving visits to other weeks
of their windows. Overload it cannot absorb (the shortfall) is never traded: it comes first
(:mod:`optimizer.calendar.complete`; issue 25: at λ = 0.1 as a weighted trade a district lost 27 drawn pairs)."""


class AlignConfig(BaseModel):
    """Solver settings for calendar alignment."""

    model_config = ConfigDict(frozen=True)

    min_shared_days: int = Field(21, ge=1, description="Days a round's tasks must share (or the task's whole window)")
    deterministic_time: float = Field(20.0, gt=0, description="CP-SAT deterministic time budget per component (all LNS steps)")
    neighbourhood: int = Field(10, ge=2, description="Tasks freed in one large-neighbourhood step")
    step_time: float = Field(1.0, gt=0, description="CP-SAT deterministic time limit of one neighbourhood")
    patience: int = Field(24, ge=1, description="Stop after this many neighbourhoods in a row without improvement")
    relative_gap: float = Field(0.01, ge=0, description="Stop when within this relative gap of the bound")
    overload_weight: float = Field(
        OVERLOAD_WEIGHT, ge=0,
        description="λ: expected visits the alignment will pay to take one expected officer-visit off a "
                    "department-week over capacity once no officer-visit is short (the shortfall always comes first)")
    bound_time: float = Field(0.5, ge=0, description="CP-SAT deterministic time per profile cluster of the lower bound (0: per-profile bound only)")
    bound_cluster_tasks: int = Field(40, ge=2, description="Largest profile cluster (in tasks) the lower bound solves with CP-SAT")
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
    per_profile_bound: float = 0.0
    search: list[str] = field(default_factory=list)
    capacity_trade: dict | None = None  # what the overload penalty traded (align_calendar; None without it)
    cluster_bound: float = 0.0  # profiles in clusters, each solved on its own (_cluster_bound); part of ``bound``
    shortfall: list[dict] = field(default_factory=list)  # departments still short under this calendar (_certificate)

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


def _merge_proportional(profiles: pl.DataFrame, down: bool = False) -> pl.DataFrame:
    """Merge profiles whose π vectors over the same tasks are proportional.

    Σ_r max_{t∈r} (c·π_t) = c · Σ_r max_{t∈r} π_t, so such profiles need one objective term, weighted by
    Σ weight · c. Credit multipliers and count scales multiply every task of a subject alike, which makes
    most profiles proportional (only a π clipped at 1 breaks it). Returns profile, weight (in π units of
    the merged shape), task_id, pi_units (the shape, largest = PI_UNITS). ``down``: shapes and weights
    rounded down, so every calendar's value in these units is at most its exact value (for bounds).
    """
    top = profiles.group_by("profile").agg(pl.col("pi").max().alias("top"))
    rnd = (lambda e: e.floor()) if down else (lambda e: e.round())
    shaped = profiles.join(top, on="profile").with_columns(
        rnd(pl.col("pi") / pl.col("top") * PI_UNITS).cast(pl.Int64).alias("shape")
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
        rnd(pl.col("mass") / 100).cast(pl.Int64).alias("weight"), "task_id", pl.col("shape").alias("pi_units"),
    ).sort("profile", "task_id")


def expected_visits(profiles: pl.DataFrame, rounds: pl.DataFrame) -> float:
    """Σ_g weight_g Σ_r max_{t∈r} π_gt for a given task→round map (columns task_id, round)."""
    top = profiles.join(rounds.select("task_id", "round"), on="task_id").group_by("profile", "weight", "round").agg(
        pl.col("pi").max()
    ).sort("profile", "round")  # a fixed order of summation: the same figure to the last bit, whatever the input order
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


def _anchors(tasks: list[Task], year: int) -> list[int]:
    first = dt.date(year, 1, 1)
    mondays = [d for d in range(0, _day(year, dt.date(year, 12, 31)) + 1) if (first + dt.timedelta(days=d)).weekday() == 0]
    starts = [_day(year, t.window.start) for t in tasks]
    flex = [_day(year, t.window_flex.earliest) for t in tasks if t.window_flex]
    return sorted(set(mondays) | set(starts) | set(flex))


def _place(task: Task, anchor: int, year: int, config: AlignConfig) -> dt.date:
    """The start closest to the plan's own start that still covers the round's shared days."""
    lo, hi, length = window_range(task, year)
    shared = min(config.min_shared_days, length)
    first, last = max(lo, anchor + shared - length), min(hi, anchor)
    start = min(max(_day(year, task.window.start), first), last)
    return dt.date(year, 1, 1) + dt.timedelta(days=start)


def _item_model(members: list[Task], profiles: pl.DataFrame, intervals: dict[str, tuple[int, int]],
                down: bool = False) -> tuple[ItemModel, int, np.ndarray]:
    """The component's tasks as items and its merged profiles as a matrix; the single-task profiles'
    constant, and their expected subjects per task (in model units, for the load)."""
    ids = [t.id for t in members]
    mine = _merge_proportional(profiles.filter(pl.col("task_id").is_in(ids)), down)
    counts = mine.group_by("profile").len()
    single = mine.join(counts.filter(pl.col("len") == 1), on="profile")
    constant = int((single["weight"] * single["pi_units"]).sum())
    multi = mine.join(counts.filter(pl.col("len") > 1), on="profile").sort("profile", "task_id")
    index = {t: k for k, t in enumerate(ids)}
    rows = multi.select("profile").unique(maintain_order=True).with_row_index("row")
    multi = multi.join(rows, on="profile")
    P = np.zeros((rows.height, len(ids)), dtype=np.int64)
    if multi.height:
        P[multi["row"].to_numpy(), multi["task_id"].replace_strict(index).to_numpy()] = multi["pi_units"].to_numpy()
    weights = multi.group_by("row").agg(pl.col("weight").first()).sort("row")["weight"].to_numpy().astype(np.int64)
    lo = np.array([intervals[t][0] for t in ids], dtype=np.int64)
    hi = np.array([intervals[t][1] for t in ids], dtype=np.int64)
    alone = np.zeros(len(ids), dtype=np.float64)
    if single.height:
        per = single.group_by("task_id").agg((pl.col("weight") * pl.col("pi_units")).sum().alias("m"))
        for t, m in per.rows():
            alone[index[t]] = float(m)
    return ItemModel(ids, lo, hi, weights, P), constant, alone


def _cluster_bound(model: ItemModel, config: AlignConfig) -> int:
    """A lower bound (model units) on Σ_g w_g Σ_r max_{t∈r} P[g, t] over every calendar: profiles in clusters.

    Each profile joins the first cluster (largest task set first) whose task set holds its own; each cluster
    of up to ``bound_cluster_tasks`` tasks is solved on its own by CP-SAT (:func:`solve_items`, every task an
    item, ``bound_time`` deterministic seconds) and contributes its proven bound, else its profiles' own
    best groupings. Valid: Σ_c min_calendar f_c ≤ min_calendar Σ_c f_c, since every cluster may pick its own
    calendar; with one profile per cluster it is the per-profile bound, with one cluster the optimum.
    """
    if model.P.shape[0] == 0:
        return 0
    floors = np.array([profile_floor(model, g) for g in range(model.P.shape[0])], dtype=np.int64)
    support = [frozenset(np.flatnonzero(model.P[g]).tolist()) for g in range(model.P.shape[0])]
    order = sorted(range(len(support)), key=lambda g: (-len(support[g]), -int(model.weights[g]), g))
    clusters: list[tuple[frozenset, list[int]]] = []
    for g in order:
        home = next((c for c in clusters if support[g] <= c[0]), None)
        if home is None:
            clusters.append((support[g], [g]))
        else:
            home[1].append(g)
    total = 0
    for tasks, members in clusters:
        own = int(model.weights[members] @ floors[members])
        if len(members) == 1 or len(tasks) > config.bound_cluster_tasks or config.bound_time <= 0:
            total += own
            continue
        items = sorted(tasks)
        sub = ItemModel([model.names[i] for i in items], model.lo[items], model.hi[items], model.weights[members],
                        model.P[np.ix_(members, items)])
        solved = solve_items(sub, None, config.bound_time, config.random_seed, 0.0)
        total += max(own, int(np.ceil(solved.bound - 1e-6)))
    return total


def _load_model(members: list[Task], model: ItemModel, alone: np.ndarray, staffing: Staffing, year: int,
                config: AlignConfig, departments: list[str], base: np.ndarray, week_shift: int,
                demand: np.ndarray | None = None) -> LoadModel:
    """The component's :class:`LoadModel`: its tasks' departments and officers, the capacity, the placement."""
    dep_index = {d: k for k, d in enumerate(departments)}
    task_deps = [np.array(sorted(dep_index[d] for d in staffing.departments.get(t.id, ())), dtype=np.int64) for t in members]
    officers = np.array([staffing.officers.get(t.id, 0) for t in members], dtype=np.float64)
    single = np.zeros((len(departments), len(members)))
    for k, deps in enumerate(task_deps):
        single[deps, k] = alone[k] * MASS_UNIT * officers[k]
    capacity, effective = _capacities(staffing, departments, year, base.shape[1], week_shift)
    workdays = np.array([_day(year, d) for d in working_days(year)], dtype=np.int64)

    def place(k: int, anchor: int) -> int:
        return _day(year, _place(members[k], anchor, year, config))

    lengths = np.array([t.window.days for t in members], dtype=np.int64)
    origin = np.array([_day(year, t.window.start) for t in members], dtype=np.int64)
    return LoadModel(model.P, model.weights, MASS_UNIT, officers, task_deps, single, capacity, place, lengths, origin,
                     dt.date(year, 1, 1).weekday(), base, week_shift, demand, effective, workdays)


def _capacities(staffing: Staffing, departments: list[str], year: int, weeks: int,
                week_shift: int) -> tuple[np.ndarray, np.ndarray]:
    """Departments × weeks: officer-visits the officers there can give (Σ of their capacities that week) and
    what teams of distinct officers can use of it (:func:`optimizer.calendar.load.effective_capacity`; none in a
    week without a working day of the year)."""
    monday0 = dt.date(year, 1, 1) - dt.timedelta(days=dt.date(year, 1, 1).weekday() + 7 * week_shift)
    raw = np.zeros((len(departments), weeks))
    usable = np.zeros((len(departments), weeks))
    for k, d in enumerate(departments):
        per_visit = staffing.per_visit(d)
        seen: dict[tuple[int, ...], int] = {}
        for w in range(weeks):
            caps = staffing.officer_capacities(d, monday0 + dt.timedelta(days=7 * w))
            raw[k, w] = sum(caps)
            if caps not in seen:
                seen[caps] = effective_capacity(list(caps), per_visit)
            usable[k, w] = seen[caps]
    workdays = np.array([_day(year, d) for d in working_days(year)], dtype=np.int64)
    open_weeks = np.zeros(weeks, dtype=bool)
    open_weeks[np.clip((workdays + dt.date(year, 1, 1).weekday()) // 7 + week_shift, 0, weeks - 1)] = True
    usable *= open_weeks[None, :]  # a week with no working day of the year takes no visit
    if not staffing.weeks:  # no availability: the usual sum, exactly as the department reports it
        raw = np.broadcast_to(np.array([staffing.capacity.get(d, 0) for d in departments], dtype=np.float64)[:, None],
                              (len(departments), weeks)).copy()
    return raw, usable


def align_calendar(tasks: list[Task], pairs: pl.DataFrame, year: int, config: AlignConfig | None = None,
                   staffing: Staffing | None = None) -> Alignment:
    """Choose rounds and windows for ``tasks`` given the rules' eligible pairs (subject_id, task_id, inclusion_prob);
    with ``staffing``, rounds are dated where the departments have room (:mod:`optimizer.calendar.dating`)."""
    config = config or AlignConfig()
    profiles = subject_profiles(pairs)
    given = stab_rounds(tasks)
    calendar_as_given = expected_visits(profiles, given)
    all_in_one = expected_visits(profiles, given.with_columns(pl.lit(0).alias("round")))
    intervals = anchor_intervals(tasks, year, config.min_shared_days)
    for task in tasks:
        lo, hi = intervals[task.id]
        if lo > hi:
            raise ValueError(f"task {task.id}: its window cannot hold {config.min_shared_days} shared days")
    per_profile = profile_bound(profiles, intervals)

    rows, statuses, details, rounds = [], [], [], []
    components = _components(tasks, profiles)
    budget = config.deterministic_time
    penalised = staffing is not None  # completeness first whenever capacity is known (optimizer.calendar.complete)
    departments = sorted(set(staffing.capacity) | {d for ds in staffing.departments.values() for d in ds}) if staffing else []
    wd0 = dt.date(year, 1, 1).weekday()
    first_day = min((window_range(t, year)[0] for t in tasks), default=0)
    last_day = max((intervals[t.id][1] + t.window.days for t in tasks), default=0)
    week_shift = max(0, -((first_day + wd0) // 7))  # windows may start before 1 January
    load = np.zeros((len(departments), (last_day + wd0) // 7 + week_shift + 2))
    demand = np.zeros((load.shape[0], load.shape[1], load.shape[1]))  # interval demand, for the shortfall
    fixed_anchor: dict[int, int] = {}
    trade = {"value_without_penalty": 0, "value": 0, "overload_without_penalty": 0.0, "overload": 0.0,
             "shortfall_without_penalty": 0.0, "shortfall": 0.0}
    cluster_bound = 0.0
    step(1, 10)  # progress (optimizer.progress): profiles and bounds a tenth, the components' searches eight
    for component, members in enumerate(components):
        model, constant, alone = _item_model(members, profiles, intervals)
        low, low_constant, _ = _item_model(members, profiles, intervals, down=True)
        clustered = _cluster_bound(low, config) + low_constant  # a valid bound, in units rounded down
        cluster_bound += clustered * MASS_UNIT
        # the search stops once within the relative gap of the better of the two bounds
        floor = max(constant + sum(int(model.weights[g]) * profile_floor(model, g) for g in range(model.P.shape[0])),
                    clustered)
        with within(1 + 8 * component / len(components), 10, parts=8 / len(components)):
            found = search_calendar(model, floor - constant, SearchConfig(
                deterministic_time=budget, relative_gap=config.relative_gap, random_seed=config.random_seed,
                neighbourhood=config.neighbourhood, step_time=config.step_time, patience=config.patience,
                log=config.log_search_progress))
        if penalised:
            loads = _load_model(members, model, alone, staffing, year, config, departments, load, week_shift, demand)
            already = loads.overload(load)
            short_already = float(loads.shortfall(demand).sum())
            found = penalise(model, found, loads, config.overload_weight / MASS_UNIT, SearchConfig(
                deterministic_time=budget, relative_gap=config.relative_gap, random_seed=config.random_seed,
                neighbourhood=config.neighbourhood, step_time=config.step_time, patience=config.patience,
                log=config.log_search_progress))
            for key in ("value_without_penalty", "value"):
                trade[key] += found.trade[key]
            for key in ("overload_without_penalty", "overload"):
                trade[key] += found.trade[key] - already  # this component's increment
            for key in ("shortfall_without_penalty", "shortfall"):
                trade[key] += found.trade[key] - short_already
            load, demand = load.copy(), demand.copy()
            for label, anchor in sorted(found.anchors.items()):
                group = tuple(k for k, lab in enumerate(found.labels) if lab == label)
                loads.apply(load, loads.contribution(group, anchor), 1.0)
                loads.add_demand(demand, loads.intervals(group, anchor), 1.0)
        details.append(found.status_detail)
        value = found.value + constant
        statuses.append(value - floor <= config.relative_gap * value + 1e-9)
        candidates = _anchors(members, year)
        by_label: dict[int, list[Task]] = {}
        for task, label in zip(members, found.labels):
            by_label.setdefault(label, []).append(task)
        for label in sorted(by_label):
            group = by_label[label]
            lo = max(intervals[t.id][0] for t in group)
            hi = min(intervals[t.id][1] for t in group)
            if penalised:
                fixed_anchor[len(rounds)] = found.anchors[label]
            rounds.append((len(rounds), component, group, [a for a in candidates if lo <= a <= hi] or [lo]))
    if penalised:  # the search dated its rounds with the penalty's own load model
        anchors = fixed_anchor
    else:
        label_of = {t.id: key for key, _, group, _ in rounds for t in group}
        demand = round_demand(profiles, label_of, staffing) if staffing else {}
        anchors = date_rounds([(key, group, cands) for key, _, group, cands in rounds], demand,
                              lambda task, a: _place(task, a, year, config), staffing.capacity if staffing else None)
    for key, component, group, _ in rounds:
        anchor = anchors[key]
        for task in group:
            start = _place(task, anchor, year, config)
            rows.append({
                "task_id": task.id, "component": component,
                "anchor": dt.date(year, 1, 1) + dt.timedelta(days=anchor),
                "start": start, "end": start + dt.timedelta(days=task.window.days - 1),
            })
    frame = pl.DataFrame(rows)
    # rounds numbered by date (then component), so the draw applies caps in calendar order
    order = frame.select("component", "anchor").unique().sort("anchor", "component").with_row_index("round")
    frame = frame.join(order, on=["component", "anchor"]).with_columns(pl.col("round").cast(pl.Int32))
    by_task = {t.id: k for k, t in enumerate(tasks)}
    frame = frame.sort(pl.col("task_id").replace_strict(by_task)).select("task_id", "round", "start", "end", "anchor", "component")
    value = expected_visits(profiles, frame)
    bound = max(per_profile, all_in_one, cluster_bound)
    status = "OPTIMAL" if all(statuses) else "FEASIBLE"
    capacity_trade = None
    if penalised:
        paid = (trade["value"] - trade["value_without_penalty"]) * MASS_UNIT
        capacity_trade = {
            "overload_weight": config.overload_weight,
            "expected_visits": round(value, 4),
            "expected_visits_without_penalty": round(value - paid, 4),
            "visits_paid_for_capacity": round(paid, 4),
            "expected_overload": round(trade["overload"], 4),
            "expected_overload_without_penalty": round(trade["overload_without_penalty"], 4),
            "overload_removed": round(trade["overload_without_penalty"] - trade["overload"], 4),
            "expected_shortfall": round(trade["shortfall"], 4),
            "expected_shortfall_without_penalty": round(trade["shortfall_without_penalty"], 4),
        }
    certificate = _certificate(staffing, departments, year, demand, week_shift) if penalised else []
    return Alignment(frame, value, min(bound, value), all_in_one, calendar_as_given, status, per_profile,
                     [d for d in details if d], capacity_trade, cluster_bound, certificate)


def _certificate(staffing: Staffing, departments: list[str], year: int, demand: np.ndarray,
                 week_shift: int) -> list[dict]:
    """Per department still short under the calendar chosen: the weeks that prove it (the worst interval of
    :func:`optimizer.calendar.load.shortfall`), the expected officer-visits that must fall inside them against
    those available, and the least change that would suffice (the department's whole shortfall, in those weeks)."""
    _, usable = _capacities(staffing, departments, year, demand.shape[1], week_shift)
    monday0 = dt.date(year, 1, 1) - dt.timedelta(days=dt.date(year, 1, 1).weekday() + 7 * week_shift)
    out = []
    for k, d in enumerate(departments):
        used = np.flatnonzero(demand[k].any(axis=0) | demand[k].any(axis=1))
        if used.size == 0:
            continue
        a0, b0 = int(used[0]), int(used[-1]) + 1
        short, worst = shortfall(demand[k, a0:b0, a0:b0], usable[k, a0:b0])
        if short <= SHORTFALL_TOLERANCE or worst is None:
            continue
        a, b = a0 + worst[0], a0 + worst[1]
        out.append({"department": d, "first_week": monday0 + dt.timedelta(days=7 * a),
                    "last_week": monday0 + dt.timedelta(days=7 * b),
                    "needed": round(float(demand[k, a:b + 1, a:b + 1].sum()), 1),
                    "available": round(float(usable[k, a:b + 1].sum()), 1), "add": int(np.ceil(short - 1e-9))})
    return out
