"""Rotation across years (负担轮换): a firm drawn last year is unlikely to be drawn again, every sample still at π.

Statistical offices rotate response burden with permanent random numbers (PRNs): each unit keeps its number
from year to year and each year's sample starts where the last one ended on the unit circle. The draw already
does this between the rounds of one year (:mod:`optimizer.draw.coordinated`: round r reads frac(u − a_ir),
a_ir = Σ of the subject's round maxima before r). Across years it is the same idea:

    year y reads frac(u_i − b_i^y − a_ir),   b^y = b^{y−1} + A^{y−1} + max(0, 1 − A^{y−1} − A^y) / 8,   b¹ = 0

with u_i the ticket of the **first plan of the chain** (its seed: the chain's permanent numbers) and A^p_i the
subject's Σ over plan p's rounds of its largest π. Subject i's selection set in plan p is (about) the arc
[b^p, b^p + A^p) of the circle: each year's arc follows the last one, so two consecutive years overlap by
max(0, A¹ + A² − 1) — the least any design with these marginals allows — and over the years the arcs sweep
the circle, so every firm takes its turn. The guard, ⅛ of the circle the two arcs leave free
(:data:`~optimizer.draw.coordinated.ROTATION_GUARD`), is for fixed-size samples: a cell's last key lies near
π, not at it, so a small cell's sample spills past its arc's end (measured in ``tests/test_rotation.py`` and
``benchmarks/rotation.py``). When a subject's A exceeds ⅓ three arcs cannot be disjoint: rotation puts the
unavoidable repeat two years apart rather than one.

Small cells. With a fixed shift a cell of 2 drawing 1 repeats last year's firm half the time, whatever the
shift (both numbers on one side of it), though the least possible is never. So a cell whose members are
interchangeable — all in one cell of the same task last year and in no other round, with the same shift and
offsets — takes the members that *follow* last year's sample in last year's order (rank rotation, statistical
offices' practice for small strata; :func:`optimizer.draw.coordinated._after_last_year`): the two samples meet
only when their sizes exceed the cell. It reads last year's published draw table (``selected``, ``rank``), and
the plan says so (``rotation.cells_follow_last_year``, :data:`FOLLOW`), so ``verify`` does the same.

Why every year stays exactly at π: b_i is computed from the earlier plans' *published probabilities*
(``draws.parquet`` ``inclusion_prob``) and this year's rules, never from who was drawn, so it is fixed before
the tickets are read; frac(u − c) is uniform for any fixed c, the keys of different subjects stay independent,
and the cell sizes of :mod:`optimizer.draw.allocation` keep P(drawn) = π. A cell that follows last year's
sample does depend on who was drawn, but only through an order that treats its interchangeable members alike
(swap two members' tickets and their outcomes swap, last year and this year), with the size still from this
year's keys: each member has the same chance E[n]/N = π. ``jointcheck verify --previous``
recomputes b from those files and the chain's revealed first seed.

The price of rotation: the numbers are permanent, so once the first plan's seed is revealed anyone holding
it can rank the directory for later years (as statistical offices' PRNs are, inside the office). Each year's
own seed still decides visit days, officer teams and inspection codes, and is committed like any plan's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from optimizer.draw import (
    PI_SCALE,
    ROTATION_GUARD,
    pi_units,
    plan_seed,
    seed_commitment,
)
from scenarios.messages import Message

__all__ = ["Rotation", "RotationError", "rotation_shift", "prn_source", "load_rotation", "FOLLOW"]

FOLLOW = "cells_follow_last_year"
"""Manifest flag (``rotation``): cells whose members are interchangeable take the members that follow last
year's sample in last year's order (:func:`optimizer.draw.coordinated._after_last_year`). A plan rotated
before the flag existed has no flag and is verified without it."""


class RotationError(ValueError):
    """Previous plans that cannot be rotated against (other numbers, a seed that fails its commitment…)."""


@dataclass(frozen=True)
class Rotation:
    """What a plan with ``--previous`` draws with: the chain's ticket seed and each subject's shift b_i."""

    prn_seed: str
    shift: pl.DataFrame               # subject_id, end, last: the last earlier arc (:func:`rotation_shift`)
    manifest: dict[str, Any]          # the ``rotation`` entry of the plan's manifest
    last: pl.DataFrame | None = None  # the latest earlier plan's draw table, when small cells follow its sample

    @property
    def follow(self) -> pl.DataFrame | None:
        """Last year's draw table for :func:`optimizer.draw.draw_subjects` (``last``), when the plan uses it."""
        return self.last if self.manifest.get(FOLLOW) else None


def _lengths(draws: pl.DataFrame) -> pl.DataFrame:
    """A_i in 10⁻⁹ units: Σ over the plan's rounds of the subject's largest π (its arc on the circle)."""
    return (draws.select("subject_id", "round", pi_units(pl.col("inclusion_prob")).alias("pi_units"))
            .group_by("subject_id", "round").agg(pl.col("pi_units").max().alias("top"))
            .group_by("subject_id").agg(pl.col("top").sum().cast(pl.Int64).alias("length")))


def rotation_shift(previous: list[pl.DataFrame]) -> pl.DataFrame:
    """The arcs of the chain's plans (draws frames, first plan first): ``subject_id, end, last`` in 10⁻⁹ units.

    Plan 1 starts at b¹ = 0, plan k at b^k = b^{k−1} + A^{k−1} + guard (module docstring). ``end`` = b + A of the
    last plan, ``last`` = its A; the draw adds the guard against this year's own A
    (:func:`optimizer.draw.coordinated._offsets`).
    """
    arcs = pl.DataFrame(schema={"subject_id": pl.String, "end": pl.Int64, "last": pl.Int64})
    for draws in previous:
        a = _lengths(draws)
        arcs = arcs.join(a, on="subject_id", how="full", coalesce=True).select(
            "subject_id",
            (pl.col("end").fill_null(0) + pl.when(pl.col("end").is_null()).then(0).otherwise(
                (PI_SCALE - pl.col("last").fill_null(0) - pl.col("length").fill_null(0)).clip(lower_bound=0)
                * ROTATION_GUARD[0] // ROTATION_GUARD[1])
             + pl.col("length").fill_null(0)).alias("end"),
            pl.col("length").fill_null(0).alias("last"),
        )
    return arcs.sort("subject_id")


def prn_source(manifest: dict[str, Any]) -> dict[str, Any]:
    """The plan whose tickets a plan's draw reads: its own, or the first plan of its rotation chain.

    Pass one plan per year — its latest version: an adjusted plan (动态调整) reads its first version's tickets."""
    rotation = manifest.get("rotation")
    if rotation:
        return dict(rotation["prn"])
    adjusts = manifest.get("adjusts") or {}  # an adjusted version draws from the seed of its first version
    return {"plan_id": manifest["plan_id"], "scenario_hash": adjusts.get("seed_scenario_hash", manifest["scenario"]["hash"]),
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
        raise RotationError(Message("rotation.none"))
    manifests, draws, entries, full = [], [], [], []
    for d in previous_dirs:
        root = Path(d)
        try:
            m = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
            frame = pl.read_parquet(root / "draws.parquet", columns=["subject_id", "round", "inclusion_prob"])
        except (OSError, ValueError, KeyError) as exc:
            raise RotationError(Message("rotation.unreadable", root=str(root), reason=str(exc))) from None
        manifests.append(m)
        draws.append(frame)
        full.append(root / "draws.parquet")
        entries.append({"plan_id": m["plan_id"], "year": m["scenario"]["year"], "scenario_hash": m["scenario"]["hash"],
                        "seed_commitment": m["seed_commitment"], "draws_sha256": _sha256(root / "draws.parquet")})
    years: dict[int, list[str]] = {}
    for d, e in zip(previous_dirs, entries):
        years.setdefault(e["year"], []).append(str(d))
    twice = {y: ds for y, ds in sorted(years.items()) if len(ds) > 1}
    if twice:  # e.g. a plan and its adjusted version (动态调整): the chain holds one plan per year
        each = [Message("rotation.year_twice", year=y, n=len(ds), dirs=", ".join(ds)) for y, ds in twice.items()]
        raise RotationError(Message("rotation.one_per_year", years="; ".join(each),
                                    years_zh="；".join(m.text("zh") for m in each)))
    sources = {json.dumps(prn_source(m), sort_keys=True) for m in manifests}
    if len(sources) != 1:
        raise RotationError(Message("rotation.chains"))
    source = json.loads(sources.pop())
    seed = plan_seed(source["scenario_hash"], previous_seed, source["plan_id"])
    if seed_commitment(seed) != source["seed_commitment"]:
        raise RotationError(Message("rotation.seed", value=previous_seed, plan_id=source["plan_id"]))
    order = sorted(range(len(entries)), key=lambda k: (entries[k]["year"], entries[k]["plan_id"], entries[k]["draws_sha256"]))
    entries = [entries[k] for k in order]
    draws = [draws[k] for k in order]
    manifests = [manifests[k] for k in order]
    full = [full[k] for k in order]
    for k, m in enumerate(manifests):  # the whole chain, first plan first: each one rotated against those before it
        before = sorted(e["draws_sha256"] for e in (m.get("rotation") or {}).get("previous", []))
        if before != sorted(e["draws_sha256"] for e in entries[:k]):
            raise RotationError(Message("rotation.whole_chain", plan_id=m["plan_id"], year=m["scenario"]["year"]))
    if expect is not None:
        want = sorted(e["draws_sha256"] for e in expect.get("previous", []))
        if sorted(e["draws_sha256"] for e in entries) != want:
            raise RotationError(Message("rotation.not_these"))
    shift = rotation_shift(draws)
    body = {"prn": source, "previous": entries,
            "mean_end": round(float(shift["end"].mean() or 0.0) / PI_SCALE, 6) if shift.height else 0.0}
    follow = expect.get(FOLLOW, False) if expect is not None else True
    last = None
    if follow:
        try:
            last = pl.read_parquet(full[-1], columns=["subject_id", "task_id", "round", "stratum", "inclusion_prob",
                                                      "selected", "rank"])
        except (OSError, ValueError, pl.exceptions.PolarsError) as exc:
            if expect is not None:
                raise RotationError(Message("rotation.no_ranks", path=str(full[-1]), reason=str(exc))) from None
            follow = False  # an earlier plan without published ranks: this year's cells do not follow it
    if follow:
        body[FOLLOW] = True
    return Rotation(seed, shift, body, last)
