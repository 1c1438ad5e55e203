"""The command line: every command listed, clear errors without tracebacks, figures printed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from ui.cli import app

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
runner = CliRunner()


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert name in result.output


def test_validate_changning_prints_figures() -> None:
    result = runner.invoke(app, ["validate", str(SCENARIOS / "changning-2024"), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["valid"] is True
    assert payload["figures"]["single_department_subject_visits"] == 2518
    assert payload["figures"]["subjects"] == 60000


def test_validate_text_output(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(SCENARIOS / "tiny"), "--lang", "en"])
    assert result.exit_code == 0
    assert "tiny: valid" in result.output
    assert "single department subject visits" in result.output


def test_validate_bad_scenario_exits_nonzero_without_traceback(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "subjects.csv", "S020,水城路东北菜,restaurant,D,", "S020,水城路东北菜,restaurant,E,")
    # a real process, as a planner would run it: the console script's exit code and output
    result = subprocess.run(
        [sys.executable, "-m", "ui.cli", "validate", str(tiny_copy), "--json"],
        capture_output=True, text=True, cwd=SCENARIOS.parent,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    problem = json.loads(result.stdout)["problems"][0]
    assert (problem["file"], problem["row"], problem["field"]) == ("subjects.csv", 21, "risk_class")


def test_validate_missing_directory(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "absent"), "--lang", "en"])
    assert result.exit_code == 1
    assert "scenario directory not found" in result.output


def test_generate_writes_a_valid_scenario(tmp_path: Path) -> None:
    out = tmp_path / "pt"
    result = runner.invoke(app, ["generate", "putuo-2023", "--out", str(out), "--subjects", "3000", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output.replace("\n", "")
    again = runner.invoke(app, ["generate", "putuo-2023", "--out", str(out), "--lang", "en"])
    assert again.exit_code == 2 and "--force" in again.output
    unknown = runner.invoke(app, ["generate", "atlantis", "--out", str(tmp_path / "x"), "--lang", "en"])
    assert unknown.exit_code == 2 and "no generator profile" in unknown.output


def test_explain_targeted_d_class_subject_is_cited() -> None:
    result = runner.invoke(app, ["explain", str(SCENARIOS / "changning-2024"), "--subject", "913101054696412514", "--task", "T34", "--lang", "en"])  # row 95: a D-class building, penalised
    assert result.exit_code == 0, result.output
    out = result.output
    assert "risk class D" in out and "targeted (定向抽查): yes" in out
    assert "sh2024-1-5-targeted — 沪府发〔2024〕6号 一(五)" in out
    assert "Annual visit cap: 2" in out and "cn2024-principle-2-cap" in out
    assert "inclusion probability 0.0738" in out


def test_explain_unknown_subject_is_a_clear_error() -> None:
    result = runner.invoke(app, ["explain", str(SCENARIOS / "tiny"), "--subject", "NOPE", "--lang", "en"])
    assert result.exit_code == 2 and "'NOPE' is not in" in result.output


def test_usage_errors_are_usage_errors_not_internal_errors() -> None:
    """A missing argument, an unknown option or command, an option without its value: click's usage message and
    exit 2 — not the last-line-of-defence "internal error" (typer's own copy of click raises its own exceptions)."""
    cases = {
        ("check", "plan-folder"): "Missing argument",
        ("plan", str(SCENARIOS / "tiny"), "--nope"): "No such option",
        ("nosuch",): "No such command",
        ("plan", str(SCENARIOS / "tiny"), "--seed"): "requires an argument",
    }
    for args, message in cases.items():
        result = runner.invoke(app, list(args))
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output and "internal error" not in result.output, (args, result.output)
