"""Write a plan directory atomically: manifest.json, draws.parquet, visits.parquet, assignments.parquet.

The directory appears complete or not at all (:func:`scenarios.atomic.atomic_directory`). Nothing in it
depends on the clock or the machine, so the same inputs give byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from optimizer.draw import draw_table, seed_commitment
from optimizer.plan import Plan, solver_notes
from optimizer.progress import stage as progress_stage
from optimizer.progress import step
from scenarios.atomic import atomic_directory

__all__ = ["write_plan", "manifest", "mark_violations", "FILES"]

FILES = ("draws.parquet", "visits.parquet", "assignments.parquet", "unplaced.parquet")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def manifest(plan: Plan) -> dict[str, Any]:
    """What the plan is, where it came from, how good it is: ids, hashes, windows, solver status, KPIs."""
    run = plan.run
    law = run.results.law
    align = run.alignment
    original = {t.id: t for t in plan.scenario.tasks}
    tasks = [
        {
            "id": task_id,
            "round": int(rnd),
            "window": {"start": start.isoformat(), "end": end.isoformat()},
            "window_as_planned": {"start": original[task_id].window.start.isoformat(),
                                  "end": original[task_id].window.end.isoformat()},
        }
        for task_id, rnd, start, end in run.rounds.select("task_id", "round", "start", "end").iter_rows()
    ]
    bundle = plan.bundle
    return {
        "plan_id": plan.plan_id,
        "software": {"jointcheck": _version("jointcheck"), "ortools": _version("ortools"), "polars": _version("polars")},
        "scenario": {"name": plan.scenario.name, "year": plan.scenario.year, "hash": plan.scenario.content_hash},
        "policy": {"id": law.policy.id, "digest": law.policy.digest, "as_of": law.day.isoformat(),
                   "overrides": plan.settings.overrides},
        "seed_commitment": seed_commitment(plan.seed),
        "mode": plan.settings.mode.value,
        "tasks": tasks,
        "solver": {
            "align": {
                "status": align.status, "expected_visits": round(align.expected_visits, 4),
                "bound": round(align.bound, 4), "gap": round(align.gap, 6),
                "visits_lower_bound": round(align.bound, 4),
                "per_profile_bound": round(align.per_profile_bound, 4),
                "cluster_bound": round(align.cluster_bound, 4),
                "all_in_one_round_bound": round(align.all_in_one_round, 4),
                "search": list(align.search),
                "capacity": plan.calendar_capacity,
                "capacity_trade": align.capacity_trade,
                "calendar_as_given": round(align.calendar_as_given, 4),
                "deterministic_time_limit": plan.settings.align.deterministic_time,
                "relative_gap_limit": plan.settings.align.relative_gap,
            } if align else None,
            "bundle": {
                "status": bundle.status, "visits": bundle.objective, "bound": bundle.bound,
                "gap": round((bundle.objective - bundle.bound) / bundle.objective, 6) if bundle.objective else 0.0,
                "lower_bound_stabbing": bundle.lower_bound_stabbing,
                "deterministic_time_limit": plan.settings.bundle.deterministic_time,
            },
            "teams": {"status": plan.teams.status, "unstaffed": plan.teams.unstaffed.height},
        },
        "solver_notes": solver_notes(plan),
        "kpis": plan.kpis,
        "problems": {
            "draw": [str(p) for p in run.draw.problems],
            "bundle": list(bundle.problems),
            "teams": list(plan.teams.problems),
            "rules_warnings": run.results.warnings["message"].to_list(),
        },
    }


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, as the manifest lists it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_plan(plan: Plan, out: str | Path, overwrite: bool = False, *, exclusive: bool = False,
               before_rename: Callable[[Path], None] | None = None) -> Path:
    """Write the plan directory; returns its path.

    ``exclusive`` and ``before_rename`` as in :func:`scenarios.atomic.atomic_directory` (``jointcheck plan``
    records the complete plan in the ledger there, before it becomes visible).
    """
    out = Path(out)
    with atomic_directory(out, overwrite=overwrite, exclusive=exclusive, before_rename=before_rename) as staging, \
            progress_stage("write"):
        draw_table(plan.run, with_seed=False).write_parquet(staging / "draws.parquet")
        step(1, 4)
        plan.visits.select(
            "visit_id", "subject_id", "date", "task_ids", "departments", "items", "inspection_code", "round", "week"
        ).write_parquet(staging / "visits.parquet")
        step(2, 4)
        plan.teams.assignments.select("visit_id", "officer_id", "department").write_parquet(staging / "assignments.parquet")
        plan.bundle.unplaced.write_parquet(staging / "unplaced.parquet")
        body = manifest(plan)
        body.update(plan.manifest_extra)
        body["files"] = {name: file_sha256(staging / name) for name in FILES}
        write_manifest(staging / "manifest.json", body)
    return out


def manifest_digest(body: dict[str, Any]) -> str:
    """SHA-256 of the manifest's canonical JSON without its own ``manifest_sha256``.

    The parquet files are bound by ``files``; this binds the manifest itself, so a manifest edited by hand after
    planning (a plan id, a window, a file digest) shows in ``check`` even for a plan the ledger never recorded. An
    edit that recomputes it is caught by the ledger record (:mod:`records.binding`)."""
    rest = {k: v for k, v in body.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(rest, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                                     default=str).encode("utf-8")).hexdigest()


def write_manifest(path: Path, body: dict[str, Any]) -> None:
    """Write ``manifest.json`` with its own digest (:func:`manifest_digest`)."""
    body = {**body, "manifest_sha256": manifest_digest(body)}
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def mark_violations(plan_dir: str | Path, violations: list[str]) -> None:
    """Mark a written (staging) plan as written despite its checker's violations (``plan --allow-violations``).

    Adds ``"violations": {"allowed": true, "found": [...]}`` to manifest.json; a plan without violations
    never carries the key, so lawful plans stay byte-identical.
    """
    path = Path(plan_dir) / "manifest.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    body["violations"] = {"allowed": True, "found": list(violations)}
    write_manifest(path, body)
