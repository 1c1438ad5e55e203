"""A city run: census of the districts → central split of the city-wide tasks → district plans → one output.

1. **Census** (in parallel): every district is loaded and checked against ``city.yaml``, and each city-wide
   task's expected size there measured (:func:`optimizer.city.district.census`). Any error stops the run
   before anything is planned or written, naming file, line and field.
2. **Split** (central, once): the city hash binds city.yaml and every district's content hash; the split seed
   is SHA-256(city hash ‖ public value ‖ city name), and each city-wide task's per-district sizes are drawn
   from it by systematic controlled rounding (:mod:`optimizer.city.split`).
3. **Plans** (in parallel): each district is planned independently with its shares as ``count`` tasks and its
   own public value SHA-256(city public value ‖ city name ‖ district) (:func:`district_public_value`), so the
   district's plan is exactly what ``jointcheck plan`` makes of that district alone with the same tasks and value.
4. **Gather**: ``OUT/districts/<district>/`` holds each district's plan directory as written by
   :func:`optimizer.export.write_plan`; ``OUT/`` holds the same file kinds with a ``district`` column first
   (districts in city.yaml order) and ``manifest.json`` binding the district manifests by their SHA-256.

Nothing depends on the engine, the number of workers or the order in which workers finish; the output
directory appears complete or not at all.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from optimizer.city.district import (
    Census,
    CensusJob,
    DistrictPlan,
    PlanJob,
    census,
    plan_district,
)
from optimizer.city.engines import open_engine
from optimizer.city.split import (
    city_count_expectations,
    split_start,
    systematic_shares,
    to_units,
)
from optimizer.draw import seed_commitment
from optimizer.export import FILES
from optimizer.plan import PlanSettings
from optimizer.progress import stage as progress_stage
from scenarios.atomic import atomic_directory
from scenarios.city import City
from scenarios.errors import Problem, ScenarioError

__all__ = ["CityRun", "plan_city", "city_hash", "split_seed", "district_public_value", "city_shares",
           "DISTRICTS_DIR"]

SEPARATOR = "\x1f"
DISTRICTS_DIR = "districts"


def _sha(*parts: str) -> str:
    return hashlib.sha256(SEPARATOR.join(parts).encode("utf-8")).hexdigest()


def city_hash(city: City, district_hashes: dict[str, str]) -> str:
    """SHA-256 of city.yaml's content (canonical JSON) and each district's name and content hash, in order.
    The letterhead only the papers print (region, authority, seal_text, contact) is left out, like a district's
    (:func:`scenarios.load.canonical_hash`)."""
    body = json.dumps(city.spec.model_dump(mode="json", exclude={"region", "authority", "seal_text", "contact"}),
                      ensure_ascii=False, sort_keys=True)
    return _sha(body, *[f"{d}={district_hashes[d]}" for d in city.districts])


def split_seed(city_hash_: str, public_value: str, city_name: str) -> str:
    """The seed of the central split, made like a district's plan seed (:mod:`optimizer.draw.seed`)."""
    return _sha(city_hash_, str(public_value), city_name)


def district_public_value(public_value: str, city_name: str, district: str) -> str:
    """The public value district ``district`` is planned with: SHA-256(city value ‖ city name ‖ district)."""
    return _sha("jointcheck-city-district", str(public_value), city_name, district)


def city_shares(city: City, censuses: list[Census], seed: str) -> dict[str, dict[str, Any]]:
    """Per city-wide task: each district's expected share, its drawn share and the start used."""
    out: dict[str, dict[str, Any]] = {}
    for task in city.spec.tasks:
        if task.count is None:
            units = [c.ratio_units.get(task.id, 0) for c in censuses]
        else:
            expected = city_count_expectations(task.count, {c.district: c.count_profiles.get(task.id, []) for c in censuses})
            units = [to_units(expected[c.district]) for c in censuses]
            eligible = sum(n for c in censuses for _, n, _ in c.count_profiles.get(task.id, []))
            if task.count < eligible and units:  # the weights' 12-decimal rounding must not move the city's count
                units[units.index(max(units))] += task.count * 10**12 - sum(units)
        start = split_start(seed, task.id)
        shares = systematic_shares(units, start)
        out[task.id] = {
            "expected": {c.district: u / 10**12 for c, u in zip(censuses, units)},
            "shares": {c.district: n for c, n in zip(censuses, shares)},
            "expected_total": sum(units) / 10**12,
            "total": sum(shares),
        }
    return out


@dataclass(frozen=True)
class CityRun:
    out: Path
    manifest: dict[str, Any]
    censuses: list[Census]
    plans: list[DistrictPlan]
    seconds: dict[str, float]


def _concat(plans: list[DistrictPlan], name: str) -> pl.DataFrame:
    frames = [pl.read_parquet(io.BytesIO(p.files[name])).select(pl.lit(p.district).alias("district"), pl.all())
              for p in plans]
    return pl.concat(frames, how="vertical_relaxed")


def _census_split_plan(run: Callable, city: City, public_value: str, district_key: bytes, settings: PlanSettings,
                       seconds: dict[str, float], say: Callable[[str], None]):
    clock = time.perf_counter()
    say("census")
    with progress_stage("load"):
        censuses = run(census, [CensusJob(city, d) for d in city.districts])
    problems: list[Problem] = [p for c in censuses for p in c.problems]
    if any(p.severity == "error" for p in problems):
        raise ScenarioError(problems)
    seconds["census"] = round(time.perf_counter() - clock, 3)

    clock = time.perf_counter()
    hashes = {c.district: c.content_hash for c in censuses}
    c_hash = city_hash(city, hashes)
    seed = split_seed(c_hash, public_value, city.name)
    split = city_shares(city, censuses, seed)
    seconds["split"] = round(time.perf_counter() - clock, 3)

    clock = time.perf_counter()
    say("plan")
    jobs = [PlanJob(city, d, {t: split[t]["shares"][d] for t in split}, district_public_value(public_value, city.name, d),
                    district_key, settings) for d in city.districts]
    with progress_stage("districts"):
        plans = run(plan_district, jobs)
    seconds["plan"] = round(time.perf_counter() - clock, 3)

    return censuses, split, c_hash, seed, plans


def plan_city(
    city: City, public_value: str, out: str | Path, *, district_key: bytes, engine: str = "local", workers: int = 2,
    address: str | None = None, settings: PlanSettings | None = None, overwrite: bool = False,
    progress: Callable[[str], None] | None = None, exclusive: bool = False,
    before_rename: Callable[[Path], None] | None = None,
) -> CityRun:
    """Plan every district of ``city`` (module docstring); raise ScenarioError before writing on any problem.

    ``exclusive`` and ``before_rename`` as in :func:`scenarios.atomic.atomic_directory`: ``jointcheck plan``
    records every district plan of the complete staging folder in the ledger there, before the city plan
    becomes visible, as it does for a district (:func:`ui.cli.record.write_recorded_plan`).
    """
    say = progress or (lambda _: None)
    seconds: dict[str, float] = {}
    with open_engine(engine, workers, address) as run:
        censuses, split, c_hash, seed, plans = _census_split_plan(
            run, city, public_value, district_key, settings or PlanSettings(), seconds, say)

    clock = time.perf_counter()
    say("gather")
    out = Path(out)
    with atomic_directory(out, overwrite=overwrite, exclusive=exclusive, before_rename=before_rename) as staging, \
            progress_stage("write"):
        districts = []
        for c, p in zip(censuses, plans):
            folder = staging / DISTRICTS_DIR / p.district
            folder.mkdir(parents=True)
            for name, data in p.files.items():
                (folder / name).write_bytes(data)
            inner = json.loads(p.files["manifest.json"])
            districts.append({
                "district": p.district, "scenario": c.scenario_name, "scenario_hash": c.content_hash,
                "planned_scenario_hash": inner["scenario"]["hash"], "seed_commitment": inner["seed_commitment"],
                "manifest_sha256": hashlib.sha256(p.files["manifest.json"]).hexdigest(), "subjects": p.subjects,
                "kpis": {k: inner["kpis"][k] for k in ("visits", "subjects_drawn", "subjects_visited", "unplaced_pairs")},
            })
        files = {}
        for name in FILES:
            _concat(plans, name).write_parquet(staging / name)
            files[name] = hashlib.sha256((staging / name).read_bytes()).hexdigest()
        manifest = {
            "city": city.name, "year": city.spec.year, "policy": city.spec.policy, "city_hash": c_hash,
            "split_seed_commitment": seed_commitment(seed),
            "district_public_value": "SHA-256(\\x1f-joined 'jointcheck-city-district', city public value, city name, district)",
            "districts": districts,
            "city_tasks": [{"id": t.id, "mode": "count" if t.count is not None else "ratio", **split[t.id]}
                           for t in city.spec.tasks],
            "kpis": {k: sum(d["kpis"][k] for d in districts) for k in districts[0]["kpis"]},
            "files": files,
        }
        (staging / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    seconds["gather"] = round(time.perf_counter() - clock, 3)
    return CityRun(out, manifest, censuses, plans, seconds)
