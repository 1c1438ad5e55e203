"""Stress scenarios for the draw: small and uneven strata, as scenario directories a planner could hand in.

Each scenario is written by :func:`write_stress` as ``scenario.yaml``, ``subjects.csv`` and ``officers.csv``
(no randomness: every subject's class and flags follow a fixed pattern), so ``jointcheck audit`` can read
it like any other. What each one stresses:

* ``small-strata`` (shanghai-2024, in force): object types of 1–12 subjects whose risk classes hold 1–3
  subjects each, ratios 1–30 % (classes multiply them by 0.5–2, penalised subjects by 2 more: π from
  0.005 to 0.96, some clipped at 1), the issue's 3 % of a 40-subject type, tasks sharing a round
  (nested samples) and tasks in other rounds (offsets), a ``ratio_by_class`` task;
* ``counts-equal`` (year 2023, the policy not yet in force: equal weights) and ``counts-unequal``
  (2024: class and targeted weights): counts 1–7 over types of 3–25 subjects, among them the issue's
  count of 2 over 7 A, 13 B and 5 C subjects;
* ``caps`` (changning-2024: at most two visits a year for everyone): three rounds on the same small
  types at ratios whose per-round maxima reach 0.6, so a subject's cap is reachable but, by the
  offsets, not binding;
* ``mandatory``: ``small-strata``'s directory; evaluate it with the reform ``{"targeted_mandatory": True}``
  so penalised subjects have π = 1 (定向抽查), in ratio and count tasks.
"""

from __future__ import annotations

from pathlib import Path

import yaml

__all__ = ["STRESS", "write_stress"]

_DEPARTMENTS = [{"id": "SAMR", "name": "区市场监管局"}, {"id": "FIRE", "name": "区消防救援支队"}]
_ITEMS = [{"id": "K1", "name": "重点事项一", "department": "SAMR", "kind": "key"},
          {"id": "K2", "name": "重点事项二", "department": "FIRE", "kind": "key"}]
_SEASONS = {"spring": ("03-01", "04-30"), "summer": ("06-01", "07-31"), "autumn": ("09-01", "10-31")}


def _classes(size: int, pattern: str) -> list[str]:
    return [pattern[j % len(pattern)] for j in range(size)]


def _subjects(types: dict[str, list[str]], penalised_every: int) -> list[dict]:
    rows, k = [], 0
    for type_id, classes in types.items():
        for j, risk in enumerate(classes):
            k += 1
            penalised = penalised_every > 0 and risk in "CD" and j % penalised_every == 0
            rows.append({"subject_id": f"S{k:04d}", "name": f"对象{k}", "object_types": type_id, "risk_class": risk,
                         "grid": f"G{k % 3 + 1}", "penalized_3y": str(penalised).lower(), "complaints_verified": 0})
    return rows


def _task(k: int, type_id: str, season: str, year: int, **size: object) -> dict:
    start, end = _SEASONS[season]
    return {"id": f"T{k:02d}", "name": f"任务{k}", "lead": "SAMR", "partners": ["FIRE"], "items": ["K1", "K2"],
            "object_type": type_id, "window": {"start": f"{year}-{start}", "end": f"{year}-{end}"}, **size}


def _small_strata(year: int) -> tuple[dict[str, list[str]], list[dict]]:
    types = {f"o{k}": _classes(k, "ABCD" if k % 2 else "DCBA") for k in range(1, 13)}
    types["o40"] = ["A"] * 14 + ["B"] * 20 + ["C"] * 4 + ["D"] * 2
    ratios = [0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.24, 0.27, 0.3]
    tasks = [_task(k, f"o{k}", "spring", year, ratio=r) for k, r in enumerate(ratios, start=1)]
    tasks += [
        _task(13, "o40", "spring", year, ratio=0.03),        # the issue: round(0.03 × N) = 0 in every class
        _task(14, "o12", "spring", year, ratio=0.05),        # same round as T12: nested in its sample
        _task(15, "o11", "summer", year, ratio=0.1),         # another round: offsets
        _task(16, "o40", "autumn", year, ratio_by_class={"A": 0.01, "B": 0.04, "C": 0.2, "D": 0.45}),
        _task(17, "o7", "autumn", year, ratio=0.3),
    ]
    return types, tasks


def _counts(year: int) -> tuple[dict[str, list[str]], list[dict]]:
    types = {
        "o25": ["A"] * 7 + ["B"] * 13 + ["C"] * 5,           # the count of 2
        "o3": ["B", "C", "D"], "o5": _classes(5, "ABCDB"), "o9": _classes(9, "AABBBCCDD"),
        "o12": _classes(12, "ABCD"), "o20": _classes(20, "ABBBC"), "o10": _classes(10, "ABCDD"),
    }
    tasks = [
        _task(1, "o25", "spring", year, count=2), _task(2, "o3", "spring", year, count=1),
        _task(3, "o5", "spring", year, count=1), _task(4, "o9", "spring", year, count=3),
        _task(5, "o12", "summer", year, count=4), _task(6, "o20", "summer", year, count=5),
        _task(7, "o25", "autumn", year, count=6), _task(8, "o10", "autumn", year, count=7),
        _task(9, "o12", "spring", year, count=2),
    ]
    return types, tasks


def _caps(year: int) -> tuple[dict[str, list[str]], list[dict]]:
    types = {"o8": _classes(8, "ABCD"), "o12": _classes(12, "DCBA")}
    tasks = [_task(1, "o8", "spring", year, ratio=0.3), _task(2, "o12", "spring", year, ratio=0.2),
             _task(3, "o8", "summer", year, ratio=0.3), _task(4, "o12", "summer", year, ratio=0.25),
             _task(5, "o8", "autumn", year, ratio=0.3), _task(6, "o12", "autumn", year, ratio=0.3)]
    return types, tasks


STRESS: dict[str, tuple] = {
    "small-strata": (_small_strata, 2024, "shanghai-2024", 3),
    "counts-equal": (_counts, 2023, "shanghai-2024", 0),
    "counts-unequal": (_counts, 2024, "shanghai-2024", 2),
    "caps": (_caps, 2024, "changning-2024", 0),
}
"""name → (builder, year, policy, every how many C/D subjects of a type one is penalised; 0 = none)."""


def write_stress(root: Path, name: str) -> Path:
    """Write stress scenario ``name`` (a key of :data:`STRESS`) into ``root/name`` and return the directory."""
    build, year, policy, penalised_every = STRESS[name]
    types, tasks = build(year)
    target = Path(root) / name
    target.mkdir(parents=True, exist_ok=True)
    spec = {"name": f"stress-{name}", "year": year, "policy": policy, "departments": _DEPARTMENTS,
            "object_types": [{"id": t, "name": t} for t in types], "items": _ITEMS, "tasks": tasks,
            "subjects": "subjects.csv", "officers": "officers.csv"}
    (target / "scenario.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    header = "subject_id,name,object_types,risk_class,grid,penalized_3y,complaints_verified"
    lines = [",".join(str(v) for v in row.values()) for row in _subjects(types, penalised_every)]
    (target / "subjects.csv").write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    officers = [f"O{d['id']}{j},{d['id']}{j},{d['id']},,G{j},10" for d in _DEPARTMENTS for j in (1, 2, 3, 4)]
    (target / "officers.csv").write_text("\n".join(["officer_id,name,department,qualifications,grid,weekly_capacity",
                                                    *officers]) + "\n", encoding="utf-8")
    return target
