"""Lossless: a scenario written out as the office's workbook (``template``) and imported back (``import``) is the same
scenario — same content hash, so the same plan seed — and plans to byte-identical draws and visits. On the bundled
scenarios, on generated districts, and on the same workbook saved as GB18030 CSV exports."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from optimizer.export import write_plan
from optimizer.plan import make_plan
from scenarios import Scenario, load_scenario
from scenarios.generate import generate_scenario
from scenarios.office import import_office, write_template
from ui.cli import app

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
PLAN_FILES = ("draws.parquet", "visits.parquet", "assignments.parquet", "unplaced.parquet")
runner = CliRunner()


def _round_trip(scenario: Scenario, tmp_path: Path) -> Scenario:
    book = tmp_path / "workbook.xlsx"
    write_template(book, scenario)
    result = import_office(book, tmp_path / "imported")
    assert result.errors == [], [p.describe("en") for p in result.errors]
    return load_scenario(tmp_path / "imported")  # as a planner would load it: from the folder written


def _same_plan(original: Scenario, imported: Scenario, tmp_path: Path, seed: str = "20240301") -> None:
    assert imported.content_hash == original.content_hash
    assert imported.spec.model_dump(mode="json") == original.spec.model_dump(mode="json")
    for which, scenario in (("a", original), ("b", imported)):
        write_plan(make_plan(scenario, seed), tmp_path / f"plan-{which}")
    for name in PLAN_FILES:
        assert (tmp_path / "plan-a" / name).read_bytes() == (tmp_path / "plan-b" / name).read_bytes(), name
    assert pl.read_parquet(tmp_path / "plan-a" / "draws.parquet").filter("selected").height > 0


@pytest.mark.parametrize("name", ["tiny", "putuo-2023"])
def test_bundled_scenario_round_trips_to_the_same_plan(name: str, tmp_path: Path) -> None:
    original = load_scenario(SCENARIOS / name)
    _same_plan(original, _round_trip(original, tmp_path), tmp_path)


@pytest.mark.slow
def test_changning_round_trips_to_the_same_plan(tmp_path: Path) -> None:
    original = load_scenario(SCENARIOS / "changning-2024")
    _same_plan(original, _round_trip(original, tmp_path), tmp_path)


@pytest.mark.parametrize("seed", [7, 2024])
def test_generated_district_round_trips(seed: int, tmp_path: Path) -> None:
    generate_scenario("putuo-2023", tmp_path / "district", n_subjects=900, seed=seed)
    original = load_scenario(tmp_path / "district")
    _same_plan(original, _round_trip(original, tmp_path), tmp_path, seed=str(seed))


def test_cli_template_then_import_then_plan(tmp_path: Path) -> None:
    """The README's three commands: template of a scenario, import of it, the first plan — the same plan."""
    book, imported = tmp_path / "tiny.xlsx", tmp_path / "tiny-imported"
    assert runner.invoke(app, ["template", str(SCENARIOS / "tiny"), "--out", str(book)]).exit_code == 0
    result = runner.invoke(app, ["import", str(book), "--out", str(imported)])
    assert result.exit_code == 0, result.output
    for which, scenario in (("a", SCENARIOS / "tiny"), ("b", imported)):
        result = runner.invoke(app, ["plan", str(scenario), "--seed", "42", "--out", str(tmp_path / f"plan-{which}")])
        assert result.exit_code == 0, result.output
    for name in PLAN_FILES:
        assert (tmp_path / "plan-a" / name).read_bytes() == (tmp_path / "plan-b" / name).read_bytes(), name


def test_directories_as_gb18030_csv_exports_import_to_the_same_scenario(tmp_path: Path) -> None:
    """The subject and officer sheets saved by Excel as "CSV" on Chinese Windows (GB18030, no BOM), given with
    --subjects / --officers: same scenario, and the encoding is reported."""
    from openpyxl import load_workbook

    original = load_scenario(SCENARIOS / "tiny")
    book = tmp_path / "tiny.xlsx"
    write_template(book, original)
    exports = {}
    workbook = load_workbook(book, read_only=True)
    for role, sheet in (("subjects", "检查对象名录"), ("officers", "执法人员名录")):
        rows = ["," .join("" if v is None else str(v) for v in row) for row in workbook[sheet].iter_rows(values_only=True)]
        exports[role] = tmp_path / f"{sheet}.csv"
        exports[role].write_bytes(("\r\n".join(rows) + "\r\n").encode("gb18030"))
    workbook.close()
    result = import_office(book, tmp_path / "imported", files=exports)
    assert result.errors == []
    assert result.encodings == {"检查对象名录.csv": "GB18030", "执法人员名录.csv": "GB18030"}
    assert result.scenario.content_hash == original.content_hash


def test_a_scenario_without_declared_types_with_own_file_names_and_extra_fields(tmp_path: Path) -> None:
    """object_types left to the directory, subjects and officers under other file names, extra fields on items and
    tasks (kept by the loader): all come back."""
    import shutil

    import yaml

    folder = tmp_path / "own"
    shutil.copytree(SCENARIOS / "tiny", folder)
    spec = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    del spec["object_types"]
    spec["subjects"], spec["officers"] = "名录.csv", "人员.csv"
    spec["items"][0]["remark"] = "每年必查"
    spec["tasks"][1]["note"] = "与消防联合"
    (folder / "subjects.csv").rename(folder / "名录.csv")
    (folder / "officers.csv").rename(folder / "人员.csv")
    (folder / "scenario.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    original = load_scenario(folder)
    imported = _round_trip(original, tmp_path)
    assert imported.spec.object_types is None and imported.spec.subjects == "名录.csv"
    assert imported.content_hash == original.content_hash


def test_a_gb18030_directory_scores_as_it_validates(tmp_path: Path) -> None:
    """score re-reads subjects.csv: a GB18030 directory, which validate loads, scores too (the scored copy UTF-8)."""
    import shutil

    from scoring import load_card, score_scenario
    from scenarios.generate.indicators import indicator_columns

    folder = tmp_path / "gbk"
    shutil.copytree(SCENARIOS / "tiny", folder)
    raw = pl.read_csv(folder / "subjects.csv", infer_schema=False)
    text = pl.concat([raw, indicator_columns(raw["risk_class"], 7)], how="horizontal").write_csv()
    (folder / "subjects.csv").write_bytes(text.encode("gb18030"))
    scored = score_scenario(load_scenario(folder), load_card("enterprise-disclosure"), tmp_path / "scored")
    assert scored is not None and load_scenario(tmp_path / "scored").subjects.height == 48
