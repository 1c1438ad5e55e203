"""Smoke tests of the benchmarks' core functions on scenarios/tiny (no timing is asserted)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from benchmarks import scale, visits
from scenarios import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SEEDS = ["20240301", "20240302"]


@pytest.fixture(scope="module")
def measure() -> visits.VisitMeasure:
    return visits.measure_visits(load_scenario(SCENARIOS / "tiny"), SEEDS)


def test_visits_has_every_method_and_seed(measure: visits.VisitMeasure) -> None:
    frame = measure.per_seed
    assert frame.height == len(SEEDS) * len(visits.METHODS)
    assert set(frame["method"]) == set(visits.METHODS)
    assert set(frame["seed"]) == set(SEEDS)
    assert {"visits", "pairs", "subjects", "subject_rounds", "unplaced", "seconds"} <= set(frame.columns)


def test_visits_sane_relations(measure: visits.VisitMeasure) -> None:
    for seed in SEEDS:
        v = {r["method"]: r for r in measure.per_seed.filter(seed=seed).iter_rows(named=True)}
        # The same drawn work, visited ever more cleverly.
        assert v["single_department"]["visits"] >= v["independent_unmerged"]["visits"] >= v["independent_merged"]["visits"]
        assert v["independent_unmerged"]["visits"] == v["independent_unmerged"]["pairs"]
        assert v["independent_merged"]["visits"] >= v["independent_merged"]["subjects"]
        for method in ("coordinated_bundled", "ours"):
            row = v[method]
            assert row["subjects"] <= row["subject_rounds"] <= row["pairs"]
            assert row["subjects"] <= row["visits"] + row["unplaced"] <= row["pairs"]
            # every task draws ⌊Σπ⌋ or ⌈Σπ⌉ in every mode (a count exactly), so two modes differ by at most one per task
            assert abs(row["pairs"] - v["independent_unmerged"]["pairs"]) <= len(load_scenario(SCENARIOS / "tiny").tasks)
    b = measure.bounds
    assert 0 < b["bound_one_round"] <= b["bound_flexible"] + 1e-6
    assert b["bound_flexible"] <= b["expected_aligned"] + 1e-6 <= b["bound_as_given"] + 2e-6


def test_visits_summary_and_outputs(measure: visits.VisitMeasure, tmp_path: Path) -> None:
    summary = visits.summarise(measure)
    assert summary["method"].to_list() == [*visits.METHODS, *visits.BOUNDS]
    assert {"mean", "sd", "min", "max", "vs_single_pct", "vs_today_pct", "ratio_to_bound"} <= set(summary.columns)
    row = {r["method"]: r for r in summary.iter_rows(named=True)}
    assert row["single_department"]["vs_single_pct"] == pytest.approx(0.0)
    assert row[visits.TODAY]["vs_today_pct"] == pytest.approx(0.0)
    assert row["bound_one_round"]["ratio_to_bound"] == pytest.approx(1.0)
    assert row["ours"]["min"] <= row["ours"]["mean"] <= row["ours"]["max"]
    targets = visits.check_targets(summary, measure.scenario)
    assert len(targets) == 4 and all(isinstance(ok, bool) for _, _, ok in targets)
    parts = visits.gap_to_bound(summary)
    assert sum(v for _, v in parts[:-1]) == pytest.approx(parts[-1][1])
    md = visits.write_markdown(measure, summary, "command: test\n", tmp_path / "v.md", None)
    text = md.read_text(encoding="utf-8")
    assert "command: test" in text and "(ours)" in text and "| 20240302 |" in text


def test_visits_chart(measure: visits.VisitMeasure, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = visits.write_chart(measure, visits.summarise(measure), tmp_path / "v.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_scale_plan_once_by_stage(tmp_path: Path) -> None:
    result = scale.plan_once(SCENARIOS / "tiny", SEEDS[0], tmp_path / "plan")
    assert set(result["seconds"]) == set(scale.STAGES) == set(result["cpu_seconds_by_stage"])
    assert all(v >= 0 for v in result["seconds"].values())
    assert result["subjects"] == 48 and result["visits"] > 0 and (tmp_path / "plan" / "manifest.json").exists()
    assert sum(result["seconds"].values()) <= result["total_seconds"] + 0.05
    assert set(result["make_plan_stage_seconds"]) >= {"rules", "align+draw", "bundle", "teams", "kpis"}
    # the wrappers are gone afterwards
    import optimizer.plan

    assert optimizer.plan.bundle_visits.__module__ == "optimizer.bundling.bundle"


def test_scale_fits_and_targets() -> None:
    sizes = [10_000, 60_000, 250_000, 1_000_000]
    assert scale.fit_exponent(sizes, [n ** 1.5 for n in sizes]) == pytest.approx(1.5)
    ref = scale.nlogn_exponent(sizes)
    assert 1.0 < ref < 1.2
    runs = [{"subjects": n, "total_seconds": 1e-6 * n * math.log(n), "peak_rss": 1000 * n, "unplaced": 0,
             "seconds": {s: 1e-5 * n for s in scale.STAGES}} for n in sizes]
    fits = scale.summarise(runs)
    assert fits["exponent"]["total"] == pytest.approx(ref)
    assert fits["exponent"]["bundle"] == pytest.approx(1.0)
    targets = scale.check_targets(runs, fits)
    assert [ok for _, _, ok in targets][:4] == [True, True, True, True]
    assert scale.check_targets(runs[:1], scale.summarise(runs[:1]))[1][2] is None  # 1M not run


def test_scale_child_process_and_report(tmp_path: Path) -> None:
    result = scale.run_size(SCENARIOS / "tiny", SEEDS[0], timeout=300)
    assert result["peak_rss"] > 10 * 1024 ** 2 and result["visits"] > 0
    assert result["process_wall_seconds"] >= result["total_seconds"]
    fits = scale.summarise([result])
    text = scale.markdown([result], fits, "command: test\n", "tiny", SEEDS[0], None, None)
    assert "command: test" in text and "| 48 |" in text and "not run" in text


def test_scale_officers_scale_with_the_plan() -> None:
    assert scale.officer_copies("changning-2024", 10_000) == 1
    assert scale.officer_copies("changning-2024", 60_000) == 1
    assert scale.officer_copies("changning-2024", 1_000_000) == 17


def test_scoring_benchmark_runs_on_the_bundled_directory(capsys) -> None:
    from benchmarks import scoring

    scoring.main(["--repeat", "1"])
    out = capsys.readouterr().out
    assert "enterprise-disclosure: 60,000 subjects" in out and "putuo-beauty-2023: 60,000 subjects" in out
