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
from scenarios.errors import Problem

__all__ = ["Binding", "plan_binding", "ADDED_LATER"]

ADDED_LATER = frozenset({"results.parquet"})
"""Files a plan folder may gain after planning (each recorded by its own ledger record)."""


@dataclass(frozen=True)
class Binding:
    """The plan record a folder is bound to (None: not recorded) and every way the two differ: each a
    :class:`~scenarios.errors.Problem` naming the file (``str``: English; ``describe(lang)``: Chinese or English)."""

    record: Record | None
    problems: list[Problem] = field(default_factory=list)

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
        return Binding(None, [Problem.of(str(plan_dir), None, "", "binding.unreadable", reason=exc.strerror or exc)])
    manifest = actual.get("manifest.json")
    if manifest is None:
        return Binding(None, [Problem.of(str(plan_dir), None, "", "binding.no_manifest")])
    if not db.exists():
        return Binding(None)
    report = verify_ledger(db)
    problems = [Problem.of(str(db), None, "", "binding.ledger_broken", reason=p, reason_zh=p.text("zh"))
                for p in report.problems]
    plans = [r for r in records(db) if r.kind == "plan" and isinstance(r.body.get("files"), dict)]
    mine = [r for r in plans if r.body["files"].get("manifest.json") == manifest]
    if not mine:
        here = str(plan_dir.resolve())
        same_place = [r for r in plans if r.body.get("plan_dir") == here]
        if same_place:
            problems.append(Problem.of(f"{plan_dir}/manifest.json", None, "", "binding.manifest_edited",
                                       seq=same_place[-1].seq))
            return Binding(same_place[-1], problems)
        return Binding(None, problems)
    record = mine[-1]
    recorded: dict[str, str] = record.body["files"]
    for name, digest in sorted(recorded.items()):
        if name not in actual:
            problems.append(Problem.of(f"{plan_dir}/{name}", None, "", "binding.missing", seq=record.seq))
        elif actual[name] != digest:
            problems.append(Problem.of(f"{plan_dir}/{name}", None, "", "binding.changed", seq=record.seq))
    for name in sorted(set(actual) - set(recorded) - ADDED_LATER):
        problems.append(Problem.of(f"{plan_dir}/{name}", None, "", "binding.added", seq=record.seq))
    return Binding(record, problems)

