"""Issue 14 items 2 and 7: ``plan`` fails when its own checker rejects the plan (unless
``--allow-violations`` writes it marked as such), and the checker catches officers who do not exist and
an officer listed twice for a department."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from optimizer.check import check_plan
from records.ledger import records
from scenarios import load_scenario
from ui.cli import app

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "scenarios" / "tiny"
runner = CliRunner()


@pytest.fixture
def one_health_officer(tmp_path: Path) -> Path:
    """tiny with a single HEALTH officer: a HEALTH visit cannot have the two officers art. 42 requires."""
    root = tmp_path / "one"
    shutil.copytree(TINY, root)
    lines = (root / "officers.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (root / "officers.csv").write_text("".join(l for l in lines if not l.startswith(("O12,", "O13,"))), encoding="utf-8")
    return root


def _plan(scenario: Path, out: Path, tmp_path: Path, *extra: str):
    return runner.invoke(app, ["plan", str(scenario), "--seed", "1", "--out", str(out), "--ledger", str(tmp_path / "j.db"),
                               "--key-file", str(tmp_path / "d.key"), *extra])


def test_plan_refuses_a_plan_its_checker_rejects(one_health_officer: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = _plan(one_health_officer, out, tmp_path, "--lang", "en")
    assert result.exit_code == 1, result.output
    assert "violation [teams]" in result.output and "at least 2 needed" in result.output
    assert "--allow-violations" in result.output
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".old"))]
    assert not (tmp_path / "j.db").exists() or not [r for r in records(tmp_path / "j.db") if r.kind == "plan"]


def test_allow_violations_writes_the_plan_marked(one_health_officer: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    result = _plan(one_health_officer, out, tmp_path, "--allow-violations")
    assert result.exit_code == 0, result.output
    marked = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["violations"]
    assert marked["allowed"] is True and any("at least 2 needed" in v for v in marked["found"])
    check = runner.invoke(app, ["check", str(out), str(one_health_officer), "--ledger", str(tmp_path / "j.db"),
                                "--key-file", str(tmp_path / "d.key"), "--lang", "en"])
    assert check.exit_code == 1 and "matches ledger record" in check.output  # recorded as written, still unlawful


def test_a_lawful_plan_carries_no_violations_key(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    assert _plan(TINY, out, tmp_path).exit_code == 0
    assert "violations" not in json.loads((out / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def lawful(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("lawful")
    result = _plan(TINY, root / "plan", root)
    assert result.exit_code == 0, result.output
    return root / "plan"


def _assignments(lawful: Path, tmp_path: Path, change) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(lawful, copy)
    frame = pl.read_parquet(copy / "assignments.parquet")
    change(frame).write_parquet(copy / "assignments.parquet")
    return copy


def test_checker_catches_a_ghost_officer(lawful: Path, tmp_path: Path) -> None:
    """A visit's EDU officer replaced by GHOST-999."""
    def ghost(f: pl.DataFrame) -> pl.DataFrame:
        first = f.with_row_index("i").filter(pl.col("department") == "EDU")["i"][0]
        return f.with_columns(pl.when(pl.int_range(pl.len()) == first).then(pl.lit("GHOST-999"))
                              .otherwise(pl.col("officer_id")).alias("officer_id"))
    found = [str(v) for v in check_plan(_assignments(lawful, tmp_path, ghost), load_scenario(TINY))]
    assert any("GHOST-999 is not in the officer directory" in v for v in found), found


def test_checker_catches_an_officer_listed_twice(lawful: Path, tmp_path: Path) -> None:
    """The same officer listed twice for a department does not make a team of two."""
    def twice(f: pl.DataFrame) -> pl.DataFrame:
        visit = f["visit_id"][0]
        dept = f["department"][0]
        keep = f.filter((pl.col("visit_id") == visit) & (pl.col("department") == dept)).head(1)
        rest = f.filter(~((pl.col("visit_id") == visit) & (pl.col("department") == dept)))
        return pl.concat([keep, keep, rest])
    found = [str(v) for v in check_plan(_assignments(lawful, tmp_path, twice), load_scenario(TINY))]
    assert any("listed 2 times" in v for v in found), found
