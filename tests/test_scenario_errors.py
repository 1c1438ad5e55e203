"""Bad input gets a clear error naming the file, the row and the field — every problem at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios import Problem, ScenarioError, check_scenario, load_scenario


def errors_of(root: Path) -> list[Problem]:
    scenario, problems = check_scenario(root)
    errors = [p for p in problems if p.severity == "error"]
    assert scenario is None, "a scenario with errors must not load"
    assert errors, "expected at least one error"
    return errors


def only(errors: list[Problem], **where) -> Problem:
    hits = [e for e in errors if all(getattr(e, k) == v for k, v in where.items())]
    assert len(hits) == 1, f"expected one error matching {where}, got {[str(e) for e in errors]}"
    return hits[0]


def yaml_line(root: Path, needle: str) -> int:
    lines = (root / "scenario.yaml").read_text(encoding="utf-8").splitlines()
    matches = [n for n, line in enumerate(lines, start=1) if needle in line]
    assert len(matches) == 1, needle
    return matches[0]


def test_tiny_is_valid(tiny_copy: Path) -> None:
    scenario = load_scenario(tiny_copy)
    assert scenario.subjects.height == 48
    assert scenario.officers.height == 16
    assert [t.id for t in scenario.tasks] == ["T01", "T02", "T03", "T04", "T05", "T06"]


def test_unknown_department_in_task(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "scenario.yaml", "lead: FIRE\n", "lead: POLICE\n")
    error = only(errors_of(tiny_copy), field="tasks[T02].lead")
    assert error.file == "scenario.yaml"
    assert error.row == yaml_line(tiny_copy, "lead: POLICE")
    assert "unknown department 'POLICE'" in error.message


def test_unknown_item_in_task(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "scenario.yaml", "items: [C02, M01]", "items: [C02, Z77]")
    error = only(errors_of(tiny_copy), field="tasks[T06].items")
    assert error.row == yaml_line(tiny_copy, "items: [C02, Z77]")
    assert "unknown item 'Z77'" in error.message and "only items on the list" in error.message


def test_item_of_a_department_outside_the_task(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "scenario.yaml", "items: [C02, M01]", "items: [C02, H01]")
    error = only(errors_of(tiny_copy), field="tasks[T06].items")
    assert "'HEALTH', which is neither lead nor partner" in error.message


def test_unknown_object_type_in_task(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "scenario.yaml", "object_type: travel_agency", "object_type: travel_agent")
    error = only(errors_of(tiny_copy), field="tasks[T06].object_type")
    assert error.row == yaml_line(tiny_copy, "object_type: travel_agent")
    assert "unknown object type 'travel_agent'" in error.message


def test_unknown_object_type_in_subjects(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "subjects.csv", "S047,中青旅遵义路门店,travel_agency", "S047,中青旅遵义路门店,travel_agency;spaceport")
    error = only(errors_of(tiny_copy), file="subjects.csv")
    assert (error.row, error.field) == (48, "object_types")
    assert "'spaceport'" in error.message


def test_duplicate_ids(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "scenario.yaml", "  - {id: HEALTH, name: 区卫生健康委}", "  - {id: HEALTH, name: 区卫生健康委}\n  - {id: EDU, name: 重复}")
    edit(tiny_copy / "scenario.yaml", "  - id: T06\n", "  - id: T05\n")
    edit(tiny_copy / "subjects.csv", "S048,众信旅游天山门店", "S001,众信旅游天山门店")
    errors = errors_of(tiny_copy)
    dept = only(errors, field="departments[EDU].id")
    assert dept.row == yaml_line(tiny_copy, "{id: EDU, name: 重复}") and "first at line" in dept.message
    lines = (tiny_copy / "scenario.yaml").read_text(encoding="utf-8").splitlines()
    first, second = [n for n, line in enumerate(lines, start=1) if line.strip() == "- id: T05"]
    task = only(errors, field="tasks[T05].id")
    assert (task.row, task.message) == (second, f"duplicate id (first at line {first})")
    subject = only(errors, file="subjects.csv", field="subject_id")
    assert subject.row == 49 and "'S001'" in subject.message and "first at row 2" in subject.message


def test_window_outside_year_and_reversed(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "scenario.yaml", "window: {start: 2024-04-08, end: 2024-06-28}", "window: {start: 2024-04-08, end: 2025-01-10}")
    edit(tiny_copy / "scenario.yaml", "window: {start: 2024-03-01, end: 2024-05-31}", "window: {start: 2024-05-31, end: 2024-03-01}")
    errors = errors_of(tiny_copy)
    outside = only(errors, field="tasks[T04].window.end")
    assert "2025-01-10 is outside the scenario year 2024" in outside.message
    assert outside.row == yaml_line(tiny_copy, "end: 2025-01-10")
    reversed_ = only(errors, field="tasks[T06].window")
    assert "before start" in reversed_.message
    assert reversed_.row == yaml_line(tiny_copy, "start: 2024-05-31, end: 2024-03-01")


def test_window_outside_its_flex(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "scenario.yaml", "window_flex: {earliest: 2024-04-01, latest: 2024-10-31}", "window_flex: {earliest: 2024-06-10, latest: 2024-10-31}")
    error = only(errors_of(tiny_copy), field="tasks[T03].window")
    assert "not inside window_flex" in error.message


@pytest.mark.parametrize("ratio", ["0", "1.5", "-0.1", "'lots'"])
def test_ratio_outside_unit_interval(tiny_copy: Path, edit, ratio: str) -> None:
    edit(tiny_copy / "scenario.yaml", "ratio: 0.25", f"ratio: {ratio}")
    error = only(errors_of(tiny_copy), field="tasks[T02].ratio")
    assert error.row == yaml_line(tiny_copy, f"ratio: {ratio}")


def test_ratio_and_count_together(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "scenario.yaml", "ratio: 0.25", "ratio: 0.25\n    count: 4")
    error = only(errors_of(tiny_copy), field="tasks[T02]")
    assert "exactly one of ratio, count or ratio_by_class" in error.message


def test_bad_risk_class(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "subjects.csv", "S020,水城路东北菜,restaurant,D,", "S020,水城路东北菜,restaurant,E,")
    error = only(errors_of(tiny_copy), file="subjects.csv")
    assert (error.row, error.field) == (21, "risk_class")
    assert str(error) == "subjects.csv row 21, risk_class: 'E' is not one of A, B, C, D"


def test_bad_boolean_and_count(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "subjects.csv", "S003,江苏路火锅店,restaurant,C,G1,true,1", "S003,江苏路火锅店,restaurant,C,G1,maybe,-1")
    errors = errors_of(tiny_copy)
    assert only(errors, field="penalized_3y").row == 4
    assert only(errors, field="complaints_verified").row == 4


def test_malformed_csv_row(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "officers.csv", "O05,陈静,EDU,,G2,3", "O05,陈静,EDU,,G2,3,extra")
    error = only(errors_of(tiny_copy), file="officers.csv")
    assert error.row == 6 and "7 fields, the header has 6" in error.message


def test_missing_column(tiny_copy: Path, edit) -> None:
    path = tiny_copy / "officers.csv"
    text = path.read_text(encoding="utf-8").replace(",weekly_capacity", "", 1)
    path.write_text("\n".join(line.rsplit(",", 1)[0] if n else line for n, line in enumerate(text.splitlines())) + "\n", encoding="utf-8")
    error = only(errors_of(tiny_copy), file="officers.csv")
    assert (error.row, error.field) == (1, "weekly_capacity")
    assert "required column(s) missing" in error.message


def test_unknown_department_in_officers(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "officers.csv", "O12,孙浩,HEALTH", "O12,孙浩,HEALTHY")
    error = only(errors_of(tiny_copy), file="officers.csv")
    assert (error.row, error.field) == (13, "department")


def test_missing_file(tiny_copy: Path) -> None:
    (tiny_copy / "officers.csv").unlink()
    error = only(errors_of(tiny_copy), file="officers.csv")
    assert "file not found" in error.message


def test_missing_scenario_yaml(tmp_path: Path) -> None:
    error = only(errors_of(tmp_path), file="scenario.yaml")
    assert "file not found" in error.message


def test_gb18030_directory_loads_with_a_warning_naming_the_encoding(tiny_copy: Path) -> None:
    """A directory saved by Excel as "CSV" on Chinese Windows (GB18030) loads to the same scenario, and says so."""
    before = load_scenario(tiny_copy)
    path = tiny_copy / "subjects.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    scenario, problems = check_scenario(tiny_copy)
    assert scenario is not None and scenario.content_hash == before.content_hash
    (warning,) = [p for p in problems if p.file == "subjects.csv"]
    assert warning.severity == "warning" and "GB18030" in warning.text("en") and "GB18030" in warning.text("zh")


def test_neither_utf8_nor_gb18030_names_line(tiny_copy: Path) -> None:
    path = tiny_copy / "subjects.csv"
    path.write_bytes(path.read_bytes().replace(b"S002,", b"S002\x80\xff,", 1))
    error = only(errors_of(tiny_copy), file="subjects.csv")
    assert error.row == 3  # the first byte that is not UTF-8 is on line 3 (the second data row)
    assert "not UTF-8" in error.message


def test_utf8_with_bom_loads(tiny_copy: Path) -> None:
    for name in ("scenario.yaml", "subjects.csv", "officers.csv"):
        path = tiny_copy / name
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    scenario = load_scenario(tiny_copy)
    assert scenario.subjects.columns[0] == "subject_id"
    assert scenario.subjects.height == 48


def test_quoted_multiline_field_keeps_row_numbers(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "subjects.csv", "S002,新华路面馆,", 'S002,"新华路\n面馆",')
    edit(tiny_copy / "subjects.csv", "S004,天山路茶餐厅,restaurant,B,", "S004,天山路茶餐厅,restaurant,X,")
    error = only(errors_of(tiny_copy), field="risk_class")
    assert error.row == 6  # S004 starts on line 6 once S002's name spans two lines


def test_path_traversal_is_refused(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "scenario.yaml", "subjects: subjects.csv", "subjects: ../../etc/passwd")
    error = only(errors_of(tiny_copy), field="subjects")
    assert "inside the scenario directory" in error.message


def test_yaml_syntax_error_names_line(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "scenario.yaml", "    partners: [EDU]\n", "    partners: [EDU\n")
    error = only(errors_of(tiny_copy), file="scenario.yaml")
    assert "not valid YAML" in error.message and error.row is not None


def test_unknown_policy(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "scenario.yaml", "policy: shanghai-2024", "policy: atlantis-2024")
    error = only(errors_of(tiny_copy), field="policy")
    assert "unknown policy 'atlantis-2024'" in error.message and "shanghai-2024" in error.message


def test_every_problem_is_reported_at_once(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "scenario.yaml", "lead: FIRE\n", "lead: POLICE\n")
    edit(tiny_copy / "scenario.yaml", "ratio: 0.25", "ratio: 2")
    edit(tiny_copy / "scenario.yaml", "object_type: travel_agency", "object_type: travel_agent")
    edit(tiny_copy / "subjects.csv", "S020,水城路东北菜,restaurant,D,", "S020,水城路东北菜,restaurant,E,")
    edit(tiny_copy / "officers.csv", "O12,孙浩,HEALTH", "O12,孙浩,HEALTHY")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tiny_copy)
    where = {(e.file, e.field) for e in caught.value.errors}
    # the task whose ratio is invalid drops out, so its unknown lead is not double-reported
    assert where == {("scenario.yaml", "tasks[T02].ratio"), ("scenario.yaml", "tasks[T06].object_type"),
                     ("subjects.csv", "risk_class"), ("officers.csv", "department")}
    assert "subjects.csv row 21, risk_class" in str(caught.value)


def test_warnings_do_not_block(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "scenario.yaml", "    count: 2\n  - id: T05", "    count: 9\n  - id: T05")
    scenario, problems = check_scenario(tiny_copy)
    assert scenario is not None
    # located at the line that asks for 9 (issue 14: a row and field wherever one exists)
    warning = only([p for p in problems if p.severity == "warning"], file="scenario.yaml", field="tasks[T04].count")
    assert "task T04 asks for 9" in warning.message and "subjects.csv has 6" in warning.message
    lines = (tiny_copy / "scenario.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[warning.row - 1].strip() == "count: 9"
    assert warning.text("zh") == "任务 T04 要抽取 9 户“entertainment_venue”，但 subjects.csv 只有 6 户：将全部抽取"


def test_content_hash_ignores_row_order_and_bom_but_not_values(tiny_copy: Path, edit) -> None:
    before = load_scenario(tiny_copy).content_hash
    path = tiny_copy / "subjects.csv"
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    path.write_bytes(b"\xef\xbb\xbf" + ("\n".join([header, *reversed(rows)]) + "\n").encode("utf-8"))
    assert load_scenario(tiny_copy).content_hash == before
    edit(path, "S001,长宁小厨餐饮店,restaurant,B,", "S001,长宁小厨餐饮店,restaurant,C,")
    assert load_scenario(tiny_copy).content_hash != before
