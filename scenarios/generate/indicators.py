"""Subject columns the scorecards read (一企一档 indicators), drawn by credit-risk class.

The shares and means are the project's assumptions, chosen so that the classes a card gives agree broadly with
the national classes (riskier classes file late, change legal representatives, appear on the abnormal-operation
list, have court cases and failed inspections more often) without copying them: a card is a second opinion, not
a relabelling. Everything is drawn from ``numpy.random.default_rng(seed)`` in a fixed order, vectorised by class.

Columns: annual_report_on_time (true/false), judicial_cases_3y, legal_rep_changes_3y, equity_changes_3y,
outside_investments, risk_leads (counts), license_status (valid | expiring | expired | none), paid_in_ratio
(0–1), years_established (years), last_random_result (none | no_problem | rectified | problem_found),
abnormal_list (never | removed | listed).
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["INDICATOR_COLUMNS", "indicator_columns"]

CLASSES = "ABCD"
# per class A, B, C, D
_ON_TIME = (0.98, 0.93, 0.80, 0.60)
_POISSON = {
    "judicial_cases_3y": (0.02, 0.08, 0.4, 1.2),
    "legal_rep_changes_3y": (0.05, 0.15, 0.5, 1.2),
    "equity_changes_3y": (0.3, 0.5, 0.9, 1.5),
    "outside_investments": (1.5, 1.0, 1.2, 2.5),
    "risk_leads": (0.03, 0.1, 0.5, 1.5),
}
_CATEGORIES = {
    "license_status": (("valid", "expiring", "expired", "none"),
                       ((0.93, 0.05, 0.015, 0.005), (0.88, 0.07, 0.035, 0.015), (0.75, 0.10, 0.10, 0.05), (0.55, 0.10, 0.20, 0.15))),
    "last_random_result": (("none", "no_problem", "rectified", "problem_found"),
                           ((0.70, 0.27, 0.02, 0.01), (0.70, 0.22, 0.05, 0.03), (0.60, 0.15, 0.15, 0.10), (0.50, 0.10, 0.20, 0.20))),
    "abnormal_list": (("never", "removed", "listed"),
                      ((0.97, 0.025, 0.005), (0.92, 0.05, 0.03), (0.75, 0.12, 0.13), (0.50, 0.15, 0.35))),
}
_PAID_IN_BETA = ((5.0, 1.5), (3.0, 2.0), (2.0, 3.0), (1.2, 4.0))
_YEARS_MEAN = (12.0, 8.0, 5.0, 3.0)
INDICATOR_COLUMNS = ["annual_report_on_time", *_POISSON, *_CATEGORIES, "paid_in_ratio", "years_established"]


def indicator_columns(risk_class: pl.Series, seed: int | list[int]) -> pl.DataFrame:
    """One row per subject (in the order of ``risk_class``), the indicator columns as text, as a CSV holds them."""
    rng = np.random.default_rng(seed)
    classes = risk_class.cast(pl.String).to_numpy()
    n = len(classes)
    code = np.select([classes == c for c in CLASSES], list(range(4)), default=1)
    out: dict[str, np.ndarray] = {}
    out["annual_report_on_time"] = np.where(rng.random(n) < np.take(_ON_TIME, code), "true", "false")
    for name, means in _POISSON.items():
        out[name] = rng.poisson(np.take(means, code)).astype(str)
    for name, (labels, shares) in _CATEGORIES.items():
        cumulative = np.cumsum(np.asarray(shares), axis=1)[code]
        pick = (rng.random(n)[:, None] > cumulative).sum(axis=1).clip(0, len(labels) - 1)
        out[name] = np.asarray(labels)[pick]
    a, b = np.take([p[0] for p in _PAID_IN_BETA], code), np.take([p[1] for p in _PAID_IN_BETA], code)
    out["paid_in_ratio"] = np.char.mod("%.2f", rng.beta(a, b))
    out["years_established"] = np.char.mod("%.1f", rng.exponential(np.take(_YEARS_MEAN, code)))
    return pl.DataFrame({name: out[name] for name in INDICATOR_COLUMNS})
