"""Visit bundling, part 3: why a pair got no visit, in words a planner can act on.

A pair is unplaced for one of three reasons, checked in this order:

* its task window holds no working day of the year (statutory calendar);
* the subject's annual cap: it has used all its cap and its tasks' windows need more visits than that;
* department capacity: in every ISO week of the pair's window some department of its task had no room
  left for the officer-visits the task asks (the weeks, the departments and their use are named, and
  what would fix it);
* the cap again, when the subject's visits are all used though its windows would need fewer: capacity kept
  its tasks apart (the weeks with room are named, and what would fix it).
  Only if none of these holds was the pair left by the solver (the rescue pass,
  :mod:`optimizer.bundling.rescue`, makes that case not arise), and the reason says so.

The problems list adds one line per subject held by its cap and one per department whose capacity was
short, with the weeks it was full and how many more officer-visits the unplaced pairs needed (a subject's
pairs whose windows meet counted as one visit, as the bundler would make it).
"""

from __future__ import annotations

import bisect
import datetime as dt

from optimizer.bundling.prep import Prepared, usage_of
from optimizer.progress import step

__all__ = ["explain_unplaced", "MAX_LISTED"]

MAX_LISTED = 8  # weeks or pairs named in one message before "…"


def _listed(items: list[str]) -> str:
    return ", ".join(items[:MAX_LISTED]) + (f", … ({len(items)} in all)" if len(items) > MAX_LISTED else "")


def _visits_needed(windows: list[tuple[int, int, int]]) -> int:
    """Officer-visits one subject's unplaced pairs need from a department: pairs whose windows share a day share
    a visit (进一次门), so the fewest visits are the fewest days stabbing every window (greedy by window end),
    each visit taking the largest officer-visits of the pairs it serves. ``windows``: (first day, last day,
    officer-visits) per pair."""
    need, point, officers = 0, None, 0
    for a, b, o in sorted(windows, key=lambda x: (x[1], x[0])):
        if point is not None and a <= point:
            officers = max(officers, o)
            continue
        need += officers
        point, officers = b, o
    return need + officers


def explain_unplaced(prep: Prepared, stab: dict[str, int], dated: list[tuple[str, dt.date, tuple[str, ...]]],
                     unplaced: list[tuple[str, str]]) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    """(subject, task, reason, the reason in Chinese) for every unplaced pair, and the problem lines. Both
    wordings are made here from the same facts, so a planner reads the same cause in either language."""
    cal = prep.calendar
    load: dict[tuple[str, int], int] = dict(prep.used)
    visits: dict[str, int] = {}
    for s, day, tasks in dated:
        w = cal.week_of[bisect.bisect_left(cal.days, day)]
        for d, o in usage_of([prep.tasks[t] for t in tasks]):
            load[(d, w)] = load.get((d, w), 0) + o
        visits[s] = visits.get(s, 0) + 1

    reasons = list(prep.no_workday)
    problems = []
    if prep.no_workday:
        problems.append(f"{len(prep.no_workday)} pair(s) have a task window with no working day: "
                        + _listed([f"{s}/{t}" for s, t, *_ in prep.no_workday]))
    capped: dict[str, list[str]] = {}
    short: dict[str, dict] = {}  # department → weeks full, pairs, officer-visits needed
    for k, (s, t) in enumerate(sorted(unplaced)):
        if k % 1024 == 0:
            step(k, len(unplaced))  # progress (optimizer.progress), every 1,024 pairs
        cap, info = prep.caps[s], prep.tasks[t]
        if cap is not None and visits.get(s, 0) >= cap and cap < stab[s]:
            reasons.append((s, t, f"annual cap: the subject may receive {cap} visit(s) a year, its tasks' windows "
                                  f"need {stab[s]}, and its {visits.get(s, 0)} visit(s) serve other tasks",
                             f"年度检查次数上限：该对象一年最多检查 {cap} 次，其任务的时间窗需要 {stab[s]} 次，"
                             f"已安排的 {visits.get(s, 0)} 次服务于其他任务"))
            capped.setdefault(s, []).append(t)
            continue
        weeks = range(cal.week_of[info.a], cal.week_of[info.b] + 1)
        blocked, blocked_zh, free = [], [], []
        for w in weeks:
            full = [d for d in info.departments if load.get((d, w), 0) + info.officers > prep.capacity[d]]
            if full:
                blocked.append(f"{cal.week_label[w]} " + " ".join(f"{d} ({load.get((d, w), 0)}/{prep.capacity[d]} used)" for d in full))
                blocked_zh.append(f"{cal.week_label[w]} " + "、".join(f"{d}（已用 {load.get((d, w), 0)}/{prep.capacity[d]}）" for d in full))
                for d in full:
                    entry = short.setdefault(d, {"weeks": {}, "pairs": [], "seen": set(), "windows": {}})
                    entry["weeks"][w] = load.get((d, w), 0)
                    if f"{s}/{t}" not in entry["seen"]:  # a set: a list made this quadratic in unplaced pairs
                        entry["seen"].add(f"{s}/{t}")
                        entry["pairs"].append(f"{s}/{t}")
                        entry["windows"].setdefault(s, []).append((info.a, info.b, info.officers))
            else:
                free.append(cal.week_label[w])
        departments = sorted({d for w in weeks for d in info.departments
                               if load.get((d, w), 0) + info.officers > prep.capacity[d]})
        if not free:
            reasons.append((s, t, f"department capacity: every week of its window {info.start}..{info.end} is full "
                                  f"for a department it needs ({info.officers} officer-visits each): " + _listed(blocked)
                                  + f"; to fix: {info.officers} more officer-visits for {', '.join(departments)} in one of "
                                  "these weeks, or a wider window for the task",
                             f"部门每周检查能力已满：时间窗 {info.start}..{info.end} 的每一周，所需部门均已满负荷（每次需 "
                             f"{info.officers} 人次）：" + _listed(blocked_zh) + f"；解决办法：在其中一周为 {'、'.join(departments)} "
                             f"增加 {info.officers} 人次能力，或放宽该任务的时间窗"))
        elif cap is not None and visits.get(s, 0) >= cap:
            reasons.append((s, t, f"annual cap: the subject's {cap} visit(s) a year are used by its other tasks and no "
                                  f"visit of it can take {t} within capacity (weeks with room for a visit of its own: "
                                  + _listed(free) + f"); to fix: capacity for the departments of its visits in a week "
                                  f"they share with {t}'s window {info.start}..{info.end}, or a window for {t} that meets "
                                  "the subject's other tasks",
                             f"年度检查次数上限：该对象一年 {cap} 次检查已用于其他任务，且在检查能力范围内无法并入 {t}"
                             f"（可单独上门的周：{_listed(free)}）；解决办法：在与 {t} 时间窗 {info.start}..{info.end} "
                             f"重叠的周为其上门部门增加能力，或调整 {t} 的时间窗使其与该对象的其他任务相遇"))
            capped.setdefault(s, []).append(t)
        else:
            reasons.append((s, t, "left unplaced by the solver within its deterministic time limit; weeks with room: "
                                  + _listed(free),
                             "求解器在确定性时间限制内未能安排；仍有余量的周：" + _listed(free)))
    for s, ts in capped.items():
        if prep.caps[s] < stab[s]:
            problems.append(f"subject {s}: annual cap {prep.caps[s]} is below the {stab[s]} visits its tasks' windows "
                            f"need; left unplaced: {', '.join(ts)}")
        else:
            problems.append(f"subject {s}: annual cap {prep.caps[s]} used by visits that capacity kept apart; "
                            f"left unplaced: {', '.join(ts)}")
    for d in sorted(short):
        entry = short[d]
        weeks = [f"{cal.week_label[w]} ({used}/{prep.capacity[d]} used)" for w, used in sorted(entry["weeks"].items())]
        need = sum(_visits_needed(windows) for windows in entry["windows"].values())
        problems.append(f"department {d}: weekly capacity of {prep.capacity[d]} officer-visits short by "
                        f"{need} officer-visits for {len(entry['pairs'])} unplaced pair(s) "
                        f"({_listed(entry['pairs'])}); full in {_listed(weeks)}")
    return reasons, problems
