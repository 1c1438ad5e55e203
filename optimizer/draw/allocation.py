"""How many subjects each task draws from each stratum.

A task's eligible subjects fall into substrata: its policy stratum (risk class by default) split
further by inclusion probability π, so that π is equal inside every substratum and the draw there is an
exact simple random sample. The size n of a substratum of N subjects is:

* ratio tasks (and ratio_by_class): n = round(π × N), halves rounded up ("Count = round(ratio × N) per
  stratum");
* count tasks: the task's count shared over its substrata in proportion to π × N, by the largest-
  remainder method (ties: stratum, then π), never more than N; when the count exceeds every eligible
  subject, all are taken, with a warning.

The draw's exact inclusion probability in a substratum is then n / N.
"""

from __future__ import annotations

import math

import polars as pl

from scenarios.errors import Problem

__all__ = ["PI_SCALE", "allocate", "pi_units"]

PI_SCALE = 10**9
"""π is carried as an integer number of 10⁻⁹ units, so offsets and substrata are exact integers."""


def pi_units(pi: pl.Expr) -> pl.Expr:
    """π ∈ (0, 1] as an Int64 count of 10⁻⁹ units (at least 1)."""
    return (pi * PI_SCALE).round().cast(pl.Int64).clip(1, PI_SCALE)


def _largest_remainder(count: int, quotas: list[float], caps: list[int]) -> list[int]:
    sizes = [min(cap, math.floor(q)) for q, cap in zip(quotas, caps)]
    order = sorted(range(len(quotas)), key=lambda k: (-(quotas[k] - math.floor(quotas[k])), k))
    left = count - sum(sizes)
    while left > 0 and any(s < c for s, c in zip(sizes, caps)):
        for k in order:
            if left == 0:
                break
            if sizes[k] < caps[k]:
                sizes[k] += 1
                left -= 1
    return sizes


def allocate(substrata: pl.DataFrame, task_counts: dict[str, int]) -> tuple[pl.DataFrame, list[Problem]]:
    """Add ``n`` to a frame of ``task_id, stratum, pi_units, N`` (one row per substratum)."""
    problems: list[Problem] = []
    frame = substrata.sort("task_id", "stratum", "pi_units")
    by_ratio = frame.with_columns(
        ((pl.col("pi_units") * pl.col("N") + PI_SCALE // 2) // PI_SCALE).cast(pl.Int64).alias("n")
    )
    sizes: list[int] = by_ratio["n"].to_list()
    tasks = frame["task_id"].to_list()
    for task_id, count in task_counts.items():
        rows = [k for k, t in enumerate(tasks) if t == task_id]
        if not rows:
            continue
        weights = [frame["pi_units"][k] * frame["N"][k] for k in rows]
        caps = [frame["N"][k] for k in rows]
        total = sum(weights)
        quotas = [count * w / total for w in weights]
        for k, n in zip(rows, _largest_remainder(count, quotas, caps)):
            sizes[k] = n
        if count > sum(caps):
            problems.append(Problem("scenario.yaml", None, f"tasks[{task_id}].count",
                                    f"asks for {count} subjects but only {sum(caps)} are eligible: all are drawn",
                                    "warning"))
    return frame.with_columns(pl.Series("n", sizes, dtype=pl.Int64)), problems
