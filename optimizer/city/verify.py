"""Check and verify a written city plan (全程留痕): every step of a city run can be re-done from public inputs.

* :func:`district_scenarios` — each district's scenario as the city run planned it: the district plus its shares
  of the city-wide tasks from the city manifest (:func:`scenarios.city.with_city_tasks`);
* :func:`check_city_plan` — :func:`optimizer.check.check_plan` on every district plan directory;
* :func:`verify_city_plan` — after the public value is revealed: the census and the city hash are recomputed, the
  split seed is checked against its commitment and the shares are drawn again; then every district's draw is
  verified (:func:`optimizer.verify.verify_draw`) with the district's public value.

Everything runs in this process, one district after another (a verifier needs no cluster).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optimizer.city.district import CensusJob, census
from optimizer.city.run import (
    DISTRICTS_DIR,
    city_hash,
    city_shares,
    district_public_value,
    split_seed,
)
from optimizer.draw import seed_commitment
from scenarios.city import City, with_city_tasks
from scenarios.load import load_scenario
from scenarios.messages import Message
from scenarios.model import Scenario

__all__ = ["read_city_manifest", "district_scenarios", "check_city_plan", "verify_city_plan", "CityVerification"]


def read_city_manifest(out: str | Path) -> dict[str, Any]:
    return json.loads((Path(out) / "manifest.json").read_text(encoding="utf-8"))


def district_scenarios(city: City, manifest: dict[str, Any]) -> dict[str, Scenario]:
    """Each district's scenario as the city run planned it (its shares read from the city manifest)."""
    out = {}
    for d in city.districts:
        shares = {t["id"]: int(t["shares"].get(d, 0)) for t in manifest.get("city_tasks", [])}
        out[d] = with_city_tasks(load_scenario(city.district_dir(d)), city, shares)
    return out


def check_city_plan(out: str | Path, city: City) -> dict[str, list]:
    """Violations of the hard rules per district (empty lists when the city plan passes)."""
    from optimizer.check import check_plan

    out = Path(out)
    scenarios = district_scenarios(city, read_city_manifest(out))
    return {d: check_plan(out / DISTRICTS_DIR / d, scenarios[d]) for d in city.districts}


@dataclass(frozen=True)
class CityVerification:
    city_hash_ok: bool
    split_commitment_ok: bool
    shares_ok: bool
    districts: dict[str, Any] = field(default_factory=dict)   # district → optimizer.verify.Verification
    mismatches: list[Message] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.city_hash_ok and self.split_commitment_ok and self.shares_ok and not self.mismatches
                and all(v.ok for v in self.districts.values()))


def verify_city_plan(out: str | Path, city: City, public_value: str) -> CityVerification:
    """Re-do the census, the split and every district's draw from ``public_value``; say what does not match."""
    from optimizer.verify import verify_draw

    out = Path(out)
    manifest = read_city_manifest(out)
    mismatches: list[Message] = []
    censuses = [census(CensusJob(city, d)) for d in city.districts]
    c_hash = city_hash(city, {c.district: c.content_hash for c in censuses})
    hash_ok = c_hash == manifest.get("city_hash")
    seed = split_seed(c_hash, public_value, city.name)
    commitment_ok = seed_commitment(seed) == manifest.get("split_seed_commitment")
    split = city_shares(city, censuses, seed)
    published = {t["id"]: t.get("shares") for t in manifest.get("city_tasks", [])}
    shares_ok = True
    for task_id, entry in split.items():
        if published.get(task_id) != entry["shares"]:
            shares_ok = False
            mismatches.append(Message("city.shares_mismatch", task=task_id, published=published.get(task_id),
                                      recomputed=entry["shares"]))
    scenarios = district_scenarios(city, manifest)
    districts = {d: verify_draw(out / DISTRICTS_DIR / d, scenarios[d], district_public_value(public_value, city.name, d))
                 for d in city.districts}
    return CityVerification(hash_ok, commitment_ok, shares_ok, districts, mismatches)
