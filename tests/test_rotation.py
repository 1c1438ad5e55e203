"""Rotation across years (负担轮换): every year's draw at the rules' π, two-year overlap at its least possible value.

Over 300 seeds, three years of the same directory: year y reads the first year's permanent numbers shifted by
the subjects' probabilities in the earlier years (:mod:`optimizer.rotation`). Each year passes the draw audit;
the subjects drawn in two consecutive years are compared with the least overlap any design with these
marginals allows, Σ_i max(0, P₁(i) + P₂(i) − 1), and with today's independent years, Σ_i P₁(i)·P₂(i).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from optimizer.draw import draw_input, draw_subjects, law_audit, run_draw, task_counts
from optimizer.rotation import rotation_shift
from scenarios import load_scenario
from ui.cli import app

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # draw_stress: the stress scenarios' helpers
runner = CliRunner()


def _p_drawn(draws: pl.DataFrame) -> pl.DataFrame:
    """P(subject drawn in the year) = Σ_r max_{t∈r} π (the coordinated design, no cap binding)."""
    first = draws.filter(pl.col("seed") == draws["seed"].first())
    return first.group_by("subject_id", "round").agg(pl.col("inclusion_prob").max()).group_by("subject_id").agg(
        pl.col("inclusion_prob").sum().clip(upper_bound=1.0).alias("p"))


def _drawn(draws: pl.DataFrame) -> pl.DataFrame:
    return draws.filter("selected").select("seed", "subject_id").unique()


def _indexed(draws: pl.DataFrame) -> pl.DataFrame:
    """Drawn subjects per replication (the k-th seed of each year is replication k)."""
    order = {s: k for k, s in enumerate(dict.fromkeys(draws["seed"].to_list()))}
    return _drawn(draws).with_columns(pl.col("seed").replace_strict(order, return_dtype=pl.Int64).alias("k"))


def _mean_overlap(a: pl.DataFrame, b: pl.DataFrame, seeds: int) -> float:
    return _indexed(a).join(_indexed(b), on=["k", "subject_id"]).height / seeds


def _frequency(draws: pl.DataFrame, seeds: int) -> pl.DataFrame:
    """Observed P(subject drawn in the year) over the seeds."""
    return _drawn(draws).group_by("subject_id").agg((pl.len() / seeds).alias("f"))


def write_medium(root: Path) -> Path:
    """Cells of 20–100 subjects: three object types of 120–200, six tasks in three seasons, ratios 5–30 %
    (risk classes multiply them by 0.5–2), each subject's Σ of round maxima below 1 so no cap binds."""
    from draw_stress import _DEPARTMENTS, _ITEMS, _classes, _subjects, _task

    types = {"o200": _classes(200, "ABBBC"), "o160": _classes(160, "ABCD"), "o120": _classes(120, "AABBC")}
    tasks = [_task(1, "o200", "spring", 2024, ratio=0.2), _task(2, "o200", "summer", 2024, ratio=0.1),
             _task(3, "o160", "spring", 2024, ratio=0.15), _task(4, "o160", "autumn", 2024, ratio=0.1),
             _task(5, "o120", "summer", 2024, ratio=0.3), _task(6, "o200", "autumn", 2024, ratio=0.05)]
    target = root / "medium"
    target.mkdir(parents=True, exist_ok=True)
    spec = {"name": "rotation-medium", "year": 2024, "policy": "shanghai-2024", "departments": _DEPARTMENTS,
            "object_types": [{"id": t, "name": t} for t in types], "items": _ITEMS, "tasks": tasks,
            "subjects": "subjects.csv", "officers": "officers.csv"}
    (target / "scenario.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    header = "subject_id,name,object_types,risk_class,grid,penalized_3y,complaints_verified"
    lines = [",".join(str(v) for v in row.values()) for row in _subjects(types, 0)]
    (target / "subjects.csv").write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    officers = [f"O{d['id']}{j},{d['id']}{j},{d['id']},,G{j},10" for d in _DEPARTMENTS for j in (1, 2, 3, 4)]
    (target / "officers.csv").write_text("\n".join(["officer_id,name,department,qualifications,grid,weekly_capacity",
                                                    *officers]) + "\n", encoding="utf-8")
    return target


@pytest.fixture(scope="module", params=["tiny", "medium"])
def years(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    if request.param == "tiny":
        scenario = load_scenario(SCENARIOS / "tiny")
    else:
        scenario = load_scenario(write_medium(tmp_path_factory.mktemp("rotation")))
    values = [str(k) for k in range(300)]
    year1 = run_draw(scenario, values)
    seeds = list(year1.public_values)
    one = year1.draw.draws.filter(pl.col("seed") == seeds[0])
    inp = draw_input(scenario, year1.results, year1.rounds)
    # each replication's year follows that replication's last year (cells of interchangeable members, see
    # optimizer.draw.coordinated._after_last_year); the shift is from the published probabilities (seed 0)
    year2 = draw_subjects(inp, seeds, shift=rotation_shift([one]), last=year1.draw.draws)
    one2 = year2.draws.filter(pl.col("seed") == seeds[0])
    year3 = draw_subjects(inp, seeds, shift=rotation_shift([one, one2]), last=year2.draws)
    plain = draw_subjects(inp, seeds, shift=rotation_shift([one]))  # the shift alone, no cell follows last year
    independent = run_draw(scenario, [str(1000 + k) for k in range(300)]).draw  # today: a fresh seed each year
    same_numbers = draw_subjects(inp, seeds)                                     # permanent numbers, no shift
    return {"scenario": scenario, "seeds": len(seeds), "y1": year1.draw, "y2": year2, "y3": year3,
            "independent": independent, "same": same_numbers, "plain": plain}


def test_every_year_passes_the_law_audit_with_rotation(years: dict) -> None:
    counts = task_counts(years["scenario"])
    for name in ("y1", "y2", "y3"):
        audit = law_audit(years[name], counts)
        assert audit.ok, f"{name}:\n" + "\n".join(audit.failures)


def test_two_year_overlap_is_at_its_least_possible_value(years: dict) -> None:
    n = years["seeds"]
    p1, p2 = _p_drawn(years["y1"].draws), _p_drawn(years["y2"].draws)
    both = p1.join(p2, on="subject_id", suffix="_2")
    least = float(both.select((pl.col("p") + pl.col("p_2") - 1).clip(lower_bound=0).sum()).item())
    independent_expected = float(both.select((pl.col("p") * pl.col("p_2")).sum()).item())
    rotated = _mean_overlap(years["y1"].draws, years["y2"].draws, n)
    rotated_23 = _mean_overlap(years["y2"].draws, years["y3"].draws, n)
    today = _mean_overlap(years["y1"].draws, years["independent"].draws, n)
    same = _mean_overlap(years["y1"].draws, years["same"].draws, n)
    f = _frequency(years["y1"].draws, n).join(_frequency(years["y2"].draws, n), on="subject_id", how="full",
                                                 coalesce=True, suffix="_2").fill_null(0.0)
    least_observed = float(f.select((pl.col("f") + pl.col("f_2") - 1).clip(lower_bound=0).sum()).item())
    print(f"\n{years['scenario'].name}, {n} seeds: subjects drawn in both of two consecutive years — rotated {rotated:.2f} (years 2–3 "
          f"{rotated_23:.2f}); least possible {least:.2f} from Σ_r max π, {least_observed:.2f} from the observed "
          f"yearly frequencies; independent years {today:.2f} (expected {independent_expected:.2f}); permanent "
          f"numbers without shift {same:.2f}; subjects drawn a year {_drawn(years['y1'].draws).height / n:.2f}")
    rotated_13 = _mean_overlap(years["y1"].draws, years["y3"].draws, n)
    plain = _mean_overlap(years["y1"].draws, years["plain"].draws, n)
    print(f"years 1 and 3: {rotated_13:.2f} subjects drawn in both; years 1 → 2 with the shift alone (no cell "
          f"following last year's sample): {plain:.2f}")
    if years["scenario"].name == "tiny":  # cells of 1–12: following last year's sample is what closes the gap
        assert rotated < plain - 0.5
    # no bound asserted: when a subject's yearly Σπ exceeds ⅓ three arcs cannot be disjoint, and rotation puts the
    # unavoidable repeat two years apart rather than one
    closed = (today - max(rotated, rotated_23)) / (today - least)
    print(f"rotation closes {closed:.0%} of the gap between independent years and the least possible overlap")
    if years["scenario"].name == "tiny":
        # cells of 1–12 subjects: with a shift alone a fixed-size sample of 1 in 2 repeats a firm whenever both
        # numbers fall on one side of it (½ of the time); cells of interchangeable members follow last year's
        # sample instead, the rest (members with other rounds or histories) keep the shift
        assert closed > 0.5
    else:  # cells of 20–100: a sample's last key lies close to π, the overlap close to its least
        assert closed > 0.85
    assert today > independent_expected * 0.8 and today > rotated + 1.0  # rotation is what makes the difference
    assert same > today  # the same numbers without the shift would draw the same firms again


def test_plan_and_verify_with_previous(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOINTCHECK_LEDGER", str(tmp_path / "ledger.db"))
    monkeypatch.setenv("JOINTCHECK_KEY_FILE", str(tmp_path / "district.key"))
    tiny = str(SCENARIOS / "tiny")
    y1, y2 = tmp_path / "y1", tmp_path / "y2"
    assert runner.invoke(app, ["plan", tiny, "--seed", "11", "--out", str(y1), "--lang", "en"]).exit_code == 0
    bad = runner.invoke(app, ["plan", tiny, "--seed", "12", "--out", str(y2), "--previous", str(y1), "--previous-seed", "99", "--lang", "en"])
    assert bad.exit_code == 2 and "commitment" in bad.output
    result = runner.invoke(app, ["plan", tiny, "--seed", "12", "--plan-id", "tiny-2025", "--out", str(y2),
                                 "--previous", str(y1), "--previous-seed", "11", "--lang", "en"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((y2 / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rotation"]["prn"]["seed_commitment"] != manifest["seed_commitment"]
    assert [p["plan_id"] for p in manifest["rotation"]["previous"]] == ["tiny"]
    first = set(pl.read_parquet(y1 / "draws.parquet").filter("selected")["subject_id"])
    second = set(pl.read_parquet(y2 / "draws.parquet").filter("selected")["subject_id"])
    certain = set(pl.read_parquet(y1 / "draws.parquet").filter(pl.col("inclusion_prob") >= 1)["subject_id"])
    print(f"\ntiny, seeds 11 → 12: {len(first)} and {len(second)} subjects drawn, {len(first & second)} in both "
          f"({len(certain)} with π = 1)")
    assert len(first & second) <= len(first) / 2
    ok = runner.invoke(app, ["verify", str(y2), tiny, "--seed", "12", "--previous", str(y1), "--previous-seed", "11", "--lang", "en"])
    assert ok.exit_code == 0 and "PASS" in ok.output, ok.output
    missing = runner.invoke(app, ["verify", str(y2), tiny, "--seed", "12", "--lang", "en"])
    assert missing.exit_code == 1 and "--previous" in missing.output
    assert runner.invoke(app, ["check", str(y2), tiny, "--lang", "en"]).exit_code == 0


@pytest.mark.parametrize("name", ["small-strata", "counts-equal", "counts-unequal"])  # caps: replacements, not π
def test_stress_scenarios_pass_the_law_audit_with_rotation_over_300_seeds(tmp_path: Path, name: str) -> None:
    """tests/draw_stress.py's small and uneven strata, two years each drawn over 300 seeds, year 2 rotated
    against year 1 (the shift and the cells that follow last year's sample): both years at the rules' π."""
    from draw_stress import write_stress

    write_stress(tmp_path, name)
    scenario = load_scenario(tmp_path / name)
    year1 = run_draw(scenario, [str(k) for k in range(300)])
    seeds = list(year1.public_values)
    one = year1.draw.draws.filter(pl.col("seed") == seeds[0])
    year2 = draw_subjects(draw_input(scenario, year1.results, year1.rounds), seeds, shift=rotation_shift([one]),
                          last=year1.draw.draws)
    counts = task_counts(scenario)
    for label, draw in (("year 1", year1.draw), ("year 2", year2)):
        audit = law_audit(draw, counts)
        assert audit.ok, f"{name} {label}:\n" + "\n".join(audit.failures)
    n = len(seeds)
    print(f"\n{name}: drawn in both years {_mean_overlap(year1.draw.draws, year2.draws, n):.2f}, with the shift alone "
          f"{_mean_overlap(year1.draw.draws, draw_subjects(draw_input(scenario, year1.results, year1.rounds), seeds, shift=rotation_shift([one])).draws, n):.2f}")
