"""The plan ledger (全程留痕): an append-only, hash-chained record of every plan, verify, publish and results run.

沪府发〔2024〕6号 一(四) asks that plans, draws, publication and archives be recorded so every step can be
traced and held to account. The ledger is one embedded SQLite file (default ``./jointcheck.db``).

Each record holds a kind, the plan id, the time it was recorded and a canonical-JSON body (scenario and
policy hashes, seed commitment, revealed seed once published, KPIs, SHA-256 of every output file …).
Its hash is SHA-256(prev hash ‖ seq ‖ kind ‖ plan id ‖ recorded at ‖ body); ``seq`` runs 1, 2, 3 … with
no gaps. :func:`verify_ledger` therefore detects

* an edited record (its hash no longer recomputes, or the next record's link breaks),
* a deleted record in the middle (a gap in ``seq`` and a broken link),
* deleted records at the end, via the head anchor ``<db>.head`` written after each append, and via a head
  hash published elsewhere (``publish`` prints it into the public plan; ``ledger verify --head``).

Every record is **signed with the district key** (the ``jointcheck.key`` that keys the inspection codes):
``signature = HMAC-SHA256(K, hash)`` with ``K = HMAC-SHA256(district key, "jointcheck ledger key")``, so the
ledger's key is not the codes' key. A record's hash covers the previous record's hash, so each signature vouches
for the whole history up to it. Whoever can write the SQLite file but does not hold the key can no longer add a
record that verifies: :func:`verify_ledger` reports every unsigned record and every record signed with another key,
and every command that opens a plan then refuses it (:mod:`records.binding`).

Someone who holds the key can still append a signed record (the office itself can plan again); what was
*published* limits that: ``publish`` prints the plan's digest and the ledger head into the public notice, a plan
swapped afterwards no longer matches the notice (``jointcheck verify --notice``), and :func:`verify_ledger` lists
the records appended after the last published head. Someone who can rewrite the file *and* holds the key *and*
re-signs every later record defeats any local check; only a head hash held outside (published, printed, sent to
the supervisor) catches that. Triggers refuse UPDATE and DELETE so honest tools cannot change history by accident.

Concurrent writers: WAL journal, ``BEGIN IMMEDIATE`` (the writer holds the lock from reading the previous
hash to commit) with a busy timeout, and an advisory file lock so the anchor follows the chain.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenarios.atomic import atomic_file
from scenarios.messages import Message

__all__ = [
    "DEFAULT_LEDGER", "GENESIS", "LedgerError", "Record", "LedgerReport", "append", "records", "verify_ledger",
    "head", "default_ledger_path", "file_digests", "record_plan", "record_verify", "plan_records", "sign",
    "district_key",
]

DEFAULT_LEDGER = "jointcheck.db"
GENESIS = "0" * 64
BUSY_TIMEOUT_MS = 60_000
_SEP = "\x1f"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    signature TEXT
);
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'the jointcheck ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_no_delete BEFORE DELETE ON records
BEGIN SELECT RAISE(ABORT, 'the jointcheck ledger is append-only'); END;
"""


_TRIGGERS = {
    name: f"CREATE TRIGGER {name} BEFORE {what} ON records BEGIN SELECT RAISE(ABORT, 'the jointcheck ledger is append-only'); END"
    for name, what in (("records_no_update", "UPDATE"), ("records_no_delete", "DELETE"))
}


def _squash(sql: str | None) -> str:
    """SQL compared by content: case, whitespace, IF NOT EXISTS and a final semicolon do not matter."""
    text = " ".join((sql or "").replace("IF NOT EXISTS ", "").split()).rstrip(";").strip()
    return text.upper()


class LedgerError(RuntimeError):
    """The ledger cannot be opened or written (not a SQLite file, locked too long, read-only); its argument is a
    :class:`~scenarios.messages.Message` (English as ``str``, Chinese by ``text``)."""


@dataclass(frozen=True)
class Record:
    seq: int
    kind: str
    plan_id: str
    recorded_at: str
    body: dict[str, Any]
    prev_hash: str
    hash: str
    signature: str | None = None


@dataclass(frozen=True)
class LedgerReport:
    records: int
    head: str
    problems: list[Message] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)
    after_publication: list[Record] = field(default_factory=list)
    """Records appended after the last published head (the ``--head`` given, else the last ``publish`` record's)."""
    untrusted: frozenset[int] = frozenset()
    """Records not signed with the district key (unsigned, or signed with another key), by seq."""
    signature_codes: frozenset[str] = frozenset({"ledger.unsigned", "ledger.other_key"})

    def chain_problems(self) -> list[Message]:
        """The problems of the chain itself (edits, deletions, anchor, triggers, the key unreadable) — without the
        per-record signature findings, which :attr:`untrusted` lists."""
        return [p for p in self.problems if p.code not in self.signature_codes]

    @property
    def ok(self) -> bool:
        return not self.problems


def default_ledger_path() -> Path:
    """``$JOINTCHECK_LEDGER`` or ``./jointcheck.db``."""
    return Path(os.environ.get("JOINTCHECK_LEDGER") or DEFAULT_LEDGER)


def canonical(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def record_hash(prev_hash: str, seq: int, kind: str, plan_id: str, recorded_at: str, body_text: str) -> str:
    text = _SEP.join(["jointcheck ledger v1", prev_hash, str(seq), kind, plan_id, recorded_at, body_text])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_LEDGER_KEY_DOMAIN = b"jointcheck ledger key"
_SIGNATURE_DOMAIN = b"jointcheck ledger signature v1\x1f"


def sign(record_hash_hex: str, key: bytes) -> str:
    """A record's signature: HMAC-SHA256 under the ledger key derived from the district key ``key``."""
    ledger_key = hmac.new(key, _LEDGER_KEY_DOMAIN, hashlib.sha256).digest()
    return hmac.new(ledger_key, _SIGNATURE_DOMAIN + record_hash_hex.encode("ascii"), hashlib.sha256).hexdigest()


def district_key(key: bytes | None = None) -> bytes:
    """``key``, or the district key of ``$JOINTCHECK_KEY_FILE`` / ``./jointcheck.key``: :class:`LedgerError` saying
    that the ledger is signed with it when it cannot be read (records are neither written nor trusted without it)."""
    if key is not None:
        return key
    from records.codes import CodeKeyError, default_key_path, load_key

    try:
        return load_key(default_key_path())
    except CodeKeyError as exc:
        raise LedgerError(Message("ledger.key_needed", reason=exc.args[0] if exc.args else exc)) from None


def _anchor_path(db: Path) -> Path:
    return db.with_name(db.name + ".head")


@contextlib.contextmanager
def _file_lock(db: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: SQLite's own lock still serialises appends
        yield
        return
    with open(db.with_name(db.name + ".lock"), "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _connect(db: Path, create: bool) -> sqlite3.Connection:
    if not create and not db.exists():
        raise LedgerError(Message("ledger.not_found", db=db))
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(db, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and "records" not in tables:  # another application's database: never add our tables to it
            conn.close()
            raise sqlite3.DatabaseError(f"not a jointcheck ledger (tables: {', '.join(sorted(tables))})")
        if create:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.executescript(_SCHEMA)
            columns = {r[1] for r in conn.execute("PRAGMA table_info(records)")}
            if "signature" not in columns:  # a ledger of an earlier version: its records stay unsigned
                conn.execute("ALTER TABLE records ADD COLUMN signature TEXT")
    except sqlite3.DatabaseError as exc:
        raise LedgerError(Message("ledger.cannot_open", db=db, reason=exc)) from None
    return conn


def append(db: str | Path, kind: str, plan_id: str, body: dict[str, Any], now: dt.datetime | None = None, *,
           key: bytes | None = None) -> Record:
    """Append one record, chained to the last and signed with the district key (``key``, else the key file:
    :func:`district_key`); safe against concurrent writers. Returns the record."""
    db = Path(db)
    key = district_key(key)
    recorded_at = (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    body_text = canonical(body)
    with _file_lock(db):
        conn = _connect(db, create=True)
        try:
            conn.execute("BEGIN IMMEDIATE")
            last = conn.execute("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
            seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
            digest = record_hash(prev, seq, kind, plan_id, recorded_at, body_text)
            signature = sign(digest, key)
            conn.execute("INSERT INTO records (seq, kind, plan_id, recorded_at, body, prev_hash, hash, signature) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (seq, kind, plan_id, recorded_at, body_text, prev, digest, signature))
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise LedgerError(Message("ledger.cannot_append", db=db, reason=exc)) from None
        finally:
            conn.close()
        with atomic_file(_anchor_path(db)) as staging:
            staging.write_text(json.dumps({"seq": seq, "hash": digest}) + "\n", encoding="utf-8")
    return Record(seq, kind, plan_id, recorded_at, json.loads(body_text), prev, digest, signature)


def _rows(db: Path) -> list[tuple]:
    conn = _connect(db, create=False)
    try:
        if not _has_records_table(conn):  # a file another process has just created: no record yet
            return []
        columns = {r[1] for r in conn.execute("PRAGMA table_info(records)")}
        signature = "signature" if "signature" in columns else "NULL"
        return conn.execute(
            f"SELECT seq, kind, plan_id, recorded_at, body, prev_hash, hash, {signature} FROM records ORDER BY seq"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise LedgerError(Message("ledger.cannot_read", db=db, reason=exc)) from None
    finally:
        conn.close()


def _has_records_table(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='records'").fetchone() is not None


def records(db: str | Path) -> list[Record]:
    """Every record in order (bodies decoded; a body that is not JSON comes back as {'_raw': text})."""
    out = []
    for seq, kind, plan_id, at, body, prev, digest, signature in _rows(Path(db)):
        try:
            decoded = json.loads(body)
        except (TypeError, json.JSONDecodeError):
            decoded = {"_raw": body}
        out.append(Record(seq, kind, plan_id, at, decoded, prev, digest, signature))
    return out


def head(db: str | Path) -> tuple[int, str]:
    """(seq, hash) of the last record; (0, GENESIS) for an empty ledger."""
    rows = _rows(Path(db))
    return (rows[-1][0], rows[-1][6]) if rows else (0, GENESIS)


def verify_ledger(db: str | Path, expect_head: str | None = None, key: bytes | None = None) -> LedgerReport:
    """Recompute the chain; report every edited, deleted or reordered record (and a missing head), every record
    not signed with the district key (``key``, else the key file; without one no record can be trusted), and list
    the records appended after the last published head (``expect_head``, else the last ``publish`` record's)."""
    db = Path(db)
    rows = _rows(db)
    try:
        key = district_key(key) if rows else key
    except LedgerError as exc:
        key = None
        no_key: Message | None = exc.args[0]
    else:
        no_key = None
    problems: list[Message] = []  # each a str: its English text
    notes: list[Message] = []
    prev = GENESIS
    hashes: dict[str, int] = {}
    unsigned: list[int] = []
    wrong_key: list[int] = []
    for expected_seq, (seq, kind, plan_id, at, body, prev_hash, digest, signature) in enumerate(rows, start=1):
        if seq != expected_seq:
            problems.append(Message("ledger.gap", first=expected_seq, last=seq - 1, seq=seq))
        if prev_hash != prev:
            problems.append(Message("ledger.broken_link", seq=seq, kind=kind, plan_id=plan_id))
        body_text = body if isinstance(body, str) else str(body)
        if record_hash(prev_hash, seq, kind, plan_id, at, body_text) != digest:
            problems.append(Message("ledger.edited", seq=seq, kind=kind, plan_id=plan_id))
        if not signature:
            unsigned.append(seq)
        elif key is not None and not hmac.compare_digest(str(signature), sign(str(digest), key)):
            wrong_key.append(seq)
        hashes[digest] = seq
        prev = digest
    if no_key is not None:
        problems.append(no_key)
    if unsigned:
        problems.append(Message("ledger.unsigned", n=len(unsigned), seqs=_seq_list(unsigned)))
    if wrong_key:
        problems.append(Message("ledger.other_key", n=len(wrong_key), seqs=_seq_list(wrong_key)))
    last_seq, last_hash = (rows[-1][0], rows[-1][6]) if rows else (0, GENESIS)
    anchor = _anchor_path(db)
    if anchor.exists():
        try:
            mark = json.loads(anchor.read_text(encoding="utf-8"))
            mark_seq, mark_hash = int(mark["seq"]), str(mark["hash"])
        except (ValueError, KeyError, TypeError):
            problems.append(Message("ledger.anchor_unreadable", anchor=anchor))
        else:
            if mark_seq > last_seq:
                problems.append(Message("ledger.anchor_ahead", mark=mark_seq, last=last_seq))
            elif hashes.get(mark_hash) != mark_seq:
                problems.append(Message("ledger.anchor_rewritten", mark=mark_seq))
            elif mark_seq < last_seq:
                notes.append(Message("ledger.anchor_behind", mark=mark_seq, last=last_seq))
    elif len(rows) > 1:  # every append after the first leaves an anchor: a missing one was deleted
        problems.append(Message("ledger.anchor_missing", anchor=anchor.name, n=len(rows)))
    elif rows:
        notes.append(Message("ledger.no_anchor", anchor=anchor.name))
    published_at: int | None = None
    if expect_head:
        if expect_head not in hashes:
            problems.append(Message("ledger.head_not_found", head=expect_head[:16]))
        else:
            published_at = hashes[expect_head]
    else:
        published_at = next((r[0] for r in reversed(rows) if r[1] == "publish"), None)
    conn = _connect(db, create=False)
    try:
        fresh = not _has_records_table(conn)
        triggers = {name: sql for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger'")}
    finally:
        conn.close()
    if not fresh and not {"records_no_update", "records_no_delete"} <= set(triggers):
        problems.append(Message("ledger.triggers_removed"))
    elif not fresh and any(_squash(triggers[name]) != _squash(sql) for name, sql in _TRIGGERS.items()):
        problems.append(Message("ledger.triggers_replaced"))
    after = [r for r in records(db) if r.seq > published_at] if published_at is not None else []
    return LedgerReport(len(rows), last_hash, problems, notes, after, frozenset(unsigned) | frozenset(wrong_key))


def _seq_list(seqs: list[int], limit: int = 10) -> str:
    return ", ".join(map(str, seqs[:limit])) + (" …" if len(seqs) > limit else "")


def file_digests(root: str | Path) -> dict[str, str]:
    """SHA-256 of every regular file directly in ``root`` (sorted by name)."""
    root = Path(root)
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.iterdir()) if p.is_file()}


def record_plan(db: str | Path, plan_dir: str | Path, *, code_key_id: str | None = None,
                stage_seconds: dict[str, float] | None = None, recorded_as: str | Path | None = None,
                key: bytes | None = None) -> Record:
    """Hook for ``jointcheck plan``: record a written plan (hashes, commitment, KPIs, output SHA-256).

    ``files`` holds the SHA-256 of every file of the plan, ``manifest.json`` included, which binds the
    record to the plan (:mod:`records.binding`). ``recorded_as``: the directory the plan will have once
    moved into place, when ``plan_dir`` is its staging directory (the record is written first).
    The seed itself is *not* recorded here: only its commitment; the revealed value is recorded by
    ``verify``/``publish`` once it is public.
    """
    plan_dir = Path(plan_dir)
    m = json.loads((plan_dir / "manifest.json").read_text(encoding="utf-8"))
    body = {
        "plan_dir": str(Path(recorded_as or plan_dir).resolve()),
        "scenario": m.get("scenario"),
        "policy": m.get("policy"),
        "mode": m.get("mode"),
        "seed_commitment": m.get("seed_commitment"),
        "kpis": m.get("kpis"),
        "solver_status": {k: (v or {}).get("status") for k, v in (m.get("solver") or {}).items()},
        "files": file_digests(plan_dir),
        "code_key_id": code_key_id,
        "stage_seconds": stage_seconds,
    }
    if m.get("adjusts"):  # a new version of a plan (动态调整): linked to the record of the version it adjusts
        body["adjusts"] = {**m["adjusts"], "as_of": (m.get("adjustment") or {}).get("as_of"),
                           "record": _record_of_manifest(db, m["adjusts"]["manifest_sha256"])}
    if m.get("rotation"):
        body["rotation"] = m["rotation"]
    return append(db, "plan", str(m.get("plan_id", "")), body, key=key)


def _record_of_manifest(db: str | Path, manifest_sha256: str) -> dict[str, Any] | None:
    """seq and hash of the latest plan record whose manifest.json had this SHA-256 (None if not recorded)."""
    if not Path(db).exists():
        return None
    for rec in reversed(records(db)):
        if rec.kind == "plan" and (rec.body.get("files") or {}).get("manifest.json") == manifest_sha256:
            return {"seq": rec.seq, "hash": rec.hash}
    return None


def record_verify(db: str | Path, plan_dir: str | Path, result: Any, public_value: str, *,
                  key: bytes | None = None) -> Record:
    """Hook for ``jointcheck verify``: the outcome, and the revealed public value when it matched the commitment."""
    from optimizer.draw import plan_seed

    plan_dir = Path(plan_dir)
    m = json.loads((plan_dir / "manifest.json").read_text(encoding="utf-8"))
    body: dict[str, Any] = {
        "plan_dir": str(plan_dir.resolve()),
        "ok": bool(result.ok), "commitment_ok": bool(result.commitment_ok), "scenario_ok": bool(result.scenario_ok),
        "mismatches": len(result.mismatches), "pairs": int(result.pairs),
        "seed_commitment": m.get("seed_commitment"),
        "files": file_digests(plan_dir),
    }
    if result.commitment_ok:
        body["revealed"] = {"public_value": str(public_value),
                            "seed": plan_seed(m["scenario"]["hash"], public_value, m["plan_id"])}
    return append(db, "verify", str(m.get("plan_id", "")), body, key=key)


def plan_records(db: str | Path) -> list[Record]:
    """The latest ``plan`` record for each plan directory, newest first."""
    seen: set[str] = set()
    out = []
    for rec in reversed(records(db)):
        where = rec.body.get("plan_dir")
        if rec.kind == "plan" and where and where not in seen:
            seen.add(where)
            out.append(rec)
    return out
