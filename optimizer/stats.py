"""Small statistics for the randomness audit, without a SciPy dependency."""

from __future__ import annotations

import math

__all__ = ["chi2_sf", "gamma_q"]


def gamma_q(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) (series for x < a + 1, else continued fraction).

    Numerical Recipes §6.2; relative accuracy about 1e-12, ample for p-values down to 1e-10.
    """
    if a <= 0:
        raise ValueError("a must be positive")
    if x <= 0:
        return 1.0
    log_front = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:  # P by its series, Q = 1 − P
        term = total = 1.0 / a
        ap = a
        for _ in range(10_000):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1.0 - total * math.exp(log_front))
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return math.exp(log_front) * h


def chi2_sf(statistic: float, df: int) -> float:
    """P(χ²_df ≥ statistic)."""
    if df <= 0:
        return 1.0
    return gamma_q(df / 2, statistic / 2)
