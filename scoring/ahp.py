"""The analytic hierarchy process (AHP): priority vectors and consistency of pairwise comparison matrices.

Saaty, T. L. (1980) *The Analytic Hierarchy Process*, McGraw-Hill; Saaty (1990) "How to make a decision: the
analytic hierarchy process", European Journal of Operational Research 48, 9–26.

* A judgement a_ij on the 1–9 scale says how much more important element i is than element j (1 equal,
  3 moderately, 5 strongly, 7 very strongly, 9 extremely; 2, 4, 6, 8 between); a_ji = 1 / a_ij, a_ii = 1.
* The priority vector is the principal (Perron) eigenvector of the matrix, normalised to sum 1.
* λ_max is its eigenvalue; CI = (λ_max − n) / (n − 1); CR = CI / RI(n) with Saaty's random index RI. A matrix
  with CR ≥ 0.10 is too inconsistent to use (Saaty 1980, §1.6); n ≤ 2 is always consistent.

Why numpy and not ahpy: ahpy (2.1) pulls in SciPy and rounds every weight to 4 decimals by power iteration;
``numpy.linalg.eig`` gives the principal eigenvector exactly (to floating point) with what the project already has.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

__all__ = ["RANDOM_INDEX", "CR_LIMIT", "Priorities", "parse_judgement", "comparison_matrix", "priorities"]

# Saaty's random index for n = 1..10 (Saaty 1980, Table 1.7; the values used in Saaty 1990).
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}
CR_LIMIT = 0.10
_SCALE = {Fraction(k) for k in range(1, 10)} | {Fraction(1, k) for k in range(2, 10)}


@dataclass(frozen=True)
class Priorities:
    """The outcome of one comparison matrix: weights per element (sum 1), λ_max, CI and CR."""

    elements: tuple[str, ...]
    weights: tuple[float, ...]
    lambda_max: float
    consistency_index: float
    consistency_ratio: float

    @property
    def consistent(self) -> bool:
        return self.consistency_ratio < CR_LIMIT

    def as_dict(self) -> dict[str, float]:
        return dict(zip(self.elements, self.weights))


def parse_judgement(value: object) -> Fraction:
    """A judgement on Saaty's scale: an integer 1–9 or its reciprocal ("1/3", 0.333… is refused as inexact)."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a judgement on the 1–9 scale")
    try:
        judgement = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{value!r} is not a judgement on the 1–9 scale (1..9 or 1/2..1/9)") from None
    if judgement not in _SCALE:
        raise ValueError(f"{value!r} is not on Saaty's 1–9 scale (1..9 or 1/2..1/9)")
    return judgement


def comparison_matrix(elements: list[str], judgements: list[tuple[str, str, object]]) -> np.ndarray:
    """The reciprocal matrix from judgements (i, j, a_ij); every unordered pair exactly once."""
    index = {e: k for k, e in enumerate(elements)}
    n = len(elements)
    matrix = np.ones((n, n))
    seen: set[frozenset[str]] = set()
    for first, second, value in judgements:
        for name in (first, second):
            if name not in index:
                raise ValueError(f"judgement names {name!r}, not one of {', '.join(elements)}")
        pair = frozenset((first, second))
        if first == second:
            raise ValueError(f"judgement compares {first!r} with itself")
        if pair in seen:
            raise ValueError(f"{first!r} and {second!r} are compared twice")
        seen.add(pair)
        a = parse_judgement(value)
        matrix[index[first], index[second]] = float(a)
        matrix[index[second], index[first]] = float(1 / a)
    missing = [f"{a}–{b}" for k, a in enumerate(elements) for b in elements[k + 1:] if frozenset((a, b)) not in seen]
    if missing:
        raise ValueError(f"missing judgements: {', '.join(missing)}")
    return matrix


def priorities(elements: list[str], matrix: np.ndarray) -> Priorities:
    """Principal-eigenvector weights of a positive reciprocal matrix, with λ_max, CI and CR (Saaty's RI)."""
    n = len(elements)
    if n == 1:
        return Priorities(tuple(elements), (1.0,), 1.0, 0.0, 0.0)
    if n not in RANDOM_INDEX:
        raise ValueError(f"{n} elements in one comparison: Saaty's random index covers at most 10; group them")
    values, vectors = np.linalg.eig(matrix)
    k = int(np.argmax(values.real))
    lam = float(values[k].real)
    vector = np.abs(vectors[:, k].real)  # Perron vector: one sign; abs removes the arbitrary sign of eig
    weights = vector / vector.sum()
    ci = max(0.0, (lam - n) / (n - 1))
    cr = ci / RANDOM_INDEX[n] if RANDOM_INDEX[n] else 0.0
    return Priorities(tuple(elements), tuple(float(w) for w in weights), lam, ci, cr)
