"""Synthetic item list and annual joint plan, calibrated to a district's published figures.

Calibration (documented so every figure can be re-made):

* Task sizes: each template's ``count`` is scaled by one common factor, clipped to [2, N] where N is
  the number of subjects of the task's object type, so that the single-department baseline
  Σ_tasks |departments| × count equals ``target_single_department_visits`` (长宁: 2518). Remaining
  differences of a few units are settled one subject at a time on the largest tasks.
* Items: each department of each task inspects the topics its template names, or else one or two
  of its topics drawn at random, on the task's object type;
  an item is a (department, topic, object type) triple, so tasks on the same type share items. Topics
  are added or removed, task by task, until the list has ``target_items`` items (长宁: 243).
* The general-item cap: a task whose implied ratio count/N exceeds ``general_item_ratio_cap`` gets key
  items only (沪府发〔2024〕6号 一(二): general items have a capped ratio; key items do not).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from scenarios.generate.profile import Profile, TaskTemplate, Topic

__all__ = ["calibrate_counts", "make_plan"]


def _single_department(templates: list[TaskTemplate], counts: list[int]) -> int:
    return sum((1 + len(t.partners)) * c for t, c in zip(templates, counts))


def calibrate_counts(templates: list[TaskTemplate], sizes: dict[str, int], target: int | None) -> list[int]:
    """Counts per task, scaled so the single-department baseline hits ``target`` (exactly where possible)."""
    caps = [max(1, sizes.get(t.object_type, 0)) for t in templates]

    def scaled(factor: float) -> list[int]:
        return [min(cap, max(2, round(factor * t.count))) for t, cap in zip(templates, caps)]

    if target is None:
        return [min(cap, t.count) for t, cap in zip(templates, caps)]
    low, high = 0.0, 100.0
    for _ in range(60):
        mid = (low + high) / 2
        if _single_department(templates, scaled(mid)) < target:
            low = mid
        else:
            high = mid
    counts = scaled(high)
    order = sorted(range(len(templates)), key=lambda k: (-counts[k], k))
    width = [1 + len(t.partners) for t in templates]

    def movable(k: int, step: int) -> bool:
        return 2 <= counts[k] + step <= caps[k]

    for _ in range(10 * len(templates)):
        gap = target - _single_department(templates, counts)
        if gap == 0:
            break
        step = 1 if gap > 0 else -1
        single = next((k for k in order if abs(gap) >= width[k] and movable(k, step)), None)
        if single is not None:
            counts[single] += step
            continue
        # a gap smaller than any task's width: grow one task and shrink another whose widths differ by it
        pair = next(((a, b) for a in order for b in order
                     if a != b and width[a] - width[b] == gap and movable(a, 1) and movable(b, -1)), None)
        if pair is None:
            break
        counts[pair[0]] += 1
        counts[pair[1]] -= 1
    return counts


def _date(year: int, month_day: str) -> dt.date:
    month, day = (int(x) for x in month_day.split("-"))
    return dt.date(year, month, day)


def make_plan(
    profile: Profile, sizes: dict[str, int], rng: np.random.Generator
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Items and tasks (as scenario.yaml mappings) for the profile over a directory with ``sizes``."""
    templates = profile.tasks
    counts = calibrate_counts(templates, sizes, profile.target_single_department_visits)
    ratios = [c / max(1, sizes.get(t.object_type, 0)) for t, c in zip(templates, counts)]

    def allowed(task: int, dept: str) -> list[Topic]:
        topics = profile.topics[dept]
        if ratios[task] > profile.general_item_ratio_cap:
            topics = [x for x in topics if x.kind == "key"]
        return topics

    # chosen[(task, dept)] = ordered list of topic indices into profile.topics[dept]
    chosen: dict[tuple[int, str], list[Topic]] = {}
    for k, t in enumerate(templates):
        for dept in [t.lead, *t.partners]:
            if t.topics is not None:
                by_name = {x.name: x for x in profile.topics[dept]}
                chosen[(k, dept)] = [by_name[name] for name in t.topics.get(dept, [])]
                continue
            options = allowed(k, dept)
            if not options:
                raise ValueError(f"task {t.name!r}: ratio {ratios[k]:.1%} is above the general-item cap, "
                                 f"but department {dept} has no key topic in the profile")
            first = options[int(rng.integers(len(options)))]
            chosen[(k, dept)] = [first]

    def distinct() -> int:
        return len({(d, x.name, templates[k].object_type) for (k, d), xs in chosen.items() for x in xs})

    keys = [(k, d) for k, d in chosen if templates[k].topics is None]
    target = profile.target_items
    if target is not None:
        for _ in range(20 * len(keys)):
            current = distinct()
            if current == target:
                break
            k, dept = keys[int(rng.integers(len(keys)))]
            if current < target:
                spare = [x for x in allowed(k, dept) if x not in chosen[(k, dept)]]
                if spare:
                    chosen[(k, dept)].append(spare[int(rng.integers(len(spare)))])
            elif len(chosen[(k, dept)]) > 1:
                chosen[(k, dept)].pop()

    type_names = {o.id: o.name for o in profile.object_types}
    item_ids: dict[tuple[str, str, str], str] = {}
    items: list[dict[str, Any]] = []
    per_dept: dict[str, int] = {}
    tasks: list[dict[str, Any]] = []
    for k, t in enumerate(templates):
        task_items = []
        for dept in [t.lead, *t.partners]:
            for topic in chosen[(k, dept)]:
                key = (dept, topic.name, t.object_type)
                if key not in item_ids:
                    per_dept[dept] = per_dept.get(dept, 0) + 1
                    item_ids[key] = f"{dept}{per_dept[dept]:02d}"
                    item = {"id": item_ids[key], "name": f"{type_names[t.object_type]}{topic.name}检查",
                            "department": dept, "kind": topic.kind.value}
                    if topic.qualification:
                        item["qualification"] = topic.qualification
                    items.append(item)
                task_items.append(item_ids[key])
        task: dict[str, Any] = {
            "id": f"T{k + 1:02d}",
            "name": t.name,
            "lead": t.lead,
            "partners": list(t.partners),
            "items": task_items,
            "object_type": t.object_type,
            "window": {"start": _date(profile.year, t.window[0]), "end": _date(profile.year, t.window[1])},
        }
        if t.flex:
            task["window_flex"] = {"earliest": _date(profile.year, t.flex[0]), "latest": _date(profile.year, t.flex[1])}
        task["count"] = counts[k]
        tasks.append(task)
    return items, tasks
