"""The papers' letterhead: scenario.yaml district, authority, seal_text, contact; a subject's address, 负责人 and
phone. Checked like every other field, carried by the bundled scenarios, and never part of what is planned."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from scenarios import check_scenario, load_scenario
from scenarios.load import canonical_hash

ROOT = Path(__file__).resolve().parents[1] / "scenarios"
BUNDLED = ["tiny", "putuo-2023", "changning-2024", "city-3/huangpu", "city-3/xuhui", "city-3/changning"]


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenarios_carry_a_letterhead(name: str) -> None:
    scenario, problems = check_scenario(ROOT / name)
    assert scenario is not None and not [p for p in problems if p.field in ("district", "authority", "seal_text", "contact")]
    spec = scenario.spec
    assert spec.district and spec.district.endswith("区") and spec.authority and spec.authority.startswith(spec.district)
    assert spec.seal_text and spec.contact
    assert {"address", "contact_person", "contact_phone"} <= set(scenario.subjects.columns)
    assert scenario.subjects["address"].str.contains(spec.district).all()


def test_letterhead_fields_are_known_and_checked(tiny_copy: Path, edit) -> None:
    scenario, problems = check_scenario(tiny_copy)
    assert scenario is not None and not any(p.code == "yaml.unknown_field" for p in problems)
    edit(tiny_copy / "scenario.yaml", "authority: 长宁区市场监督管理局", "authority: ''")
    scenario, problems = check_scenario(tiny_copy)
    assert scenario is None
    bad = [p for p in problems if p.severity == "error"]
    assert [p.field for p in bad] == ["authority"] and bad[0].row == 9


def test_letterhead_is_not_in_the_content_hash(tiny_copy: Path, edit) -> None:
    """Correcting the authority or a firm's phone changes no seed, hence no draw: the hash stays."""
    before = load_scenario(tiny_copy).content_hash
    edit(tiny_copy / "scenario.yaml", "authority: 长宁区市场监督管理局", "authority: 长宁区联席会议办公室")
    edit(tiny_copy / "subjects.csv", "021-50000000", "021-59999999")
    after = load_scenario(tiny_copy)
    assert after.spec.authority == "长宁区联席会议办公室"
    assert after.content_hash == before
    without = after.subjects.drop("address", "contact_person", "contact_phone")
    assert canonical_hash(after.spec, without, after.officers) == before
    edit(tiny_copy / "subjects.csv", "S001,长宁小厨餐饮店", "S001,长宁小厨饭店")
    assert load_scenario(tiny_copy).content_hash != before


def test_a_phone_that_is_not_one_is_a_warning_naming_its_row(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "subjects.csv", "021-50000000", "ask the shop")
    scenario, problems = check_scenario(tiny_copy)
    assert scenario is not None  # printed as given: the plan is unaffected
    [warning] = [p for p in problems if p.code == "cell.phone"]
    assert (warning.file, warning.row, warning.field, warning.severity) == ("subjects.csv", 2, "contact_phone", "warning")
    assert "电话" in warning.text("zh") and "telephone" in warning.text("en")
    assert scenario.subjects.filter(pl.col("subject_id") == "S001")["contact_phone"].item() == "ask the shop"
