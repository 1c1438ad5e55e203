"""The central split: how many subjects each district draws for a city-wide task.

A city-wide task t gives every eligible subject i of the city its inclusion probability π_i (the rules, under
the city's policy). District d's expected share is S_d = Σ_{i∈d} π_i. The share n_d the district draws is
decided once, centrally, before any district plans, by **systematic controlled rounding** (Cox 1987; the
same device as systematic sampling): lay the S_d end to end in city.yaml's district order, C_d = S_1 + … + S_d,
draw one start u uniform in [0, 1) from the plan seed, and give district d the number of points u, u+1, u+2, …
that fall in [C_{d−1}, C_d):

    n_d = ⌈C_d − u⌉ − ⌈C_{d−1} − u⌉.

Then, over the start u,

* E[n_d] = S_d exactly (each point of [C_{d−1}, C_d) is hit with probability S_d's length share);
* n_d ∈ {⌊S_d⌋, ⌈S_d⌉} (an interval of length S_d holds ⌊S_d⌋ or ⌈S_d⌉ points of a unit grid);
* Σ_d n_d = ⌈C_D − u⌉ ∈ {⌊Σ S⌋, ⌈Σ S⌉}, and every partial sum stays within one of its expectation.

All of it is integer arithmetic: the S_d are carried in units of 10⁻¹² (the rules round π to 12 decimals, so
Σπ is exact in these units) and u is an integer start in [0, 10¹²) read from SHA-256 of the split seed and the
task id (as :mod:`optimizer.draw.prn` reads tickets), so each grid point is hit with probability exactly
1/10¹² and E[n_d] = S_d holds to the last unit, on every machine.

Why P(drawn) stays the rules' π. District d plans the task as a ``count`` task of n_d subjects. Its rules
give π_i(n) = min(1, c(n)·w_i) with Σ_i π_i(n) = n, w_i the subject's policy weight (mandatory subjects π = 1),
and its draw takes each subject with exactly that probability (:mod:`optimizer.draw.allocation`: a count task's
cells draw their shares of the count by controlled rounding, so P(i drawn) = π_i(n) for any n). Given n_d the subject is drawn with probability π_i(n_d); over the
split, P(drawn) = E[π_i(n_d)]. π_i(n) is linear in n between ⌊S_d⌋ and ⌈S_d⌉ unless a subject's π reaches 1
between them, so E[π_i(n_d)] = π_i(S_d) = min(1, c(S_d)·w_i), which is the city-wide π_i: for a ``ratio`` task
c(S_d) is the ratio itself, for a ``count`` task the city-wide scale that makes Σ π over the whole city equal
the count (:func:`city_count_expectations`). The one exception, a subject whose π = min(1, c·w) is clipped at
1 for ⌈S_d⌉ but not for ⌊S_d⌋, needs c·w within one subject's share of 1 and is reported by the rules as a
clip; its probability is then at most π and off by less than 1/S_d.
"""

from __future__ import annotations

import hashlib

__all__ = ["UNITS", "systematic_shares", "split_start", "city_count_expectations", "to_units"]

UNITS = 10**12
"""Expected sizes are integers in 10⁻¹² units (the rules round every π to 12 decimals)."""

SEPARATOR = "\x1f"


def to_units(value: float) -> int:
    """A non-negative expectation as an integer count of 10⁻¹² units."""
    return int(round(value * UNITS))


def split_start(split_seed: str, task_id: str, scale: int = UNITS) -> int:
    """The systematic start of ``task_id`` as an integer in [0, scale): SHA-256(split seed ‖ task id) mod scale.

    2²⁵⁶ is not a multiple of ``scale``; the bias that leaves is below scale / 2²⁵⁶ < 10⁻⁶⁰.
    """
    digest = hashlib.sha256(SEPARATOR.join(["city-split", split_seed, task_id]).encode("utf-8")).digest()
    return int.from_bytes(digest, "big") % scale


def systematic_shares(expected: list[int], start: int, scale: int = UNITS) -> list[int]:
    """Integer shares n_d with E[n_d] = expected_d / scale over a start uniform on 0..scale−1 (module docstring).

    ``expected``: each part's expectation in units of 1/scale, in a fixed order; ``start``: an integer in
    [0, scale). Each share is ⌊e_d⌋ or ⌈e_d⌉ and their sum ⌊Σe⌋ or ⌈Σe⌉ (in whole subjects).
    """
    if not 0 <= start < scale:
        raise ValueError(f"start {start} is not in [0, {scale})")
    if any(e < 0 for e in expected):
        raise ValueError("expectations must be non-negative")

    def points_below(c: int) -> int:  # #{m ≥ 0 : start + m·scale < c} = ⌈(c − start) / scale⌉ (c ≥ 0)
        return max(0, -((start - c) // scale))

    shares, cumulative = [], 0
    for e in expected:
        shares.append(points_below(cumulative + e) - points_below(cumulative))
        cumulative += e
    return shares


def city_count_expectations(count: int, profiles: dict[str, list[tuple[float, int, bool]]]) -> dict[str, float]:
    """Each district's expected share S_d of a city-wide ``count`` task, by the rules' count semantics city-wide.

    ``profiles``: per district, (weight w, subjects n, mandatory) of the task's eligible subjects. As in
    :mod:`rules.probability`: mandatory subjects have π = 1 and take one of the count; the others have
    π = min(1, c·w) with one city-wide scale c making Σπ = count (subjects pushed above 1 are capped and the
    rest spread over the others); when the count reaches every eligible subject, all have π = 1.
    """
    eligible = sum(n for rows in profiles.values() for _, n, _ in rows)
    if count >= eligible:
        return {d: float(sum(n for _, n, _ in rows)) for d, rows in profiles.items()}
    mandatory = {d: sum(n for _, n, m in rows if m) for d, rows in profiles.items()}
    free = [(d, w, n) for d, rows in profiles.items() for w, n, m in rows if not m]
    remaining = count - sum(mandatory.values())
    capped: set[int] = set()
    left = remaining
    while True:
        rest = [k for k in range(len(free)) if k not in capped]
        denom = sum(free[k][1] * free[k][2] for k in rest)
        c = max(left, 0) / denom if denom > 0 else 0.0
        over = [k for k in rest if c * free[k][1] > 1 + 1e-12]
        if not over:
            break
        capped.update(over)
        left -= sum(free[k][2] for k in over)
    out = {d: float(mandatory[d]) for d in profiles}
    for k, (d, w, n) in enumerate(free):
        out[d] += n * (1.0 if k in capped else round(min(1.0, c * w), 12))
    return out
