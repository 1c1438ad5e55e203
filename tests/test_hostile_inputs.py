"""Issue 14 items 8, 9 and 11: the red team's hostile scenarios end in a located error (file, line, field)
or a valid result — never a traceback, a hang or unbounded memory."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scenarios import check_scenario
from ui.cli import app

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "scenarios" / "tiny"
runner = CliRunner()


def _tiny(root: Path, yaml: Callable[[str], str] | None = None, subjects: Callable[[str], str] | None = None) -> Path:
    shutil.copytree(TINY, root)
    for name, change in (("scenario.yaml", yaml), ("subjects.csv", subjects)):
        if change is not None:
            path = root / name
            path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    return root


def _laughs(_: str) -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for k in range(1, 10):
        prev, cur = chr(96 + k), chr(97 + k)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _extra_column(header: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        lines = text.splitlines()
        return "\n".join([lines[0] + "," + header, *(line + ",x" for line in lines[1:])]) + "\n"
    return change


def _add_subject(subject_id: str) -> Callable[[str], str]:
    return lambda text: text + f"{subject_id},同名餐馆,restaurant,B,G1,false,0\n"


# (case, yaml change, subjects change, what the error names)
CASES = {
    "recursive alias": (lambda _: "a: &a [*a]\n", None, "recursive alias"),
    "3000-deep nesting": (lambda _: "x: " + "[" * 3000 + "]" * 3000 + "\n", None, "nest"),
    "billion laughs": (_laughs, None, "aliases expand"),
    "2024-02-30": (lambda y: y.replace("start: 2024-02-19", "start: 2024-02-30"), None, "tasks[T01].window.start"),
    "2023-02-29": (lambda y: y.replace("year: 2024", "year: 2023").replace("2024-", "2023-")
                   .replace("start: 2023-02-19", "start: 2023-02-29"), None, "tasks[T01].window.start"),
    "month 13": (lambda y: y.replace("start: 2024-02-19", "start: 2024-13-01"), None, "tasks[T01].window.start"),
    "count 10^30": (lambda y: y.replace("count: 3\n", "count: 1000000000000000000000000000000\n", 1), None, "tasks[T01].count"),
    "ratio true": (lambda y: y.replace("ratio: 0.25", "ratio: true"), None, "tasks[T02].ratio"),
    "header name,name": (None, _extra_column("name"), "repeats the name"),
    "header name and 'name '": (None, _extra_column("name "), "repeats the name"),
    "zero-width id": (None, _add_subject("S001\u200b"), "invisible"),
    "NFD id": (None, lambda t: t.replace("S001,", "S00\u00e9,", 1) + "S00e\u0301,分店,restaurant,B,G1,false,0\n", "normalization"),
    "yaml too large": (lambda y: y + "#" + "x" * (3 * 1024 * 1024) + "\n", None, "at most"),
    "200k empty rows": (None, lambda t: t + ",,,,,,\n" * 200_000, "empty rows"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_scenarios_are_located_errors(case: str, tmp_path: Path) -> None:
    change_yaml, change_subjects, named = CASES[case]
    root = _tiny(tmp_path / "s", change_yaml, change_subjects)
    start = time.perf_counter()
    scenario, problems = check_scenario(root)
    assert time.perf_counter() - start < 60
    assert scenario is None and any(named in str(p) for p in problems), [str(p) for p in problems]
    result = runner.invoke(app, ["validate", str(root), "--lang", "en"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert named in result.output.replace("\n", " ") or named in result.output


def test_a_symlink_loop_is_a_located_error(tmp_path: Path) -> None:
    root = _tiny(tmp_path / "s")
    (root / "subjects.csv").unlink()
    os.symlink("subjects.csv", root / "subjects.csv")
    scenario, problems = check_scenario(root)
    assert scenario is None and any("subjects" in str(p) for p in problems)
    result = runner.invoke(app, ["validate", str(root), "--lang", "en"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output


def test_a_year_the_calendar_does_not_cover_is_caught_by_validate(tmp_path: Path) -> None:
    root = _tiny(tmp_path / "s", lambda y: y.replace("year: 2024", "year: 2030").replace("2024-", "2030-"))
    result = runner.invoke(app, ["validate", str(root), "--lang", "en"])
    assert result.exit_code == 1 and "2030" in result.output and "year" in result.output, result.output
    result = runner.invoke(app, ["plan", str(root), "--seed", "1", "--out", str(tmp_path / "p"),
                                 "--ledger", str(tmp_path / "j.db"), "--key-file", str(tmp_path / "k")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit) and not (tmp_path / "p").exists()


def test_rich_markup_in_user_text_is_printed_literally(tmp_path: Path) -> None:
    root = _tiny(tmp_path / "s", lambda y: y.replace("name: tiny", "name: '[/][bold]x[/bold]'"))
    result = runner.invoke(app, ["validate", str(root), "--lang", "en"])
    assert result.exit_code == 0 and "[/][bold]x[/bold]: valid" in result.output, result.output
    out = tmp_path / "[" / "]o[/]ut"
    result = runner.invoke(app, ["plan", str(root), "--seed", "[/]x", "--plan-id", "[/][red]", "--out", str(out),
                                 "--ledger", str(tmp_path / "j.db"), "--key-file", str(tmp_path / "k"), "--lang", "en"])
    assert result.exit_code == 0 and isinstance(result.exception, (SystemExit, type(None))), result.output
    assert "[/][red]" in result.output and f"wrote {out}" in result.output
    result = runner.invoke(app, ["check", str(out), str(root), "--ledger", str(tmp_path / "j.db"),
                                 "--key-file", str(tmp_path / "k")])
    assert result.exit_code == 0, result.output


def test_a_long_name_does_not_make_validate_slow(tmp_path: Path) -> None:
    root = _tiny(tmp_path / "s", lambda y: y.replace("name: tiny", "name: " + "长" * 300_000))
    start = time.perf_counter()
    result = runner.invoke(app, ["validate", str(root), "--lang", "en"])
    assert result.exit_code == 0 and time.perf_counter() - start < 60
