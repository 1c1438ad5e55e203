"""一企一档: credit-risk classes A–D from an expert scorecard weighted by the analytic hierarchy process (AHP).

Districts that lack the national credit-risk classes, or want a sector model of their own (普陀's beauty-salon
card, seed 000), score their directory with a card from ``rules/scorecards/`` (:mod:`scoring.card`): weights
from pairwise judgements by the principal eigenvector, every matrix's consistency ratio under 0.10
(:mod:`scoring.ahp`), one 0–100 score per firm with its contributions per indicator, and the class from the
card's cut-offs (:mod:`scoring.score`). :mod:`scoring.scenario` writes a scenario whose ``risk_class`` comes
from the card, keeping the given class as ``risk_class_given``; :func:`explain_score` tells one firm's score.
"""

from scoring.ahp import (
    CR_LIMIT,
    RANDOM_INDEX,
    Priorities,
    comparison_matrix,
    priorities,
)
from scoring.card import CardError, LoadedCard, known_cards, load_card
from scoring.explain import explain_score
from scoring.scenario import score_scenario, scored_in_memory
from scoring.score import Scored, score_subjects

__all__ = [
    "CR_LIMIT", "CardError", "LoadedCard", "Priorities", "RANDOM_INDEX", "Scored", "comparison_matrix",
    "explain_score", "known_cards", "load_card", "priorities", "score_scenario", "score_subjects", "scored_in_memory",
]
