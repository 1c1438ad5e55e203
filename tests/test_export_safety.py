"""Issue 14 items 4 and 5: every export neutralises formulas with one function, and the plan-folder zip keeps
every path built from the plan id inside its folder."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from optimizer.plan import PlanSettings, make_plan
from records.cells import FORMULA_START, csv_safe
from scenarios import load_scenario
from ui.webapp.exports import (
    csv_zip_bytes,
    excel_bytes,
    folder_name,
    plan_dir_zip_bytes,
)

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "scenarios" / "tiny"
FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture(scope="module")
def hostile_plan(tmp_path_factory: pytest.TempPathFactory):
    """tiny with formulas in task, department, item, object type, subject and officer names."""
    root = tmp_path_factory.mktemp("hostile") / "tiny"
    shutil.copytree(TINY, root)
    text = (root / "scenario.yaml").read_text(encoding="utf-8")
    for old, new in [("name: 旅行社行业监管联合抽查", f"name: '{FORMULA}'"), ("name: 区教育局", "name: '+1+1'"),
                     ("name: 学校食堂食品安全检查", "name: '-2+3'"), ("name: 餐饮服务单位", "name: '@SUM(A1:A9)'")]:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (root / "scenario.yaml").write_text(text, encoding="utf-8")
    for name in ("subjects.csv", "officers.csv"):
        lines = (root / name).read_text(encoding="utf-8").splitlines()
        head, rows = lines[0], lines[1:]
        rows = [",".join([r.split(",")[0], '"=1+1"' if k % 2 else '"\t=2+2"', *r.split(",")[2:]]) for k, r in enumerate(rows)]
        (root / name).write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    return make_plan(load_scenario(root), "20240301")


def _dangerous(value: object) -> bool:
    return isinstance(value, str) and (value.startswith(FORMULA_START) or value.lstrip().startswith(FORMULA_START))


def test_excel_export_has_no_live_formula(hostile_plan) -> None:
    book = load_workbook(io.BytesIO(excel_bytes(hostile_plan)))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "live formula cells"
    assert not [c.value for c in cells if _dangerous(c.value)]
    assert any(isinstance(c.value, str) and c.value.startswith("'=HYPERLINK") for c in cells)  # kept, escaped


def test_csv_zip_has_no_formula_cell(hostile_plan) -> None:
    archive = zipfile.ZipFile(io.BytesIO(csv_zip_bytes(hostile_plan)))
    bad = []
    for name in archive.namelist():
        for row in csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))):
            bad += [(name, v) for v in row if _dangerous(v)]
    assert not bad, bad[:5]


@pytest.mark.parametrize("plan_id", ["../../../../tmp/jc-escape-14", "/tmp/jc-escape-14-abs", "a/../../b", "..", "",
                                     "名单/../x", "x\\..\\y"])
def test_plan_zip_stays_in_its_folder(plan_id: str) -> None:
    plan = make_plan(load_scenario(TINY), "20240301", PlanSettings(plan_id=plan_id or None))
    escaped = [Path("/tmp/jc-escape-14"), Path("/tmp/jc-escape-14-abs")]
    for p in escaped:
        shutil.rmtree(p, ignore_errors=True)
    names = zipfile.ZipFile(io.BytesIO(plan_dir_zip_bytes(plan))).namelist()
    assert not [p for p in escaped if p.exists()], "wrote outside the temporary folder"
    assert len({n.split("/")[0] for n in names}) == 1 and len(names) == 5
    assert not [n for n in names if n.startswith("/") or ".." in n.split("/") or "\\" in n or n.count("/") != 1]


def test_folder_name_is_one_harmless_component() -> None:
    for text in ["../../x", "/abs", "..", ".", "", "a/b", "长宁-2024"]:
        name = folder_name(text)
        assert name and "/" not in name and not name.startswith(".")
    assert folder_name("长宁-2024") == "长宁-2024"


def test_publish_uses_the_shared_function() -> None:
    from records import publish

    assert publish.csv_safe is csv_safe
    assert csv_safe(" \u3000=1").startswith("'") and csv_safe("=1") == "'=1" and csv_safe("a=1") == "a=1"
