"""The item catalogue: every task of the bundled scenarios inspects only what its departments hold for its
object type, with no qualification the object type does not call for; 龙湾's general items are merged."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scenarios import load_scenario
from scenarios.generate import build_scenario, load_profile
from scenarios.generate.catalogue import CATALOGUE_FILE, Catalogue, load_catalogue
from scenarios.generate.profile import Profile

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.mark.parametrize("name", ["changning-2024", "putuo-2023"])
def test_every_item_belongs_to_a_task_department_and_its_object_type(name: str) -> None:
    scenario = load_scenario(SCENARIOS / name)
    catalogue = load_catalogue()
    items = scenario.items
    for task in scenario.tasks:
        calls_for = catalogue.calls_for(task.object_type)
        for item_id in task.items:
            item = items[item_id]
            where = f"{name} {task.id} {task.name}: {item_id} {item.name}"
            assert item.department in task.departments, where
            entry = catalogue.entry(item.department, item.name)
            assert entry is not None, f"{where} is not in the catalogue under {item.department}"
            assert entry.applies_to(task.object_type), f"{where} does not apply to {task.object_type}"
            assert item.kind == entry.kind and item.qualification == entry.qualification, where
            if item.qualification:
                assert item.qualification in calls_for, f"{where} needs {item.qualification}"


def test_the_issue_examples_are_gone() -> None:
    scenario = load_scenario(SCENARIOS / "changning-2024")
    items, tasks = scenario.items, {t.id: t for t in scenario.tasks}
    names = {t: [items[i].name for i in task.items] for t, task in tasks.items()}
    assert "餐饮服务食品安全监督检查" in names["T01"]                       # food safety in the food-safety task
    assert {"食品销售者监督检查", "明码标价检查"} <= set(names["T08"])       # food safety and pricing
    assert {"明码标价检查", "年度报告公示信息检查"} <= set(names["T06"])
    restaurants = [t for t in scenario.tasks if t.object_type == "restaurant"]
    assert all(items[i].qualification not in {"radiation", "special_equipment"} for t in restaurants for i in t.items)
    radiation = {t.object_type for t in scenario.tasks for i in t.items if items[i].qualification == "radiation"}
    assert radiation <= {"clinic", "radiation_user"}  # radiation for medical institutions, never a restaurant


def test_catalogue_cites_every_source_and_refuses_an_implausible_qualification() -> None:
    data = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    catalogue = Catalogue.model_validate(data)
    used = {e.source for entries in catalogue.items.values() for e in entries}
    assert used <= set(catalogue.sources) and {"seed000", "seed003", "national"} <= used
    assert "restaurant" not in catalogue.qualifications["radiation"]
    data["items"]["ENV"].append({"name": "餐饮服务单位辐射安全检查", "kind": "key", "types": ["restaurant"],
                                 "qualification": "radiation", "source": "project"})
    with pytest.raises(ValueError, match="needs 'radiation', which restaurant does not call for"):
        Catalogue.model_validate(data)


def _longwan_profile(**change) -> Profile:
    base = load_profile("putuo-2023").model_dump()
    base.update(policy="longwan-2023", n_subjects=3000, **change)
    return Profile.model_validate(base)


def test_longwan_merges_its_general_items_into_every_task() -> None:
    spec, _, _ = build_scenario(_longwan_profile(tasks=[
        t for t in load_profile("putuo-2023").model_dump()["tasks"] if "SAMR" in [t["lead"], *t["partners"]]
    ]))
    items = {i["id"]: i for i in spec["items"]}
    assert {items[c]["name"] for c in ("A99", "A100", "A101")} == {"公示信息检查", "价格行为检查", "市场类标准监督检查"}
    assert all(items[c]["kind"] == "general" and items[c]["department"] == "SAMR" for c in ("A99", "A100", "A101"))
    for task in spec["tasks"]:
        assert {"A99", "A100", "A101"} <= set(task["items"]), task["name"]


def test_longwan_needs_the_market_regulator_on_every_task() -> None:
    with pytest.raises(ValueError, match="merges items of SAMR into every task"):
        build_scenario(_longwan_profile())  # 校车安全管理 (EDU, PSB) has no SAMR


def test_shanghai_policy_merges_nothing() -> None:
    spec, _, _ = build_scenario(load_profile("putuo-2023"), n_subjects=2000)
    assert not {"A99", "A100", "A101"} & {i["id"] for i in spec["items"]}


def _outside_profile(**change) -> Profile:
    """A profile in the older form: its own departments, object types and topics, no area code."""
    data = {
        "name": "nowhere-2025", "year": 2025, "policy": "shanghai-2024", "random_seed": 7, "n_subjects": 400,
        "grids": ["G1", "G2"], "risk_mix": {"A": 0.4, "B": 0.5, "C": 0.08, "D": 0.02},
        "penalized_3y_rate": {"A": 0, "B": 0.02, "C": 0.2, "D": 0.4}, "complaints_mean": {"A": 0, "B": 0.1, "C": 0.3, "D": 1},
        "departments": [{"id": "SAMR", "name": "区市场监管局", "officers": 6}, {"id": "PORT", "name": "港务局", "officers": 4}],
        "topics": {"SAMR": [{"name": "货物安全", "kind": "key"}], "PORT": [{"name": "码头作业", "kind": "key"}]},
        "object_types": [{"id": "wharf", "name": "码头", "weight": 1}],
        "tasks": [{"name": "码头联合检查", "object_type": "wharf", "lead": "PORT", "partners": ["SAMR"],
                   "window": ["03-01", "04-30"], "count": 5}],
    }
    return Profile.model_validate(data | change)


def test_profiles_outside_the_catalogue_use_their_own_topics() -> None:
    spec, subjects, _ = build_scenario(_outside_profile())
    assert sorted(i["name"] for i in spec["items"]) == ["码头码头作业检查", "码头货物安全检查"]
    assert subjects["subject_id"][0] == "NO0000001"  # no area code: plain numbers, as before


def test_a_department_without_items_for_the_type_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="department PORT holds no item for wharf"):
        build_scenario(_outside_profile(topics={}))
