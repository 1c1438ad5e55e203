"""Issue 14: a plan is bound to its ledger record, and damaged plan folders end in clear errors.

The tamper suite edits a recorded plan the ways the red team did — a visit moved to another day, a code
replaced, a ghost officer added (each with the manifest's hashes recomputed), the manifest's ``files``
key deleted, the manifest alone edited, a file added or removed, the ledger record edited — and checks
that ``check``, ``verify`` and ``publish`` refuse every one. The damage suite feeds broken folders (bad
JSON, missing keys, broken or endless parquet, null dates) to every command that reads a plan: exit 1 or
2 with a message, never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from records.binding import plan_binding
from records.codes import load_key
from records.ledger import record_plan
from ui.cli import app

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "scenarios" / "tiny"
SEED = "20240301"
runner = CliRunner()


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A plan made by ``jointcheck plan`` with its own ledger and district key."""
    root = tmp_path_factory.mktemp("tamper")
    out, db, key = root / "plan", root / "j.db", root / "d.key"
    result = runner.invoke(app, ["plan", str(TINY), "--seed", SEED, "--out", str(out), "--ledger", str(db),
                                 "--key-file", str(key)])
    assert result.exit_code == 0, result.output
    return out, db, key


def _copy(recorded: tuple[Path, Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A recorded copy of the plan (its own folder and ledger)."""
    out, db, _ = recorded
    plan, ledger = tmp_path / "plan", tmp_path / "j.db"
    shutil.copytree(out, plan)
    shutil.copy(db, ledger)
    record_plan(ledger, plan)
    assert plan_binding(ledger, plan).ok
    return plan, ledger


def _rehash(plan: Path) -> None:
    """Recompute the manifest's file hashes, as a careful forger would."""
    path = plan / "manifest.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    m["files"] = {n: hashlib.sha256((plan / n).read_bytes()).hexdigest() for n in m["files"]}
    path.write_text(json.dumps(m, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _edit_frame(plan: Path, name: str, change: Callable[[pl.DataFrame], pl.DataFrame], rehash: bool = True) -> None:
    change(pl.read_parquet(plan / name)).write_parquet(plan / name)
    if rehash:
        _rehash(plan)


def _edit_manifest(plan: Path, change: Callable[[dict], None]) -> None:
    path = plan / "manifest.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    change(m)
    path.write_text(json.dumps(m, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _first(col: str, value) -> Callable[[pl.DataFrame], pl.DataFrame]:
    return lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(value).otherwise(pl.col(col)).alias(col))


TAMPERS: dict[str, Callable[[Path], None]] = {
    "visit moved to another day": lambda p: _edit_frame(p, "visits.parquet", _first("date", pl.lit(None, pl.Date).fill_null(pl.date(2024, 3, 5)))),
    "code replaced": lambda p: _edit_frame(p, "visits.parquet", _first("inspection_code", pl.lit("FORGE-D2222"))),
    "ghost officer added": lambda p: _edit_frame(
        p, "assignments.parquet", lambda f: pl.concat([f, f.head(1).with_columns(pl.lit("GHOST-999").alias("officer_id"))])),
    "parquet edited, manifest not": lambda p: _edit_frame(p, "visits.parquet", _first("inspection_code", pl.lit("FORGE-D2222")), rehash=False),
    "files key deleted": lambda p: _edit_manifest(p, lambda m: m.pop("files")),
    "manifest kpi edited": lambda p: _edit_manifest(p, lambda m: m["kpis"].update(visits=1)),
    "file added": lambda p: (p / "notes.txt").write_text("x", encoding="utf-8"),
    "file removed": lambda p: (p / "unplaced.parquet").unlink(),
    # visit ids (issue 14 item 11: ids carry no order, so only their uniqueness and references are checkable)
    "visit id duplicated": lambda p: _edit_frame(
        p, "visits.parquet", lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == 1).then(pl.lit(f["visit_id"][0]))
                                                      .otherwise(pl.col("visit_id")).alias("visit_id"))),
    "visit removed, its team kept": lambda p: _edit_frame(p, "visits.parquet", lambda f: f.slice(1)),
    "visit id renamed to a sequential one": lambda p: _edit_frame(p, "visits.parquet", _first("visit_id", pl.lit("V0001"))),
}


@pytest.mark.parametrize("name", sorted(TAMPERS))
def test_every_tamper_is_refused_by_check_verify_and_publish(name: str, recorded, tmp_path: Path) -> None:
    plan, ledger = _copy(recorded, tmp_path)
    TAMPERS[name](plan)
    commands = {
        "check": ["check", str(plan), str(TINY), "--ledger", str(ledger)],
        "verify": ["verify", str(plan), str(TINY), "--seed", SEED, "--ledger", str(ledger)],
        "publish": ["publish", str(plan), str(TINY), "--out", str(tmp_path / "pub"), "--formed", "2024-03-25",
                    "--ledger", str(ledger)],
    }
    for command, args in commands.items():
        result = runner.invoke(app, args)
        assert result.exit_code in (1, 2), f"{command} accepted a plan with {name}: {result.output}"
        assert "internal error" not in result.output and "内部错误" not in result.output, result.output
        assert isinstance(result.exception, SystemExit), result.output
        # even the explicit flag does not accept an edited plan
        result = runner.invoke(app, [*args, "--allow-unrecorded"])
        assert result.exit_code in (1, 2), f"{command} --allow-unrecorded accepted a plan with {name}: {result.output}"
    assert not (tmp_path / "pub").exists()


def test_the_untouched_copy_passes(recorded, tmp_path: Path) -> None:
    plan, ledger = _copy(recorded, tmp_path)
    result = runner.invoke(app, ["check", str(plan), str(TINY), "--ledger", str(ledger), "--lang", "en"])
    assert result.exit_code == 0 and "matches ledger record" in result.output, result.output
    result = runner.invoke(app, ["verify", str(plan), str(TINY), "--seed", SEED, "--ledger", str(ledger), "--lang", "en"])
    assert result.exit_code == 0, result.output


def test_an_edited_ledger_record_is_refused(recorded, tmp_path: Path) -> None:
    plan, ledger = _copy(recorded, tmp_path)
    conn = sqlite3.connect(ledger)
    conn.execute("DROP TRIGGER records_no_update")
    conn.execute("UPDATE records SET body = replace(body, '\"visits\"', '\"visits_\"') WHERE kind = 'plan'")
    conn.commit()
    conn.close()
    result = runner.invoke(app, ["check", str(plan), str(TINY), "--ledger", str(ledger), "--lang", "en"])
    assert result.exit_code == 1 and "does not verify" in result.output, result.output


def test_an_unrecorded_plan_with_an_edited_manifest_is_refused_even_with_the_flag(recorded, tmp_path: Path) -> None:
    """Found by the fuzz suite: a manifest edited by hand (the plan id retyped) in a plan no ledger records was
    published with --allow-unrecorded; the manifest's own digest now refuses it."""
    out, _, _ = recorded
    plan = tmp_path / "plan"
    shutil.copytree(out, plan)
    m = json.loads((plan / "manifest.json").read_text(encoding="utf-8"))
    m["plan_id"] = "x"
    (plan / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    empty = ["--ledger", str(tmp_path / "empty.db"), "--allow-unrecorded"]
    for args in (["publish", str(plan), str(TINY), "--out", str(tmp_path / "pub"), "--formed", "2024-03-25", *empty],
                 ["check", str(plan), str(TINY), *empty], ["verify", str(plan), str(TINY), "--seed", SEED, *empty]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and "manifest.json" in result.output and "SHA-256" in result.output, result.output
    assert not (tmp_path / "pub").exists()


def test_an_unrecorded_plan_needs_the_explicit_flag(recorded, tmp_path: Path) -> None:
    out, _, _ = recorded
    empty = tmp_path / "empty.db"
    result = runner.invoke(app, ["check", str(out), str(TINY), "--ledger", str(empty), "--lang", "en"])
    assert result.exit_code == 1 and "--allow-unrecorded" in result.output
    result = runner.invoke(app, ["check", str(out), str(TINY), "--ledger", str(empty), "--allow-unrecorded", "--lang", "en"])
    assert result.exit_code == 0 and "not recorded" in result.output, result.output


def test_code_check_recomputes_the_hmac(recorded, tmp_path: Path) -> None:
    """An unrecorded folder is never 'genuine' on its word; with the seed and key the HMAC decides."""
    out, db, key = recorded
    code = pl.read_parquet(out / "visits.parquet")["inspection_code"][0]
    forged = tmp_path / "forged"
    shutil.copytree(out, forged)
    _edit_frame(forged, "visits.parquet", _first("inspection_code", pl.lit("FORGE-D2222")))
    empty = tmp_path / "empty.db"
    result = runner.invoke(app, ["code", "check", "FORGE-D2222", "--plan", str(forged), "--ledger", str(empty),
                                 "--key-file", str(key), "--lang", "en"])
    assert result.exit_code == 1 and "genuine:" not in result.output.replace("not be genuine", ""), result.output
    result = runner.invoke(app, ["code", "check", "FORGE-D2222", "--plan", str(forged), "--ledger", str(empty),
                                 "--key-file", str(key), "--seed", SEED, "--lang", "en"])
    assert result.exit_code == 1 and "NOT the HMAC" in result.output, result.output
    result = runner.invoke(app, ["code", "check", code, "--plan", str(out), "--ledger", str(empty),
                                 "--key-file", str(key), "--seed", SEED, "--lang", "en"])
    assert result.exit_code == 0 and "HMAC recomputed" in result.output, result.output
    result = runner.invoke(app, ["code", "check", code, "--ledger", str(db), "--key-file", str(key), "--lang", "en"])
    assert result.exit_code == 0 and "recorded in the ledger" in result.output, result.output


# ---- damaged plan folders: clear errors from every command that reads a plan ----

def _truncate(p: Path) -> None:
    data = (p / "visits.parquet").read_bytes()
    (p / "visits.parquet").write_bytes(data[: len(data) // 2])


def _dev_zero(p: Path) -> None:
    (p / "draws.parquet").unlink()
    (p / "draws.parquet").symlink_to("/dev/zero")


DAMAGE: dict[str, Callable[[Path], None]] = {
    "bad json": lambda p: (p / "manifest.json").write_text("{not json", encoding="utf-8"),
    "json list": lambda p: (p / "manifest.json").write_text("[1, 2]", encoding="utf-8"),
    "not utf-8": lambda p: (p / "manifest.json").write_bytes(b"\xff\xfe{}"),
    "deep json": lambda p: (p / "manifest.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8"),
    "broken parquet": _truncate,
    "dev zero parquet": _dev_zero,
    "null dates": lambda p: _edit_frame(p, "visits.parquet", lambda f: f.with_columns(pl.lit(None, pl.Date).alias("date"))),
    "dates as text": lambda p: _edit_frame(p, "visits.parquet", lambda f: f.with_columns(pl.col("date").cast(pl.String))),
    "column dropped": lambda p: _edit_frame(p, "assignments.parquet", lambda f: f.drop("officer_id")),
    "window not a date": lambda p: _edit_manifest(p, lambda m: m["tasks"][0]["window"].update(start="2024-02-30")),
    "tasks missing": lambda p: _edit_manifest(p, lambda m: m.pop("tasks")),
    "policy missing": lambda p: _edit_manifest(p, lambda m: m.pop("policy")),
    "scenario hash null": lambda p: _edit_manifest(p, lambda m: m["scenario"].update(hash=None)),
    "files traversal": lambda p: _edit_manifest(p, lambda m: m["files"].update({"../../etc/passwd": "0" * 64})),
    "manifest is a folder": lambda p: ((p / "manifest.json").unlink(), (p / "manifest.json").mkdir()),
}


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_damaged_plan_folders_end_in_clear_errors(name: str, recorded, tmp_path: Path) -> None:
    out, db, key = recorded
    plan = tmp_path / "plan"
    shutil.copytree(out, plan)
    DAMAGE[name](plan)
    results_csv = tmp_path / "results.csv"
    results_csv.write_text("visit_id,result_date,problems_found,problems_rectified\n", encoding="utf-8")
    for args in (["check", str(plan), str(TINY), "--allow-unrecorded"],
                 ["verify", str(plan), str(TINY), "--seed", SEED, "--allow-unrecorded"],
                 ["publish", str(plan), str(TINY), "--out", str(tmp_path / "pub"), "--allow-unrecorded", "--no-ledger"],
                 ["results", str(plan), str(results_csv), "--no-ledger"],
                 ["code", "check", "AAAAA-AAAAA", "--plan", str(plan), "--key-file", str(key)]):
        result = runner.invoke(app, [*args, "--lang", "en"])
        assert result.exit_code in (1, 2), f"{args[0]} on {name}: exit {result.exit_code}: {result.output}"
        assert isinstance(result.exception, SystemExit), f"{args[0]} on {name}: {result.exception!r}"
        assert "internal error" not in result.output and "Traceback" not in result.output, result.output


def test_concurrent_plans_on_one_out_never_trace_or_replace(tmp_path: Path) -> None:
    """Four `plan` runs on one --out without --force: one writes, the others exit 2 with a message."""
    out = tmp_path / "plan"
    env_args = ["--ledger", str(tmp_path / "j.db"), "--key-file", str(tmp_path / "d.key")]
    procs = [subprocess.Popen([sys.executable, "-m", "ui.cli", "plan", str(TINY), "--seed", SEED, "--out", str(out),
                               *env_args, "--lang", "en"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    outcomes = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    assert sorted(code for code, _, _ in outcomes) == [0, 2, 2, 2], outcomes
    for code, stdout, stderr in outcomes:
        assert "Traceback" not in stdout + stderr and "internal error" not in stdout
        if code == 2:
            assert "exists" in stdout or "being written" in stdout, stdout
    assert plan_binding(tmp_path / "j.db", out, key=load_key(tmp_path / "d.key")).ok
