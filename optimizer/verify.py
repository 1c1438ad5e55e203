"""Verify a published draw (一公开): recompute it from the public seed value and compare every selection.

Anyone holding the scenario, the plan directory and the revealed public value can run this: the plan
seed is re-derived (SHA-256 of scenario hash ‖ public value ‖ plan id), checked against the commitment
published before the draw, and the draw is recomputed with the plan's own rounds and policy — the
tickets, the randomised size of every cell (decided by the cells' own keys, :mod:`optimizer.draw.allocation`)
and every selection and cap replacement, so a published sample of the wrong size or membership shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from optimizer.check import read_plan
from optimizer.draw import (
    DrawMode,
    draw_input,
    draw_subjects,
    plan_seed,
    seed_commitment,
)
from rules import evaluate, load_policy
from scenarios.model import Scenario

__all__ = ["Verification", "Mismatch", "verify_draw"]


@dataclass(frozen=True)
class Mismatch:
    """One way the published draw differs from the recomputed one: a (subject, task) selected differently, how many
    more were left out (``more``), or why nothing could be recomputed (``reason``). ``str`` is English (logs);
    :meth:`text` gives it in Chinese or English."""

    subject: str = ""
    task: str = ""
    published: bool | None = None
    recomputed: bool | None = None
    more: int = 0
    reason: str = ""

    def text(self, lang: str = "zh") -> str:
        zh = lang != "en"
        if self.reason == "rotation_inputs":
            return ("该计划按往年计划轮换：请给出往年计划（--previous DIR）和该链第一个公开随机数（--previous-seed）" if zh else
                    "the plan was rotated against earlier plans: pass them (--previous DIR) and the chain's first public "
                    "value (--previous-seed)")
        if self.reason:
            return self.reason
        if self.more:
            return f"……另有 {self.more} 处" if zh else f"… and {self.more} more"
        if not zh:
            return f"subject {self.subject} task {self.task}: published selected={self.published}, recomputed {self.recomputed}"
        drawn = {True: "抽中", False: "未抽中", None: "缺失"}
        return (f"检查对象 {self.subject} 任务 {self.task}：公开的计划为{drawn[self.published]}，"
                f"重新计算为{drawn[self.recomputed]}")

    def __str__(self) -> str:
        return self.text("en")


@dataclass(frozen=True)
class Verification:
    commitment_ok: bool
    scenario_ok: bool
    mismatches: list[Mismatch] = field(default_factory=list)
    pairs: int = 0

    @property
    def ok(self) -> bool:
        return self.commitment_ok and self.scenario_ok and not self.mismatches


def verify_draw(plan_dir: str | Path, scenario: Scenario, public_value: str, *,
                previous: list[str | Path] | None = None, previous_seed: str | None = None) -> Verification:
    """Recompute the draw. An adjusted plan (``adjusts`` in its manifest) is recomputed from the committed seed of
    the plan it adjusts, its ``offset_basis.parquet`` and its visits made before the adjustment date; a rotated
    plan (``rotation``) needs the earlier plans (``previous``) and the chain's first public value
    (``previous_seed``), from which the shift is recomputed (:mod:`optimizer.rotation`)."""
    plan = read_plan(plan_dir)
    m = plan.manifest
    adjusts = m.get("adjusts")
    seed = plan_seed(adjusts["seed_scenario_hash"] if adjusts else scenario.content_hash, public_value, m["plan_id"])
    commitment_ok = seed_commitment(seed) == m["seed_commitment"]
    scenario_ok = m["scenario"]["hash"] == scenario.content_hash
    law = load_policy(m["policy"]["id"], m["policy"].get("overrides") or None)
    results = evaluate(scenario, law, as_of=dt.date.fromisoformat(m["policy"]["as_of"]))
    rounds = pl.DataFrame([(t["id"], t["round"]) for t in m["tasks"]], schema={"task_id": pl.String, "round": pl.Int32}, orient="row")
    options: dict = {}
    ticket_seed = seed
    if adjusts:
        as_of = dt.date.fromisoformat(m["adjustment"]["as_of"])
        options["offset_basis"] = pl.read_parquet(Path(plan_dir) / "offset_basis.parquet")
        options["done"] = plan.visits.filter(pl.col("date") < as_of).select("subject_id", pl.col("round").cast(pl.Int32)).unique()
    if m.get("rotation"):
        from optimizer.rotation import RotationError, load_rotation

        if not previous or previous_seed is None:
            return Verification(commitment_ok, scenario_ok, [Mismatch(reason="rotation_inputs")], 0)
        try:
            rotation = load_rotation(previous, previous_seed, expect=m["rotation"])
        except RotationError as exc:
            return Verification(commitment_ok, scenario_ok, [Mismatch(reason=str(exc))], 0)
        ticket_seed, options["shift"], options["last"] = rotation.prn_seed, rotation.shift, rotation.follow
    redo = draw_subjects(draw_input(scenario, results, rounds), ticket_seed, DrawMode(m["mode"]), **options).draws
    key = ["subject_id", "task_id"]
    mine = redo.select(*key, pl.col("selected").alias("expected"), pl.col("replaced_by").alias("expected_replaced"))
    published = plan.draws.select(*key, "selected", "replaced_by")
    joined = mine.join(published, on=key, how="full", coalesce=True)
    bad = joined.filter(
        (pl.col("expected") != pl.col("selected")).fill_null(True)
        | (pl.col("expected_replaced").fill_null("") != pl.col("replaced_by").fill_null(""))
    ).sort(key)
    mismatches = [Mismatch(s, t, sel, exp) for s, t, exp, _, sel, _ in bad.head(50).iter_rows()]
    if bad.height > 50:
        mismatches.append(Mismatch(more=bad.height - 50))
    return Verification(commitment_ok, scenario_ok, mismatches, joined.height)
