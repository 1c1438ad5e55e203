"""Seeded synthetic cities: N district scenarios from one district profile, plus ``city.yaml``.

District k (0-based) is the profile's scenario generated with seed ``seed + k`` under the k-th district's
name and 行政区划码 (上海's 16 districts in order, then numbered ones), so its subject ids are credit codes of
that district. Two city-wide tasks are copied from the first district's tasks whose departments, items and
object type every district shares: the most populous as a ``ratio`` task (as intense as the district task it
copies), the next as a ``count`` task of three subjects per district. The same arguments give byte-identical files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import yaml

from scenarios.atomic import atomic_directory
from scenarios.generate import _dump_yaml, build_scenario
from scenarios.generate.profile import Profile, load_profile

__all__ = ["DISTRICTS", "generate_city", "city_district"]

# 上海市 districts: (directory, name, 行政区划码)
DISTRICTS: list[tuple[str, str, str]] = [
    ("huangpu", "黄浦区", "310101"), ("xuhui", "徐汇区", "310104"), ("changning", "长宁区", "310105"),
    ("jingan", "静安区", "310106"), ("putuo", "普陀区", "310107"), ("hongkou", "虹口区", "310109"),
    ("yangpu", "杨浦区", "310110"), ("minhang", "闵行区", "310112"), ("baoshan", "宝山区", "310113"),
    ("jiading", "嘉定区", "310114"), ("pudong", "浦东新区", "310115"), ("jinshan", "金山区", "310116"),
    ("songjiang", "松江区", "310117"), ("qingpu", "青浦区", "310118"), ("fengxian", "奉贤区", "310120"),
    ("chongming", "崇明区", "310151"),
]
CITY_RATIO = 0.05


def city_district(k: int) -> tuple[str, str, str]:
    """Directory, name and area code of district k: 上海's sixteen, then ``district-17`` (第17区, 3190xx)…"""
    if k < len(DISTRICTS):
        return DISTRICTS[k]
    return f"district-{k + 1}", f"第{k + 1}区", f"39{k + 1:04d}"


def _shared_tasks(specs: list[dict[str, Any]], subjects: pl.DataFrame) -> list[dict[str, Any]]:
    """The first district's tasks that every district can run, most populous object type first."""
    def items(spec: dict[str, Any]) -> dict[str, tuple[str, str]]:
        return {i["id"]: (i["name"], i["department"]) for i in spec["items"]}

    first, others = specs[0], specs[1:]
    sizes = dict(subjects.select(pl.col("object_types").str.split(";").explode()).group_by("object_types").len().iter_rows())
    candidates = []
    for task in first["tasks"]:
        wanted = {i: items(first)[i] for i in task["items"]}
        if all(all(items(s).get(i) == v for i, v in wanted.items()) for s in others):
            candidates.append(task)
    candidates.sort(key=lambda t: (-sizes.get(t["object_type"], 0), t["id"]))
    chosen, types = [], set()
    for task in candidates:
        if task["object_type"] not in types:
            chosen.append(task)
            types.add(task["object_type"])
    return chosen[:2]


def generate_city(
    out: str | Path, n_districts: int = 3, subjects_per_district: int = 2000, profile: str | Profile = "putuo-2023",
    seed: int | None = None, name: str | None = None, overwrite: bool = False,
) -> Path:
    """Write a city directory at ``out`` (atomically): one scenario per district and ``city.yaml``."""
    if n_districts < 1:
        raise ValueError("a city needs at least one district")
    base = profile if isinstance(profile, Profile) else load_profile(profile)
    seed = base.random_seed if seed is None else seed
    name = name or f"city-{base.year}-{n_districts}x{subjects_per_district}"
    built = []
    for k in range(n_districts):
        folder, district, area = city_district(k)
        local = base.model_copy(update={"name": f"{folder}-{base.year}", "district": district, "area_code": area,
                                        "authority": None, "seal_text": f"上海市{district}市场监督管理局",
                                        "contact": f"{district}“双随机、一公开”监管工作联席会议办公室"})
        spec, subjects, officers = build_scenario(local, subjects_per_district, seed + k)
        spec["description"] = f"{district}（合成，{base.name} 画像，种子 {seed + k}）"
        built.append((folder, spec, subjects, officers))
    city_tasks = []
    first = built[0][2]
    sizes = dict(first.select(pl.col("object_types").str.split(";").explode()).group_by("object_types").len().iter_rows())
    for k, task in enumerate(_shared_tasks([b[1] for b in built], first)):
        copy = {key: value for key, value in task.items() if key not in ("id", "name", "ratio", "count", "ratio_by_class")}
        # the ratio task samples as hard as the district task it copies (its count over its object type's size in
        # the first district), which the generator already kept under the general-item cap
        ratio = max(0.0001, round(min(1.0, task["count"] / max(1, sizes.get(task["object_type"], 1))), 4)) \
            if task.get("count") else task.get("ratio", CITY_RATIO)
        city_tasks.append({"id": f"C{k + 1:02d}", "name": f"全市统一联合抽查：{task['name']}", **copy,
                           **({"ratio": ratio} if k == 0 else {"count": 3 * n_districts})})
    city = {
        "name": name, "year": base.year, "policy": base.policy,
        "description": f"合成城市：{n_districts} 个区，每区 {subjects_per_district} 个检查对象（{base.name} 画像）",
        "region": "上海市", "authority": "上海市市场监督管理局", "seal_text": "上海市市场监督管理局",
        "contact": "上海市“双随机、一公开”监管工作联席会议办公室",
        "generator": {"profile": base.name, "random_seed": seed, "districts": n_districts,
                      "subjects_per_district": subjects_per_district},
        "districts": [b[0] for b in built],
        "tasks": city_tasks,
    }
    out = Path(out)
    with atomic_directory(out, overwrite=overwrite, mark="scenario") as staging:
        for folder, spec, subjects, officers in built:
            (staging / folder).mkdir()
            text = _dump_yaml(spec).split("\n", 1)[1]  # its own header names a profile run that is not this one
            (staging / folder / "scenario.yaml").write_text(
                f"# District {folder} of {name}; made by the city generator (see city.yaml); do not edit by hand.\n{text}",
                encoding="utf-8")
            subjects.write_csv(staging / folder / "subjects.csv")
            officers.write_csv(staging / folder / "officers.csv")
        head = (f"# Generated by `jointcheck generate city --districts {n_districts} --subjects-per-district "
                f"{subjects_per_district} --district-profile {base.name} --seed {seed}`; do not edit by hand.\n")
        body = yaml.safe_dump(city, allow_unicode=True, sort_keys=False, width=120, default_flow_style=None)
        (staging / "city.yaml").write_text(head + body, encoding="utf-8")
    return out
