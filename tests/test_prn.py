"""Tests for optimizer.draw.prn: Rivest consistent-sampler tickets as per-subject PRNs.

The published vectors below are copied verbatim from Rivest's repository
github.com/ron-rivest/consistent_sampler (MIT licence):

* ``code/consistent_sampler.py`` (commit 018c21225e2721378af2dcb6f2aef4883c2e00f2),
  the doctests of ``sha256_hex``, ``sha256_uniform``, ``first_fraction``,
  ``make_ticket_heap`` and ``sampler``. The same doctests ship in the PyPI
  package ``consistent-sampler`` 1.0.10.
* ``test_consistent_sampler.py``, Examples X1-X5 (seed 314159, ids A-1..B-3).
* ``USAGE_EXAMPLES.md`` (commit 00368c1eac716de55bc5f70d7a2bc4306970e232),
  Examples 1, 2, 4, 5, 6 and 8 (sampling without replacement).

Rivest's ``sampler`` prints tickets cut by ``trim``: 9 significant digits
after any leading run of 9s, truncated rather than rounded. So the full ticket
must start with the printed string.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal
from fractions import Fraction

import numpy as np
import polars as pl
import pytest

from optimizer.draw import prn
from optimizer.draw.prn import (
    TICKET_DENOMINATOR,
    consistent_sample_order,
    exact_ticket_fraction,
    prn_uniform,
    rivest_first_fraction,
    seed_hex,
    sha256_uniform,
    sps_key,
    ticket_fraction,
    ticket_int,
    ticket_ints,
)

# --------------------------------------------------------------------------- published vectors

# sha256_hex / sha256_uniform doctests (code/consistent_sampler.py).
SHA256_ABC_HEX = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
SHA256_UNIFORM_ABC = (
    "0.56998071861792858926477341561059638840106636224182943832566300809078486324348"
)

# first_fraction / first_ticket doctest (code/consistent_sampler.py).
FIRST_FRACTION_VECTORS = [
    (
        "AB-130",
        "01382438112797316654",
        "0.26299714122838008416507544297546663599715395525154425586041245287750224561854",
    ),
]

# make_ticket_heap(['dog', 'cat', 'fish', 'goat'], 'xy()134!g2n') doctest: full tickets.
HEAP_SEED = "xy()134!g2n"
HEAP_TICKETS = {
    "cat": "0.24866413894129579898796850445568128508290132707747976039848637531569373309555",
    "dog": "0.33886035615681875183111698317327684455682722683976874746986356932751818935066",
    "fish": "0.74685932088827950509145941729789143204056041958068799542050396198792954500593",
    "goat": "0.49599842072022713663423753308080171636735689997237236247068925068573448764387",
}

# sampler(...) without replacement: (ids, seed, [(trimmed ticket, id), ...] in draw order).
SAMPLER_VECTORS = [
    pytest.param(
        ["ab-1", "ab-2", "cd-1", "ef-3"],
        314159,
        [
            ("0.317685817", "cd-1"),
            ("0.832984519", "ef-3"),
            ("0.9098039269", "ab-1"),
            ("0.9231549043", "ab-2"),
        ],
        id="code/consistent_sampler.py sampler doctest",
    ),
    pytest.param(
        ["A-1", "A-2", "A-3", "B-1", "B-2", "B-3"],
        314159,
        [
            ("0.410310858", "B-2"),
            ("0.470960291", "B-3"),
            ("0.471438751", "A-3"),
            ("0.567089805", "A-2"),
            ("0.9781715679", "B-1"),
            ("0.9828515724", "A-1"),
        ],
        id="test_consistent_sampler.py X1/X4",
    ),
    pytest.param(
        ["B-1", "B-2", "B-3"],
        314159,
        [("0.410310858", "B-2"), ("0.470960291", "B-3"), ("0.9781715679", "B-1")],
        id="test_consistent_sampler.py X3/X5",
    ),
    pytest.param(
        ["a", "b", "c", "d", "e"],
        52,
        [
            ("0.054468191", "d"),
            ("0.197384308", "b"),
            ("0.302883911", "e"),
            ("0.366142288", "a"),
            ("0.492683857", "c"),
        ],
        id="USAGE_EXAMPLES.md Example 8",
    ),
    pytest.param(
        # Example 4/6 use range(100); Rivest hashes str(id), so "73" is the id 73.
        [str(i) for i in range(100)],
        41,
        [
            ("0.000508333", "73"),
            ("0.003446232", "51"),
            ("0.004419823", "17"),
            ("0.020115273", "58"),
            ("0.023482375", "38"),
        ],
        id="USAGE_EXAMPLES.md Example 6",
    ),
]

# USAGE_EXAMPLES.md: full shuffles / prefixes given as ids only.
ORDER_VECTORS = [
    pytest.param(["a", "b", "c", "d"], 31, ["b", "a", "d", "c"], id="Example 1 seed 31"),
    pytest.param(["a", "b", "c", "d"], 77, ["b", "d", "c", "a"], id="Example 2 seed 77"),
    pytest.param(
        [str(i) for i in range(100)],
        41,
        ["73", "51", "17", "58", "38", "42", "39", "20", "11", "67"],
        id="Example 4/5 take 10",
    ),
]


def rivest_trim(x: str, digits: int = 9) -> str:
    """Rivest's ``trim`` display rule: keep ``digits`` digits after the leading 9s, truncating."""
    x0 = x + "0"
    first_non_9 = min(i for i in range(2, len(x0)) if x0[i] < "9")
    return x[: first_non_9 + digits]


def test_sha256_primitives_match_published_vectors():
    assert seed_hex("abc") == SHA256_ABC_HEX
    assert sha256_uniform("abc") == SHA256_UNIFORM_ABC
    # first_fraction(id, seed) = sha256_uniform(seed_hex(seed) + str(id)).
    assert rivest_first_fraction("abc", "s") == sha256_uniform(seed_hex("s") + "abc")


@pytest.mark.parametrize(("subject_id", "seed", "expected"), FIRST_FRACTION_VECTORS)
def test_first_fraction_published_vector(subject_id, seed, expected):
    assert rivest_first_fraction(subject_id, seed) == expected
    assert ticket_int(subject_id, seed) == int(expected[2:21])
    assert ticket_ints([subject_id], seed).to_list() == [int(expected[2:21])]
    assert exact_ticket_fraction(subject_id, seed) == Fraction(
        int(expected[2:]), 10 ** len(expected[2:])
    )


def test_ticket_heap_published_vector():
    ids = list(HEAP_TICKETS)
    for i in ids:
        assert rivest_first_fraction(i, HEAP_SEED) == HEAP_TICKETS[i]
    assert ticket_ints(ids, HEAP_SEED).to_list() == [int(HEAP_TICKETS[i][2:21]) for i in ids]
    # Draw order is the published tickets sorted: cat 0.248, dog 0.338, goat 0.495, fish 0.746.
    assert consistent_sample_order(ids, HEAP_SEED).to_list() == sorted(ids, key=HEAP_TICKETS.get)
    assert sorted(ids, key=HEAP_TICKETS.get) == ["cat", "dog", "goat", "fish"]


@pytest.mark.parametrize(("ids", "seed", "expected"), SAMPLER_VECTORS)
def test_sampler_published_vectors(ids, seed, expected):
    order = consistent_sample_order(ids, seed).to_list()
    assert order[: len(expected)] == [i for _, i in expected]
    for printed, i in expected:
        full = rivest_first_fraction(i, seed)
        assert rivest_trim(full) == printed
        # The 19-digit integer ticket carries the printed digits.
        assert f"0.{ticket_int(i, seed):019d}".startswith(printed)


@pytest.mark.parametrize(("ids", "seed", "expected"), ORDER_VECTORS)
def test_order_published_vectors(ids, seed, expected):
    order = consistent_sample_order(ids, seed).to_list()
    assert order[: len(expected)] == expected
    # Taking k is a prefix: Example 5 (drop=5, take=5) is order[5:10].
    assert consistent_sample_order(ids, seed)[:3].to_list() == expected[:3]


# --------------------------------------------------------------------------- vectorised == reference


def _random_ids(n: int, rng: random.Random) -> list[str]:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY-_ 市场监管局普陀长宁😀"
    return list({"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24))) for _ in range(n)})


def test_vectorised_tickets_equal_scalar_reference():
    ids = _random_ids(30_000, random.Random(20240101))
    seed = "2024-Q1 沪 joint plan 73914"
    got = ticket_ints(ids, seed).to_list()
    want = [int(rivest_first_fraction(i, seed)[2:21]) for i in ids]
    assert got == want


def test_digest_arithmetic_edge_cases_against_big_ints():
    # h = 0 (all padding), h = 2**256 - 1, values around 10**19 and 5**19, then random digests.
    values = [0, 1, 2**256 - 1, 10**19 - 1, 10**19, 10**19 + 1, 5**19, 2**19 * 5**19 - 1, 2**255, 10**76, 10**77]
    rng = np.random.default_rng(11)
    digests = [v.to_bytes(32, "big") for v in values] + [rng.bytes(32) for _ in range(5_000)]
    got = prn._tickets_from_digests(b"".join(digests), len(digests)).tolist()
    want = [int(f"{int.from_bytes(d, 'big'):064d}"[::-1][:19]) for d in digests]
    assert got == want


def test_order_equals_rivest_order_by_full_ticket():
    ids = _random_ids(5_000, random.Random(7))
    seed = "12345678901234567890"
    want = sorted(ids, key=lambda i: (rivest_first_fraction(i, seed), i))
    assert consistent_sample_order(ids, seed).to_list() == want


def test_ties_on_19_digits_resolved_by_full_ticket_then_id(monkeypatch):
    ids = [f"S{i:05d}" for i in range(3_000)]
    seed = "tie-test"
    # Keep only the first 2 digits of each ticket: the coarse key still agrees
    # with the true order but ties constantly, so the full-ticket path must decide.
    coarse = pl.Series("ticket", [t // 10**17 for t in ticket_ints(ids, seed).to_list()], dtype=pl.UInt64)
    assert coarse.is_duplicated().sum() > 2_000
    want = sorted(ids, key=lambda i: (rivest_first_fraction(i, seed), i))
    assert prn._order_from_tickets(ids, coarse, seed).to_list() == want
    # If even the full tickets tie, the id decides, as in Rivest's tuple heap.
    monkeypatch.setattr(prn, "rivest_first_fraction", lambda i, s: "0.5")
    flat = pl.Series("ticket", [0] * 5, dtype=pl.UInt64)
    assert prn._order_from_tickets(["e", "b", "d", "a", "c"], flat, seed).to_list() == list("abcde")


# --------------------------------------------------------------------------- properties


def test_deterministic_for_same_seed_and_int_seed_is_str_seed():
    ids = [f"91310107{i:010d}" for i in range(2_000)]
    a = ticket_ints(ids, "seed-1")
    b = ticket_ints(pl.Series("subject_id", ids), "seed-1")
    assert a.to_list() == b.to_list()
    # Rivest hashes str(seed): 314159 and "314159" are the same seed.
    assert ticket_ints(ids, 314159).to_list() == ticket_ints(ids, "314159").to_list()


def test_different_seed_gives_different_tickets_and_order():
    ids = [f"91310107{i:010d}" for i in range(2_000)]
    t1 = np.array(ticket_ints(ids, "seed-1").to_list(), dtype=np.float64)
    t2 = np.array(ticket_ints(ids, "seed-2").to_list(), dtype=np.float64)
    assert not np.any(t1 == t2)
    o1 = consistent_sample_order(ids, "seed-1").to_list()
    o2 = consistent_sample_order(ids, "seed-2").to_list()
    assert o1 != o2
    # The two draws of 100 are close to independent: expected overlap 100*100/2000 = 5.
    assert len(set(o1[:100]) & set(o2[:100])) < 20
    # Ranks are nearly uncorrelated.
    assert abs(np.corrcoef(t1, t2)[0, 1]) < 0.1


def test_row_order_independence_and_subset_consistency():
    ids = [f"91310000MA1{i:07d}" for i in range(20_000)]
    seed = "row-order"
    base = dict(zip(ids, ticket_ints(ids, seed).to_list()))
    shuffled = ids[:]
    random.Random(99).shuffle(shuffled)
    assert dict(zip(shuffled, ticket_ints(shuffled, seed).to_list())) == base
    order = consistent_sample_order(ids, seed).to_list()
    assert consistent_sample_order(shuffled, seed).to_list() == order
    # polars frame shuffled the way a re-sorted subjects.csv would be.
    df = pl.DataFrame({"subject_id": ids}).sample(fraction=1.0, shuffle=True, seed=3)
    assert consistent_sample_order(df["subject_id"], seed).to_list() == order
    # Consistency: a subset is drawn in the superset's order with the other ids left out.
    subset = set(shuffled[:5_000])
    assert consistent_sample_order(list(subset), seed).to_list() == [i for i in order if i in subset]


def test_uniformity_kolmogorov_smirnov_and_digits():
    n = 100_000
    ids = [f"91{i:016d}" for i in range(n)]
    t = np.array(ticket_ints(ids, "uniformity").to_list(), dtype=np.uint64)
    u = np.sort(t.astype(np.float64) / 1e19)
    i = np.arange(1, n + 1)
    d = max(np.max(i / n - u), np.max(u - (i - 1) / n))
    # Critical value at alpha=0.001 is 1.95/sqrt(n); be tolerant.
    assert d < 2.5 / math.sqrt(n), d
    # Last digit of the ticket (the 19th digit of u) must be uniform too, which
    # checks the CRT and digit reversal all the way down. Chi-square, 9 df, with a loose bound.
    counts = np.bincount((t % np.uint64(10)).astype(np.int64), minlength=10)
    chi2 = float(np.sum((counts - n / 10) ** 2 / (n / 10)))
    assert chi2 < 40, chi2
    # The first digit too (a biased leading digit would show here).
    counts = np.bincount((t // np.uint64(10**18)).astype(np.int64), minlength=10)
    chi2 = float(np.sum((counts - n / 10) ** 2 / (n / 10)))
    assert chi2 < 40, chi2


# --------------------------------------------------------------------------- types and exact helpers


def test_types_and_ranges():
    ids = pl.Series("subject_id", ["x1", "x2", "x3"])
    t = ticket_ints(ids, "s")
    assert isinstance(t, pl.Series) and t.dtype == pl.UInt64 and t.name == "ticket" and len(t) == 3
    assert all(0 <= v < TICKET_DENOMINATOR for v in t.to_list())
    u = prn_uniform(ids, "s")
    assert u.dtype == pl.Float64 and u.name == "u"
    assert all(0.0 <= v < 1.0 for v in u.to_list())
    assert u.to_list() == pytest.approx([v / 1e19 for v in t.to_list()], rel=1e-15)
    o = consistent_sample_order(ids, "s")
    assert o.dtype == pl.String and sorted(o.to_list()) == ["x1", "x2", "x3"]
    empty = ticket_ints([], "s")
    assert empty.dtype == pl.UInt64 and len(empty) == 0
    assert consistent_sample_order([], "s").to_list() == []


def test_prn_uniform_stays_below_one(monkeypatch):
    monkeypatch.setattr(
        prn, "ticket_ints", lambda ids, seed: pl.Series("ticket", [TICKET_DENOMINATOR - 1], dtype=pl.UInt64)
    )
    assert prn.prn_uniform(["x"], "s").to_list()[0] < 1.0


def test_bad_inputs_rejected():
    with pytest.raises(TypeError):
        ticket_ints("ABC", "s")  # a bare string is not a list of ids
    with pytest.raises(TypeError):
        ticket_ints([1, 2, 3], "s")
    with pytest.raises(TypeError):
        ticket_ints(pl.Series([1, 2, 3]), "s")
    with pytest.raises(ValueError):
        ticket_ints(pl.Series(["a", None]), "s")
    with pytest.raises(TypeError):
        ticket_ints(["a"], 3.14)
    with pytest.raises(TypeError):
        ticket_ints(["a"], True)
    with pytest.raises(ValueError, match="duplicate"):
        consistent_sample_order(["a", "b", "a"], "s")


def test_exact_rational_helpers():
    t = ticket_int("AB-130", "01382438112797316654")
    assert t == 2629971412283800841
    assert ticket_fraction(t) == Fraction(2629971412283800841, 10**19)
    assert sps_key(t, "0.5") == Fraction(2 * 2629971412283800841, 10**19)
    assert sps_key(t, Decimal("0.25")) == Fraction(4 * 2629971412283800841, 10**19)
    assert sps_key(t, Fraction(1, 3)) == Fraction(3 * 2629971412283800841, 10**19)
    assert sps_key(t, 1) == ticket_fraction(t)
    # Truncated ticket <= full ticket < truncated + 1e-19.
    full = exact_ticket_fraction("AB-130", "01382438112797316654")
    assert ticket_fraction(t) <= full < ticket_fraction(t) + Fraction(1, 10**19)
    with pytest.raises(TypeError):
        sps_key(t, 0.5)
    with pytest.raises(ValueError):
        sps_key(t, 0)
    with pytest.raises(ValueError):
        sps_key(t, "1.5")
    with pytest.raises(ValueError):
        ticket_fraction(TICKET_DENOMINATOR)


def test_sps_with_equal_pi_is_the_k_smallest_tickets():
    ids = [f"F{i:04d}" for i in range(500)]
    seed = "sps"
    tickets = dict(zip(ids, ticket_ints(ids, seed).to_list()))
    by_key = sorted(ids, key=lambda i: (sps_key(tickets[i], "0.04"), i))
    assert by_key[:20] == consistent_sample_order(ids, seed).to_list()[:20]
