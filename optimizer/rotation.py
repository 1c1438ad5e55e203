"""Rotation across years (负担轮换): a firm drawn last year is unlikely to be drawn again, every sample still at π.

Statistical offices rotate response burden with permanent random numbers (PRNs): each unit keeps its number
from year to year and each year's sample starts where the last one ended on the unit circle. The draw already
does this between the rounds of one year (:mod:`optimizer.draw.coordinated`: round r reads frac(u − a_ir),
a_ir = Σ of the subject's round maxima before r). Across years it is the same idea:

    year y reads frac(u_i − b_i − a_ir),   b_i = Σ over the earlier plans p of Σ_r max_{t∈r} π^p_it

with u_i the ticket of the **first plan of the chain** (its seed: the chain's permanent numbers). Subject i's
selection set in plan p is the arc [b_i^p, b_i^p + A_i^p) of the circle (A^p its Σ of round maxima), so the
arcs of successive years follow each other and i is drawn in two of them only when the arcs wrap — in two
years with probability max(0, A¹ + A² − 1), the least any design with these marginals allows.

Why every year stays exactly at π: b_i is computed from the earlier plans' *published probabilities*
(``draws.parquet`` ``inclusion_prob``), never from who was drawn, so it is fixed before the tickets are read;
frac(u − c) is uniform for any fixed c, the keys of different subjects stay independent, and the cell sizes
of :mod:`optimizer.draw.allocation` keep P(drawn) = π. ``jointcheck verify --previous`` recomputes b from
those files and the chain's revealed first seed.

The price of rotation: the numbers are permanent, so once the first plan's seed is revealed anyone holding
it can rank the directory for later years (as statistical offices' PRNs are, inside the office). Each year's
own seed still decides cell rounding ties, visit days, officer teams and inspection codes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from optimizer.draw import PI_SCALE, pi_units, plan_seed, seed_commitment

__all__ = ["Rotation", "RotationError", "rotation_shift", "prn_source", "load_rotation"]


class RotationError(ValueError):
    """Previous plans that cannot be rotated against (other numbers, a seed that fails its commitment…)."""


@dataclass(frozen=True)
class Rotation:
    """What a plan with ``--previous`` draws with: the chain's ticket seed and each subject's shift b_i."""

    prn_seed: str
    shift: pl.DataFrame               # subject_id, shift (π units, not reduced mod 1)
    manifest: dict[str, Any]          # the ``rotation`` entry of the plan's manifest


def rotation_shift(previous: list[pl.DataFrame]) -> pl.DataFrame:
    """b_i in 10⁻⁹ units: Σ over the plans of Σ over their rounds of the subject's largest π (draws frames)."""
    frames = [
        d.select("subject_id", "round", pi_units(pl.col("inclusion_prob")).alias("pi_units"))
        .group_by("subject_id", "round").agg(pl.col("pi_units").max().alias("top"))
        .group_by("subject_id").agg(pl.col("top").sum().alias("shift"))
        for d in previous
    ]
    if not frames:
        return pl.DataFrame(schema={"subject_id": pl.String, "shift": pl.Int64})
    return pl.concat(frames).group_by("subject_id").agg(pl.col("shift").sum().cast(pl.Int64)).sort("subject_id")


def prn_source(manifest: dict[str, Any]) -> dict[str, Any]:
    """The plan whose tickets a plan's draw reads: its own, or the first plan of its rotation chain."""
    rotation = manifest.get("rotation")
    if rotation:
        return dict(rotation["prn"])
    return {"plan_id": manifest["plan_id"], "scenario_hash": manifest["scenario"]["hash"],
            "seed_commitment": manifest["seed_commitment"]}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_rotation(previous_dirs: list[str | Path], previous_seed: str,
                  expect: dict[str, Any] | None = None) -> Rotation:
    """Read the earlier plans, check they share one chain and that ``previous_seed`` opens its commitment.

    ``expect``: the ``rotation`` entry of a plan being verified; the earlier plans' draws must be the files
    it names (same SHA-256), else :class:`RotationError`.
    """
    if not previous_dirs:
        raise RotationError("rotation needs at least one previous plan directory")
    manifests, draws, entries = [], [], []
    for d in previous_dirs:
        root = Path(d)
        try:
            m = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
            frame = pl.read_parquet(root / "draws.parquet", columns=["subject_id", "round", "inclusion_prob"])
        except (OSError, ValueError, KeyError) as exc:
            raise RotationError(f"{root}: not a readable plan directory ({exc})") from None
        manifests.append(m)
        draws.append(frame)
        entries.append({"plan_id": m["plan_id"], "year": m["scenario"]["year"], "scenario_hash": m["scenario"]["hash"],
                        "seed_commitment": m["seed_commitment"], "draws_sha256": _sha256(root / "draws.parquet")})
    sources = {json.dumps(prn_source(m), sort_keys=True) for m in manifests}
    if len(sources) != 1:
        raise RotationError("the previous plans were drawn from different permanent numbers (different first plans); "
                            "rotate only against one chain: the first plan and the plans made with --previous from it")
    source = json.loads(sources.pop())
    seed = plan_seed(source["scenario_hash"], previous_seed, source["plan_id"])
    if seed_commitment(seed) != source["seed_commitment"]:
        raise RotationError(f"--previous-seed {previous_seed!r} does not open the seed commitment of plan "
                            f"{source['plan_id']} (the chain's first plan)")
    entries.sort(key=lambda e: (e["year"], e["plan_id"], e["draws_sha256"]))
    if expect is not None:
        want = sorted(e["draws_sha256"] for e in expect.get("previous", []))
        if sorted(e["draws_sha256"] for e in entries) != want:
            raise RotationError("the previous plans given are not the ones this plan was rotated against "
                                "(draws.parquet SHA-256 differs from the manifest's rotation.previous)")
    shift = rotation_shift(draws)
    body = {"prn": source, "previous": entries,
            "mean_shift": round(float(shift["shift"].mean() or 0.0) / PI_SCALE, 6) if shift.height else 0.0}
    return Rotation(seed, shift, body)
