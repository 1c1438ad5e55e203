"""Visit ids reveal nothing about date or order (issue 14 item 11): keyed by the plan seed, fixed width, unique,
deterministic; files stay in (date, subject) order; the checkers still catch duplicated and missing ids."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

import optimizer.bundling.bundle as bundle
from optimizer.bundling import visit_ids
from optimizer.check import check_plan
from optimizer.export import write_plan
from optimizer.plan import make_plan
from scenarios import load_scenario

REPO = Path(__file__).resolve().parent.parent
CHANGNING = REPO / "scenarios" / "changning-2024"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(CHANGNING)


@pytest.fixture(scope="module")
def written(scenario, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ids") / "plan"
    write_plan(make_plan(scenario, "20240301"), out)
    return out


def test_ids_are_not_in_date_order_and_files_are(written):
    visits = pl.read_parquet(written / "visits.parquet")
    assert visits.height > 100
    assert visits.select("date", "subject_id").rows() == visits.sort("date", "subject_id").select("date", "subject_id").rows()
    ids = visits["visit_id"].to_list()
    assert ids != sorted(ids) and ids != sorted(ids, reverse=True)
    assert visits["visit_id"].str.contains(r"^V[0-9A-F]{12}$").all() and visits["visit_id"].n_unique() == visits.height
    # the id ranks tell nothing about the date ranks: their rank correlation is near 0 (|ρ| < 0.2 for 600 visits)
    ranked = visits.with_columns(pl.col("visit_id").rank().alias("a"), pl.col("date").rank().alias("b"))
    assert abs(ranked.select(pl.corr("a", "b", method="spearman")).item()) < 0.2
    teams = pl.read_parquet(written / "assignments.parquet")
    assert set(teams["visit_id"]) <= set(ids)


def test_same_seed_same_ids_other_seed_other_ids(scenario, written):
    again = make_plan(scenario, "20240301").visits
    assert again["visit_id"].to_list() == pl.read_parquet(written / "visits.parquet")["visit_id"].to_list()
    other = make_plan(scenario, "20240302").visits
    assert not set(other["visit_id"]) & set(again["visit_id"])


def test_collisions_are_resolved_deterministically(monkeypatch):
    """With two hex digits (256 ids) 120 visits collide often; every id is still unique and the same every time."""
    monkeypatch.setattr(bundle, "VISIT_ID_DIGITS", 2)
    day = dt.date(2024, 3, 1)
    visits = [(f"S{k:03d}", day + dt.timedelta(days=k % 30), ("T01",)) for k in range(120)]
    ids = visit_ids("seed", visits)
    assert len(set(ids)) == 120 and all(len(v) == 3 for v in ids)
    assert ids == visit_ids("seed", visits) and ids != visit_ids("other", visits)


def _tamper(written: Path, tmp_path: Path, change) -> Path:  # noqa: ANN001 - a frame → frame function
    copy = tmp_path / "plan"
    shutil.copytree(written, copy)
    change(pl.read_parquet(copy / "visits.parquet")).write_parquet(copy / "visits.parquet")
    return copy


def test_check_catches_a_duplicated_id(written, scenario, tmp_path):
    def duplicate(v: pl.DataFrame) -> pl.DataFrame:
        return v.with_columns(pl.when(pl.int_range(pl.len()) == 1).then(pl.lit(v["visit_id"][0])).otherwise(pl.col("visit_id"))
                              .alias("visit_id"))

    found = [str(x) for x in check_plan(_tamper(written, tmp_path, duplicate), scenario)]
    first = pl.read_parquet(written / "visits.parquet")["visit_id"][0]
    assert any(f"visit {first}" in x and "used by 2 visits" in x for x in found), found


def test_check_catches_a_missing_visit(written, scenario, tmp_path):
    gone = pl.read_parquet(written / "visits.parquet")["visit_id"][5]
    found = [str(x) for x in check_plan(_tamper(written, tmp_path, lambda v: v.filter(pl.col("visit_id") != gone)),
                                        scenario)]
    assert any(f"visit {gone}" in x and "no such visit" in x for x in found), found
