"""Mid-year adjustment (动态调整): a new version of a plan from an updated scenario, as of a date.

沪府发〔2024〕6号 二(一): tasks not in the annual plan may be added and planned ones cancelled as work requires
("可进行动态调整并及时更新"); each adjustment is published within 5 working days like the plan itself.

What an adjustment keeps and changes:

* visits dated before ``as_of`` are done: copied byte for byte (subject, date, tasks, team, 检查码) and counted
  in the caps of the rounds after them;
* the draw is re-run on the updated scenario **from the committed seed of the plan it adjusts** (no new
  chance to re-roll) with the **offsets of that plan** (``offset_basis.parquet``: its pairs' rounds and π).
  A task whose eligible subjects and π did not change therefore reads the same keys, gets the same cell
  sizes and draws the same subjects; where a cap (a done visit, an added task's draw) or a changed directory
  moves a subject, the manifest names the task, the reason and the subjects (``adjustment.forced_changes``);
* an added task joins the existing round whose windows it meets most after ``as_of`` (same offsets: for a
  subject the round already draws, its sample is nested with the round's and joins planned visits, 进一次门;
  for a subject with no arc in that round the key starts after all the subject's arcs, so the added task
  takes no cap from the rounds after it) or, when it meets none, a new last round (the same: after all arcs);
* a cancelled task's future pairs are dropped; a future visit keeps the tasks it still serves, its date and
  its team; new pairs join a kept visit of their subject whose date lies in their window, the rest are
  bundled from ``as_of`` on — the officer-visits of the done and kept visits count against each department's
  weekly capacity (:func:`kept_load`) — and staffed week by week around the officers' kept assignments.

A plan drawn with rotation across years (:mod:`optimizer.rotation`) is adjusted with the earlier plans it was
rotated against and the chain's first public value: the adjusted draw reads the chain's permanent numbers with
the same shift (the year's arc it guards against is the offset basis's, so it does not move), and the new
version keeps the ``rotation`` entry, so ``verify --previous`` recomputes it.

Why every sample is still exactly at π: the offsets are fixed from published probabilities before any
ticket is read, so frac(u − a) is uniform and the cell sizes of :mod:`optimizer.draw.allocation` give
P(drawn) = π (the draw audit passes on adjusted draws); only the caps — as in every plan — move a subject,
and the manifest lists each move. ``jointcheck verify`` recomputes the adjusted draw from the revealed
value, the offset basis and the done visits.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from optimizer.bundling import BundleConfig, BundleInput, bundle_visits
from optimizer.check import read_plan
from optimizer.draw import (
    DrawMode,
    PlanBlocked,
    draw_input,
    draw_subjects,
    pi_units,
    plan_seed,
    seed_commitment,
)
from optimizer.export import file_sha256, write_manifest
from optimizer.progress import stage as progress_stage
from optimizer.progress import within
from optimizer.teams import TeamConfig, TeamInput, match_officers
from records.codes import code_secret, inspection_codes
from rules import evaluate, load_policy
from scenarios.atomic import atomic_directory
from scenarios.messages import Message
from scenarios.model import Scenario

__all__ = ["AdjustError", "Adjusted", "adjust_plan", "write_adjusted", "seed_scenario_hash", "kept_load", "ADJUST_FILES"]

ADJUST_FILES = ("draws.parquet", "visits.parquet", "assignments.parquet", "unplaced.parquet",
                "offset_basis.parquet", "changes.csv", "changes.json")
_VISIT_COLUMNS = ["visit_id", "subject_id", "date", "task_ids", "departments", "items", "inspection_code", "round", "week"]
_CHANGES = {"added": "新增上门", "removed": "取消上门", "moved": "改期", "tasks_changed": "检查任务变更",
            "team_changed": "检查人员变更"}


class AdjustError(ValueError):
    """An adjustment that cannot be made as asked (wrong public value, a rotated plan without its earlier plans,
    a bad date…)."""


def seed_scenario_hash(manifest: dict[str, Any]) -> str:
    """The scenario hash the plan's seed was derived from: its own, or that of the first version it adjusts."""
    adjusts = manifest.get("adjusts")
    return adjusts["seed_scenario_hash"] if adjusts else manifest["scenario"]["hash"]


@dataclass(frozen=True)
class Adjusted:
    manifest: dict[str, Any]
    draws: pl.DataFrame
    visits: pl.DataFrame
    assignments: pl.DataFrame
    unplaced: pl.DataFrame
    offset_basis: pl.DataFrame
    changes: pl.DataFrame


def _joins(old_draws: pl.DataFrame | None, pairs: pl.DataFrame | None, task: str, rnd: int) -> float:
    """Expected subjects an added task would share with round ``rnd``'s samples: Σ_i min(π_it, top_ir)."""
    if old_draws is None or pairs is None:
        return 0.0
    tops = old_draws.filter(pl.col("round") == rnd).group_by("subject_id").agg(pl.col("inclusion_prob").max().alias("top"))
    mine = pairs.filter(pl.col("task_id") == task).select("subject_id", "inclusion_prob")
    return float(mine.join(tops, on="subject_id").select(pl.min_horizontal("inclusion_prob", "top").sum()).item() or 0.0)


def _rounds(manifest: dict[str, Any], scenario: Scenario, as_of: dt.date, old_draws: pl.DataFrame | None = None,
            pairs: pl.DataFrame | None = None) -> tuple[pl.DataFrame, list[str], list[str], list[str]]:
    """task_id, round, start, end of the adjusted plan; and the added, cancelled and moved task ids.

    An added task joins, among the rounds whose common window it meets on or after ``as_of``, the one whose
    samples it would share most subjects with (Σ min(π, the round's largest π), from the plan's published
    draws ``old_draws`` and the added task's eligible ``pairs``), ties to the longer common window.
    """
    before = {t["id"]: t for t in manifest["tasks"]}
    rows, added, moved = [], [], []
    for task in scenario.tasks:
        old = before.get(task.id)
        if old is None:
            continue
        start, end = dt.date.fromisoformat(old["window"]["start"]), dt.date.fromisoformat(old["window"]["end"])
        planned = old.get("window_as_planned", old["window"])
        if (task.window.start.isoformat(), task.window.end.isoformat()) != (planned["start"], planned["end"]):
            start, end = task.window.start, task.window.end  # moved by the department: the new window as given
            moved.append(task.id)
        rows.append((task.id, int(old["round"]), start, end))
    spans: dict[int, tuple[dt.date, dt.date]] = {}
    for _, rnd, start, end in rows:
        lo, hi = spans.get(rnd, (start, end))
        spans[rnd] = (max(lo, start), min(hi, end))
    last = max((int(t["round"]) for t in manifest["tasks"]), default=-1)
    for task in scenario.tasks:
        if task.id in before:
            continue
        added.append(task.id)
        start, end = max(task.window.start, as_of), task.window.end
        best, best_score = None, (0.0, 0)
        for rnd, (lo, hi) in sorted(spans.items()):
            days = (min(hi, end) - max(lo, start)).days + 1
            score = (round(_joins(old_draws, pairs, task.id, rnd), 9), days)
            if days > 0 and score > best_score:
                best, best_score = rnd, score
        if best is None:
            last += 1
            best = last
            spans[best] = (task.window.start, task.window.end)
        rows.append((task.id, best, task.window.start, task.window.end))
    cancelled = [t for t in before if t not in {task.id for task in scenario.tasks}]
    frame = pl.DataFrame(rows, schema={"task_id": pl.String, "round": pl.Int32, "start": pl.Date, "end": pl.Date},
                         orient="row").sort("task_id")
    return frame, added, sorted(cancelled), moved


def _forced_changes(old: pl.DataFrame, new: pl.DataFrame, tasks: list[str]) -> list[dict[str, Any]]:
    """Per kept task whose sample moved: the subjects out and in, and why (directory/definition or cap)."""
    out = []
    cell = ["subject_id", "stratum", "pi_units"]
    for task in tasks:
        a = old.filter(pl.col("task_id") == task)
        b = new.filter(pl.col("task_id") == task)
        was = set(a.filter("selected")["subject_id"].to_list())
        now = set(b.filter("selected")["subject_id"].to_list())
        if was == now:
            continue
        same_cells = a.select(cell).sort(cell).equals(b.select(cell).sort(cell))
        if not same_cells:
            reason = "directory"
            why = (f"the task's eligible subjects or their probabilities changed ({a.height} eligible before, "
                   f"{b.height} now): cells differ, so the sizes and keys read differ")
        else:
            reason = "cap"
            why = ("a subject reached its annual cap (visits already made or an added task's draw) or was freed "
                   "from it: the reserve list (备选名单) moved")
        out.append({"task_id": task, "reason": reason, "why": why,
                    "removed": sorted(was - now), "added": sorted(now - was)})
    return out


def _task_meta(scenario: Scenario, results) -> pl.DataFrame:  # noqa: ANN001 - RuleResults
    return pl.DataFrame({"task_id": [t.id for t in scenario.tasks], "items": [list(t.items) for t in scenario.tasks]}).join(
        results.tasks.select("task_id", pl.col("required_departments").alias("departments"),
                             "min_officers_per_department", "min_officers_per_visit", "exclude_own_grid"), on="task_id")


def _describe(visits: pl.DataFrame, meta: pl.DataFrame) -> pl.DataFrame:
    """Departments and items of each visit from its task_ids (sorted, unique)."""
    per = visits.select("visit_id", pl.col("task_ids").alias("task_id")).explode("task_id").join(meta, on="task_id")
    deps = per.select("visit_id", pl.col("departments").alias("d")).explode("d").group_by("visit_id").agg(
        pl.col("d").unique().sort().alias("departments"))
    items = per.select("visit_id", pl.col("items").alias("i")).explode("i").group_by("visit_id").agg(
        pl.col("i").unique().sort().alias("items"))
    return visits.drop("departments", "items", strict=False).join(deps, on="visit_id", how="left").join(
        items, on="visit_id", how="left")


def kept_load(visits: pl.DataFrame, assignments: pl.DataFrame, meta: pl.DataFrame) -> pl.DataFrame:
    """department, date, officers: the officer-visits the adjustment's done and kept visits take from their
    department's weekly capacity — per (visit, department) the larger of the officers the plan sent and what
    the visit's tasks need (the max over them of ``min_officers_per_department``, as the bundler counts)."""
    need = (visits.select("visit_id", "date", pl.col("task_ids").alias("task_id")).explode("task_id")
            .join(meta.select("task_id", "departments", "min_officers_per_department"), on="task_id")
            .explode("departments").rename({"departments": "department"})
            .group_by("visit_id", "date", "department").agg(pl.col("min_officers_per_department").max().cast(pl.Int64)
                                                            .alias("officers")))
    sent = (assignments.join(visits.select("visit_id", "date"), on="visit_id")
            .group_by("visit_id", "date", "department").agg(pl.len().cast(pl.Int64).alias("officers")))
    return (pl.concat([need, sent]).group_by("visit_id", "date", "department").agg(pl.col("officers").max())
            .select("department", "date", "officers").sort("department", "date", "officers"))


def _staff(todo: pl.DataFrame, kept_assignments: pl.DataFrame, all_visits: pl.DataFrame, scenario: Scenario,
           meta: pl.DataFrame, seed: str, config: TeamConfig) -> tuple[pl.DataFrame, list[str]]:
    """Teams for the visits in ``todo``, week by week, around the officers' kept assignments that week."""
    if todo.height == 0:
        return pl.DataFrame(schema={"visit_id": pl.String, "officer_id": pl.String, "department": pl.String}), []
    grids = scenario.subjects.select("subject_id", pl.col("grid").alias("subject_grid"))
    qual = scenario.task_qualifications()
    used = kept_assignments.join(all_visits.select("visit_id", "week"), on="visit_id").group_by("officer_id", "week").len()
    frames, problems = [], []
    weeks = todo.sort("week", "visit_id").partition_by("week", as_dict=True, maintain_order=True)
    for k, ((week,), group) in enumerate(weeks.items()):
        per_task = group.select("visit_id", pl.col("task_ids").alias("task_id")).explode("task_id").join(meta, on="task_id")
        needs = per_task.select("visit_id", pl.col("departments").alias("department"), "min_officers_per_department") \
            .explode("department").group_by("visit_id", "department").agg(
                pl.col("min_officers_per_department").max().cast(pl.Int32).alias("min_officers"))
        quals = per_task.join(qual, on="task_id").group_by("visit_id", "department").agg(
            pl.col("qualification").unique().sort().alias("qualifications"))
        needs = needs.join(quals, on=["visit_id", "department"], how="left").with_columns(
            pl.col("qualifications").fill_null(pl.lit([], pl.List(pl.String)))).sort("visit_id", "department")
        busy = used.filter(pl.col("week") == week).select("officer_id", pl.col("len").alias("busy"))
        officers = scenario.officers.select("officer_id", "department", "qualifications", "grid", "weekly_capacity") \
            .join(busy, on="officer_id", how="left").with_columns(
                (pl.col("weekly_capacity") - pl.col("busy").fill_null(0)).clip(0).cast(pl.Int32).alias("weekly_capacity")
            ).drop("busy")
        with within(k, len(weeks)):  # progress (optimizer.progress): week by week
            result = match_officers(TeamInput(
                visits=group.join(grids, on="subject_id", how="left").with_columns(pl.col("subject_grid").fill_null(""))
                .select("visit_id", "subject_id", "date", "week", "subject_grid", "departments"),
                needs=needs,
                min_officers_per_visit=int(per_task["min_officers_per_visit"].max() or 0),
                exclude_own_grid=bool(per_task["exclude_own_grid"].any()),
                officers=officers, seed=seed,
            ), config)
        frames.append(result.assignments.select("visit_id", "officer_id", "department"))
        problems += list(result.problems)
    return pl.concat(frames), sorted(set(problems))


def _rotation_of(m: dict[str, Any], plan_dir: str | Path, previous: list[str | Path] | None,
                 previous_seed: str | None):  # noqa: ANN202 - optimizer.rotation.Rotation | None
    """The rotation a rotated plan was drawn with, recomputed from its earlier plans (None for a plan without)."""
    if not m.get("rotation"):
        if previous:
            raise AdjustError(Message("adjust.no_rotation", plan=str(plan_dir)))
        return None
    from optimizer.rotation import RotationError, load_rotation

    if not previous or previous_seed is None:
        raise AdjustError(Message("adjust.needs_rotation", plan=str(plan_dir)))
    try:
        return load_rotation(previous, previous_seed, expect=m["rotation"])
    except RotationError as exc:
        raise AdjustError(exc.args[0] if len(exc.args) == 1 else str(exc)) from None


def adjust_plan(plan_dir: str | Path, scenario: Scenario, public_value: str, as_of: dt.date, *,
                district_key: bytes | None = None, bundle: BundleConfig | None = None,
                teams: TeamConfig | None = None, previous: list[str | Path] | None = None,
                previous_seed: str | None = None) -> Adjusted:
    """The adjusted plan (see the module docstring). Raises :class:`AdjustError` or ``PlanBlocked``.

    A plan drawn with rotation across years (``rotation`` in its manifest, :mod:`optimizer.rotation`) needs the
    earlier plans it was rotated against (``previous``) and the chain's first public value (``previous_seed``):
    the adjusted draw reads the chain's permanent numbers with the same shift, so unchanged tasks keep their
    subjects, and the new version keeps the plan's ``rotation`` entry for ``verify --previous``."""
    plan = read_plan(plan_dir)
    m = plan.manifest
    if m["scenario"]["year"] != scenario.year:
        raise AdjustError(Message("adjust.other_year", year=scenario.year, plan_year=m["scenario"]["year"]))
    if as_of.year != scenario.year:
        raise AdjustError(Message("adjust.as_of_year", as_of=str(as_of), year=scenario.year))
    before = (m.get("adjustment") or {}).get("as_of")
    if before is not None and as_of < dt.date.fromisoformat(before):
        raise AdjustError(Message("adjust.as_of_before", as_of=str(as_of), before=before))
    base_hash = seed_scenario_hash(m)
    seed = plan_seed(base_hash, public_value, m["plan_id"])
    if seed_commitment(seed) != m["seed_commitment"]:
        raise AdjustError(Message("adjust.seed", value=public_value, plan=str(plan_dir)))
    rotation = _rotation_of(m, plan_dir, previous, previous_seed)
    law = load_policy(m["policy"]["id"], m["policy"].get("overrides") or None)
    with progress_stage("rules"):
        results = evaluate(scenario, law, as_of=dt.date.fromisoformat(m["policy"]["as_of"]))
    if results.errors.height:
        raise PlanBlocked(results.errors)
    old_draws = plan.draws.with_columns(pi_units(pl.col("inclusion_prob")).alias("pi_units"), pl.col("stratum").cast(pl.String))
    rounds, added, cancelled, moved = _rounds(m, scenario, as_of, old_draws, results.pairs.filter(pl.col("eligible")))
    mode = DrawMode(m["mode"])

    # the offsets of the plan adjusted; an added task in a new round extends them (it is last on the circle)
    old_rounds = set(int(t["round"]) for t in m["tasks"])
    new_round_tasks = rounds.filter(~pl.col("round").is_in(list(old_rounds)))
    inp = draw_input(scenario, results, rounds)
    extra = inp.pairs.join(new_round_tasks.select("task_id", "round"), on="task_id").select(
        "subject_id", "round", pi_units(pl.col("inclusion_prob")).alias("pi_units"))
    # a version that is itself an adjustment keeps the basis it was drawn with (a task it added keeps its offsets)
    prior = Path(plan_dir) / "offset_basis.parquet"
    known = pl.read_parquet(prior) if m.get("adjusts") and prior.exists() else old_draws
    basis = pl.concat([known.select("subject_id", pl.col("round").cast(pl.Int32), "pi_units"),
                       extra.select("subject_id", pl.col("round").cast(pl.Int32), "pi_units")]) \
        .group_by("subject_id", "round").agg(pl.col("pi_units").max()).sort("subject_id", "round")

    done = plan.visits.filter(pl.col("date") < as_of).sort("date", "subject_id", "visit_id")
    done_rounds = done.select("subject_id", pl.col("round").cast(pl.Int32)).unique()
    with progress_stage("draw"):
        if rotation is None:
            drawn = draw_subjects(inp, seed, mode, offset_basis=basis, done=done_rounds)
        else:  # the chain's permanent numbers, shifted as when the plan was drawn; labelled with the plan's own seed
            drawn = draw_subjects(inp, rotation.prn_seed, mode, offset_basis=basis, shift=rotation.shift,
                                  done=done_rounds, last=rotation.follow)
            relabel = pl.col("seed").replace_strict({rotation.prn_seed: seed})
            drawn = type(drawn)(drawn.draws.with_columns(relabel), drawn.substrata.with_columns(relabel), drawn.problems)
    from optimizer.draw import (  # the published table's columns and order
        DrawRun,
        draw_table,
    )

    table = draw_table(DrawRun(results, rounds, None, drawn, {seed: str(public_value)}, mode), with_seed=False)
    kept_tasks = sorted(set(rounds["task_id"]) - set(added))
    forced = _forced_changes(old_draws, table.with_columns(pi_units(pl.col("inclusion_prob")).alias("pi_units")), kept_tasks)

    # --- visits: done ones stay; future ones keep what they still serve; new pairs join or are bundled
    meta = _task_meta(scenario, results)
    windows = {t: (s, e) for t, s, e in rounds.select("task_id", "start", "end").iter_rows()}
    selected = table.filter("selected").select("subject_id", "task_id", "round")
    served_done = done.select("subject_id", pl.col("task_ids").alias("task_id")).explode("task_id")
    future_pairs = selected.join(served_done, on=["subject_id", "task_id"], how="anti")
    open_pairs = {(s, t) for s, t in future_pairs.select("subject_id", "task_id").iter_rows()}
    future_old = plan.visits.filter(pl.col("date") >= as_of).sort("date", "subject_id", "visit_id")
    kept_rows = []
    for row in future_old.iter_rows(named=True):
        keep = [t for t in row["task_ids"] if (row["subject_id"], t) in open_pairs
                and windows[t][0] <= row["date"] <= windows[t][1]]
        for t in keep:
            open_pairs.discard((row["subject_id"], t))
        if keep:
            kept_rows.append({**row, "task_ids": keep})
    by_subject: dict[str, list[dict]] = {}
    for row in kept_rows:
        by_subject.setdefault(row["subject_id"], []).append(row)
    for s, t in sorted(open_pairs):
        for row in by_subject.get(s, []):
            if windows[t][0] <= row["date"] <= windows[t][1]:
                row["task_ids"] = sorted(set(row["task_ids"]) | {t})
                open_pairs.discard((s, t))
                break
    kept = pl.DataFrame(kept_rows, schema=plan.visits.schema) if kept_rows else plan.visits.clear()

    rest = future_pairs.join(pl.DataFrame(sorted(open_pairs), schema={"subject_id": pl.String, "task_id": pl.String},
                                          orient="row"), on=["subject_id", "task_id"], how="semi")
    closed = rest.join(rounds.filter(pl.col("end") < as_of).select("task_id"), on="task_id")
    rest = rest.join(closed.select("subject_id", "task_id"), on=["subject_id", "task_id"], how="anti")
    caps = results.subjects.select("subject_id", "annual_cap")
    had = pl.concat([done.select("subject_id"), kept.select("subject_id")]).group_by("subject_id").len()
    left_caps = caps.join(had, on="subject_id", how="left").with_columns(
        (pl.col("annual_cap") - pl.col("len").fill_null(0)).clip(0).cast(caps["annual_cap"].dtype).alias("annual_cap")).drop("len")
    capacity = scenario.officers.group_by("department").agg(pl.col("weekly_capacity").sum().cast(pl.Int64)).sort("department")
    clipped = rounds.with_columns(pl.max_horizontal(pl.col("start"), pl.lit(as_of)).alias("start"))
    with progress_stage("bundling"):
        new = bundle_visits(BundleInput(
            selected=rest, windows=clipped.select("task_id", "start", "end"),
            task_departments=meta.select("task_id", "departments"),
            officers_per_department=meta.select("task_id", "min_officers_per_department"),
            capacity=capacity, caps=left_caps, year=scenario.year, seed=seed,
            used=kept_load(pl.concat([f.select("visit_id", "date", "task_ids") for f in (done, kept)]), plan.assignments,
                           meta),
        ), bundle or BundleConfig())
    stamp = as_of.strftime("%Y%m%d")
    fresh = new.visits.with_columns(("A" + stamp + "-" + pl.col("visit_id").str.slice(1)).alias("visit_id")) \
        .select("visit_id", "subject_id", "date", "task_ids", "round", "week")
    unplaced = pl.concat([
        new.unplaced,
        closed.select("subject_id", "task_id", pl.lit(f"the task's window closed before the adjustment date {as_of}")
                      .alias("reason"), pl.lit(f"任务时间窗在调整日期 {as_of} 之前已结束").alias("reason_zh")),
    ]).sort("subject_id", "task_id")

    # --- teams: untouched visits keep theirs; changed and new visits are staffed around them
    old_desc = plan.visits.select("visit_id", "departments", "task_ids")
    kept = _describe(kept, meta)
    changed_deps = kept.join(old_desc, on="visit_id", suffix="_old").filter(
        pl.col("departments") != pl.col("departments_old"))["visit_id"]
    officer_ids = scenario.officers["officer_id"]
    gone = plan.assignments.filter(~pl.col("officer_id").is_in(officer_ids.implode()))["visit_id"]
    restaff = kept.filter(pl.col("visit_id").is_in(changed_deps.implode()) | pl.col("visit_id").is_in(gone.implode()))
    keep_team = plan.assignments.filter(
        pl.col("visit_id").is_in(pl.concat([done["visit_id"], kept["visit_id"]]).implode())
        & ~pl.col("visit_id").is_in(restaff["visit_id"].implode()))
    fresh = _describe(fresh, meta)
    todo = pl.concat([restaff.select("visit_id", "subject_id", "date", "week", "departments", "task_ids"),
                      fresh.select("visit_id", "subject_id", "date", "week", "departments", "task_ids")])
    frame_all = pl.concat([done.select("visit_id", "week"), kept.select("visit_id", "week"), fresh.select("visit_id", "week")])
    with progress_stage("teams"):
        staffed, team_problems = _staff(todo, keep_team, frame_all, scenario, meta, seed, teams or TeamConfig())
    assignments = pl.concat([keep_team, staffed]).sort("visit_id", "department", "officer_id")

    # --- codes: a visit whose code fields are unchanged keeps its code; the others get one under the same key
    secret = code_secret(seed, district_key)
    fresh = fresh.with_columns(inspection_codes(fresh.with_columns(pl.col("date")), secret))
    recoded = kept.join(plan.visits.select("visit_id", pl.col("departments").alias("d_old")), on="visit_id") \
        .with_columns(pl.when(pl.col("departments") == pl.col("d_old")).then(pl.col("inspection_code"))
                      .otherwise(inspection_codes(kept, secret)).alias("inspection_code")).drop("d_old")
    visits = pl.concat([done.select(_VISIT_COLUMNS), recoded.select(_VISIT_COLUMNS),
                        fresh.select([c for c in _VISIT_COLUMNS])], how="vertical_relaxed").sort("date", "subject_id", "visit_id")
    visits = visits.cast(plan.visits.schema)

    changes = diff_visits(plan.visits, plan.assignments, visits, assignments, as_of)
    body = _manifest(m, plan_dir, scenario, results, rounds, added, cancelled, moved, forced, as_of, visits,
                     table, unplaced, changes, done, team_problems + list(new.problems))
    return Adjusted(body, table, visits, assignments, unplaced, basis, changes)


def diff_visits(old: pl.DataFrame, old_teams: pl.DataFrame, new: pl.DataFrame, new_teams: pl.DataFrame,
                as_of: dt.date) -> pl.DataFrame:
    """Visits added, removed, moved (an added visit of a subject serving a task that left one of its old visits,
    removed or kept), tasks and teams changed; one row each, labelled in English (``change``) and Chinese
    (``变更``). A moved row gives both visits' ids, dates and tasks."""
    def team(t: pl.DataFrame) -> pl.DataFrame:
        return t.group_by("visit_id").agg(pl.col("officer_id").sort().str.join(";").alias("officers"))

    a = {r["visit_id"]: r for r in old.join(team(old_teams), on="visit_id", how="left").to_dicts()}
    b = {r["visit_id"]: r for r in new.join(team(new_teams), on="visit_id", how="left").to_dicts()}

    def row(change: str, before: dict | None, after: dict | None) -> dict[str, Any]:
        ref = before or after
        return {"change": change, "变更": _CHANGES[change], "visit_id": ref["visit_id"],
                "new_visit_id": after["visit_id"] if after and before and after["visit_id"] != before["visit_id"] else None,
                "subject_id": ref["subject_id"],
                "date_before": before["date"].isoformat() if before else None,
                "date_after": after["date"].isoformat() if after else None,
                "tasks_before": ";".join(before["task_ids"]) if before else None,
                "tasks_after": ";".join(after["task_ids"]) if after else None,
                "officers_before": before.get("officers") if before else None,
                "officers_after": after.get("officers") if after else None}

    rows = []
    for vid in sorted(set(a) & set(b)):
        if a[vid]["task_ids"] != b[vid]["task_ids"]:
            rows.append(row("tasks_changed", a[vid], b[vid]))
        if (a[vid].get("officers") or "") != (b[vid].get("officers") or ""):
            rows.append(row("team_changed", a[vid], b[vid]))
    came = [b[v] for v in sorted(set(b) - set(a))]
    for vid in sorted(set(a) & set(b)):  # a task that left a kept visit for a new one of the subject: moved
        lost = set(a[vid]["task_ids"]) - set(b[vid]["task_ids"])
        for c in [c for c in came if c["subject_id"] == a[vid]["subject_id"] and lost & set(c["task_ids"])]:
            came.remove(c)
            rows.append(row("moved", a[vid], c))
    for vid in sorted(set(a) - set(b)):
        g = a[vid]
        match = next((c for c in came if c["subject_id"] == g["subject_id"] and set(c["task_ids"]) & set(g["task_ids"])), None)
        if match is not None:
            came.remove(match)
            rows.append(row("moved", g, match))
        else:
            rows.append(row("removed", g, None))
    rows += [row("added", None, c) for c in came]
    schema = {"change": pl.String, "变更": pl.String, "visit_id": pl.String, "new_visit_id": pl.String,
              "subject_id": pl.String, "date_before": pl.String, "date_after": pl.String, "tasks_before": pl.String,
              "tasks_after": pl.String, "officers_before": pl.String, "officers_after": pl.String}
    return pl.DataFrame(rows, schema=schema).sort("change", "visit_id", nulls_last=True)


def _manifest(m: dict[str, Any], plan_dir: str | Path, scenario: Scenario, results, rounds: pl.DataFrame,  # noqa: ANN001
              added: list[str], cancelled: list[str], moved: list[str], forced: list[dict], as_of: dt.date,
              visits: pl.DataFrame, table: pl.DataFrame, unplaced: pl.DataFrame, changes: pl.DataFrame,
              done: pl.DataFrame, problems: list[str]) -> dict[str, Any]:
    original = {t.id: t for t in scenario.tasks}
    tasks = [{"id": t, "round": int(r), "window": {"start": s.isoformat(), "end": e.isoformat()},
              "window_as_planned": {"start": original[t].window.start.isoformat(), "end": original[t].window.end.isoformat()}}
             for t, r, s, e in rounds.select("task_id", "round", "start", "end").iter_rows()]
    counts = {c: int(n) for c, n in changes.group_by("change").len().iter_rows()}
    selected = table.filter("selected")
    prev = Path(plan_dir)
    return {
        "plan_id": m["plan_id"],
        "software": m.get("software"),
        "scenario": {"name": scenario.name, "year": scenario.year, "hash": scenario.content_hash},
        "policy": m["policy"],
        "seed_commitment": m["seed_commitment"],
        "mode": m["mode"],
        "tasks": tasks,
        "adjusts": {
            "plan_id": m["plan_id"], "version": int((m.get("adjusts") or {}).get("version", 1)) + 1,
            "manifest_sha256": file_sha256(prev / "manifest.json"), "scenario_hash": m["scenario"]["hash"],
            "seed_scenario_hash": seed_scenario_hash(m), "seed_commitment": m["seed_commitment"],
        },
        "previous": {"plan_id": m["plan_id"], "manifest_sha256": file_sha256(prev / "manifest.json")},
        "adjustment": {
            "as_of": as_of.isoformat(), "added": added, "cancelled": cancelled, "moved": moved,
            "done_visits": done.height, "forced_changes": forced,
            "changes": {k: counts.get(k, 0) for k in _CHANGES},
        },
        "kpis": {
            "visits": visits.height, "subjects_drawn": selected.height,
            "subjects_visited": visits["subject_id"].n_unique(), "unplaced_pairs": unplaced.height,
            "replacements": int(table["replaced_by"].is_not_null().sum()), "tasks": len(tasks),
        },
        "problems": {"adjust": problems, "rules_warnings": results.warnings["message"].to_list()},
        **({"rotation": m["rotation"]} if m.get("rotation") else {}),
    }


def write_adjusted(adjusted: Adjusted, out: str | Path, overwrite: bool = False, *, exclusive: bool = False,
                   before_rename=None) -> Path:  # noqa: ANN001 - Callable[[Path], None] | None
    """Write the adjusted plan directory atomically (the plan files, the offset basis and the diff report);
    ``exclusive`` and ``before_rename`` as in :func:`scenarios.atomic.atomic_directory`."""
    from records.publish import write_safe_csv

    out = Path(out)
    with atomic_directory(out, overwrite=overwrite, exclusive=exclusive, before_rename=before_rename) as staging:
        adjusted.draws.write_parquet(staging / "draws.parquet")
        adjusted.visits.select(_VISIT_COLUMNS).write_parquet(staging / "visits.parquet")
        adjusted.assignments.write_parquet(staging / "assignments.parquet")
        adjusted.unplaced.write_parquet(staging / "unplaced.parquet")
        adjusted.offset_basis.write_parquet(staging / "offset_basis.parquet")
        ch = adjusted.changes
        write_safe_csv(staging / "changes.csv", ch.columns, [list(r) for r in ch.iter_rows()])
        (staging / "changes.json").write_text(json.dumps(ch.to_dicts(), ensure_ascii=False, indent=2) + "\n",
                                              encoding="utf-8")
        body = dict(adjusted.manifest)
        body["files"] = {name: file_sha256(staging / name) for name in ADJUST_FILES}
        write_manifest(staging / "manifest.json", body)
    return out

