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
GENERATED = BUNDLED[1:]  # tiny's hand-written directory has no address columns: they are optional


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenarios_carry_a_letterhead(name: str) -> None:
    scenario, problems = check_scenario(ROOT / name)
    assert scenario is not None and not [p for p in problems if p.field in ("district", "authority", "seal_text", "contact")]
    spec = scenario.spec
    assert spec.district and spec.district.endswith("区") and spec.authority and spec.authority.startswith(spec.district)
    assert spec.seal_text and spec.contact
    if name in GENERATED:
        assert {"address", "contact_person", "contact_phone"} <= set(scenario.subjects.columns)
        assert scenario.subjects["address"].str.contains(spec.district).all()


def test_letterhead_fields_are_known_and_checked(tiny_copy: Path, edit) -> None:
    scenario, problems = check_scenario(tiny_copy)
    assert scenario is not None and not any(p.code == "yaml.unknown_field" for p in problems)
    edit(tiny_copy / "scenario.yaml", "authority: 长宁区市场监督管理局", "authority: ''")
    scenario, problems = check_scenario(tiny_copy)
    assert scenario is None
    bad = [p for p in problems if p.severity == "error"]
    assert [p.field for p in bad] == ["authority"] and bad[0].row == 89


def _with_contacts(root: Path) -> None:
    """Give tiny's directory the optional address, 负责人 and phone columns."""
    lines = (root / "subjects.csv").read_text(encoding="utf-8").splitlines()
    out = [lines[0] + ",address,contact_person,contact_phone"]
    out += [f"{line},上海市长宁区示例路{k}号,王伟,021-5{k:07d}" for k, line in enumerate(lines[1:], start=1)]
    (root / "subjects.csv").write_text("\n".join(out) + "\n", encoding="utf-8")


def test_letterhead_is_not_in_the_content_hash(tiny_copy: Path, edit) -> None:
    """Adding the contact columns, correcting the authority or a firm's phone changes no seed, hence no draw."""
    before = load_scenario(tiny_copy).content_hash
    _with_contacts(tiny_copy)
    assert load_scenario(tiny_copy).content_hash == before
    edit(tiny_copy / "scenario.yaml", "authority: 长宁区市场监督管理局", "authority: 长宁区联席会议办公室")
    edit(tiny_copy / "subjects.csv", "021-50000001", "021-59999999")
    after = load_scenario(tiny_copy)
    assert after.spec.authority == "长宁区联席会议办公室"
    assert after.content_hash == before
    without = after.subjects.drop("address", "contact_person", "contact_phone")
    assert canonical_hash(after.spec, without, after.officers) == before
    edit(tiny_copy / "subjects.csv", "S001,长宁小厨餐饮店", "S001,长宁小厨饭店")
    assert load_scenario(tiny_copy).content_hash != before


def test_a_phone_that_is_not_one_is_a_warning_naming_its_row(tiny_copy: Path, edit) -> None:
    _with_contacts(tiny_copy)
    edit(tiny_copy / "subjects.csv", "021-50000001", "ask the shop")
    scenario, problems = check_scenario(tiny_copy)
    assert scenario is not None  # printed as given: the plan is unaffected
    [warning] = [p for p in problems if p.code == "cell.phone"]
    assert (warning.file, warning.row, warning.field, warning.severity) == ("subjects.csv", 2, "contact_phone", "warning")
    assert "电话" in warning.text("zh") and "telephone" in warning.text("en")
    assert scenario.subjects.filter(pl.col("subject_id") == "S001")["contact_phone"].item() == "ask the shop"


def test_task_sheet_prints_the_firms_address_person_and_phone(tiny_copy: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from documents import build_document, load_context
    from ui.cli import app

    _with_contacts(tiny_copy)
    plan = tmp_path / "plan"
    assert CliRunner().invoke(app, ["plan", str(tiny_copy), "--seed", "1", "--out", str(plan)]).exit_code == 0
    ctx = load_context(plan, load_scenario(tiny_copy))
    sheet = build_document(ctx, "task-sheets", "zh").sheets[0]
    facts = {label: value for label, value, _ in sheet.facts}
    assert facts["地址"].startswith("上海市长宁区示例路") and facts["负责人"] == "王伟" and facts["联系电话"].startswith("021-5")
    bare = build_document(load_context(plan, replace_subjects(ctx)), "task-sheets", "zh").sheets[0]
    assert "地址" not in {label for label, _, _ in bare.facts}  # no column, no empty line


def replace_subjects(ctx):  # noqa: ANN001, ANN201 - the scenario without the optional columns
    scenario = ctx.scenario
    return scenario.model_copy(update={"subjects": scenario.subjects.drop("address", "contact_person", "contact_phone")})
