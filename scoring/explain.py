"""One firm's score, indicator by indicator: value, indicator score, weight, contribution; then class and cut-offs."""

from __future__ import annotations

import polars as pl

from scenarios.model import Scenario
from scoring.card import CardError, load_card
from scoring.score import indicator_score, score_subjects

__all__ = ["explain_score"]


def explain_score(scenario: Scenario, subject_id: str) -> list[str]:
    """Lines for ``explain``: empty when the scenario's classes were not scored by a card."""
    card_id = getattr(scenario.spec, "risk_scorecard", None) or (scenario.spec.model_extra or {}).get("risk_scorecard")
    if not card_id:
        return []
    try:
        card = load_card(str(card_id))
        subject = scenario.subjects.filter(pl.col("subject_id") == subject_id)
        scored = score_subjects(subject, card).table
    except CardError as exc:
        return [f"Credit-risk score: scorecard {card_id} cannot be applied: {exc}"]
    c = card.card
    out = [f"Credit-risk score (一企一档) by scorecard {c.id} — {c.name} / {c.name_en}",
           f"  source: {c.reference.document} {c.reference.clause}".rstrip(), f"  weights: {c.weights_note}"]
    if scored.height == 0:
        return out + [f"  not scored: the card applies to {', '.join(c.applies_to or [])}; the given class is kept"]
    raw = subject.select(*[indicator_score(ind).alias(k) for k, ind in card.indicators.items()]).row(0, named=True)
    row = scored.row(0, named=True)
    for key, ind in card.indicators.items():
        zh, en = card.names[key]
        value = subject[ind.column][0] if ind.column in subject.columns else None
        score = raw[key]
        shown = f"{score:.1f}" if score is not None else f"missing → {ind.missing:.1f}"
        out.append(f"  {zh} / {en} [{ind.column} = {value if value not in (None, '') else '—'}]: score {shown} × weight "
                   f"{card.weights[key]:.4f} = {row['score_' + key]:.2f}")
    given = subject["risk_class_given"][0] if "risk_class_given" in subject.columns else None
    cut = c.classes
    out.append(f"  total {row['risk_score']:.2f} / 100 → class {row['risk_class']} (A ≥ {cut.A:g}, B ≥ {cut.B:g}, "
               f"C ≥ {cut.C:g}, else D)" + (f"; given class {given}" if given else ""))
    return out
