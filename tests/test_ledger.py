"""The plan ledger (全程留痕): hash chain, tamper detection, hooks, concurrent writers."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from records.ledger import (
    GENESIS,
    LedgerError,
    append,
    head,
    record_plan,
    record_verify,
    records,
    verify_ledger,
)
from ui.cli.record import register

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:  # a group, so subcommands keep their names
        pass

    register(app)
    return app


def _filled(tmp_path: Path, n: int = 5) -> Path:
    db = tmp_path / "ledger.db"
    for i in range(n):
        append(db, "plan" if i % 2 == 0 else "verify", f"P{i}", {"i": i, "kpis": {"visits": 10 + i}, "名": "长宁"})
    return db


def _tamper(db: Path, sql: str, *args: object) -> None:
    """A determined editor: drop the append-only triggers, change the table, commit."""
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER records_no_update")
    conn.execute("DROP TRIGGER records_no_delete")
    conn.execute(sql, args)
    conn.executescript("""
        CREATE TRIGGER records_no_update BEFORE UPDATE ON records BEGIN SELECT RAISE(ABORT, 'x'); END;
        CREATE TRIGGER records_no_delete BEFORE DELETE ON records BEGIN SELECT RAISE(ABORT, 'x'); END;""")
    conn.commit()
    conn.close()


def test_chain_links_every_record(tmp_path: Path) -> None:
    db = _filled(tmp_path)
    recs = records(db)
    assert [r.seq for r in recs] == [1, 2, 3, 4, 5]
    assert recs[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(recs, recs[1:]))
    assert recs[2].body["名"] == "长宁"
    report = verify_ledger(db)
    assert report.ok and report.records == 5 and report.head == head(db)[1] == recs[-1].hash


def test_update_and_delete_are_refused(tmp_path: Path) -> None:
    db = _filled(tmp_path)
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE records SET body = '{}' WHERE seq = 2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM records WHERE seq = 5")
    conn.close()
    assert verify_ledger(db).ok


def test_ledger_verify_catches_an_edited_record(tmp_path: Path) -> None:
    db = _filled(tmp_path)
    body = json.loads(json.dumps(records(db)[2].body))
    body["kpis"]["visits"] = 1
    _tamper(db, "UPDATE records SET body = ? WHERE seq = 3", json.dumps(body, sort_keys=True, separators=(",", ":")))
    report = verify_ledger(db)
    assert not report.ok
    assert any("record 3" in p and "edited" in p for p in report.problems)
    result = runner.invoke(_app(), ["ledger", "verify", "--ledger", str(db), "--lang", "en"])
    assert result.exit_code == 1, result.output
    assert "record 3" in result.output and "tampered" in result.output


@pytest.mark.parametrize("field,value", [("kind", "publish"), ("plan_id", "other"), ("recorded_at", "2020-01-01")])
def test_any_edited_column_is_caught(tmp_path: Path, field: str, value: str) -> None:
    db = _filled(tmp_path)
    _tamper(db, f"UPDATE records SET {field} = ? WHERE seq = 2", value)
    assert any("record 2" in p for p in verify_ledger(db).problems)


def test_deleted_middle_record_is_caught(tmp_path: Path) -> None:
    db = _filled(tmp_path)
    _tamper(db, "DELETE FROM records WHERE seq = 3")
    problems = verify_ledger(db).problems
    assert any("deleted" in p for p in problems) and any("record 4" in p and "link" in p for p in problems)


def test_deleted_last_record_is_caught_by_the_anchor(tmp_path: Path) -> None:
    db = _filled(tmp_path)
    _tamper(db, "DELETE FROM records WHERE seq = 5")
    assert any("last record" in p for p in verify_ledger(db).problems)


def test_rewritten_history_is_caught_by_a_published_head(tmp_path: Path) -> None:
    """Rebuilding the whole chain defeats local checks, except the head published earlier and the anchor."""
    db = _filled(tmp_path, 3)
    published = head(db)[1]
    rebuilt = tmp_path / "rebuilt.db"
    for r in records(db):
        append(rebuilt, r.kind, r.plan_id, {**r.body, "i": r.body["i"] + 100})
    rebuilt.replace(db)
    (tmp_path / "rebuilt.db.head").replace(tmp_path / "ledger.db.head")
    assert verify_ledger(db).ok                        # consistent on its own…
    report = verify_ledger(db, expect_head=published)  # …but not with what was published
    assert not report.ok and "expected head" in report.problems[0]
    result = runner.invoke(_app(), ["ledger", "verify", "--ledger", str(db), "--head", published])
    assert result.exit_code == 1


def test_removed_triggers_are_reported(tmp_path: Path) -> None:
    db = _filled(tmp_path, 2)
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER records_no_delete")
    conn.commit()
    conn.close()
    assert any("triggers" in p for p in verify_ledger(db).problems)


def test_not_a_ledger_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LedgerError, match="cannot be opened"):
        verify_ledger(bad)
    with pytest.raises(LedgerError):
        append(bad, "plan", "x", {})
    result = runner.invoke(_app(), ["ledger", "verify", "--ledger", str(bad), "--lang", "en"])
    assert result.exit_code == 2 and not isinstance(result.exception, LedgerError)
    result = runner.invoke(_app(), ["ledger", "show", "--ledger", str(tmp_path / "absent.db"), "--lang", "en"])
    assert result.exit_code == 2 and "not found" in result.output


def test_show_lists_and_prints_records(tmp_path: Path) -> None:
    db = _filled(tmp_path, 3)
    result = runner.invoke(_app(), ["ledger", "show", "--ledger", str(db), "--lang", "en"])
    assert result.exit_code == 0 and "verify" in result.output
    result = runner.invoke(_app(), ["ledger", "show", "--ledger", str(db), "--seq", "2", "--lang", "en"])
    assert json.loads(result.output)[0]["plan_id"] == "P1"


WRITER = textwrap.dedent("""
    import sys
    from records.ledger import append
    db, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for i in range(n):
        append(db, "plan", f"{name}-{i}", {"writer": name, "i": i})
""")


def test_concurrent_writers_keep_the_chain(tmp_path: Path) -> None:
    """Three processes append at once: every record lands, seq has no gaps, the chain verifies."""
    db = tmp_path / "shared.db"
    n = 40
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), name, str(n)], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in "ABC"]
    for p in procs:
        _, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    recs = records(db)
    assert [r.seq for r in recs] == list(range(1, 3 * n + 1))
    assert {r.plan_id for r in recs} == {f"{w}-{i}" for w in "ABC" for i in range(n)}
    report = verify_ledger(db)
    assert report.ok and not report.notes, report


@pytest.fixture(scope="module")
def written_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from optimizer.export import write_plan
    from optimizer.plan import make_plan
    from scenarios import load_scenario

    out = tmp_path_factory.mktemp("plan") / "tiny"
    write_plan(make_plan(load_scenario(REPO / "scenarios" / "tiny"), "20240301"), out)
    return out


def test_plan_and_verify_hooks_record_hashes_and_the_revealed_seed(written_plan: Path, tmp_path: Path) -> None:
    from optimizer.verify import verify_draw
    from scenarios import load_scenario

    db = tmp_path / "j.db"
    manifest = json.loads((written_plan / "manifest.json").read_text(encoding="utf-8"))
    rec = record_plan(db, written_plan, code_key_id="abc")
    assert rec.body["seed_commitment"] == manifest["seed_commitment"]
    assert rec.body["scenario"]["hash"] == manifest["scenario"]["hash"]
    assert rec.body["policy"]["digest"] == manifest["policy"]["digest"]
    assert rec.body["kpis"] == manifest["kpis"]
    assert set(rec.body["files"]) == {"manifest.json", *manifest["files"]}
    assert all(rec.body["files"][k] == v for k, v in manifest["files"].items())
    assert "seed" not in json.dumps(rec.body).replace("seed_commitment", "")  # no seed before it is revealed
    scenario = load_scenario(REPO / "scenarios" / "tiny")
    good = record_verify(db, written_plan, verify_draw(written_plan, scenario, "20240301"), "20240301")
    assert good.body["ok"] and good.body["revealed"]["public_value"] == "20240301"
    bad = record_verify(db, written_plan, verify_draw(written_plan, scenario, "999"), "999")
    assert not bad.body["ok"] and "revealed" not in bad.body
    assert verify_ledger(db).ok and len(records(db)) == 3
