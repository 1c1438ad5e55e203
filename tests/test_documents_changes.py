"""The changes of an adjusted plan (动态调整) as a paper of ``jointcheck export``: every changed visit of
``changes.json`` once, with names not codes, dates without times, Chinese and English, in every format;
formula-safe like every paper; refused with a clear message for a plan that is not an adjustment."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from documents import FORMATS, WHATS, make_documents
from optimizer.adjust import adjust_plan, write_adjusted
from optimizer.export import write_plan
from optimizer.plan import make_plan
from scenarios import load_scenario
from tests.test_adjust import AS_OF, SCENARIOS, VALUE, updated_tiny
from ui.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def adjusted(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("changes-doc")
    write_plan(make_plan(load_scenario(SCENARIOS / "tiny"), VALUE), root / "v1")
    updated_dir = updated_tiny(root / "tiny-2")
    # a hostile officer name: the paper must not hand a spreadsheet a formula
    officers = (updated_dir / "officers.csv").read_text(encoding="utf-8").splitlines()
    header = officers[0].split(",")
    at = header.index("name")
    cells = officers[1].split(",")
    cells[at] = "=HYPERLINK(1)"
    officers[1] = ",".join(cells)
    (updated_dir / "officers.csv").write_text("\n".join(officers) + "\n", encoding="utf-8")
    updated = load_scenario(updated_dir)
    write_adjusted(adjust_plan(root / "v1", updated, VALUE, AS_OF), root / "v2")
    return {"root": root, "updated": updated, "updated_dir": updated_dir}


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_export_of_an_adjusted_plan_adds_the_changes_in_every_format(adjusted: dict) -> None:
    out = adjusted["root"] / "docs"
    result = runner.invoke(app, ["export", "--allow-unrecorded", str(adjusted["root"] / "v2"), str(adjusted["updated_dir"]), "--out", str(out),
                                 *[a for f in FORMATS for a in ("--format", f)]])
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    for what in (*WHATS, "changes"):
        for fmt in FORMATS:
            assert f"{what}.{fmt}" in names, (what, fmt)


def test_changes_list_every_changed_visit_with_names_not_codes(adjusted: dict) -> None:
    v2, scenario = adjusted["root"] / "v2", adjusted["updated"]
    diff = json.loads((v2 / "changes.json").read_text(encoding="utf-8"))
    files = make_documents(v2, scenario, ["changes"], ["csv"])
    tasks, visits = _csv(files["changes.csv"]), _csv(files["changes-2.csv"])
    head, body = visits[0], visits[1:]
    assert head[:5] == ["变更类型", "检查对象名称", "检查对象编号", "原检查日期", "调整后检查日期"]
    assert len(body) == len(diff) > 0
    # each row of the diff once, by visit id and kind
    kinds = {"added": "新增上门", "removed": "取消上门", "moved": "改期", "tasks_changed": "检查任务变更",
             "team_changed": "检查人员变更"}
    assert sorted((r[head.index("检查编号")], r[0]) for r in body) == sorted((d["visit_id"], kinds[d["change"]]) for d in diff)
    names = dict(scenario.subjects.select("subject_id", "name").iter_rows())
    task_names = {t.id: t.name for t in scenario.tasks}
    officer_names = dict(scenario.officers.select("officer_id", "name").iter_rows())
    for row, d in zip(sorted(body, key=lambda r: (r[head.index("检查编号")], r[0])),
                      sorted(diff, key=lambda d: (d["visit_id"], kinds[d["change"]]))):
        assert row[head.index("检查对象名称")] == names[d["subject_id"]]
        for side in ("before", "after"):
            label = {"before": "原", "after": "调整后"}[side]
            if d[f"tasks_{side}"]:
                want = "；".join(task_names.get(t, f"{t}（已取消）") for t in d[f"tasks_{side}"].split(";"))
                assert row[head.index(f"{label}抽查任务")] == want
            if d[f"officers_{side}"]:
                got = row[head.index(f"{label}执法检查人员")]
                for o in d[f"officers_{side}"].split(";"):
                    assert officer_names[o].lstrip("=") in got and o not in got
            assert row[head.index(f"{label}检查日期")] == (d[f"date_{side}"] or "")  # dates without times
    # the task-level changes: added, cancelled (by id, marked), moved with its new window
    assert [r[0] for r in tasks[1:]].count("新增抽查任务") == 2
    assert ["取消抽查任务", "T04（已取消）", ""] in tasks[1:]
    assert ["调整抽查时间", task_names["T05"], "2024-08-01 ~ 2024-09-30"] in tasks[1:]


def test_changes_in_english_xlsx_html_pdf(adjusted: dict) -> None:
    v2, scenario = adjusted["root"] / "v2", adjusted["updated"]
    files = make_documents(v2, scenario, ["changes"], ["xlsx", "html", "pdf"], "en")
    book = openpyxl.load_workbook(io.BytesIO(files["changes.xlsx"]))
    assert book.sheetnames == ["task changes", "visit changes"]
    sheet = book["visit changes"]
    header = [c.value for c in sheet[3]]
    assert header[:5] == ["Change", "Subject", "Subject id", "Date before", "Date after"]
    kinds = {sheet.cell(r, 1).value for r in range(4, sheet.max_row + 1)}
    assert "visit added" in kinds and "visit moved" in kinds
    dates = [sheet.cell(r, 5) for r in range(4, sheet.max_row + 1) if sheet.cell(r, 5).value is not None]
    assert dates and all(c.number_format == "yyyy-mm-dd" and c.value.time() == dt.time() for c in dates)
    # formula-safe: the hostile officer name is text, not a formula
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("=HYPERLINK(1)" in t for t in texts) and not any(t.lstrip().startswith("=") for t in texts)
    html = files["changes.html"].decode("utf-8")
    assert "<h2>task changes</h2>" in html and "<h2>visit changes</h2>" in html and "task cancelled" in html
    assert "visit added" in html and "Subject id" not in html  # the machine column is not printed
    assert files["changes.pdf"].startswith(b"%PDF")


def test_changes_are_byte_identical_and_refused_for_a_plan_that_is_not_an_adjustment(adjusted: dict, tmp_path: Path) -> None:
    v2, scenario = adjusted["root"] / "v2", adjusted["updated"]
    assert make_documents(v2, scenario, ["changes"], list(FORMATS)) == make_documents(v2, scenario, ["changes"], list(FORMATS))
    tiny = SCENARIOS / "tiny"
    default = runner.invoke(app, ["export", "--allow-unrecorded", str(adjusted["root"] / "v1"), str(tiny), "--out", str(tmp_path / "d1"),
                                  "--format", "csv"])
    assert default.exit_code == 0 and not (tmp_path / "d1" / "changes.csv").exists()
    refused = runner.invoke(app, ["export", "--allow-unrecorded", str(adjusted["root"] / "v1"), str(tiny), "--out", str(tmp_path / "d2"),
                                  "--what", "changes"])
    assert refused.exit_code != 0 and "not an adjusted plan" in refused.output and "Traceback" not in refused.output
    assert not (tmp_path / "d2").exists()


def test_a_hostile_change_file_is_a_clear_error(adjusted: dict, tmp_path: Path) -> None:
    copy = tmp_path / "v2"
    shutil.copytree(adjusted["root"] / "v2", copy)
    (copy / "changes.json").write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["export", "--allow-unrecorded", str(copy), str(adjusted["updated_dir"]), "--out", str(tmp_path / "d"),
                                 "--what", "changes"])
    assert result.exit_code != 0 and "changes.json" in result.output and "Traceback" not in result.output
