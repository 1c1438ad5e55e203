"""``jointcheck score``: a copy of a scenario whose ``risk_class`` comes from a scorecard.

The subject directory keeps every column it had; ``risk_class`` becomes the card's class for the subjects the
card applies to (the others keep theirs), the given class is kept as ``risk_class_given``, and each scored firm
gains ``risk_score`` and ``score_<indicator>`` (its contribution: weight × indicator score). ``scenario.yaml``
gains ``risk_scorecard: <card id>`` so that ``explain`` can tell a firm's score indicator by indicator. The copy
is written to a temporary directory and moved into place only when complete.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

from scenarios.atomic import atomic_directory
from scenarios.files import read_csv_text, read_text
from scenarios.load import canonical_hash
from scenarios.messages import Message
from scenarios.model import Scenario
from scenarios.schema import RiskEnum
from scoring.card import CardError, LoadedCard
from scoring.score import CONTRIBUTION_PREFIX, Scored, score_subjects

__all__ = ["ScoredScenario", "score_scenario", "scored_in_memory", "class_table"]


@dataclass(frozen=True)
class ScoredScenario:
    out: Path
    scored: Scored
    given: pl.DataFrame    # subject_id, risk_class_given, risk_class (scored subjects only)


def class_table(given: pl.DataFrame) -> pl.DataFrame:
    """Subjects per (given class, scored class): rows A–D given, columns A–D scored."""
    counts = given.group_by("risk_class_given", "risk_class").len()
    wide = counts.pivot(on="risk_class", index="risk_class_given", values="len").fill_null(0)
    for c in "ABCD":
        if c not in wide.columns:
            wide = wide.with_columns(pl.lit(0, pl.UInt32).alias(c))
    return wide.select("risk_class_given", *"ABCD").sort("risk_class_given")


def _with_card_class(subjects: pl.DataFrame, scored: Scored, *, as_text: bool) -> pl.DataFrame:
    """The directory with ``risk_class`` from the card where it applies (the given class elsewhere), the given class
    as ``risk_class_given`` (kept from an earlier scoring), ``risk_score`` and the contributions, rounded to 4 places.
    ``as_text``: the directory as read from the CSV, every column a string (the file keeps what it was written as);
    otherwise the typed frame of a loaded scenario."""
    contrib = [c for c in scored.table.columns if c.startswith(CONTRIBUTION_PREFIX)]
    given = pl.col("risk_class_given") if "risk_class_given" in subjects.columns else pl.col("risk_class").cast(pl.String)
    keep = [c for c in subjects.columns if c not in ("risk_class_given", "risk_score") and not c.startswith(CONTRIBUTION_PREFIX)]
    table = scored.table.with_columns(pl.col(*contrib, "risk_score").round(4)).rename({"risk_class": "scored_class"})
    if as_text:
        table = table.with_columns(pl.col(*contrib, "risk_score").cast(pl.String))
    risk_class = pl.coalesce(pl.col("scored_class"), pl.col("risk_class").cast(pl.String))
    return subjects.with_columns(given.alias("risk_class_given")).select(*keep, "risk_class_given").join(
        table, on="subject_id", how="left").with_columns(
        (risk_class if as_text else risk_class.cast(RiskEnum)).alias("risk_class")).drop("scored_class")


def score_scenario(scenario: Scenario, card: LoadedCard, out: Path, overwrite: bool = False) -> ScoredScenario:
    """Write ``scenario`` scored by ``card`` to ``out`` (atomically). CardError when the card cannot score it."""
    source = scenario.root / scenario.spec.subjects
    text, problems = read_text(source, scenario.spec.subjects, gb18030=True)  # as the loader reads it
    problems = [p for p in problems if p.severity == "error"]
    raw, more = read_csv_text(text or "", scenario.spec.subjects)
    if raw is None or problems or more:
        raise CardError(Message("card.reread", source=source, reason="; ".join(map(str, problems + more))))
    scored = score_subjects(scenario.subjects, card)
    if scored.table.height == 0:
        raise CardError(Message("card.no_subject", card=card.id, types=", ".join(card.card.applies_to or []),
                                scenario=scenario.name))
    merged = _with_card_class(raw, scored, as_text=True)
    spec_text = (scenario.root / "scenario.yaml").read_text(encoding="utf-8-sig")
    spec = yaml.safe_load(spec_text)
    lines = [ln for ln in spec_text.splitlines() if not ln.startswith("risk_scorecard:")]
    at = next((k + 1 for k, ln in enumerate(lines) if ln.startswith("policy:")), len(lines))
    lines.insert(at, f"risk_scorecard: {card.id}        # risk_class scored by jointcheck score; given class in risk_class_given")
    with atomic_directory(out, overwrite=overwrite, mark="scenario") as staging:
        for name in (spec.get("officers") or "officers.csv",):
            shutil.copyfile(scenario.root / name, staging / name)
        (staging / "scenario.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        merged.write_csv(staging / scenario.spec.subjects)
    given = merged.join(scored.table.select("subject_id"), on="subject_id").select(
        "subject_id", "risk_class_given", "risk_class")
    return ScoredScenario(out, scored, given)


def scored_in_memory(scenario: Scenario, card: LoadedCard) -> tuple[Scenario, Scored]:
    """The scenario with ``risk_class`` from the card, as :func:`score_scenario` writes it, without writing files
    (the app's 一企一档 panel). ``risk_class_given`` keeps the class the directory came with."""
    scored = score_subjects(scenario.subjects, card)
    if scored.table.height == 0:
        raise CardError(Message("card.no_subject", card=card.id, types=", ".join(card.card.applies_to or []),
                                scenario=scenario.name))
    subjects = _with_card_class(scenario.subjects, scored, as_text=False)
    spec = scenario.spec.model_copy(update={"risk_scorecard": card.id})
    return scenario.model_copy(update={
        "spec": spec, "subjects": subjects, "content_hash": canonical_hash(spec, subjects, scenario.officers,
                                                                  scenario.availability)}), scored
