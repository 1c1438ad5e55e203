"""Inputs the benchmarks (and the tests that check the same instances) are built from, deterministically.

* :func:`synthetic_directory` — a 60,000-subject × 55-task directory for the rules engine;
* :func:`teams_instance` — about 700 visits × 2.5 departments on changning-2024's 322 officers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from pathlib import Path

import polars as pl

from optimizer.teams import TeamInput
from rules.lawtest import build_scenario

__all__ = ["synthetic_directory", "teams_instance", "TEAM_VISIT_SCHEMA", "TEAM_NEED_SCHEMA"]

REPO = Path(__file__).resolve().parents[1]
TEAM_VISIT_SCHEMA = {"visit_id": pl.String, "subject_id": pl.String, "date": pl.Date, "week": pl.Int32,
                     "subject_grid": pl.String, "departments": pl.List(pl.String)}
TEAM_NEED_SCHEMA = {"visit_id": pl.String, "department": pl.String, "min_officers": pl.Int32,
                    "qualifications": pl.List(pl.String)}


def synthetic_directory(n: int = 60_000, n_tasks: int = 55, n_types: int = 20, seed: int = 20240805):
    """A seeded synthetic directory: n subjects over n_types object types, n_tasks tasks (counts and 2% ratios)."""
    rng = random.Random(seed)
    types = [f"type{k:02d}" for k in range(n_types)]
    subjects = [{
        "subject_id": f"X{i:06d}",
        "object_types": rng.sample(types, rng.choice([1, 1, 1, 2, 3])),
        "risk_class": rng.choices("ABCD", weights=[35, 52, 10, 3])[0],
        "penalized_3y": rng.random() < 0.04,
        "complaints_verified": min(6, int(rng.expovariate(2.5))),
        "grid": f"G{rng.randrange(10)}",
    } for i in range(n)]
    items = [{"id": f"I{k}", "name": f"事项{k}", "department": "SAMR", "kind": "key" if k % 3 else "general"}
             for k in range(30)]
    tasks = [{"object_type": types[k % n_types], "items": [f"I{k % 30}", f"I{(k + 7) % 30}"],
              **({"count": 20 + k} if k % 2 else {"ratio": 0.02})} for k in range(n_tasks)]
    return build_scenario(subjects, tasks, items=items)


def _h(*parts) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def teams_instance(seed: str = "5eed", n_visits: int = 700) -> TeamInput:
    """~700 visits × ~2.5 departments on Changning's 322 officers (deterministic, from hashes)."""
    root = REPO / "scenarios" / "changning-2024"
    off = pl.read_csv(root / "officers.csv", infer_schema=False).select(
        "officer_id", "department",
        pl.col("qualifications").fill_null("").str.split(";").list.eval(pl.element().filter(pl.element() != "")),
        pl.col("grid").fill_null(""), pl.col("weekly_capacity").cast(pl.Int32))
    subj = pl.read_csv(root / "subjects.csv", infer_schema=False).select("subject_id", pl.col("grid").fill_null(""))
    sids, grids = subj["subject_id"].to_list(), subj["grid"].to_list()
    depts = sorted(set(off["department"].to_list()) - {"SAMR"})
    qual = {"SAMR": "food_safety", "FIRE": "fire_inspection", "HEALTH": "public_health", "ENV": "environmental_monitoring"}
    days = [d for d in (dt.date(2024, 1, 2) + dt.timedelta(days=k) for k in range(330)) if d.weekday() < 5]
    visits, needs = [], []
    for i in range(n_visits):
        j, day = _h("s", i) % len(sids), days[_h("d", i) % len(days)]
        dd = ["SAMR"] + sorted({depts[_h("p", i, r) % len(depts)] for r in range(1 + _h("n", i) % 2)})
        visits.append((f"V{i:04d}", sids[j], day, day.isocalendar()[1], grids[j], dd))
        for dep in dd:
            q = [qual[dep]] if dep in qual and _h("q", i, dep) % 3 == 0 else []
            needs.append((f"V{i:04d}", dep, 2 if dep in ("SAMR", "FIRE") else 1, q))
    return TeamInput(pl.DataFrame(visits, schema=TEAM_VISIT_SCHEMA, orient="row"),
                     pl.DataFrame(needs, schema=TEAM_NEED_SCHEMA, orient="row"), 2, True, off, seed)
