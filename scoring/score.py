"""Score a subject directory with a card: every firm's 0–100 score, its contributions per indicator, its class.

Vectorised over the directory (one polars expression per indicator). Subject columns are read as text, as the
loader keeps extra columns; a value that is empty or does not read as the indicator expects scores ``missing``
and is counted, so a planner sees how much of the score rests on absent data.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from scenarios.messages import Message
from scoring.card import CardError, Indicator, LoadedCard

__all__ = ["Scored", "indicator_score", "score_subjects", "CONTRIBUTION_PREFIX"]

CONTRIBUTION_PREFIX = "score_"


@dataclass(frozen=True)
class Scored:
    """One row per scored subject: subject_id, ``score_<indicator>`` (weight × indicator score), risk_score,
    risk_class (A–D); ``missing`` counts unreadable or empty values per indicator; ``skipped`` counts subjects
    the card does not apply to (they keep their class)."""

    table: pl.DataFrame
    missing: dict[str, int]
    skipped: int


def indicator_score(ind: Indicator) -> pl.Expr:
    """The 0–100 score of an indicator's column (null where the value is empty or unreadable)."""
    raw = pl.col(ind.column).cast(pl.String).str.strip_chars()
    if ind.map is not None:
        return raw.str.to_lowercase().replace_strict(ind.map, default=None, return_dtype=pl.Float64)
    value = raw.cast(pl.Float64, strict=False)
    if ind.bands is not None:
        expr = pl.when(value.is_null()).then(None)
        for upper, score in ind.bands:
            expr = expr.when(value <= upper).then(pl.lit(float(score)))
        return expr.otherwise(pl.lit(float(ind.above)))
    (x0, s0), (x1, s1) = ind.linear.from_, ind.linear.to
    lo, hi = min(s0, s1), max(s0, s1)
    return (pl.lit(s0) + (value - x0) * (s1 - s0) / (x1 - x0)).clip(lo, hi)


def score_subjects(subjects: pl.DataFrame, card: LoadedCard) -> Scored:
    """Score every subject the card applies to (all, or those of its ``applies_to`` object types)."""
    absent = sorted({i.column for i in card.indicators.values()} - set(subjects.columns))
    if absent:
        raise CardError(Message("card.missing_columns", card=card.id, columns=", ".join(absent),
                                indicators=", ".join(k for k, i in card.indicators.items() if i.column in absent)))
    frame = subjects
    if card.card.applies_to:
        wanted = card.card.applies_to
        frame = subjects.filter(pl.col("object_types").list.eval(pl.element().is_in(wanted)).list.any())
    raw = frame.select("subject_id", *[indicator_score(ind).alias(k) for k, ind in card.indicators.items()])
    missing = {k: int(raw[k].null_count()) for k in card.indicators}
    contrib = [(pl.col(k).fill_null(card.indicators[k].missing) * card.weights[k]).alias(CONTRIBUTION_PREFIX + k)
               for k in card.indicators]
    table = raw.select("subject_id", *contrib)
    total = pl.sum_horizontal([CONTRIBUTION_PREFIX + k for k in card.indicators]).round(6)
    cut = card.card.classes
    klass = (pl.when(pl.col("risk_score") >= cut.A).then(pl.lit("A")).when(pl.col("risk_score") >= cut.B).then(pl.lit("B"))
             .when(pl.col("risk_score") >= cut.C).then(pl.lit("C")).otherwise(pl.lit("D")))
    table = table.with_columns(total.alias("risk_score")).with_columns(klass.alias("risk_class"))
    return Scored(table, missing, subjects.height - frame.height)
