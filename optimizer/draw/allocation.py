"""How many subjects each task draws from each cell: randomised (controlled) rounding of N·π.

A task's eligible subjects fall into cells: its policy stratum (risk class by default, with the
targeted/mandatory labels of :mod:`rules.probability`) split further by inclusion probability π, so
that π is equal inside every cell and the draw there is a simple random sample of n subjects.

The rule. The law gives every eligible subject its probability π (沪府发〔2024〕6号 一(二), 一(五)); a draw
is lawful only if P(subject drawn) = π. A fixed n = round(N·π) makes that chance n/N instead — zero
whenever N·π < 0.5. So each cell draws a *random* size with the right expectation:

* its expectation is e = N·π (ratio and ratio_by_class tasks), or its share q = C'·N·π / Σ N·π of a
  count task's C' free places (the count less the mandatory and certain cells, π = 1, which draw all
  their N; a share at or above N takes the whole cell and the rest is spread again, as the rules do);
* it draws ⌊e⌋ or ⌈e⌉ subjects, with P(⌈e⌉) = frac(e), by **systematic selection of the fractional
  parts**: the task's cells are laid end to end in a fixed order (stratum, π) as intervals of length
  frac(e), and the cells hit by the points U, U+1, U+2, … round up, with U uniform on [0, 1) from
  the plan seed. A cell is hit with probability exactly frac(e); any run of consecutive cells — one
  cell, a risk class (its cells are adjacent), the whole task — draws within one of its expectation;
  a count task draws exactly its count, because its shares add up to an integer.

This is controlled rounding by systematic sampling (Cox, "A constructive procedure for unbiased
controlled rounding", JASA 82 (1987) 520–524; Deville & Tillé, "Unequal probability sampling without
replacement through a splitting method", Biometrika 85 (1998) 89–101, where it is the systematic
member of the splitting family). Inside a cell the draw takes the n smallest coordinated keys
(:mod:`optimizer.draw.coordinated`), a simple random sample of size n independent of n, so

    P(i drawn) = E[n] / N = e / N = π   exactly, for any N.

U is one number per seed, shared by every task and round (SHA-256 of the seed; read at the precision of
each task's denominator), so two tasks with the same cells round them alike and their nested samples
overlap, and the sizes do not depend on the draw mode or the calendar's rounds.

Arithmetic is exact: π is carried in 10⁻⁹ units, a ratio task's e in 10⁻⁹ units, a count task's shares as
fractions over Σ N·π (in those units); so "exactly π" means π as the draw reads it, to 10⁻⁹.
"""

from __future__ import annotations

import hashlib

import polars as pl

from scenarios.errors import Problem

__all__ = ["PI_SCALE", "CELL", "allocate", "cell_sizes", "pi_units", "rounding_start"]

PI_SCALE = 10**9
"""π is carried as an integer number of 10⁻⁹ units, so offsets, cells and expectations are exact integers."""

CELL = ["task_id", "stratum", "pi_units"]
"""The columns naming a cell: one task, one stratum, one π."""

_START_BITS = 128


def pi_units(pi: pl.Expr) -> pl.Expr:
    """π ∈ [0, 1] as an Int64 count of 10⁻⁹ units (π = 0 stays 0: such a subject is never drawn)."""
    return (pi * PI_SCALE).round().cast(pl.Int64).clip(0, PI_SCALE)


def rounding_start(seed: str) -> int:
    """The seed's systematic start U as a 128-bit integer: U = value / 2¹²⁸ ∈ [0, 1).

    SHA-256 of ``"<seed>\\x1frounding"``, first 16 bytes big-endian — like the tickets, derived from the
    plan seed alone, so anyone with the revealed seed recomputes every size.
    """
    digest = hashlib.sha256(f"{seed}\x1frounding".encode("utf-8")).digest()
    return int.from_bytes(digest[:16], "big")


def _count_shares(count: int, cells: list[dict]) -> None:
    """Set ``lo, frac, den`` on a count task's cells: shares C'·w/W of the free places (see module doc)."""
    fixed = [c for c in cells if c["pi_units"] >= PI_SCALE]
    free = [c for c in cells if c["pi_units"] < PI_SCALE and c["pi_units"] > 0]
    for c in cells:
        c.update(lo=c["N"] if c in fixed else 0, frac=0, den=1)
    left = count - sum(c["N"] for c in fixed)
    while left > 0 and free:
        weight = sum(c["N"] * c["pi_units"] for c in free)
        full = [c for c in free if left * c["N"] * c["pi_units"] >= c["N"] * weight]
        if not full:
            for c in free:
                lo, frac = divmod(left * c["N"] * c["pi_units"], weight)
                c.update(lo=lo, frac=frac, den=weight)
            return
        for c in full:
            c["lo"] = c["N"]
            left -= c["N"]
        free = [c for c in free if c not in full]


def allocate(substrata: pl.DataFrame, task_counts: dict[str, int]) -> tuple[pl.DataFrame, list[Problem]]:
    """The rounding plan of a frame of cells ``task_id, stratum, pi_units, N`` (one row per cell).

    Adds, all exact integers: ``lo`` = ⌊e⌋, ``frac`` and ``den`` (frac(e) = frac/den), ``cum`` (the
    fractional parts of the task's earlier cells, in ``den`` units), ``n_low``/``n_high`` (the two sizes
    the cell may draw) and ``expected`` = e as a float. Seed-independent; :func:`cell_sizes` draws n.
    A count above the eligible subjects takes them all, with a warning.
    """
    problems: list[Problem] = []
    frame = substrata.sort(CELL)
    rows = frame.select(*CELL, "N").to_dicts()
    for row in rows:  # ratio tasks: e = N·π in 10⁻⁹ units
        row["lo"], row["frac"] = divmod(row["N"] * row["pi_units"], PI_SCALE)
        row["den"] = PI_SCALE
    by_task: dict[str, list[dict]] = {}
    for row in rows:
        by_task.setdefault(row["task_id"], []).append(row)
    for task_id, count in task_counts.items():
        cells = by_task.get(task_id)
        if not cells:
            continue
        eligible = sum(c["N"] for c in cells)
        if count >= eligible:
            for c in cells:
                c.update(lo=c["N"], frac=0, den=1)
            if count > eligible:
                problems.append(Problem("scenario.yaml", None, f"tasks[{task_id}].count",
                                        f"asks for {count} subjects but only {eligible} are eligible: all are drawn",
                                        "warning"))
        else:
            _count_shares(count, cells)
    for cells in by_task.values():
        cum = 0
        for c in cells:
            c["cum"] = cum
            cum += c["frac"]
    out = pl.DataFrame(rows, schema={"task_id": pl.String, "stratum": pl.String, "pi_units": pl.Int64,
                                     "N": pl.Int64, "lo": pl.Int64, "frac": pl.Int64, "den": pl.Int64,
                                     "cum": pl.Int64})
    out = out.with_columns(
        pl.col("lo").alias("n_low"),
        (pl.col("lo") + (pl.col("frac") > 0).cast(pl.Int64)).alias("n_high"),
        (pl.col("lo") + pl.col("frac") / pl.col("den")).alias("expected"),
    )
    return out, problems


def cell_sizes(cells: pl.DataFrame, seeds: list[str]) -> pl.DataFrame:
    """n per (seed, cell): ⌊e⌋, plus one when a point U + k of the seed's start falls in the cell's interval.

    With the cell's interval [cum, cum + frac) in ``den`` units and U_den = ⌊U·den⌋, the points in it
    number ⌈(cum + frac − U_den)/den⌉ − ⌈(cum − U_den)/den⌉ ∈ {0, 1} (frac < den).
    """
    dens = cells["den"].unique().sort().to_list()
    starts = pl.DataFrame(
        [(seed, den, (rounding_start(seed) * den) >> _START_BITS) for seed in seeds for den in dens],
        schema={"seed": pl.String, "den": pl.Int64, "start": pl.Int64}, orient="row",
    )

    def ceil_div(x: pl.Expr) -> pl.Expr:  # ⌈x/den⌉ + 2 for x > −den: keeps the dividend non-negative
        return (x + 3 * pl.col("den") - 1) // pl.col("den")

    hits = ceil_div(pl.col("cum") + pl.col("frac") - pl.col("start")) - ceil_div(pl.col("cum") - pl.col("start"))
    return (
        cells.join(starts, on="den")
        .with_columns((pl.col("lo") + hits).cast(pl.Int64).alias("n"))
        .select("seed", *CELL, "N", "expected", "n_low", "n_high", "n")
        .sort("seed", *CELL)
    )
