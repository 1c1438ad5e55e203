"""A plan is bound to its ledger record: the record holds the SHA-256 of every file of the plan.

``jointcheck plan`` records the complete plan (``manifest.json`` and every parquet file) in the ledger
before the plan becomes visible (:func:`records.ledger.record_plan`). :func:`plan_binding` finds the plan
record whose ``manifest.json`` digest is the folder's own — so a plan copied or moved elsewhere stays bound
— and compares every other file with it. Any edit after planning shows: a parquet file changed (its digest
differs from the record and from the manifest), the manifest changed (no record has its digest; the
folder's own record names another), a file or folder added or removed, a record not signed with the district key
(:mod:`records.ledger`), or the ledger itself edited (its chain no longer verifies). A file that later commands add
to a plan folder (``results.parquet``) is allowed only as its own signed ledger record describes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from records.ledger import Record, file_digests, records, verify_ledger
from scenarios.errors import Problem
from scenarios.outputs import PLAN_ADDED_LATER

__all__ = ["Binding", "plan_binding", "ADDED_LATER", "folders_in"]

ADDED_LATER = PLAN_ADDED_LATER
"""Files a plan folder may gain after planning (each recorded by its own ledger record)."""
RECORDED_BY = {"results.parquet": ("results", "results_file")}
"""For each file added later: the kind of ledger record that records it and the body field holding its SHA-256."""


def folders_in(plan_dir: Path) -> list[str]:
    """Sub-folders and links of a plan folder: ``plan`` writes none (a district plan is flat)."""
    return sorted(p.name for p in plan_dir.iterdir() if p.is_dir() or p.is_symlink())


@dataclass(frozen=True)
class Binding:
    """The plan record a folder is bound to (None: not recorded) and every way the two differ: each a
    :class:`~scenarios.errors.Problem` naming the file (``str``: English; ``describe(lang)``: Chinese or English)."""

    record: Record | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.record is not None and not self.problems


def plan_binding(db: str | Path, plan_dir: str | Path, key: bytes | None = None) -> Binding:
    """Compare the plan folder with its ledger record (see the module docstring); ``key``: the district key the
    records must be signed with (default: the key file, :func:`records.ledger.district_key`).

    Raises :class:`records.ledger.LedgerError` when the ledger cannot be read.
    """
    db, plan_dir = Path(db), Path(plan_dir)
    try:
        actual = file_digests(plan_dir)
        folders = folders_in(plan_dir)
    except OSError as exc:
        return Binding(None, [Problem.of(str(plan_dir), None, "", "binding.unreadable", reason=exc.strerror or exc)])
    manifest = actual.get("manifest.json")
    if manifest is None:
        return Binding(None, [Problem.of(str(plan_dir), None, "", "binding.no_manifest")])
    if not db.exists():
        return Binding(None)
    report = verify_ledger(db, key=key)
    problems = [Problem.of(str(db), None, "", "binding.ledger_broken", reason=p, reason_zh=p.text("zh"))
                for p in report.chain_problems()]
    problems += [Problem.of(f"{plan_dir}/{name}", None, "", "binding.added_folder") for name in folders]
    every = [r for r in records(db) if r.seq not in report.untrusted]  # only records signed with the district key
    plans = [r for r in every if r.kind == "plan" and isinstance(r.body.get("files"), dict)]
    if not any(r.body["files"].get("manifest.json") == manifest for r in plans):  # only a forged record describes it
        forged = [r for r in records(db) if r.seq in report.untrusted and r.kind == "plan"
                  and isinstance(r.body.get("files"), dict) and r.body["files"].get("manifest.json") == manifest]
        problems += [Problem.of(str(db), None, "", "binding.record_untrusted", seq=r.seq) for r in forged]
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
    for name in sorted((set(actual) & ADDED_LATER) - set(recorded)):
        kind, field_name = RECORDED_BY[name]
        if not any(r.kind == kind and r.body.get(field_name) == actual[name] for r in every if r.seq > record.seq):
            problems.append(Problem.of(f"{plan_dir}/{name}", None, "", "binding.added_unrecorded", kind=kind))
    return Binding(record, problems)

