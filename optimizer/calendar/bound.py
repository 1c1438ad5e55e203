"""A lower bound on the expected visits of any calendar: each subject profile on its own.

Expected visits are a sum over subject profiles g (subjects with the same tasks and probabilities):
Σ_g w_g Σ_r max_{t∈r} π_gt. Any calendar splits a profile's tasks into groups that share a round, hence
an anchor day. A task t can serve the round anchored at a exactly when a lies in its *anchor interval*
[lo_t, hi_t] (:func:`anchor_intervals`), so a group can share a round only if its intervals have a common
point. Giving every profile its own best grouping, ignoring every other profile, can only lower the sum:

    bound = Σ_g w_g · min over groupings P of g's tasks into intervals with a common point of Σ_{G∈P} max_{t∈G} π_gt.

The inner minimum is computed exactly (:func:`best_grouping`, a subset DP) for profiles of up to
:data:`EXACT_MAX_TASKS` tasks; a larger profile contributes the threshold bound (:func:`threshold_bound`):
Σ_G max π = ∫₀¹ #{G : max_{t∈G} π_t ≥ θ} dθ and for each θ the groups holding a task of π ≥ θ are at
least the stabbing number τ(θ) of those tasks' intervals, so ∫ τ(θ) dθ is below the best grouping (often
equal). Either way the bound is at least the all-in-one-round bound Σ_g w_g max_t π_gt.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from scenarios.model import Task

__all__ = ["EXACT_MAX_TASKS", "anchor_intervals", "best_grouping", "grouping_cost", "profile_bound", "stabbing_number",
           "threshold_bound", "window_range"]


def window_range(task: Task, year: int) -> tuple[int, int, int]:
    """(earliest start, latest start, length) in days from 1 January."""
    first = dt.date(year, 1, 1)
    length = task.window.days
    if task.window_flex is None:
        lo = hi = (task.window.start - first).days
    else:
        lo, hi = (task.window_flex.earliest - first).days, (task.window_flex.latest - first).days - length + 1
    return lo, hi, length


def anchor_intervals(tasks: list[Task], year: int, min_shared_days: int) -> dict[str, tuple[int, int]]:
    """Task → [lo, hi]: the anchor days a at which the task's window, moved inside its flex, covers the
    ``min(min_shared_days, length)`` days from a. (A start s works iff lo ≤ s ≤ a and s + length ≥ a + shared.)"""
    out = {}
    for task in tasks:
        lo, hi, length = window_range(task, year)
        out[task.id] = (lo, hi + length - min(min_shared_days, length))
    return out


EXACT_MAX_TASKS = 10  # profiles up to this many tasks get their exact best grouping (3^k subset DP)


def best_grouping(intervals: list[tuple[int, int]], pis: list[float]) -> list[list[int]]:
    """Groups (lists of indices) of least Σ max π among groupings whose intervals share a point.

    Exact, by dynamic programming over subsets (the group holding the lowest remaining index is chosen
    among the subsets that are cliques: max lo ≤ min hi). Meant for up to :data:`EXACT_MAX_TASKS` tasks.
    """
    k = len(pis)
    size = 1 << k
    lo = [0] * size
    hi = [0] * size
    top = [0.0] * size
    clique = [False] * size
    lo[0], hi[0], clique[0] = -(1 << 60), 1 << 60, True
    for mask in range(1, size):
        i = (mask & -mask).bit_length() - 1
        rest = mask ^ (1 << i)
        lo[mask] = max(lo[rest], intervals[i][0])
        hi[mask] = min(hi[rest], intervals[i][1])
        top[mask] = max(top[rest], pis[i])
        clique[mask] = clique[rest] and lo[mask] <= hi[mask]
    if clique[size - 1]:  # all share a point: one group
        return [list(range(k))]
    # a group holding task i lies within i's neighbours (the tasks whose intervals meet i's)
    near = [sum(1 << j for j in range(k) if j != i and max(intervals[i][0], intervals[j][0]) <= min(intervals[i][1], intervals[j][1]))
            for i in range(k)]
    best = [0.0] * size
    choice = [0] * size
    for mask in range(1, size):
        low = mask & -mask
        rest = mask & near[low.bit_length() - 1]
        value, pick = float("inf"), 0
        sub = rest
        while True:  # every subset of rest, plus the lowest bit
            group = sub | low
            if clique[group]:
                cost = top[group] + best[mask ^ group]
                if cost < value:
                    value, pick = cost, group
            if sub == 0:
                break
            sub = (sub - 1) & rest
        best[mask], choice[mask] = value, pick
    groups, mask = [], size - 1
    while mask:
        group = choice[mask]
        groups.append([i for i in range(k) if group >> i & 1])
        mask ^= group
    return sorted(groups)


def stabbing_number(intervals: list[tuple[int, int]]) -> int:
    """Fewest points hitting every interval (greedy by right end; optimal for intervals)."""
    count, point = 0, None
    for lo, hi in sorted(intervals, key=lambda x: (x[1], x[0])):
        if point is None or lo > point:
            count, point = count + 1, hi
    return count


def threshold_bound(intervals: list[tuple[int, int]], pis: list[float]) -> float:
    """∫₀¹ τ(θ) dθ, τ(θ) the stabbing number of the intervals of π ≥ θ: a lower bound on Σ max π of any
    grouping (for each θ, the groups holding a task of π ≥ θ are at least τ(θ)); for large profiles."""
    levels = sorted(set(pis), reverse=True)
    total = 0.0
    for k, level in enumerate(levels):
        below = levels[k + 1] if k + 1 < len(levels) else 0.0
        total += (level - below) * stabbing_number([iv for iv, p in zip(intervals, pis) if p >= level])
    return total


def grouping_cost(groups: list[list[int]], pis: list[float]) -> float:
    return sum(max(pis[i] for i in g) for g in groups)


def profile_bound(profiles: pl.DataFrame, intervals: dict[str, tuple[int, int]]) -> float:
    """Σ_g weight_g × the best grouping of g's tasks (``profiles``: profile, weight, task_id, pi)."""
    counts = profiles.group_by("profile").len()
    single = profiles.join(counts.filter(pl.col("len") == 1), on="profile").sort("profile")
    total = float((single["weight"] * single["pi"]).sum())
    multi = profiles.join(counts.filter(pl.col("len") > 1), on="profile").sort("profile", "task_id")
    grouped = multi.group_by("profile", maintain_order=True).agg(pl.col("weight").first(), "task_id", "pi")
    for weight, task_ids, pis in grouped.select("weight", "task_id", "pi").iter_rows():
        ivs = [intervals[t] for t in task_ids]
        if len(pis) <= EXACT_MAX_TASKS:
            total += weight * grouping_cost(best_grouping(ivs, pis), pis)
        else:
            total += weight * threshold_bound(ivs, pis)
    return total
