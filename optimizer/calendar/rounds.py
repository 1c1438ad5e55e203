"""Rounds: groups of tasks whose windows share a date, so one visit can serve all of them.

Until the plan's calendar alignment chooses rounds, they are the greedy stabbing of the task windows:
sort tasks by window end; the earliest end not yet covered is a stab date; every task whose window
contains that date joins its round. This uses the fewest rounds any grouping of the given windows can
(the classic interval-stabbing optimum), so subjects drawn by several tasks need the fewest visits.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from scenarios.model import Task

__all__ = ["stab_rounds"]


def stab_rounds(tasks: list[Task]) -> pl.DataFrame:
    """Columns ``task_id, round, stab_date``; rounds numbered 0, 1, … in date order."""
    order = sorted(tasks, key=lambda t: (t.window.end, t.window.start, t.id))
    assigned: dict[str, tuple[int, dt.date]] = {}
    round_index = -1
    for task in order:
        if task.id in assigned:
            continue
        round_index += 1
        stab = task.window.end
        for other in order:
            if other.id not in assigned and other.window.start <= stab <= other.window.end:
                assigned[other.id] = (round_index, stab)
    return pl.DataFrame(
        {
            "task_id": [t.id for t in tasks],
            "round": [assigned[t.id][0] for t in tasks],
            "stab_date": [assigned[t.id][1] for t in tasks],
        },
        schema={"task_id": pl.String, "round": pl.Int32, "stab_date": pl.Date},
    )
