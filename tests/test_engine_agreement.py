"""Issue 14 item 1: durable-rules and the Python reference must agree, and no number can crash the engine.

durable-rules mis-reads JSON numbers in exponent notation (``1e-05``): the facts after such a number were
evaluated wrongly (rules vanished for other tasks) and a second fact after it crashed the process.
Numbers now reach it as order-preserving int64 keys, and every evaluation is cross-checked.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rules import PythonBackend, evaluate
from rules.engine.backend import CheckedBackend, EngineDisagreement, get_backend
from rules.engine.durable_backend import DurableBackend, EngineError, number_key
from scenarios import load_scenario
from ui.cli import app

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "scenarios" / "tiny"

EXTRA = """  - id: T07
    name: 微小比例任务
    lead: SAMR
    partners: [HEALTH]
    items: [A99, H01]
    object_type: restaurant
    window: {start: 2024-09-02, end: 2024-10-31}
    ratio: 0.00001
"""


def _tiny_with_small_ratio(root: Path, where: str) -> Path:
    """tiny with an extra task ``ratio: 0.00001`` listed last or before T02."""
    shutil.copytree(TINY, root)
    path = root / "scenario.yaml"
    text = path.read_text(encoding="utf-8")
    if where == "last":
        text = text.replace("subjects: subjects.csv", EXTRA + "subjects: subjects.csv")
    else:
        text = text.replace("  - id: T02\n", EXTRA + "  - id: T02\n")
    path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("where", ["last", "middle"])
def test_ratio_below_one_in_ten_thousand_is_evaluated_exactly(tmp_path: Path, where: str) -> None:
    scenario = load_scenario(_tiny_with_small_ratio(tmp_path / "s", where))
    durable = evaluate(scenario, backend=DurableBackend.shared())
    python = evaluate(scenario, backend=PythonBackend())
    assert durable.pairs.equals(python.pairs)
    assert durable.tasks.equals(python.tasks)
    assert durable.subjects.equals(python.subjects)
    t05 = durable.pairs.filter(pl.col("task_id") == "T05")
    assert t05["rules"].list.len().min() > 0  # class multipliers still apply to the other tasks
    t07 = durable.tasks.filter(pl.col("task_id") == "T07").row(0, named=True)
    assert t07["min_officers_per_department"] == 2 and t07["exclude_own_grid"]


@pytest.mark.parametrize("where", ["last", "middle"])
def test_draw_with_a_tiny_ratio_does_not_crash(tmp_path: Path, where: str) -> None:
    """In a fresh process: before the fix this died with a segmentation fault (exit 139)."""
    root = _tiny_with_small_ratio(tmp_path / "s", where)
    out = tmp_path / "d.parquet"
    done = subprocess.run([sys.executable, "-m", "ui.cli", "draw", str(root), "--seed", "1", "--out", str(out)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    table = pl.read_parquet(out)
    assert table.filter(pl.col("task_id") == "T05")["rules"].list.len().min() > 0


def test_validate_accepts_a_tiny_ratio_correctly(tmp_path: Path) -> None:
    root = _tiny_with_small_ratio(tmp_path / "s", "middle")
    result = CliRunner().invoke(app, ["validate", str(root)])
    assert result.exit_code == 0, result.output


finite = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-(2**53), 2**53))


@settings(max_examples=300, deadline=None)
@given(finite, finite)
def test_number_key_orders_like_the_numbers(a: float, b: float) -> None:
    ka, kb = number_key(a), number_key(b)
    assert (ka < kb) == (a < b) and (ka == kb) == (a == b)
    assert -(2**63) <= ka < 2**63


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 10**30])
def test_number_key_refuses_what_it_cannot_order(bad) -> None:
    with pytest.raises(EngineError):
        number_key(bad, "count")


class _Dropping:
    """A primary engine that silently loses one rule — what the exponent bug did."""

    def __init__(self, rule_id: str) -> None:
        self.rule_id = rule_id

    def fire(self, law, scope, records):
        return [[r for r in ids if r != self.rule_id] for ids in PythonBackend().fire(law, scope, records)]


def test_a_disagreement_stops_with_the_profile_and_rule() -> None:
    scenario = load_scenario(TINY)
    with pytest.raises(EngineDisagreement) as caught:
        evaluate(scenario, backend=CheckedBackend(_Dropping("sh2024-1-5-credit-low"), PythonBackend()))
    message = str(caught.value)
    assert "sh2024-1-5-credit-low" in message and "risk_class='A'" in message and "scope pair" in message


def test_the_default_backend_is_checked() -> None:
    assert isinstance(get_backend(), CheckedBackend)


def test_plan_exits_cleanly_on_a_disagreement(tmp_path: Path, monkeypatch) -> None:
    import rules.engine.backend as backend

    monkeypatch.setattr(backend, "_DEFAULT", CheckedBackend(_Dropping("sh2024-1-5-credit-low"), PythonBackend()))
    result = CliRunner().invoke(app, ["plan", str(TINY), "--seed", "1", "--out", str(tmp_path / "p")])
    assert result.exit_code == 3, result.output
    assert "disagree" in result.output and "sh2024-1-5-credit-low" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "p").exists()
