"""Per-subject permanent random numbers (PRNs) for the coordinated draw.

Every subject gets one uniform random number from the published plan seed and
its id. Each task then selects the subjects with the smallest u/π
(sequential Poisson sampling, Ohlsson 1998). With equal π that is the k
smallest tickets, which is an exact simple random sample.

Scheme
------
The ticket is Rivest's *first ticket number* from the consistent sampler used
in election risk-limiting audits (R. L. Rivest, "Consistent Sampling with
Replacement", arXiv:1808.10016; reference code github.com/ron-rivest/consistent_sampler,
``consistent_sampler.py``, functions ``sha256_hex``, ``sha256_uniform`` and
``first_fraction``; PyPI package ``consistent-sampler`` 1.0.10)::

    seed_hex = SHA256(utf8(str(seed))).hexdigest()        # 64 lower-case hex chars
    h        = int(SHA256(utf8(seed_hex + subject_id)))   # 256-bit integer, big-endian
    digits   = decimal digits of h, zero-padded to at least 64
    ticket   = "0." + reversed(digits)                    # a real number in [0, 1)

Samples are drawn in increasing ticket order. Ties are broken by id, which is
what Rivest's heap of ``(ticket_number, id, generation)`` tuples does.
Rivest reverses the digits because the high-order decimal digits of a 256-bit
integer are biased. The low-order digits are uniform.

Integer form used here
----------------------
``ticket_ints`` returns the first ``TICKET_DIGITS = 19`` decimal digits of that
ticket as an exact integer T in [0, 10**19), stored as polars ``UInt64``
(10**19 < 2**64, about 63.1 bits). T is the 19 low-order decimal digits of
h, read in reverse. The ticket is T / 10**19 truncated, so comparing T is
the same as comparing Rivest's tickets, except that two ids can share all 19
digits. That happens with probability about n**2 / (2 * 10**19), roughly
5e-8 for a million ids. ``consistent_sample_order`` settles such ties exactly,
with the full Rivest ticket string and then the id. All of this is integer
and string arithmetic, so no float rounding can change a draw between machines.

For u/π use ``ticket_fraction`` or ``sps_key``. They return exact
``fractions.Fraction`` values with denominator ``TICKET_DENOMINATOR = 10**19``.
``prn_uniform`` gives a float, but only for display.

The result for an id depends only on (seed, id), never on the row order or on
the other ids. Shuffling ``subjects.csv`` or adding subjects does not change
anyone's ticket. Python's ``random``, numpy's generators and polars'
``.hash()`` are deliberately not used: their output is not stable across
versions.

Speed: one SHA-256 per id with ``hashlib`` in a list comprehension (0.6-1.1 µs
each on the project's 2-core machine). The reduction mod 10**19 and the digit
reversal are vectorised in numpy (about 0.17 µs per id). ``ticket_ints``
handles 1M ids in about 1.0-1.4 s; see ``benchmarks/prn_hash.py``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

import numpy as np
import polars as pl

__all__ = [
    "TICKET_DIGITS",
    "TICKET_DENOMINATOR",
    "seed_hex",
    "sha256_uniform",
    "rivest_first_fraction",
    "ticket_int",
    "ticket_ints",
    "ticket_fraction",
    "exact_ticket_fraction",
    "prn_uniform",
    "sps_key",
    "consistent_sample_order",
]

TICKET_DIGITS = 19
TICKET_DENOMINATOR = 10**TICKET_DIGITS

# Constants for computing h mod 10**19 in numpy: CRT over 2**19 and 5**19.
_P5 = 5**TICKET_DIGITS  # 19073486328125 < 2**45
_MASK2 = (1 << TICKET_DIGITS) - 1
_INV_P5 = pow(_P5, -1, 1 << TICKET_DIGITS)  # (5**19)^-1 mod 2**19
# h = sum_j limb_j * 2**(16*(15-j)) over the 16 big-endian 16-bit limbs of the digest.
_LIMB_WEIGHTS_MOD_P5 = [pow(2, 16 * (15 - j), _P5) for j in range(16)]
# Digit-reversal lookup tables for 4-digit and 3-digit groups.
_REV4 = np.array([int(f"{g:04d}"[::-1]) for g in range(10_000)], dtype=np.uint64)
_REV3 = np.array([int(f"{g:03d}"[::-1]) for g in range(1_000)], dtype=np.uint64)


# --------------------------------------------------------------------------- inputs


def _seed_str(seed: str | int) -> str:
    # Rivest hashes str(seed), so the int 314159 and the string "314159" give the same seed.
    if isinstance(seed, bool) or not isinstance(seed, (str, int)):
        raise TypeError(f"seed must be str or int, got {type(seed).__name__}")
    return str(seed)


def _id_list(subject_ids: pl.Series | Iterable[str]) -> list[str]:
    if isinstance(subject_ids, pl.Series):
        if subject_ids.dtype != pl.String:
            raise TypeError(
                f"subject ids must be a String series, got {subject_ids.dtype}; "
                "cast explicitly (ids are hashed as text)"
            )
        if subject_ids.null_count():
            raise ValueError("subject ids contain nulls")
        return subject_ids.to_list()
    if isinstance(subject_ids, (str, bytes)):
        raise TypeError("subject_ids must be a sequence of ids, not a single string")
    ids = list(subject_ids)
    for s in ids:
        if not isinstance(s, str):
            raise TypeError(f"subject ids must be str, got {type(s).__name__}: {s!r}")
    return ids


def seed_hex(seed: str | int) -> str:
    """Return Rivest's seed hash: SHA-256 hex digest of the UTF-8 of ``str(seed)``."""
    return hashlib.sha256(_seed_str(seed).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- scalar reference


def sha256_uniform(text: str) -> str:
    """Return Rivest's ``sha256_uniform``: the SHA-256 of UTF-8 ``text`` as ``'0.' + reversed digits``.

    The digest is read as a big-endian integer, written in decimal zero-padded
    to 64 digits, and the digits are reversed, giving a real number in [0, 1).
    """
    h = int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16)
    return "0." + f"{h:064d}"[::-1]


def rivest_first_fraction(subject_id: str, seed: str | int) -> str:
    """Return Rivest's full-precision first ticket number as a string ``'0.ddd…'``.

    This is a plain, one-id-at-a-time restatement of ``first_fraction(id, seed)``
    in Rivest's consistent_sampler: the decimal digits of
    SHA-256(seed_hex + id) as an integer, zero-padded to 64 digits and
    reversed. It is the exact reference for the vectorised ``ticket_ints`` and
    is used to settle 19-digit ties. Tickets compare as strings, just as in
    Rivest's heap.
    """
    if not isinstance(subject_id, str):
        raise TypeError(f"subject id must be str, got {type(subject_id).__name__}")
    return sha256_uniform(seed_hex(seed) + subject_id)


def ticket_int(subject_id: str, seed: str | int) -> int:
    """Return the integer ticket (first 19 digits of Rivest's ticket) for one id."""
    return int(rivest_first_fraction(subject_id, seed)[2 : 2 + TICKET_DIGITS])


def exact_ticket_fraction(subject_id: str, seed: str | int) -> Fraction:
    """Return Rivest's full ticket (all 64–78 digits) as an exact ``Fraction`` in [0, 1)."""
    digits = rivest_first_fraction(subject_id, seed)[2:]
    return Fraction(int(digits), 10 ** len(digits))


# --------------------------------------------------------------------------- vectorised


def _digests(ids: list[str], seed_h: str) -> bytes:
    sha = hashlib.sha256
    return b"".join([sha((seed_h + s).encode("utf-8")).digest() for s in ids])


def _tickets_from_digests(buf: bytes, n: int) -> np.ndarray:
    """First 19 digits of Rivest's ticket from n concatenated 32-byte SHA-256 digests."""
    limbs = np.frombuffer(buf, dtype=">u2").reshape(n, 16)  # limb 15 is least significant

    def limb(j: int) -> np.ndarray:
        return limbs[:, j].astype(np.uint64)

    def mod(v: np.ndarray, m: np.uint64) -> np.ndarray:
        return v - (v // m) * m  # numpy divides by a scalar quickly; % is slower

    # a = h mod 2**19: the low 19 bits.
    a = limb(15) | ((limb(14) & np.uint64(0x7)) << np.uint64(16))
    # b = h mod 5**19. Each product is < 2**16 * 5**19 < 2**61, so four of them
    # plus the running residue stay below 2**63. (With these weights even all
    # 16 products sum to at most 0.37 * 2**64; reducing every 4 keeps a margin.)
    p5 = np.uint64(_P5)
    b = np.zeros(n, dtype=np.uint64)
    for j in range(16):
        b += limb(j) * np.uint64(_LIMB_WEIGHTS_MOD_P5[j])
        if j % 4 == 3:
            b = mod(b, p5)
    # CRT: x = b + 5**19 * t, t = (a - b) * inv(5**19) mod 2**19; x = h mod 10**19 < 2**64.
    mask = np.uint64(_MASK2)
    t = (((a - b) & mask) * np.uint64(_INV_P5)) & mask  # wrap-around in a - b is harmless mod 2**19
    x = b + p5 * t
    # Reverse the 19-digit string f"{x:019d}" = [g4:3][g3:4][g2:4][g1:4][g0:4].
    ten4 = np.uint64(10_000)
    g0 = mod(x, ten4)
    x = x // ten4
    g1 = mod(x, ten4)
    x = x // ten4
    g2 = mod(x, ten4)
    x = x // ten4
    g3 = mod(x, ten4)
    g4 = x // ten4  # < 1000
    return (
        _REV4[g0] * np.uint64(10**15)
        + _REV4[g1] * np.uint64(10**11)
        + _REV4[g2] * np.uint64(10**7)
        + _REV4[g3] * np.uint64(10**3)
        + _REV3[g4]
    )


def ticket_ints(subject_ids: pl.Series | Iterable[str], seed: str | int) -> pl.Series:
    """Return the integer PRN ticket of each subject id, in input order.

    Returns a polars ``UInt64`` series named ``"ticket"``. Each value T is in
    [0, 10**19) and equals the first 19 decimal digits of Rivest's
    ``first_fraction(id, seed)``, so ``T / 10**19`` is that ticket truncated.
    Sorting by T reproduces Rivest's sampling order. Two ids can share a T
    (probability about n**2/2e19); ``consistent_sample_order`` settles such ties
    with the full ticket and then the id. The value for an id depends only on
    (seed, id), not on the row order.

    ``subject_ids`` is a polars String series (without nulls) or an iterable of
    ``str``. ``seed`` is a str, or an int, which is hashed as ``str(seed)``
    like Rivest does.
    """
    ids = _id_list(subject_ids)
    seed_h = seed_hex(seed)
    n = len(ids)
    values = _tickets_from_digests(_digests(ids, seed_h), n) if n else np.zeros(0, np.uint64)
    return pl.Series("ticket", values, dtype=pl.UInt64)


def ticket_fraction(ticket: int) -> Fraction:
    """Return an integer ticket as the exact rational u = ticket / 10**19 in [0, 1)."""
    ticket = int(ticket)
    if not 0 <= ticket < TICKET_DENOMINATOR:
        raise ValueError(f"ticket out of range [0, 10**19): {ticket}")
    return Fraction(ticket, TICKET_DENOMINATOR)


def sps_key(ticket: int, pi: Fraction | int | str | Decimal) -> Fraction:
    """Return the exact sequential Poisson sampling key u/π (Ohlsson 1998).

    ``u = ticket / 10**19`` (exact) and ``pi`` in (0, 1], given as a Fraction,
    int, Decimal or decimal string such as ``"0.03"``. Floats are refused
    because their binary rounding would leak into the draw. A task with
    inclusion probabilities π takes the n subjects with the smallest keys. Break
    equal keys by the full ticket (``exact_ticket_fraction``) and then by id.
    """
    if isinstance(pi, float):
        raise TypeError("pi must be exact (Fraction, int, Decimal or str), not float")
    p = Fraction(pi)
    if not 0 < p <= 1:
        raise ValueError(f"pi must be in (0, 1], got {p}")
    return ticket_fraction(ticket) / p


def prn_uniform(subject_ids: pl.Series | Iterable[str], seed: str | int) -> pl.Series:
    """Return u = ticket / 10**19 as Float64 in [0, 1), named ``"u"``. For display only.

    A float cannot tell every pair of tickets apart, so never draw with it. Use
    ``ticket_ints`` / ``sps_key`` for that.
    """
    t = ticket_ints(subject_ids, seed).to_numpy()
    u = t.astype(np.float64) / float(TICKET_DENOMINATOR)
    u = np.minimum(u, np.nextafter(1.0, 0.0))  # (10**19 - 1)/1e19 would round to 1.0
    return pl.Series("u", u, dtype=pl.Float64)


def _order_from_tickets(ids: list[str], tickets: pl.Series, seed: str | int) -> pl.Series:
    """Sort ids by (ticket, full Rivest ticket if tied, id). Kept separate so the tie path can be tested."""
    df = pl.DataFrame({"id": pl.Series(ids, dtype=pl.String), "ticket": tickets})
    if df["id"].is_duplicated().any():
        dupes = df.filter(pl.col("id").is_duplicated())["id"].unique().sort().to_list()
        raise ValueError(f"duplicate subject ids: {dupes[:10]}")
    tied = df["ticket"].is_duplicated()
    if tied.any():
        full = [
            rivest_first_fraction(i, seed) if t else ""
            for i, t in zip(df["id"].to_list(), tied.to_list())
        ]
        df = df.with_columns(full=pl.Series(full, dtype=pl.String))
        # Strings of ASCII digits compare the way Rivest's Python strings do; ids by code point.
        df = df.sort(["ticket", "full", "id"])
    else:
        df = df.sort(["ticket", "id"])
    return df["id"]


def consistent_sample_order(
    subject_ids: pl.Series | Iterable[str], seed: str | int
) -> pl.Series:
    """Return the ids in Rivest's consistent-sampling order (String series ``"id"``).

    The k smallest tickets, i.e. ``consistent_sample_order(ids, seed)[:k]``, are
    Rivest's sample of size k without replacement (``sampler(ids, seed,
    take=k, output='id')``). The order of any subset is the order of the
    full set with the other ids removed, and it does not depend on the row
    order. Ids must be distinct; duplicates raise ``ValueError``.
    """
    ids = _id_list(subject_ids)
    return _order_from_tickets(ids, ticket_ints(ids, seed), seed)
