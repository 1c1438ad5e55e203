"""Validation messages in Chinese (default) and English from one table (scenarios.messages.MESSAGES).

Every problem code has both templates with the same parameters; a Chinese template has no English words but
the technical names a planner types (file and column names, CSV, UTF-8 …); hostile scenarios give problems that
all carry a code, read in Chinese with their file, row and field, and with no English left once the planner's
own values are taken out; ``jointcheck validate`` speaks Chinese by default and English with ``--lang en``;
the app's problem table follows the language switch; a what-if error is Chinese too.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import string
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scenarios import check_scenario, load_scenario
from scenarios.messages import MESSAGES, PYDANTIC_CODES, render
from ui.cli import app

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "scenarios" / "tiny"
runner = CliRunner()

# technical names a Chinese message may keep: file names, YAML keys and CSV columns as the planner types them
ALLOWED = {
    "CSV", "UTF", "BOM", "YAML", "GBK", "GB", "NUL", "Excel", "Unicode", "YYYY", "MM", "DD", "true", "false",
    "scenario", "yaml", "subjects", "csv", "officers", "object_types", "window_flex", "ratio", "count",
    "ratio_by_class", "name", "year", "policy", "departments", "items", "tasks", "districts", "chinese", "calendar",
    "manifest", "json", "SHA", "chmod", "CR", "Saaty", "_max",
    "previous", "seed", "draws", "parquet", "as", "of",  # options --previous, --previous-seed, --as-of; draws.parquet
    "allow", "unrecorded", "force", "results", "out",  # --allow-unrecorded, --force, --out; results.parquet
    "xlsx", "xls", "JSON",  # the office's files (jointcheck import)
}


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def _english_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z_]{2,}", text) if w not in ALLOWED]


def test_every_code_has_both_templates_with_the_same_parameters():
    for code, (zh, en) in MESSAGES.items():
        assert zh.strip() and en.strip(), code
        assert _fields(zh) == _fields(en), code
        assert re.search(r"[\u4e00-\u9fff]", zh), f"{code}: the Chinese template has no Chinese"
    assert set(PYDANTIC_CODES.values()) <= set(MESSAGES)


def test_chinese_templates_have_no_english_but_technical_names():
    for code, (zh, _) in MESSAGES.items():
        words = _english_words(re.sub(r"\{[^}]*\}", "", zh))
        assert not words, f"{code}: {words} in {zh!r}"


def test_every_code_the_source_uses_is_in_the_table():
    used = set()
    for path in [*REPO.glob("scenarios/**/*.py"), *REPO.glob("ui/**/*.py"), *REPO.glob("optimizer/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"Problem\.of\([^\"]*?\"[^\"]*\"[^\"]*?\"([a-z_]+\.[a-z_]+)\"", text, re.S))
        used |= set(re.findall(r"WhatIfError\(\"([a-z_]+\.[a-z_]+)\"", text))
    assert len(used) > 40, used  # the scan sees the loader's problems
    assert used <= set(MESSAGES), used - set(MESSAGES)


def _hostile(root: Path) -> list[tuple[str, str, str]]:
    """(file, old, new) edits of tiny, each one a planner's mistake."""
    return [
        ("subjects.csv", ",B,G1,false,0", ",E,G1,maybe,-3"),
        ("subjects.csv", "S002,", "S001,"),
        ("officers.csv", "SAMR,", "NOPE,"),
        ("scenario.yaml", "lead: SAMR", "lead: NOPE"),
        ("scenario.yaml", "year: 2024", "year: twenty"),
        ("scenario.yaml", "    count: 2\n  - id: T05", "    count: 2\n    ratio: 0.1\n  - id: T05"),
        ("scenario.yaml", "  - id: T02", "  - id: T01"),
        ("scenario.yaml", "name:", "nmae: x\nname:"),
    ]


@pytest.fixture
def hostile_tiny(tmp_path) -> Path:
    root = tmp_path / "tiny"
    shutil.copytree(TINY, root)
    for file, old, new in _hostile(root):
        path = root / file
        text = path.read_text(encoding="utf-8")
        assert old in text, (file, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


def _without_values(problem) -> str:
    """The Chinese text with the planner's own values (the parameters) taken out."""
    text = problem.text("zh")
    for _, value in sorted(problem.params, key=lambda kv: -len(str(kv[1]))):
        if str(value):
            text = text.replace(str(value), "")
    return text


def test_hostile_scenario_problems_are_chinese_with_file_row_and_field(hostile_tiny):
    scenario, problems = check_scenario(hostile_tiny)
    assert scenario is None and len(problems) >= 8
    for p in problems:
        assert p.code in MESSAGES, p
        assert p.file in ("scenario.yaml", "subjects.csv", "officers.csv"), p
        assert p.row is not None, f"no row: {p}"
        assert p.text("en") == p.message
        assert not _english_words(_without_values(p)), (p.text("zh"), _english_words(_without_values(p)))
    found = {(p.file, p.field): p.text("zh") for p in problems}
    assert found[("subjects.csv", "risk_class")] == "“E”不是 A、B、C、D 之一"
    assert found[("subjects.csv", "penalized_3y")] == "“maybe”不是 true 或 false（是/否）"
    assert found[("officers.csv", "department")] == "未知部门“NOPE”"
    assert found[("scenario.yaml", "year")] == "“twenty”：应为整数"
    assert found[("scenario.yaml", "tasks[T04]")].startswith("ratio、count、ratio_by_class 须且只须给出一个")
    assert any(p.code == "yaml.unknown_field" and p.field == "nmae" for p in problems)


def test_validate_speaks_chinese_by_default_and_english_on_request(hostile_tiny):
    zh = runner.invoke(app, ["validate", str(hostile_tiny)], env={"LANG": "zh_CN.UTF-8"})
    assert zh.exit_code == 1
    assert "错误 subjects.csv 第 2 行，字段 risk_class：“E”不是 A、B、C、D 之一" in zh.output, zh.output
    assert "is not one of" not in zh.output and "个错误" in zh.output
    en = runner.invoke(app, ["validate", str(hostile_tiny), "--lang", "en"])
    assert en.exit_code == 1
    assert "subjects.csv row 2, risk_class: 'E' is not one of A, B, C, D" in en.output, en.output
    assert "不是" not in en.output
    ok = runner.invoke(app, ["validate", str(TINY), "--lang", "zh"])
    assert ok.exit_code == 0 and "tiny：校验通过" in ok.output and "场景概况" in ok.output, ok.output
    for line in ok.output.splitlines():
        assert not _english_words(line.replace("tiny", "")), line


def test_json_gives_code_parameters_and_both_languages(hostile_tiny):
    import json

    result = runner.invoke(app, ["validate", str(hostile_tiny), "--json"])
    problems = json.loads(result.output)["problems"]
    risk = next(p for p in problems if p["field"] == "risk_class")
    assert risk["code"] == "cell.risk_class" and risk["params"] == {"value": "E"}
    assert risk["message_zh"] == "“E”不是 A、B、C、D 之一" and risk["message_en"] == "'E' is not one of A, B, C, D"


def test_warnings_that_named_only_a_file_now_have_a_row():
    """Issue 14 item 11: a department without officers, a qualification nobody holds, a task asking for more
    subjects than exist — located at the scenario.yaml line that asks for it."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "tiny"
        shutil.copytree(TINY, copy)
        officers = copy / "officers.csv"
        lines = officers.read_text(encoding="utf-8").splitlines()
        officers.write_text("\n".join([lines[0], *[x for x in lines[1:] if ",CULT," not in x]]) + "\n", encoding="utf-8")
        _, problems = check_scenario(copy)
        unstaffed = [p for p in problems if p.code == "officers.department_unstaffed"]
        assert unstaffed and all(p.row is not None and p.file == "scenario.yaml" for p in unstaffed), problems
        text = (copy / "scenario.yaml").read_text(encoding="utf-8").splitlines()
        assert all("CULT" in text[p.row - 1] for p in unstaffed)
        assert unstaffed[0].text("zh").startswith("部门“CULT”参与任务")


def test_app_problem_table_follows_the_language():
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from app_harness import go_to, start_app

    from ui.webapp.scenario_io import check_upload

    subjects = (TINY / "subjects.csv").read_text(encoding="utf-8").replace(",B,G1,false,0", ",E,G1,false,0", 1)
    yaml = (TINY / "scenario.yaml").read_text(encoding="utf-8").replace("lead: SAMR", "lead: NOPE", 1)
    _, problems, _ = check_upload([("scenario.yaml", yaml.encode()), ("subjects.csv", subjects.encode()),
                                   ("officers.csv", (TINY / "officers.csv").read_bytes())])
    at = start_app()
    at.session_state["upload_problems"] = problems
    at.session_state["keep:source"] = "upload"
    go_to(at, "scenario")
    table = at.dataframe[0].value
    assert list(table.columns) == ["文件", "行", "字段", "问题", "级别"]
    rows = {(f, r, c): m for f, r, c, m in zip(table["文件"], table["行"], table["字段"], table["问题"])}
    assert rows[("subjects.csv", 2, "risk_class")] == "“E”不是 A、B、C、D 之一"
    assert rows[("scenario.yaml", 35, "tasks[T01].lead")] == "未知部门“NOPE”"
    assert set(table["级别"]) == {"错误"}
    for p in problems:
        assert not _english_words(_without_values(p))
    at.sidebar.radio(key="lang").set_value("en").run()
    table = at.dataframe[0].value
    rows = {(f, r, c): m for f, r, c, m in zip(table["File"], table["Row"], table["Field"], table["Message"])}
    assert rows[("subjects.csv", 2, "risk_class")] == "'E' is not one of A, B, C, D"


def test_whatif_errors_in_both_languages():
    from ui.webapp.whatif import WhatIfError, apply_whatif

    tiny = load_scenario(TINY)
    with pytest.raises(WhatIfError) as bad:
        apply_whatif(tiny, windows={"T04": (dt.date(2024, 6, 1), dt.date(2024, 5, 1), None, None)})
    assert bad.value.text("zh") == "任务 T04：结束日期 2024-05-01 早于开始日期 2024-06-01"
    assert bad.value.text("en") == str(bad.value) == "task T04: end 2024-05-01 is before start 2024-06-01"
    with pytest.raises(WhatIfError) as bad:
        apply_whatif(tiny, capacities={"EDU": -1})
    assert bad.value.text("zh") == "部门 EDU：每周能力 -1 为负数"
    assert render("whatif.window_year", {"task": "T04", "year": 2024}, "zh") == "任务 T04：时间窗口和可调整范围必须在场景年度 2024 内"
