"""A plan is bound to its ledger record: the record holds the SHA-256 of every file of the plan.

``jointcheck plan`` records the complete plan (``manifest.json`` and every parquet file) in the ledger
before the plan becomes visible (:func:`records.ledger.record_plan`). :func:`plan_binding` finds the plan
record whose ``manifest.json`` digest is the folder's own — so a plan copied or moved elsewhere stays bound
— and compares every other file with it. Any edit after planning shows: a parquet file changed (its digest
differs from the record and from the manifest), the manifest changed (no record has its digest; the
folder's own record names another), a file added or removed, or the ledger itself edited (its chain no
longer verifies). Files that later commands add to a plan folder (``results.parquet``) are allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from records.ledger import Record, file_digests, records, verify_ledger

__all__ = ["Binding", "plan_binding", "ADDED_LATER"]

ADDED_LATER = frozenset({"results.parquet"})
"""Files a plan folder may gain after planning (each recorded by its own ledger record)."""


@dataclass(frozen=True)
class Binding:
    """The plan record a folder is bound to (None: not recorded) and every way the two differ."""

    record: Record | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.record is not None and not self.problems


def plan_binding(db: str | Path, plan_dir: str | Path) -> Binding:
    """Compare the plan folder with its ledger record (see the module docstring).

    Raises :class:`records.ledger.LedgerError` when the ledger cannot be read.
    """
    db, plan_dir = Path(db), Path(plan_dir)
    try:
        actual = file_digests(plan_dir)
    except OSError as exc:
        return Binding(None, [f"{plan_dir}: cannot read the plan files: {exc.strerror or exc}"])
    manifest = actual.get("manifest.json")
    if manifest is None:
        return Binding(None, [f"{plan_dir}: no manifest.json"])
    if not db.exists():
        return Binding(None)
    report = verify_ledger(db)
    problems = [f"ledger {db} does not verify: {p}" for p in report.problems]
    plans = [r for r in records(db) if r.kind == "plan" and isinstance(r.body.get("files"), dict)]
    mine = [r for r in plans if r.body["files"].get("manifest.json") == manifest]
    if not mine:
        here = str(plan_dir.resolve())
        same_place = [r for r in plans if r.body.get("plan_dir") == here]
        if same_place:
            problems.append(f"{plan_dir}/manifest.json differs from ledger record {same_place[-1].seq} of this folder: "
                            "the plan was edited after planning")
            return Binding(same_place[-1], problems)
        return Binding(None, problems)
    record = mine[-1]
    recorded: dict[str, str] = record.body["files"]
    for name, digest in sorted(recorded.items()):
        if name not in actual:
            problems.append(f"{plan_dir}/{name}: missing; ledger record {record.seq} has it")
        elif actual[name] != digest:
            problems.append(f"{plan_dir}/{name}: SHA-256 differs from ledger record {record.seq}: changed after planning")
    for name in sorted(set(actual) - set(recorded) - ADDED_LATER):
        problems.append(f"{plan_dir}/{name}: not in ledger record {record.seq}: added after planning")
    return Binding(record, problems)

