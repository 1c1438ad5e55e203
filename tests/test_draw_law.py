"""The draw against the law: over many seeds every subject is drawn with the rules' π, on strata of any size.

The target is the rules' ``inclusion_prob`` (沪府发〔2024〕6号 一(二), 一(五)), never the draw's own n/N:
these tests fail on a draw that takes a fixed round(N·π) per stratum (a 3 % task on a 40-subject type
then draws nobody; a count of 2 over 7 A, 13 B, 5 C subjects never draws a C). The scenarios are
:mod:`draw_stress`'s; 1,000 seeds take a few seconds each on the project's 2-core machine.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from optimizer.check import PlanFiles, check_sample_sizes
from optimizer.draw import (
    DrawInput,
    DrawResult,
    draw_subjects,
    draw_table,
    law_audit,
    run_draw,
    task_counts,
)
from rules import evaluate
from scenarios import load_scenario
from ui.cli import app

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE.parent / "scenarios"
_spec = importlib.util.spec_from_file_location("draw_stress", HERE / "draw_stress.py")
draw_stress = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(draw_stress)

SEEDS = [str(k) for k in range(1000)]
runner = CliRunner()


@pytest.fixture(scope="module")
def stress_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stress")
    for name in draw_stress.STRESS:
        draw_stress.write_stress(root, name)
    return root


def _audit(directory: Path, overrides: dict | None = None, seeds: list[str] = SEEDS):
    scenario = load_scenario(directory)
    results = evaluate(scenario, overrides=overrides) if overrides else None
    run = run_draw(scenario, seeds, results=results)
    return run, law_audit(run.draw, task_counts(scenario))


@pytest.mark.parametrize("name", ["small-strata", "counts-equal", "counts-unequal"])
def test_stress_scenarios_pass_the_law_audit_over_1000_seeds(stress_dir: Path, name: str) -> None:
    _, audit = _audit(stress_dir / name)
    assert audit.ok, "\n".join(audit.failures)
    # the audit saw what it had to: tiny cells with N·π well below 1.5 and tasks of every kind
    assert (audit.classes["sum_pi"] < 0.5).any() and (audit.classes["sum_pi"] > 1).any()
    assert (audit.tasks["max_rounding_gap"] < 1e-8).all()


def test_mandatory_subjects_are_always_drawn_and_the_rest_stays_exact(stress_dir: Path) -> None:
    run, audit = _audit(stress_dir / "small-strata", {"targeted_mandatory": True})
    assert audit.ok, "\n".join(audit.failures)
    mandatory = run.draw.draws.filter("mandatory")
    assert mandatory.height > 0 and mandatory["selected"].all()
    assert (mandatory["inclusion_prob"] == 1.0).all()


def test_sizes_are_exact_counts_and_within_one_of_the_sum_of_pi(stress_dir: Path) -> None:
    scenario = load_scenario(stress_dir / "counts-unequal")
    run = run_draw(scenario, SEEDS[:300])
    sizes = run.draw.draws.group_by("seed", "task_id").agg(pl.col("selected").sum())
    counts = task_counts(scenario)
    assert all(counts[t] == n for t, n in sizes.select("task_id", "selected").iter_rows())
    scenario = load_scenario(stress_dir / "small-strata")
    run = run_draw(scenario, SEEDS[:300])
    first = run.draw.draws["seed"].first()
    expected = run.draw.draws.filter(pl.col("seed") == first).group_by("task_id").agg(pl.col("inclusion_prob").sum())
    sizes = run.draw.draws.group_by("seed", "task_id").agg(pl.col("selected").sum()).join(expected, on="task_id")
    assert ((sizes["selected"] - sizes["inclusion_prob"]).abs() < 1).all()
    # the sizes really vary: a ratio task with a fractional Σπ draws both ⌊Σπ⌋ and ⌈Σπ⌉
    assert sizes.group_by("task_id").agg(pl.col("selected").n_unique())["selected"].max() == 2
    assert sizes.height == 300 * len(scenario.tasks)


def test_the_issues_count_of_two_draws_every_class_at_its_rate(stress_dir: Path) -> None:
    """沪府发〔2024〕6号 not yet in force (2023): 2 of 25 subjects, π = 0.08 for all, C-class included."""
    run, audit = _audit(stress_dir / "counts-equal")
    classes = audit.classes.filter(pl.col("task_id") == "T01").sort("risk_class")
    assert classes["risk_class"].to_list() == ["A", "B", "C"]
    freq = (classes["O"] / classes["subjects"] / len(SEEDS)).to_list()
    assert freq == pytest.approx([0.08, 0.08, 0.08], abs=0.015)


def test_caps_still_hold_and_replacements_are_counted(stress_dir: Path) -> None:
    run, audit = _audit(stress_dir / "caps", seeds=SEEDS[:500])
    visits = run.draw.draws.filter("selected").select("seed", "subject_id", "round").unique()
    assert visits.group_by("seed", "subject_id").len()["len"].max() <= 2
    # before the autumn tasks no cap of two can bind, so spring and summer are exactly at π
    early = ["T01", "T02", "T03", "T04"]
    assert audit.tasks.filter(pl.col("task_id").is_in(early))["ok"].all()
    assert audit.tasks["replacements"].sum() > 0  # the third round meets the cap: reserve subjects step in


def test_the_audit_fails_a_draw_with_fixed_round_sizes() -> None:
    """The old design (n = round(N·π) in every cell) fails: a 40-subject type at 3 % is never drawn."""
    subjects = [f"S{i:02d}" for i in range(40)]
    pairs = pl.DataFrame({"subject_id": subjects, "task_id": "T1", "inclusion_prob": 0.03,
                          "stratum": ["A"] * 14 + ["B"] * 20 + ["C"] * 4 + ["D"] * 2, "mandatory": False})
    caps = pl.DataFrame(schema={"subject_id": pl.String, "annual_cap": pl.Int32})
    rounds = pl.DataFrame({"task_id": ["T1"], "round": [0]})
    good = draw_subjects(DrawInput(pairs, caps, rounds), SEEDS)
    assert law_audit(good).ok
    fixed = good.draws.with_columns(pl.lit(False).alias("selected"))  # round(0.03 × N) = 0 in every class
    audit = law_audit(DrawResult(fixed, good.substrata, []))
    assert not audit.ok
    assert any("never drawn" in f for f in audit.failures) and any("z =" in f for f in audit.failures)


def test_audit_command_prints_a_table_and_exits_by_the_verdict(stress_dir: Path) -> None:
    result = runner.invoke(app, ["audit", str(stress_dir / "counts-unequal"), "--seeds", "400", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "every task passes" in result.output and "T09" in result.output
    # caps bind in the third round of the caps scenario: the audit says so and exits 1
    result = runner.invoke(app, ["audit", str(stress_dir / "caps"), "--seeds", "400", "--lang", "en"])
    assert result.exit_code == 1, result.output
    assert "failure" in result.output


def test_putuo_2023_passes_chi_square_over_300_seeds() -> None:
    scenario = load_scenario(SCENARIOS / "putuo-2023")
    run = run_draw(scenario, [str(1000 + k) for k in range(300)])
    audit = law_audit(run.draw, task_counts(scenario))
    assert audit.tasks.height == 8
    assert (audit.tasks["p_value"] > 0.001).all(), audit.tasks
    assert audit.ok, "\n".join(audit.failures)


def test_check_sample_sizes_accepts_randomised_sizes_and_catches_unlawful_ones(stress_dir: Path) -> None:
    def sizes_check(scenario, table: pl.DataFrame) -> list[str]:
        empty = pl.DataFrame()
        return [str(v) for v in check_sample_sizes(PlanFiles(Path("."), {}, table, empty, empty, empty), scenario, None)]

    scenario = load_scenario(stress_dir / "small-strata")
    tables = [draw_table(run_draw(scenario, [value]), with_seed=False) for value in ("1", "2", "3")]
    assert all(sizes_check(scenario, table) == [] for table in tables)
    # T13: 3 % of 40 subjects, Σπ = 1.215 — drawing nobody is what the old design did, and unlawful
    nobody = tables[0].with_columns(pl.when(pl.col("task_id") == "T13").then(False).otherwise(pl.col("selected")).alias("selected"))
    assert any(v.startswith("[sample] task T13: drew 0, lawful size 1 or 2") for v in sizes_check(scenario, nobody))
    counts = load_scenario(stress_dir / "counts-unequal")
    table = draw_table(run_draw(counts, ["1"]), with_seed=False)
    extra = table.with_columns(
        (pl.col("selected") | ((pl.col("task_id") == "T01") & (pl.col("subject_id") == table.filter(
            (pl.col("task_id") == "T01") & ~pl.col("selected"))["subject_id"].first()))).alias("selected"))
    assert "[sample] task T01: drew 3, lawful size exactly 2" in sizes_check(counts, extra)


def test_pivotal_rounding_keeps_every_expectation_and_every_total() -> None:
    """Ordered pivotal rounding alone, fed independent uniforms: E[up] = frac/den for every cell, each risk class
    and the task within one of their fractional sums (here 1.15, 0.12, 1.49, 0.24: total exactly 3)."""
    from optimizer.draw.allocation import _pivotal

    fracs = [("A", 350), ("A", 800), ("B", 120), ("C", 990), ("C", 500), ("D", 240)]
    rng = np.random.default_rng(12)
    trials = 40_000
    ups = np.zeros((trials, len(fracs)), dtype=int)
    for t, uniforms in enumerate(rng.random((trials, len(fracs)))):
        cells = [{"risk_class": c, "frac": f, "den": 1000, "v": float(v)} for (c, f), v in zip(fracs, uniforms)]
        _pivotal(cells)
        ups[t] = [c["up"] for c in cells]
    assert ups.mean(axis=0) == pytest.approx([f / 1000 for _, f in fracs], abs=0.01)
    assert (ups.sum(axis=1) == 3).all()
    by_class = {c: ups[:, [k for k, (cc, _) in enumerate(fracs) if cc == c]].sum(axis=1) for c in "ABCD"}
    assert set(by_class["A"]) == {1, 2} and set(by_class["B"]) == {0, 1}
    assert set(by_class["C"]) == {1, 2} and set(by_class["D"]) == {0, 1}


def test_binomial_tail_is_the_order_statistic_law() -> None:
    from fractions import Fraction
    from math import comb

    from optimizer.draw import binomial_tail

    for n, k, x in [(1, 1, 0.3), (5, 2, 0.1), (12, 7, 0.55), (40, 2, 0.03), (300, 280, 0.9)]:
        q = Fraction(x)
        exact = sum(comb(n, j) * q**j * (1 - q) ** (n - j) for j in range(k, n + 1))
        assert binomial_tail(n, k, x) == pytest.approx(float(exact), abs=1e-13)
