"""Progress of long runs (issue 14 item 9, issue 16): real fractions per stage, monotone, reaching 1; shown by the
CLI (plain lines when not on a terminal) and by the app's job; never changing a plan's bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import optimizer.progress as progress
from optimizer.export import write_plan
from optimizer.plan import make_plan
from optimizer.progress import (
    PLAN_STAGES,
    STAGES,
    Tracker,
    overall,
    reporting,
    stage,
    step,
    within,
)
from scenarios import load_scenario
from ui.cli import app

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "scenarios" / "tiny"
CHANGNING = REPO / "scenarios" / "changning-2024"
runner = CliRunner()


@pytest.fixture
def every_report(monkeypatch):
    """No throttling: every step reaches the callback (the most a callback can see)."""
    monkeypatch.setattr(progress, "MIN_INTERVAL", 0.0)


def _files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir())}


def test_nested_parts_map_into_their_slice(every_report):
    seen = []
    with reporting(lambda *r: seen.append(r)), stage("draw"):
        step(1, 4)
        with within(1, 4, parts=2):  # the part from 1/4 to 3/4
            step(1, 2)
            step(0, 2)  # never backwards
        step(2, 4)  # already past: not reported again
    fractions = [d / t for _, d, t in seen]
    assert fractions == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert {s for s, _, _ in seen} == {"draw"}


def test_without_a_reporter_nothing_happens():
    step(1, 2)
    with stage("rules"), within(0, 3):
        step(1, 1)


def test_overall_is_weighted_and_spans_zero_to_one():
    assert overall(STAGES[0], 0, 1) == 0.0 and overall(STAGES[-1], 1, 1) == 1.0
    assert overall("draw", 1, 2, PLAN_STAGES) == pytest.approx(
        (progress.WEIGHTS["rules"] + progress.WEIGHTS["calendar"] + progress.WEIGHTS["draw"] / 2)
        / sum(progress.WEIGHTS[s] for s in PLAN_STAGES))


@pytest.mark.parametrize("scenario_dir", [TINY, CHANGNING], ids=["tiny", "changning"])
def test_plan_progress_is_monotone_reaches_one_and_changes_no_byte(scenario_dir, tmp_path, every_report):
    """Every plan stage reports, in order, from 0 to done == total, more than its two edges where it has loops; the
    overall fraction never decreases and ends at 1; the plan written is byte-identical to one made without a callback."""
    scenario = load_scenario(scenario_dir)
    tracker = Tracker(PLAN_STAGES)
    with_progress = make_plan(scenario, "20240301", progress=tracker)
    without = make_plan(scenario, "20240301")
    write_plan(with_progress, tmp_path / "with")
    write_plan(without, tmp_path / "without")
    assert _files(tmp_path / "with") == _files(tmp_path / "without")

    stages = [s for s, _, _ in tracker.history]
    assert [s for k, s in enumerate(stages) if k == 0 or stages[k - 1] != s] == list(PLAN_STAGES)
    fractions = [overall(s, d, t, PLAN_STAGES) for s, d, t in tracker.history]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    for name in PLAN_STAGES:
        mine = [d / t for s, d, t in tracker.history if s == name]
        assert mine[0] == 0.0 and mine[-1] == 1.0 and mine == sorted(mine), name
    inner = {s for s, d, t in tracker.history if 0 < d < t}
    assert {"rules", "draw", "bundling", "teams", "kpis"} <= inner  # real fractions, not just the stage edges


def test_cli_plan_prints_progress_lines_when_not_a_terminal(tmp_path):
    """A batch log (stdout not a terminal) shows each stage's start and end with the whole run's fraction, in Chinese
    by default and in English with --lang en."""
    result = runner.invoke(app, ["plan", str(TINY), "--seed", "7", "--out", str(tmp_path / "zh")])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("[进度")]
    for name in ("读取场景", "规则计算", "日历对齐", "随机抽取", "合并上门", "随机匹配人员", "写出计划", "复核硬性规则"):
        assert any(name in line for line in lines), name
    percents = [int(line.split("]")[0].split()[-1].rstrip("%")) for line in lines]
    assert percents == sorted(percents) and percents[-1] == 100
    result = runner.invoke(app, ["plan", str(TINY), "--seed", "7", "--out", str(tmp_path / "en"), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "[progress" in result.output and "drawing" in result.output and "[进度" not in result.output
    assert _files(tmp_path / "zh") == _files(tmp_path / "en")


def test_cli_adjust_prints_progress(tmp_path):
    out = tmp_path / "plan"
    assert runner.invoke(app, ["plan", str(TINY), "--seed", "7", "--out", str(out)]).exit_code == 0
    result = runner.invoke(app, ["adjust", str(out), str(TINY), "--as-of", "2024-07-01", "--seed", "7",
                                 "--out", str(tmp_path / "v2"), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "[progress" in result.output and "bundling visits" in result.output


def test_app_job_progress_advances_through_the_stages(every_report):
    """The app's job follows make_plan's reports: stage by stage, a fraction that never decreases and ends at 1."""
    from ui.webapp.jobs import submit
    from ui.webapp.whatif import WhatIf

    job = submit(load_scenario(TINY), WhatIf(policy="shanghai-2024"))
    job.result(timeout=120)
    history = job.tracker.history
    stages = [s for s, _, _ in history]
    assert [s for k, s in enumerate(stages) if k == 0 or stages[k - 1] != s] == list(PLAN_STAGES)
    fractions = [overall(s, d, t, PLAN_STAGES) for s, d, t in history]
    assert fractions == sorted(fractions) and len(set(fractions)) > len(PLAN_STAGES) + 1
    assert job.fraction == 1.0 and job.stage_label("en") == "done" and job.stage_label("zh") == "完成"


def test_city_plan_reports_its_districts(tmp_path):
    result = runner.invoke(app, ["plan", str(REPO / "scenarios" / "city-3"), "--seed", "1", "--out", str(tmp_path / "c"),
                                 "--workers", "1", "--lang", "en"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("[progress")]
    assert any("planning the districts 0%" in line for line in lines)
    assert lines[-1].startswith("[progress 100%] writing the plan 100%")
    assert len(lines) == len(set(line.rsplit("·", 1)[0] for line in lines))  # no line twice


# ---- fuzz (issue 14 fuzz families): any sequence of steps and nested parts reports a monotone fraction in [0, 1]

PROGRAM = st.recursive(
    st.tuples(st.just("step"), st.floats(-2, 12, allow_nan=False), st.integers(0, 10)),
    lambda inner: st.tuples(st.just("within"), st.floats(-1, 11, allow_nan=False), st.integers(0, 10),
                            st.floats(0, 4, allow_nan=False), st.lists(inner, max_size=5)),
    max_leaves=25)


def _run(ops) -> None:  # noqa: ANN001 - a PROGRAM list
    for op in ops:
        if op[0] == "step":
            step(op[1], op[2])
        else:
            with within(op[1], op[2], op[3]):
                _run(op[4])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PLAN_STAGES), st.lists(PROGRAM, max_size=6)), min_size=1, max_size=4))
def test_any_program_reports_monotone_fractions(stages) -> None:
    seen = []
    saved = progress.MIN_INTERVAL
    progress.MIN_INTERVAL = 0.0
    try:
        with reporting(lambda *r: seen.append(r)):
            for name, ops in stages:
                with stage(name):
                    _run(ops)
    finally:
        progress.MIN_INTERVAL = saved
    k = 0
    for name, _ in stages:  # each stage: from 0, never backwards, within [0, 1], ending at 1
        mine = []
        while k < len(seen) and seen[k][0] == name and (not mine or seen[k][1] != 0 or mine[-1] != 1.0):
            mine.append(seen[k][1] / seen[k][2])
            k += 1
        assert mine[0] == 0.0 and mine[-1] == 1.0 and mine == sorted(mine) and all(0 <= f <= 1 for f in mine)
    assert k == len(seen)


def test_progress_gaps_benchmark_runs_on_tiny():
    """Smoke test of benchmarks/stress/progress_gaps.py (no timing asserted)."""
    from benchmarks.stress.progress_gaps import measure, report

    seen, total = measure(TINY, "1")
    assert [s for _, s, _ in seen][0] == "load" and seen[-1][1] == "check" and seen[-1][2] == 1.0
    assert "overall fraction monotone: True" in report(seen, total)


def test_plain_lines_repeat_during_a_long_silent_call(monkeypatch, capsys):
    """A batch log shows the run is alive while one solver call reports nothing (a heartbeat line)."""
    import time

    import ui.cli.progress as cli_progress

    monkeypatch.setattr(cli_progress, "HEARTBEAT", 0.5)
    with cli_progress.show_progress("en", terminal=False), stage("teams"):
        time.sleep(2.6)
    lines = [line for line in capsys.readouterr().out.splitlines() if "matching officers 0%" in line]
    assert len(lines) >= 3, lines
