"""一企一档 scorecards: AHP against published numbers, cards as data, scoring, ``jointcheck score`` and ``explain``."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from scenarios import load_scenario
from scenarios.generate.indicators import INDICATOR_COLUMNS, indicator_columns
from scoring import (
    CardError,
    comparison_matrix,
    known_cards,
    load_card,
    priorities,
    score_subjects,
)
from scoring.ahp import RANDOM_INDEX, parse_judgement
from scoring.card import Indicator
from scoring.score import indicator_score
from ui.cli import app

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "scenarios" / "tiny"
runner = CliRunner()


# ---- AHP -----------------------------------------------------------------------------------------------

def test_saaty_three_criteria_example():
    """Saaty (1980): A = [[1,3,5],[1/3,1,3],[1/5,1/3,1]] → w = (0.637, 0.258, 0.105), λ_max 3.039, CR 0.033."""
    p = priorities(["a", "b", "c"], comparison_matrix(["a", "b", "c"], [("a", "b", 3), ("a", "c", 5), ("b", "c", 3)]))
    assert np.allclose(p.weights, (0.637, 0.258, 0.105), atol=0.0005)
    assert p.lambda_max == pytest.approx(3.0385, abs=0.0005)
    assert p.consistency_ratio == pytest.approx(0.0332, abs=0.0005)


def test_a_perfectly_consistent_matrix_returns_its_weights_and_cr_zero():
    w = np.array([0.4, 0.3, 0.2, 0.1])
    names = list("wxyz")
    judgements = []
    exact = {(0, 1): "4/3", (0, 2): 2, (0, 3): 4, (1, 2): "3/2", (1, 3): 3, (2, 3): 2}  # w_i / w_j on the scale
    for (i, j), a in exact.items():
        judgements.append((names[i], names[j], a))
    with pytest.raises(ValueError, match="not on Saaty"):
        comparison_matrix(names, judgements)  # 4/3 and 3/2 are not on the 1–9 scale …
    matrix = np.outer(w, 1 / w)                 # … but the eigenvector of any consistent matrix is exact
    p = priorities(names, matrix)
    assert np.allclose(p.weights, w) and p.consistency_ratio == pytest.approx(0.0, abs=1e-9)


def test_saaty_random_index():
    assert [RANDOM_INDEX[n] for n in range(3, 11)] == [0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49]


@pytest.mark.parametrize("value", ["1/3", 3, "9", "1/9", 1])
def test_judgements_on_the_scale(value):
    assert parse_judgement(value)


@pytest.mark.parametrize("value", [0.333, 10, "1/10", 0, True, "x", "2/3"])
def test_judgements_off_the_scale_are_refused(value):
    with pytest.raises(ValueError):
        parse_judgement(value)


def test_missing_or_repeated_judgements_are_refused():
    with pytest.raises(ValueError, match="missing judgements: a–c"):
        comparison_matrix(["a", "b", "c"], [("a", "b", 3), ("b", "c", 3)])
    with pytest.raises(ValueError, match="twice"):
        comparison_matrix(["a", "b"], [("a", "b", 3), ("b", "a", "1/3")])


# ---- cards ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["putuo-beauty-2023", "enterprise-disclosure"])
def test_bundled_cards_load_consistent_and_weights_sum_to_one(name):
    assert name in known_cards()
    card = load_card(name)
    assert all(p.consistency_ratio < 0.10 for p in card.matrices.values())
    assert sum(card.weights.values()) == pytest.approx(1.0)
    assert "illustrative" in card.card.weights_note and card.card.reference.document


def test_putuo_card_has_the_five_sector_indicators():
    card = load_card("putuo-beauty-2023")
    sector = {k for k, path in card.paths.items() if path[-1] == "sector"}
    names = sorted(card.names[k][0] for k in sector)
    for wanted in ("许可信息", "注册资本实缴比例", "法定代表人频繁变更", "企业存续时间", "双随机检查结果"):
        assert any(n.startswith(wanted) for n in names), wanted
    assert len(names) == 5


def _card(tmp_path: Path, comparisons: str) -> Path:
    text = (ROOT / "rules" / "scorecards" / "enterprise-disclosure.yaml").read_text(encoding="utf-8")
    start = text.index("  comparisons:\n")
    end = text.index("  children:\n")
    path = tmp_path / "bad.yaml"
    path.write_text(text[:start] + comparisons + text[end:], encoding="utf-8")
    return path


def test_an_inconsistent_card_is_refused_naming_the_matrix_and_its_cr(tmp_path):
    bad = _card(tmp_path, """  comparisons:
    - [annual_report, equity, 9]
    - [annual_report, investments, 1/9]
    - [annual_report, abnormal, 9]
    - [annual_report, risk_leads, 1/9]
    - [equity, investments, 9]
    - [equity, abnormal, 1/9]
    - [equity, risk_leads, 9]
    - [investments, abnormal, 9]
    - [investments, risk_leads, 1/9]
    - [abnormal, risk_leads, 9]
""")
    with pytest.raises(CardError, match=r"comparisons of root are inconsistent: CR = \d\.\d{3}"):
        load_card(bad)


def test_unknown_card_names_the_known_ones():
    with pytest.raises(CardError, match="known: enterprise-disclosure"):
        load_card("no-such-card")


# ---- indicator scores ----------------------------------------------------------------------------------

def _scores(ind: Indicator, values: list[str | None]) -> list[float | None]:
    return pl.DataFrame({ind.column: values}, schema={ind.column: pl.String}).select(indicator_score(ind).alias("s"))["s"].to_list()


def test_bands_take_the_first_band_not_exceeded():
    ind = Indicator(column="n", bands=[(0, 100), (1, 60), (3, 30)], above=0)
    assert _scores(ind, ["0", "1", "2", "3", "4", "", "x", None]) == [100, 60, 30, 30, 0, None, None, None]


def test_linear_is_clipped_at_its_ends():
    ind = Indicator(column="r", linear={"from": (0, 20), "to": (1, 100)})
    assert _scores(ind, ["-1", "0", "0.5", "1", "2"]) == pytest.approx([20, 20, 60, 100, 100])


def test_map_reads_text_true_false_case_insensitively():
    ind = Indicator(column="b", map={True: 100, False: 30})
    assert _scores(ind, ["true", "FALSE", "maybe"]) == [100, 30, None]


def test_an_indicator_needs_exactly_one_form_and_scores_in_range():
    with pytest.raises(ValueError):
        Indicator(column="x")
    with pytest.raises(ValueError):
        Indicator(column="x", map={"a": 120})
    with pytest.raises(ValueError):
        Indicator(column="x", bands=[(3, 10), (1, 20)], above=0)


# ---- scoring a directory -------------------------------------------------------------------------------

@pytest.fixture()
def tiny_with_indicators(tmp_path) -> Path:
    target = tmp_path / "tiny-ind"
    shutil.copytree(TINY, target)
    raw = pl.read_csv(target / "subjects.csv", infer_schema=False)
    pl.concat([raw, indicator_columns(raw["risk_class"], 7)], how="horizontal").write_csv(target / "subjects.csv")
    return target


def test_missing_column_is_named(tmp_path):
    scenario = load_scenario(TINY)
    with pytest.raises(CardError, match="no column .*abnormal_list"):
        score_subjects(scenario.subjects, load_card("enterprise-disclosure"))


def test_score_is_the_sum_of_weighted_indicator_scores(tiny_with_indicators):
    scenario = load_scenario(tiny_with_indicators)
    card = load_card("enterprise-disclosure")
    table = score_subjects(scenario.subjects, card).table
    parts = table.select(pl.sum_horizontal([f"score_{k}" for k in card.indicators]))
    assert np.allclose(parts.to_series().to_numpy(), table["risk_score"].to_numpy())
    cut = card.card.classes
    expected = ["A" if s >= cut.A else "B" if s >= cut.B else "C" if s >= cut.C else "D" for s in table["risk_score"]]
    assert table["risk_class"].to_list() == expected
    assert table["risk_score"].min() >= 0 and table["risk_score"].max() <= 100


def test_cli_score_writes_a_valid_scenario_keeping_the_given_class(tiny_with_indicators, tmp_path):
    out = tmp_path / "scored"
    result = runner.invoke(app, ["score", str(tiny_with_indicators), "--card", "enterprise-disclosure", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "CR" in result.output and "0.0081" in result.output
    before = load_scenario(tiny_with_indicators).subjects
    after = load_scenario(out)
    assert after.spec.risk_scorecard == "enterprise-disclosure"
    joined = before.select("subject_id", pl.col("risk_class").cast(pl.String).alias("was")).join(
        after.subjects.select("subject_id", "risk_class_given", pl.col("risk_class").cast(pl.String), "risk_score"),
        on="subject_id")
    assert joined.height == before.height and (joined["was"] == joined["risk_class_given"]).all()
    scored = score_subjects(before, load_card("enterprise-disclosure")).table
    assert joined.join(scored.select("subject_id", pl.col("risk_class").alias("card")), on="subject_id").select(
        (pl.col("risk_class") == pl.col("card")).all()).item()
    # scoring the scored scenario again keeps the original given class
    again = runner.invoke(app, ["score", str(out), "--card", "enterprise-disclosure", "--out", str(tmp_path / "again")])
    assert again.exit_code == 0, again.output
    assert load_scenario(tmp_path / "again").subjects["risk_class_given"].to_list() == before["risk_class"].cast(pl.String).to_list()


def test_explain_gives_the_score_indicator_by_indicator(tiny_with_indicators, tmp_path):
    out = tmp_path / "scored"
    assert runner.invoke(app, ["score", str(tiny_with_indicators), "--card", "enterprise-disclosure", "--out", str(out)]).exit_code == 0
    result = runner.invoke(app, ["explain", str(out), "--subject", "S005"])
    assert result.exit_code == 0, result.output
    lines = [ln for ln in result.output.splitlines() if "× weight" in ln]
    assert len(lines) == 5 and any("经营异常名录" in ln for ln in lines)
    total = sum(float(ln.rsplit("=", 1)[1]) for ln in lines)
    stated = float(result.output.split("total ", 1)[1].split(" /", 1)[0])
    assert total == pytest.approx(stated, abs=0.03)
    assert "given class" in result.output


def test_a_sector_card_keeps_other_subjects_and_refuses_a_district_without_its_sector(tiny_with_indicators, tmp_path):
    result = runner.invoke(app, ["score", str(tiny_with_indicators), "--card", "putuo-beauty-2023", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "beauty_salon" in result.output and not (tmp_path / "x").exists()
    subjects = load_scenario(tiny_with_indicators).subjects
    salons = subjects.with_columns(
        pl.when(pl.col("subject_id").is_in(["S001", "S002"])).then(pl.lit(["beauty_salon"])).otherwise("object_types").alias("object_types"))
    scored = score_subjects(salons, load_card("putuo-beauty-2023"))
    assert scored.table["subject_id"].to_list() == ["S001", "S002"] and scored.skipped == subjects.height - 2


def test_a_plan_with_scored_classes_passes_check_and_verify(tiny_with_indicators, tmp_path, monkeypatch):
    monkeypatch.setenv("JOINTCHECK_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("JOINTCHECK_LEDGER", str(tmp_path / "ledger.db"))
    scored = tmp_path / "scored"
    assert runner.invoke(app, ["score", str(tiny_with_indicators), "--card", "enterprise-disclosure", "--out", str(scored)]).exit_code == 0
    plan = tmp_path / "plan"
    made = runner.invoke(app, ["plan", str(scored), "--seed", "7", "--out", str(plan)])
    assert made.exit_code == 0, made.output
    checked = runner.invoke(app, ["check", str(plan), str(scored)])
    assert checked.exit_code == 0, checked.output
    verified = runner.invoke(app, ["verify", str(plan), str(scored), "--seed", "7"])
    assert verified.exit_code == 0, verified.output


# ---- generator columns ---------------------------------------------------------------------------------

def test_indicator_columns_are_seeded_and_follow_the_risk_class():
    classes = pl.Series(["A"] * 4000 + ["D"] * 4000)
    a, b = indicator_columns(classes, 3), indicator_columns(classes, 3)
    assert a.equals(b) and a.columns == INDICATOR_COLUMNS and not a.equals(indicator_columns(classes, 4))
    card = load_card("putuo-beauty-2023")
    frame = pl.concat([pl.DataFrame({"subject_id": [str(k) for k in range(8000)], "object_types": [["beauty_salon"]] * 8000,
                                     "complaints_verified": ["0"] * 8000, "penalized_3y": ["false"] * 8000}), a],
                      how="horizontal")
    score = score_subjects(frame, card).table["risk_score"]
    assert score[:4000].mean() > score[4000:].mean() + 5


def test_the_bundled_districts_can_be_scored_and_planned(tmp_path, monkeypatch):
    """The generator gives the bundled districts the cards' columns: putuo-2023 scored, planned, checked, verified,
    and its draw audited against the rules' π over 300 seeds."""
    putuo = ROOT / "scenarios" / "putuo-2023"
    assert set(INDICATOR_COLUMNS) <= set(load_scenario(putuo).subjects.columns)
    scored = tmp_path / "putuo-scored"
    result = runner.invoke(app, ["score", str(putuo), "--card", "enterprise-disclosure", "--out", str(scored)])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output, "no indicator value is missing in a generated directory"
    plan = tmp_path / "plan"
    made = runner.invoke(app, ["plan", str(scored), "--seed", "2023", "--out", str(plan)])
    assert made.exit_code == 0, made.output
    assert runner.invoke(app, ["check", str(plan), str(scored)]).exit_code == 0
    assert runner.invoke(app, ["verify", str(plan), str(scored), "--seed", "2023"]).exit_code == 0
    audit = runner.invoke(app, ["audit", str(scored), "--seeds", "300"])
    assert audit.exit_code == 0, audit.output  # every task drawn at the rules' π for the scored classes
