"""Runs that last: every finished run is saved on disk, so a reload or a restart of the app loses nothing.

The runs folder is ``$JOINTCHECK_RUNS`` or ``jointcheck-runs/`` beside the plan ledger. Each run is a folder
``run-NNNN`` holding

* ``plan/`` — the plan directory exactly as ``jointcheck plan`` writes it (``check`` and ``verify`` read it);
* ``run.json`` — what a planner reads: the run's name, its scenario, what-if settings, time and KPIs;
* ``run.pickle`` — the in-memory run the pages draw from (the app's own file, read back only from this folder).

A run folder is written under a temporary name and renamed into place when complete; a rename rewrites
``run.json`` the same way; a delete renames the folder away before removing it. Nothing half-written is listed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optimizer.plan import Plan
from ui.webapp.whatif import WhatIf

__all__ = ["Run", "runs_folder", "save_run", "load_runs", "rename_run", "delete_run", "next_run_id"]

_NAME = re.compile(r"^run-(\d{4,})$")


@dataclass(frozen=True)
class Run:
    """A finished plan with the settings that made it."""

    id: int
    label: str
    scenario_name: str
    scenario_hash: str
    whatif: WhatIf
    changes: tuple[str, ...]
    plan: Plan
    seconds: float


def runs_folder() -> Path:
    """``$JOINTCHECK_RUNS``, else ``jointcheck-runs`` beside the ledger (``$JOINTCHECK_LEDGER`` or ./jointcheck.db)."""
    if os.environ.get("JOINTCHECK_RUNS"):
        return Path(os.environ["JOINTCHECK_RUNS"])
    from records.ledger import default_ledger_path

    return default_ledger_path().resolve().parent / "jointcheck-runs"


def _folder(run_id: int) -> Path:
    return runs_folder() / f"run-{run_id:04d}"


def next_run_id() -> int:
    """One more than the largest run id on disk (ids are never reused while their folder exists)."""
    root = runs_folder()
    ids = [int(m.group(1)) for p in root.glob("run-*") if (m := _NAME.match(p.name))] if root.is_dir() else []
    return max(ids, default=0) + 1


def _summary(run: Run) -> dict[str, Any]:
    return {
        "id": run.id, "name": run.label, "scenario": run.scenario_name, "scenario_hash": run.scenario_hash,
        "whatif": dataclasses.asdict(run.whatif), "changes": list(run.changes), "seconds": run.seconds,
        "kpis": run.plan.kpis,
    }


def _write_json(path: Path, body: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(body, handle, ensure_ascii=False, indent=2, default=str)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def save_run(run: Run) -> Path:
    """Write ``run`` as ``run-NNNN`` (plan directory, run.json, run.pickle), atomically; returns its folder."""
    from optimizer.export import write_plan

    root = runs_folder()
    root.mkdir(parents=True, exist_ok=True)
    target = _folder(run.id)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=root))
    try:
        write_plan(run.plan, staging / "plan")
        (staging / "run.pickle").write_bytes(pickle.dumps(run, protocol=pickle.HIGHEST_PROTOCOL))
        _write_json(staging / "run.json", _summary(run))
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def load_runs() -> list[Run]:
    """Every complete run in the runs folder, oldest first; the name in run.json wins over the pickled label."""
    root = runs_folder()
    if not root.is_dir():
        return []
    out = []
    for path in sorted(p for p in root.iterdir() if _NAME.match(p.name)):
        try:
            run = pickle.loads((path / "run.pickle").read_bytes())
            name = json.loads((path / "run.json").read_text(encoding="utf-8")).get("name", run.label)
        except (OSError, ValueError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            continue  # a run from another version of the app, or damaged: not listed, never a traceback
        out.append(dataclasses.replace(run, label=str(name)))
    return out


def rename_run(run_id: int, name: str) -> None:
    """Give run ``run_id`` a new name (kept in its run.json)."""
    path = _folder(run_id) / "run.json"
    body = json.loads(path.read_text(encoding="utf-8"))
    body["name"] = name.strip()[:120] or body["name"]
    _write_json(path, body)


def delete_run(run_id: int) -> None:
    """Remove run ``run_id``: renamed away first, so a half-removed run is never listed."""
    target = _folder(run_id)
    if not target.exists():
        return
    trash = target.with_name(f".{target.name}.deleted")
    shutil.rmtree(trash, ignore_errors=True)
    os.replace(target, trash)
    shutil.rmtree(trash, ignore_errors=True)
