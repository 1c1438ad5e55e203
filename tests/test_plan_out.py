"""Issue 14 item 3 and the --out checks of item 8: ``plan --force`` replaces only a plan folder, and a bad
``--out`` is refused before any work, with a message, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ui.cli import app

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "scenarios" / "tiny"
runner = CliRunner()


def _plan(scenario: Path, out: str | Path, tmp_path: Path, *extra: str):
    return runner.invoke(app, ["plan", str(scenario), "--seed", "1", "--out", str(out), "--ledger", str(tmp_path / "j.db"),
                               "--key-file", str(tmp_path / "d.key"), *extra])


def _clean(result) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit) and "internal error" not in result.output


def test_force_refuses_the_scenario_folder(tmp_path: Path) -> None:
    scenario = tmp_path / "scn"
    shutil.copytree(TINY, scenario)
    before = sorted(p.name for p in scenario.iterdir())
    result = _plan(scenario, scenario, tmp_path, "--force")
    _clean(result)
    assert sorted(p.name for p in scenario.iterdir()) == before


def test_force_refuses_a_folder_that_holds_the_scenario(tmp_path: Path) -> None:
    scenario = tmp_path / "box" / "scn"
    shutil.copytree(TINY, scenario)
    _clean(_plan(scenario, tmp_path / "box", tmp_path, "--force"))
    assert (scenario / "scenario.yaml").exists()


@pytest.mark.parametrize("kind", ["file", "empty dir", "other dir", "symlink to plan"])
def test_force_refuses_anything_but_a_plan_folder(kind: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    if kind == "file":
        out.write_text("precious", encoding="utf-8")
    elif kind == "empty dir":
        out.mkdir()
    elif kind == "other dir":
        out.mkdir()
        (out / "manifest.json").write_text('{"name": "not a plan"}', encoding="utf-8")
    else:
        assert _plan(TINY, tmp_path / "real", tmp_path).exit_code == 0
        out.symlink_to(tmp_path / "real")
    _clean(_plan(TINY, out, tmp_path, "--force"))
    if kind == "file":
        assert out.read_text(encoding="utf-8") == "precious"
    assert "--force replaces only a plan folder" in _plan(TINY, out, tmp_path, "--force", "--lang", "en").output.replace("\n", " ")


def test_force_refuses_the_current_directory(tmp_path: Path, monkeypatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "keep.txt").write_text("x", encoding="utf-8")
    monkeypatch.chdir(work)
    _clean(_plan(TINY, ".", tmp_path, "--force"))
    assert (work / "keep.txt").exists()


def test_force_replaces_a_plan_folder(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    assert _plan(TINY, out, tmp_path).exit_code == 0
    again = _plan(TINY, out, tmp_path, "--force")
    assert again.exit_code == 0, again.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".plan.") and not p.name.endswith(".lock")]


def test_out_under_a_file_and_too_long_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    _clean(_plan(TINY, tmp_path / "afile" / "plan", tmp_path))
    _clean(_plan(TINY, tmp_path / ("p" * 300), tmp_path))
    assert not list(tmp_path.glob("p*"))


def test_key_file_inside_out_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    assert _plan(TINY, out, tmp_path).exit_code == 0
    result = runner.invoke(app, ["plan", str(TINY), "--seed", "1", "--out", str(out), "--force",
                                 "--ledger", str(tmp_path / "j.db"), "--key-file", str(out / "d.key"), "--lang", "en"])
    _clean(result)
    assert "district key" in result.output
