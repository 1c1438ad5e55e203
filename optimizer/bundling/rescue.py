"""Visit bundling, part 4: no drawn pair is left while some working day of its window has room for it.

After the greedy plan and the CP-SAT repair (which stop at a deterministic limit), every pair still
unplaced is tried, in a fixed order (subject, task), in three ways, the first that fits winning:

1. *join* one of the subject's visits: a week of that visit where the visit's tasks and the pair's task
   share a working day and the extra officer-visits fit every department's capacity (the visit may move
   to that week);
2. *a visit of its own* in the week of the window with the most room, if the subject's visits are below
   its annual cap (counted in the visits);
3. *re-plan the subject*: release all its visits and place its interval-stabbing groups (the fewest
   visits its windows allow, at most its cap) week by week where they fit; kept only if it serves
   more pairs than before.

A rescue never breaks a capacity or a cap. What stays unplaced is explained by
:mod:`optimizer.bundling.explain` with its true cause: the cap, or capacity in every week of the window.
"""

from __future__ import annotations

from optimizer.bundling.prep import Group, Prepared, stab_groups, usage_of
from optimizer.progress import step

__all__ = ["rescue_unplaced"]


def _fits(prep: Prepared, load: dict[tuple[str, int], int], usage, week: int, minus=()) -> bool:
    freed = dict(minus)
    return all(load.get((d, week), 0) - freed.get(d, 0) + o <= prep.capacity[d] for d, o in usage)


def _weeks(prep: Prepared, lo: int, hi: int) -> list[int]:
    """Weeks holding a working day in [lo, hi]."""
    cal = prep.calendar
    return list(range(cal.week_of[lo], cal.week_of[hi] + 1)) if lo <= hi else []


def _room(prep: Prepared, load, usage, week: int) -> int:
    return min(prep.capacity[d] - load.get((d, week), 0) - o for d, o in usage)


def _add(load, usage, week: int, sign: int) -> None:
    for d, o in usage:
        load[(d, week)] = load.get((d, week), 0) + sign * o


def rescue_unplaced(prep: Prepared, visits: dict[str, list[Group]], unplaced: dict[str, list[str]],
                    load: dict[tuple[str, int], int]) -> int:
    """Place what can be placed (see module docstring), updating ``visits``, ``unplaced`` and ``load`` in place.
    Returns the number of pairs placed."""
    placed = 0
    cal = prep.calendar
    subjects = sorted(unplaced)
    for k, s in enumerate(subjects):
        if k % 1024 == 0:
            step(k, len(subjects))  # progress (optimizer.progress), every 1,024 subjects
        for t in sorted(unplaced[s]):
            info = prep.tasks[t]
            done = False
            for g in sorted(visits[s], key=lambda g: (g.lo, g.tasks)):  # 1. join a visit
                lo, hi = max(g.lo, info.a), min(g.hi, info.b)
                usage = usage_of([prep.tasks[x] for x in (*g.tasks, t)])
                for w in _weeks(prep, lo, hi):
                    first, last = cal.week_range[w]
                    if max(first, lo) > min(last, hi):
                        continue
                    if _fits(prep, load, usage, w, minus=g.usage if w == g.week else ()):
                        _add(load, g.usage, g.week, -1)
                        g.tasks, g.lo, g.hi, g.usage, g.week = tuple(sorted((*g.tasks, t))), lo, hi, usage, w
                        _add(load, usage, w, +1)
                        done = True
                        break
                if done:
                    break
            cap = prep.caps[s]
            if not done and (cap is None or len(visits[s]) < cap):  # 2. a visit of its own
                usage = usage_of([info])
                weeks = [w for w in _weeks(prep, info.a, info.b) if _fits(prep, load, usage, w)]
                if weeks:
                    w = max(weeks, key=lambda w: (_room(prep, load, usage, w), -w))
                    first, last = cal.week_range[w]
                    visits[s].append(Group(s, (t,), max(first, info.a), min(last, info.b), usage, w))
                    _add(load, usage, w, +1)
                    done = True
            if done:
                unplaced[s].remove(t)
                placed += 1
        if unplaced[s]:
            placed += _replan(prep, s, visits, unplaced, load)
    return placed


def _replan(prep: Prepared, s: str, visits: dict[str, list[Group]], unplaced: dict[str, list[str]], load) -> int:
    """3. The subject's stabbing groups placed afresh; kept only when it serves more pairs."""
    cal = prep.calendar
    before = sum(len(g.tasks) for g in visits[s])
    for g in visits[s]:
        _add(load, g.usage, g.week, -1)
    groups = stab_groups(s, [prep.tasks[t] for t in prep.subject_tasks[s]])
    cap = prep.caps[s]
    groups = sorted(groups, key=lambda g: (-len(g.tasks), g.lo, g.tasks))[:len(groups) if cap is None else max(cap, 0)]
    trial = []
    for g in groups:
        weeks = [w for w in range(cal.week_of[g.lo], cal.week_of[g.hi] + 1) if _fits(prep, load, g.usage, w)]
        if weeks:
            g.week = max(weeks, key=lambda w: (_room(prep, load, g.usage, w), -w))
            _add(load, g.usage, g.week, +1)
            trial.append(g)
    if sum(len(g.tasks) for g in trial) > before:
        served = {t for g in trial for t in g.tasks}
        gained = len(served) - before
        visits[s] = trial
        unplaced[s] = [t for t in prep.subject_tasks[s] if t not in served]
        return gained
    for g in trial:
        _add(load, g.usage, g.week, -1)
    for g in visits[s]:
        _add(load, g.usage, g.week, +1)
    return 0
