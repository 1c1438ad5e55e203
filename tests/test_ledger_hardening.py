"""Issue 14 item 11: ledger triggers checked by content, a deleted anchor with the last record caught, a
foreign SQLite file never written to, and an unsafe district key file named."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from records.codes import key_file_warnings
from records.ledger import LedgerError, append, verify_ledger
from ui.cli import app

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()


def _ledger(tmp_path: Path, n: int = 3) -> Path:
    db = tmp_path / "j.db"
    for i in range(n):
        append(db, "plan", f"P{i}", {"i": i})
    return db


def test_triggers_replaced_by_harmless_ones_of_the_same_name_are_reported(tmp_path: Path) -> None:
    db = _ledger(tmp_path)
    conn = sqlite3.connect(db)
    conn.executescript("DROP TRIGGER records_no_update; DROP TRIGGER records_no_delete;"
                       "CREATE TRIGGER records_no_update AFTER UPDATE ON records BEGIN SELECT 1; END;"
                       "CREATE TRIGGER records_no_delete AFTER DELETE ON records BEGIN SELECT 1; END;")
    conn.close()
    assert any("replaced" in p for p in verify_ledger(db).problems)


def test_deleting_the_anchor_and_the_last_record_is_caught(tmp_path: Path) -> None:
    db = _ledger(tmp_path)
    conn = sqlite3.connect(db)
    conn.executescript("DROP TRIGGER records_no_delete; DELETE FROM records WHERE seq = 3;"
                       "CREATE TRIGGER records_no_delete BEFORE DELETE ON records "
                       "BEGIN SELECT RAISE(ABORT, 'the jointcheck ledger is append-only'); END;")
    conn.close()
    (tmp_path / "j.db.head").unlink()
    report = verify_ledger(db)
    assert not report.ok and any("anchor" in p for p in report.problems)
    result = runner.invoke(app, ["ledger", "verify", "--ledger", str(db)])
    assert result.exit_code == 1


def test_a_foreign_sqlite_file_is_never_written(tmp_path: Path) -> None:
    other = tmp_path / "app.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    with pytest.raises(LedgerError, match="not a jointcheck ledger"):
        append(other, "plan", "P", {})
    assert other.read_bytes() == before
    names = {r[0] for r in sqlite3.connect(other).execute("SELECT name FROM sqlite_master")}
    assert names == {"customers"}


def test_an_unsafe_key_file_is_named(tmp_path: Path) -> None:
    key = tmp_path / "d.key"
    key.write_text("ab" * 32 + "\n", encoding="ascii")
    os.chmod(key, 0o644)
    assert any("chmod 600" in w for w in key_file_warnings(key))
    link = tmp_path / "link.key"
    link.symlink_to(key)
    assert any("symbolic link" in w for w in key_file_warnings(link))
    os.chmod(key, 0o600)
    assert key_file_warnings(key) == []
    result = runner.invoke(app, ["plan", str(REPO / "scenarios" / "tiny"), "--seed", "1", "--out", str(tmp_path / "p"),
                                 "--ledger", str(tmp_path / "j.db"), "--key-file", str(link), "--lang", "en"])
    assert result.exit_code == 0 and "symbolic link" in result.output, result.output
