"""Write the stress generator profiles (scenarios/generate/profiles/stress-*.yaml) from a seeded recipe.

Usage: python -m benchmarks.stress.make_profiles

The profiles are committed; this script documents how they were made and re-makes them byte for byte.
Shape (issue 13): many tasks, 18 departments, 25 object types each shared by several tasks (and subjects of
several types), ratios 1–5 %, 60 % of tasks with a ``window_flex`` reaching up to 60 days either side of
the window, and tight weekly capacity (few officers, 2–5 visits a week each).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

PROFILES = Path(__file__).resolve().parents[2] / "scenarios" / "generate" / "profiles"

DEPARTMENTS = [  # id, name, (unused: officers come from officers_needed), local, qualifications
    ("SAMR", "区市场监管局", 14, True, {"food_safety": 0.5, "special_equipment": 0.3}),
    ("HEALTH", "区卫生健康委", 5, False, {"public_health": 0.6}),
    ("FIRE", "区消防救援支队", 6, True, {"fire_inspection": 0.7}),
    ("PSB", "公安分局", 5, True, {}),
    ("ENV", "区生态环境局", 4, False, {"environmental_monitoring": 0.5}),
    ("URBAN", "区城管执法局", 5, True, {}),
    ("EMG", "区应急管理局", 4, False, {"hazardous_chemicals": 0.5}),
    ("COMM", "区商务委", 4, False, {}),
    ("CULT", "区文化旅游局", 4, False, {}),
    ("EDU", "区教育局", 3, False, {}),
    ("CONS", "区建设管理委", 4, False, {"construction_safety": 0.6}),
    ("HOUSING", "区房屋管理局", 3, False, {}),
    ("TAX", "区税务局", 4, False, {}),
    ("HRSS", "区人力资源社会保障局", 3, False, {}),
    ("GREEN", "区绿化市容局", 3, False, {}),
    ("TOBACCO", "区烟草专卖局", 3, False, {}),
    ("MEDINS", "区医疗保障局", 3, False, {}),
    ("SPORT", "区体育局", 3, False, {}),
]

TOPICS = {
    "SAMR": [("食品安全", "key", "food_safety"), ("特种设备安全", "key", "special_equipment"), ("产品质量", "key", None),
             ("价格行为", "general", None), ("公示信息", "general", None)],
    "HEALTH": [("公共场所卫生", "key", "public_health"), ("执业许可", "key", None), ("卫生管理制度", "general", None)],
    "FIRE": [("消防设施器材", "key", "fire_inspection"), ("疏散通道安全出口", "key", None), ("消防安全管理", "general", None)],
    "PSB": [("治安管理", "key", None), ("实名登记", "general", None)],
    "ENV": [("污染物排放", "key", "environmental_monitoring"), ("环评手续", "general", None)],
    "URBAN": [("市容环境", "general", None), ("违法建筑", "key", None)],
    "EMG": [("安全生产", "key", None), ("危险化学品", "key", "hazardous_chemicals")],
    "COMM": [("单用途预付卡", "general", None), ("经营安全管理", "key", None)],
    "CULT": [("经营许可", "key", None), ("经营行为规范", "general", None)],
    "EDU": [("办学安全管理", "key", None), ("办学资质", "general", None)],
    "CONS": [("施工安全", "key", "construction_safety"), ("燃气安全", "key", None)],
    "HOUSING": [("物业服务规范", "general", None), ("房屋使用安全", "key", None)],
    "TAX": [("发票使用", "general", None), ("涉税风险核查", "key", None)],
    "HRSS": [("劳动用工", "key", None), ("人力资源服务许可", "general", None)],
    "GREEN": [("生活垃圾分类", "general", None), ("餐厨废弃油脂", "key", None)],
    "TOBACCO": [("烟草专卖许可", "key", None), ("未成年人禁售", "key", None)],
    "MEDINS": [("医保基金使用", "key", None), ("医保协议履行", "general", None)],
    "SPORT": [("体育场所安全", "key", None), ("高危体育项目许可", "key", None)],
}

# 25 object types; the hubs (restaurant, food_retail, elevator_building, fire_key_unit, hotel, …) are held by
# many subjects at once, so many tasks share subjects.
OBJECT_TYPES = [
    ("general_enterprise", "一般企业", 9000, {"fire_key_unit": 0.04, "elevator_building": 0.03}),
    ("sole_trader", "个体工商户", 3000, {"food_retail": 0.1, "tobacco_retail": 0.05}),
    ("restaurant", "餐饮服务单位", 2200, {"waste_producer": 0.5, "fire_key_unit": 0.2, "elevator_building": 0.15, "food_retail": 0.2}),
    ("food_retail", "食品销售单位", 1500, {"tobacco_retail": 0.3, "restaurant": 0.15, "measurement_user": 0.2}),
    ("supermarket", "商场超市", 300, {"food_retail": 0.95, "elevator_building": 0.7, "fire_key_unit": 0.6, "measurement_user": 0.6, "restaurant": 0.3}),
    ("hotel", "宾馆酒店", 300, {"restaurant": 0.6, "elevator_building": 0.7, "fire_key_unit": 0.6, "bath_spa": 0.1, "property_mgmt": 0.2}),
    ("elevator_building", "电梯使用单位", 600, {"property_mgmt": 0.5, "fire_key_unit": 0.5, "parking_lot": 0.4}),
    ("fire_key_unit", "消防安全重点单位", 300, {"elevator_building": 0.4}),
    ("property_mgmt", "物业服务企业", 200, {"elevator_building": 0.5, "parking_lot": 0.4}),
    ("parking_lot", "停车场（库）", 150, {"fire_key_unit": 0.3}),
    ("waste_producer", "餐厨垃圾产生单位", 150, {"restaurant": 0.3}),
    ("tobacco_retail", "烟草制品零售户", 500, {"food_retail": 0.5}),
    ("measurement_user", "强制检定计量器具使用单位", 200, {"food_retail": 0.3}),
    ("beauty_salon", "美容美发场所", 500, {"single_use_card": 0.4, "elevator_building": 0.1}),
    ("bath_spa", "沐浴足浴场所", 100, {"single_use_card": 0.4, "fire_key_unit": 0.4, "restaurant": 0.2}),
    ("gym", "健身场所", 150, {"single_use_card": 0.6, "swimming_pool": 0.3, "elevator_building": 0.3}),
    ("swimming_pool", "游泳场所", 40, {"fire_key_unit": 0.3}),
    ("single_use_card", "单用途预付卡发卡企业", 150, {}),
    ("entertainment_venue", "歌舞娱乐场所", 80, {"restaurant": 0.4, "fire_key_unit": 0.7, "elevator_building": 0.3}),
    ("training_institution", "校外培训机构", 250, {"fire_key_unit": 0.2, "elevator_building": 0.3}),
    ("clinic", "医疗机构", 250, {"pharmacy": 0.2, "fire_key_unit": 0.2}),
    ("pharmacy", "药品零售企业", 200, {"medical_insured": 0.6}),
    ("medical_insured", "医保定点单位", 100, {"pharmacy": 0.3, "clinic": 0.3}),
    ("construction_site", "建筑工地", 150, {"labor_user": 0.6}),
    ("labor_user", "用工密集企业", 300, {"fire_key_unit": 0.2}),
]

# Which departments inspect which object type (lead first); tasks draw their lead and partners from here.
DEPARTMENTS_OF = {
    "general_enterprise": ["SAMR", "TAX", "HRSS"], "sole_trader": ["SAMR", "URBAN", "TAX"],
    "restaurant": ["SAMR", "HEALTH", "FIRE", "URBAN", "GREEN", "ENV", "CONS"], "food_retail": ["SAMR", "COMM", "TOBACCO", "URBAN"],
    "supermarket": ["SAMR", "FIRE", "COMM", "EMG"], "hotel": ["PSB", "FIRE", "HEALTH", "CULT", "SAMR"],
    "elevator_building": ["SAMR", "FIRE", "HOUSING"], "fire_key_unit": ["FIRE", "EMG", "PSB"],
    "property_mgmt": ["HOUSING", "SAMR", "FIRE"], "parking_lot": ["PSB", "FIRE", "URBAN"],
    "waste_producer": ["GREEN", "URBAN", "ENV"], "tobacco_retail": ["TOBACCO", "SAMR"],
    "measurement_user": ["SAMR", "COMM"], "beauty_salon": ["HEALTH", "SAMR", "COMM"],
    "bath_spa": ["HEALTH", "PSB", "FIRE"], "gym": ["SPORT", "SAMR", "COMM"], "swimming_pool": ["SPORT", "HEALTH"],
    "single_use_card": ["COMM", "SAMR"], "entertainment_venue": ["CULT", "PSB", "FIRE"],
    "training_institution": ["EDU", "SAMR", "FIRE"], "clinic": ["HEALTH", "MEDINS", "SAMR"],
    "pharmacy": ["SAMR", "MEDINS"], "medical_insured": ["MEDINS", "HEALTH"], "construction_site": ["CONS", "ENV", "HRSS"],
    "labor_user": ["HRSS", "TAX", "FIRE"],
}
HUBS = ["restaurant", "food_retail", "elevator_building", "fire_key_unit", "hotel", "supermarket", "restaurant",
        "food_retail", "elevator_building", "fire_key_unit"]  # drawn twice as often as the others


def _type_sizes(n: int, rng: np.random.Generator) -> dict[str, float]:
    """Expected subjects of each type among ``n`` (primary share plus co-occurrence)."""
    total = sum(w for _, _, w, _ in OBJECT_TYPES)
    size = {t: n * w / total for t, _, w, _ in OBJECT_TYPES}
    for t, _, w, also in OBJECT_TYPES:
        for other, chance in also.items():
            size[other] += n * w / total * chance
    return size


def _mmdd(day: int, year: int) -> str:
    return (dt.date(year, 1, 1) + dt.timedelta(days=day)).strftime("%m-%d")


def tasks(n_tasks: int, n_subjects: int, year: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    size = _type_sizes(n_subjects, rng)
    ids = [t for t, *_ in OBJECT_TYPES]
    names = {t: name for t, name, *_ in OBJECT_TYPES}
    pool = ids + HUBS * 2
    last = (dt.date(year, 12, 31) - dt.date(year, 1, 1)).days
    out = []
    for k in range(n_tasks):
        kind = pool[int(rng.integers(len(pool)))] if k >= len(ids) else ids[k]
        depts = DEPARTMENTS_OF[kind]
        lead = depts[int(rng.integers(len(depts)))]
        others = [d for d in depts if d != lead]
        partners = sorted(rng.choice(others, size=min(len(others), int(rng.integers(1, 4))), replace=False).tolist())
        length = int(rng.integers(30, 76))
        start = int(rng.integers(14, last - length - 20))
        ratio = float(rng.uniform(0.01, 0.05))
        task = {"name": f"{names[kind]}联合抽查（{k + 1}）", "object_type": kind, "lead": lead, "partners": partners,
                "window": [_mmdd(start, year), _mmdd(start + length - 1, year)],
                "count": max(2, round(ratio * size[kind]))}
        if rng.random() < 0.6:  # 60 % may move: up to 60 days either side
            before, after = int(rng.integers(10, 61)), int(rng.integers(10, 61))
            task["flex"] = [_mmdd(max(2, start - before), year), _mmdd(min(last - 5, start + length - 1 + after), year)]
        out.append(task)
    return out


def _flow(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def catalogue_qualifications() -> dict[str, list[str]]:
    """Per department, the qualifications the generator's item catalogue may require on the stress
    profiles' object types (each is then held by half the department's officers, at least four)."""
    from scenarios.generate.catalogue import load_catalogue

    catalogue = load_catalogue()
    types = {t for t, *_ in OBJECT_TYPES}
    out: dict[str, set[str]] = {}
    for d, entries in catalogue.items.items():
        for e in entries:
            if e.qualification and (e.types == "any" or types & set(e.types)):
                out.setdefault(d, set()).add(e.qualification)
    return {d: sorted(qs) for d, qs in out.items()}


def officers_needed(made: list[dict], year: int, slack: float = 1.25, per_officer: float = 3.5) -> dict[str, int]:
    """Officers per department: the busiest week's officer-visits (2 per department per subject, each task
    spread evenly over its window as given) × ``slack`` ÷ the mean weekly visits of an officer, at least 4
    (two per visit, from outside the subject's grid where the department is local). Tight on
    purpose: a calendar that gathers rounds into the same weeks overloads some departments."""
    load: dict[str, dict[int, float]] = {}
    for t in made:
        start, end = (dt.date(year, *map(int, d.split("-"))) for d in t["window"])
        weeks = range(start.isocalendar()[1], end.isocalendar()[1] + 1)
        for d in [t["lead"], *t["partners"]]:
            for w in weeks:
                load.setdefault(d, {})[w] = load.get(d, {}).get(w, 0.0) + 2 * t["count"] / len(weeks)
    return {d: max(4, int(np.ceil(slack * max(load.get(d, {0: 0.0}).values()) / per_officer))) for d, *_ in DEPARTMENTS}


def profile_text(name: str, n_tasks: int, n_subjects: int, seed: int, year: int = 2025) -> str:
    made = tasks(n_tasks, n_subjects, year, seed)
    officers_of = officers_needed(made, year)
    target = sum((1 + len(t["partners"])) * t["count"] for t in made)
    lines = [
        f"# Stress profile (issue 13): {n_tasks} joint tasks, 18 departments, 25 object types shared by many tasks,",
        "# ratios 1–5 %, 60 % of tasks with a window_flex reaching up to 60 days either side, tight weekly capacity.",
        "# Not calibrated to any district: it is built to differ from changning-2024 where alignment and bundling",
        "# are hardest. Made by `python -m benchmarks.stress.make_profiles` (seeded); edit that script, not this file.",
        f"name: {name}", f"year: {year}", "policy: changning-2024",
        f"description: 压力测试用合成场景：{n_tasks}项联合抽查、18个部门、25类检查对象（多项任务共用），弹性时间窗宽且相互重叠，执法力量紧张。",
        f"random_seed: {seed}", f"n_subjects: {n_subjects}",
        f"target_single_department_visits: {target}   # Σ departments × count of the tasks below: counts scale with --subjects",
        "general_item_ratio_cap: 0.05",
        "grids: [一街道, 二街道, 三街道, 四街道, 五街道, 六镇]",
        "risk_mix: {A: 0.35, B: 0.52, C: 0.10, D: 0.03}",
        "penalized_3y_rate: {A: 0.0, B: 0.02, C: 0.18, D: 0.45}",
        "complaints_mean: {A: 0.01, B: 0.05, C: 0.35, D: 1.2}",
        "officer_capacity: [2, 5]                 # visits per officer per week; officers per department: the busiest",
        "                                         # week of the windows as given × 1.25 (tight once rounds gather)",
        "departments:",
    ]
    needed = catalogue_qualifications()
    for d, dname, _, local, quals in DEPARTMENTS:
        officers = officers_of[d]
        quals = {**{q: 0.5 for q in needed.get(d, ())}, **quals}
        extra = ", local: true" if local else ""
        extra += f", qualifications: {_flow(quals)}" if quals else ""
        lines.append(f"  - {{id: {d}, name: {dname}, officers: {officers}{extra}}}")
    lines.append("topics:")
    for d, topics in TOPICS.items():
        parts = [f"{{name: {n}, kind: {k}" + (f", qualification: {q}}}" if q else "}") for n, k, q in topics]
        lines.append(f"  {d}: [{', '.join(parts)}]")
    lines.append("object_types:")
    for t, tname, w, also in OBJECT_TYPES:
        lines.append(f"  - {{id: {t}, name: {tname}, weight: {w}" + (f", also: {_flow(also)}}}" if also else "}"))
    lines.append("tasks:")
    for t in made:
        body = {k: v for k, v in t.items() if k != "flex"}
        flex = f", flex: [{t['flex'][0]}, {t['flex'][1]}]" if "flex" in t else ""
        lines.append(f"  - {{name: {body['name']}, object_type: {body['object_type']}, lead: {body['lead']}, "
                     f"partners: {_flow(body['partners'])}, window: [{body['window'][0]}, {body['window'][1]}]{flex}, "
                     f"count: {body['count']}}}")
    return "\n".join(lines) + "\n"


STRESS = {"stress-40": (40, 20_000, 20250401), "stress-80": (80, 30_000, 20250402)}


def main() -> None:
    for name, (n_tasks, n_subjects, seed) in STRESS.items():
        path = PROFILES / f"{name}.yaml"
        path.write_text(profile_text(name, n_tasks, n_subjects, seed), encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
