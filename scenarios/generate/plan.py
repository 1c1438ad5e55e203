"""Synthetic item list and annual joint plan, calibrated to a district's published figures.

Calibration (documented so every figure can be re-made):

* Task sizes: each template's ``count`` is scaled by one common factor, clipped to [2, N] where N is
  the number of subjects of the task's object type, so that the single-department baseline
  Σ_tasks |departments| × count equals ``target_single_department_visits`` (长宁: 2518). Remaining
  differences of a few units are settled one subject at a time on the largest tasks.
* Items come from the catalogue (``catalogue.yaml``): each department of each task inspects the items its
  template names (``items``: what the task's name says it checks) and, where it names none, one entry drawn
  at random from what the department holds for the task's object type. An item is a (department, entry,
  object type) triple, so tasks on the same type share items. Entries no task inspects yet are added, task
  by task, from the department's entries for the object type (or extra ones removed) until the list has
  ``target_items`` items (长宁: 243).
  A department or object type the catalogue does not cover falls back to the profile's generic ``topics``.
* Merged items: items the policy merges into every task (龙湾 2023: A99, A100, A101, seed 003 一) are
  added to every task under their fixed ids.
* The general-item cap: a task whose implied ratio count/N exceeds ``general_item_ratio_cap`` gets key
  items only (a general item its template names is left out there) (沪府发〔2024〕6号 一(二): general items have a capped ratio; key items do not).
  A small directory (``--subjects``) raises ratios: there a department holding no key item for the type rides
  along with a general one beside another department's key items (lawful, a warning), and a task no department
  holds a key item for is sampled at ``ratio: general_item_ratio_cap`` — the cap itself — instead of its count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios.generate.catalogue import (
    Catalogue,
    CatalogueEntry,
    load_catalogue,
    merged_item_codes,
)
from scenarios.generate.profile import Profile, TaskTemplate, Topic
from scenarios.model import ItemKind

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


@dataclass(frozen=True)
class _Choice:
    """One item a task may inspect: a catalogue entry (or a profile topic) of a department on an object type."""

    department: str
    name: str
    kind: ItemKind
    qualification: str | None
    object_type: str | None  # None: a coded item that applies to every type
    law: str | None = None
    code: str | None = None

    @property
    def key(self) -> tuple[str, ...]:
        return (self.department, self.code) if self.code else (self.department, self.name, self.object_type or "")

    @classmethod
    def of_entry(cls, dept: str, entry: CatalogueEntry, object_type: str | None) -> "_Choice":
        return cls(dept, entry.name, entry.kind, entry.qualification, None if entry.code else object_type,
                   entry.law, entry.code)

    @classmethod
    def of_topic(cls, dept: str, topic: Topic, object_type: str, type_name: str) -> "_Choice":
        return cls(dept, f"{type_name}{topic.name}检查", topic.kind, topic.qualification, object_type)


def _merged(profile: Profile, catalogue: Catalogue) -> list[_Choice]:
    """The coded items the profile's policy merges into every task, from the catalogue."""
    from rules.law.policy_check import (
        PolicyError,  # read lazily, like the policy itself
    )

    try:
        codes = merged_item_codes(profile.policy, profile.year)
    except PolicyError:
        return []  # an unknown policy: validate reports it; nothing to merge
    out = []
    for code in codes:
        found = catalogue.coded(code)
        if found is None:
            raise ValueError(f"policy {profile.policy} merges item {code} into every task, but the catalogue has no item {code}")
        out.append(_Choice.of_entry(found[0], found[1], None))
    return out


def make_plan(
    profile: Profile, sizes: dict[str, int], rng: np.random.Generator, catalogue: Catalogue | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Items and tasks (as scenario.yaml mappings) for the profile over a directory with ``sizes``."""
    catalogue = catalogue or load_catalogue()
    templates = profile.tasks
    counts = calibrate_counts(templates, sizes, profile.target_single_department_visits)
    ratios = [c / max(1, sizes.get(t.object_type, 0)) for t, c in zip(templates, counts)]
    type_names = {o.id: o.name for o in profile.object_types}
    capped = [r > profile.general_item_ratio_cap for r in ratios]

    def options(k: int, dept: str, key_only: bool | None = None) -> list[_Choice]:
        """The catalogue's items of the department for the task's type; the profile's topics where it has none.
        Key items only when ``key_only`` (default: the task is above the general-item cap)."""
        t = templates[k]
        key_only = capped[k] if key_only is None else key_only
        lawful = (lambda x: x.kind == "key") if key_only else (lambda x: True)  # noqa: E731
        found = [c for e in catalogue.entries(dept, t.object_type) if lawful(c := _Choice.of_entry(dept, e, t.object_type))]
        if not found:
            found = [c for x in profile.topics.get(dept, [])
                     if lawful(c := _Choice.of_topic(dept, x, t.object_type, type_names[t.object_type]))]
        return found

    def named(k: int, dept: str, names: list[str]) -> list[_Choice]:
        t = templates[k]
        out = []
        for name in names:
            entry = catalogue.entry(dept, name)
            if entry is None or entry.code is not None or not entry.applies_to(t.object_type):
                raise ValueError(f"task {t.name!r}: the catalogue has no item {name!r} of {dept} for {t.object_type}")
            if capped[k] and entry.kind == "general":
                continue  # above the cap (a resized directory can put it there) general items are not drawn
            out.append(_Choice.of_entry(dept, entry, t.object_type))
        return out

    chosen: dict[tuple[int, str], list[_Choice]] = {}
    fixed: dict[tuple[int, str], int] = {}  # how many of chosen[...] the template names (never removed)
    general_only: set[int] = set()  # tasks above the general-item cap that no department holds a key item for
    for k, t in enumerate(templates):
        for dept in [t.lead, *t.partners]:
            if t.topics is not None:  # a profile naming its own topics: exactly those
                by_name = {x.name: x for x in profile.topics[dept]}
                chosen[(k, dept)] = [_Choice.of_topic(dept, by_name[name], t.object_type, type_names[t.object_type])
                                     for name in t.topics.get(dept, [])]
                continue
            if t.items is not None and t.items.get(dept) and (given := named(k, dept, t.items[dept])):
                chosen[(k, dept)] = given
                fixed[(k, dept)] = len(given)
                continue
            choices = options(k, dept)
            if not choices and capped[k]:
                # a small directory can put a task above the general-item cap (its ratio grows as the directory
                # shrinks): a department holding no key item for the type rides along with a general one, lawful
                # beside another department's key items (沪府发〔2024〕6号 一(二): a warning, checked below)
                choices = options(k, dept, key_only=False)
            if not choices:
                raise ValueError(f"task {t.name!r}: department {dept} holds no item for {t.object_type} in the "
                                 "catalogue or the profile")
            chosen[(k, dept)] = [choices[int(rng.integers(len(choices)))]]
            fixed[(k, dept)] = 0
        if capped[k] and not any(x.kind == "key" for d in [t.lead, *t.partners] for x in chosen[(k, d)]):
            general_only.add(k)

    merged = _merged(profile, catalogue)
    for k, t in enumerate(templates):
        missing = sorted({m.department for m in merged} - {t.lead, *t.partners})
        if missing:
            raise ValueError(f"task {t.name!r}: policy {profile.policy} merges items of {', '.join(missing)} "
                             "into every task, but that department takes no part in it")

    def distinct() -> int:
        return len({x.key for xs in chosen.values() for x in xs}) + len(merged)

    keys = list(fixed)
    target = profile.target_items
    if target is not None and keys:
        for _ in range(20 * len(keys)):
            current = distinct()
            if current == target:
                break
            k, dept = keys[int(rng.integers(len(keys)))]
            if current < target:
                # only items no task inspects yet: each addition is a new line of the list, and no task
                # borrows the item another task of the same object type is named after
                used = {x.key for xs in chosen.values() for x in xs}
                spare = [x for x in options(k, dept) if x.key not in used]
                if spare:
                    chosen[(k, dept)].append(spare[int(rng.integers(len(spare)))])
            elif len(chosen[(k, dept)]) > max(1, fixed[(k, dept)]):
                chosen[(k, dept)].pop()

    item_ids: dict[tuple[str, ...], str] = {}
    items: list[dict[str, Any]] = []
    per_dept: dict[str, int] = {}

    def item_id(x: _Choice) -> str:
        if x.key not in item_ids:
            if x.code:
                item_ids[x.key] = x.code
            else:
                per_dept[x.department] = per_dept.get(x.department, 0) + 1
                item_ids[x.key] = f"{x.department}{per_dept[x.department]:02d}"
            item: dict[str, Any] = {"id": item_ids[x.key], "name": x.name, "department": x.department,
                                    "kind": x.kind.value}
            if x.qualification:
                item["qualification"] = x.qualification
            if x.object_type:
                item["object_type"] = x.object_type
            if x.law:
                item["basis"] = x.law
            items.append(item)
        return item_ids[x.key]

    tasks: list[dict[str, Any]] = []
    for k, t in enumerate(templates):
        task_items = [item_id(x) for dept in [t.lead, *t.partners] for x in chosen[(k, dept)]]
        task_items += [item_id(x) for x in merged]
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
        if k in general_only:  # general items only: sampled at the cap itself (沪府发〔2024〕6号 一(二)), not above it
            task["ratio"] = profile.general_item_ratio_cap
        else:
            task["count"] = counts[k]
        tasks.append(task)
    return items, tasks
