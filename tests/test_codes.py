"""Inspection codes (检查码): keyed by a district key, reproducible, checkable without exposing other visits."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from records.codes import (
    CodeKeyError,
    code_secret,
    inspection_codes,
    key_id,
    load_key,
    load_or_create_key,
    normalize_code,
    seal_codes,
)
from records.ledger import record_plan
from ui.cli.record import seal_plan_codes

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture(scope="module")
def made():
    from optimizer.plan import make_plan
    from scenarios import load_scenario

    return make_plan(load_scenario(REPO / "scenarios" / "tiny"), "20240301")


def test_key_file_is_made_once_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "k" / "jointcheck.key"
    key = load_or_create_key(path)
    assert len(key) == 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == key == load_key(path)
    assert len(key_id(key)) == 16 and key.hex()[:16] != key_id(key)
    assert not list(path.parent.glob(".*.tmp"))


@pytest.mark.parametrize("content", ["", "zz" * 32, "ab" * 31, "ab" * 33])
def test_malformed_key_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.key"
    path.write_text(content)
    with pytest.raises(CodeKeyError, match="64 hex digits"):
        load_or_create_key(path)


def test_codes_depend_on_the_key_not_only_on_the_public_seed(made) -> None:
    k1, k2 = b"\x01" * 32, b"\x02" * 32
    a = seal_codes(made.visits, made.seed, k1)
    assert a.columns == made.visits.columns
    assert a["inspection_code"].to_list() == seal_codes(made.visits, made.seed, k1)["inspection_code"].to_list()
    b = seal_codes(made.visits, made.seed, k2)["inspection_code"]
    seed_only = inspection_codes(made.visits, code_secret(made.seed))
    assert (a["inspection_code"] != b).all() and (a["inspection_code"] != seed_only).all()
    other_seed = seal_codes(made.visits, "0" * 64, k1)["inspection_code"]
    assert (a["inspection_code"] != other_seed).all()
    assert a["inspection_code"].n_unique() == a.height
    assert a["inspection_code"].str.contains(r"^[A-Z2-7]{5}-[A-Z2-7]{5}$").all()


def test_same_key_and_seed_give_byte_identical_plans(made, tmp_path: Path) -> None:
    from optimizer.export import write_plan

    key = tmp_path / "d.key"
    one = write_plan(seal_plan_codes(made, key), tmp_path / "one")
    two = write_plan(seal_plan_codes(made, key), tmp_path / "two")
    for name in ("manifest.json", "visits.parquet", "draws.parquet", "assignments.parquet", "unplaced.parquet"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    assert not list(one.glob("*.key")), "the key never goes into the plan directory"


@given(st.text(max_size=20))
@settings(max_examples=100, deadline=None)
def test_normalize_code_accepts_only_codes(text: str) -> None:
    code = normalize_code(text)
    assert code is None or (len(code) == 11 and code[5] == "-" and normalize_code(code) == code)


def test_normalize_code_forgives_how_people_type() -> None:
    assert normalize_code(" abcde fgh23 ") == "ABCDE-FGH23"
    assert normalize_code("0B1D8-22222") == "OBIDB-22222"
    assert normalize_code("ABCDE-FGH2") is None and normalize_code("ABCDE-FGH29") is None


@pytest.fixture(scope="module")
def sealed_plan(made, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    from optimizer.export import write_plan

    root = tmp_path_factory.mktemp("codes")
    key, db = root / "d.key", root / "j.db"
    out = write_plan(seal_plan_codes(made, key), root / "plan")
    record_plan(db, out)  # signed with the session's district key ($JOINTCHECK_KEY_FILE)
    return out, db, key


def test_code_check_confirms_one_visit_and_nothing_else(sealed_plan, public_app) -> None:
    out, db, _ = sealed_plan
    visits = pl.read_parquet(out / "visits.parquet")
    row = visits.row(0, named=True)
    typed = row["inspection_code"].lower().replace("-", " ")
    result = runner.invoke(public_app, ["code", "check", typed, "--ledger", str(db), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "genuine" in result.output and row["subject_id"] in result.output and str(row["date"]) in result.output
    assert "recorded in the ledger" in result.output
    others = set(visits["subject_id"].to_list()) - {row["subject_id"]}
    assert not [s for s in others if s in result.output]


def test_unknown_and_malformed_codes_fail(sealed_plan, public_app) -> None:
    out, db, _ = sealed_plan
    result = runner.invoke(public_app, ["code", "check", "AAAAA-AAAAA", "--ledger", str(db), "--lang", "en"])
    assert result.exit_code == 1 and "not be genuine" in result.output
    result = runner.invoke(public_app, ["code", "check", "hello", "--plan", str(out), "--lang", "en"])
    assert result.exit_code == 1 and "not an inspection code" in result.output
    result = runner.invoke(public_app, ["code", "check", "AAAAA-AAAAA", "--ledger", str(out / "absent.db"), "--lang", "en"])
    assert result.exit_code == 2 and "no plan to search" in result.output


def test_a_forged_visits_file_is_not_trusted(sealed_plan, tmp_path: Path, public_app) -> None:
    """A plan directory whose visits.parquet differs from the hash the ledger recorded is never searched."""
    out, _, _ = sealed_plan
    forged = tmp_path / "plan"
    shutil.copytree(out, forged)
    db = tmp_path / "j.db"
    record_plan(db, forged)  # recorded while genuine…
    visits = pl.read_parquet(forged / "visits.parquet")
    visits.with_columns(  # …then a code is forged into it
        pl.when(pl.col("visit_id") == visits["visit_id"][0]).then(pl.lit("FORGE-D2222")).otherwise(pl.col("inspection_code"))
        .alias("inspection_code")).write_parquet(forged / "visits.parquet")
    result = runner.invoke(public_app, ["code", "check", "FORGE-D2222", "--ledger", str(db), "--lang", "en"])
    assert result.exit_code == 1 and "not trusted" in result.output
