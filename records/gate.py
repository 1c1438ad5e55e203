"""The one gate every reader of a plan opens it through: ``check``, ``verify``, ``publish``, ``export``, ``results``,
``code check``, ``adjust``, ``report`` and ``serve`` (the app still reads the runs it saved itself, unrecorded).

A plan folder is opened only when

1. its files have the shape ``plan`` writes (:func:`optimizer.check.read_plan`);
2. it is bound to a ledger record signed with the district key — every file, the manifest included, the one the
   record names; no file or folder added or missing; the ledger's chain and signatures intact
   (:func:`records.binding.plan_binding`). Without a record it is refused unless the reader passed
   ``allow_unrecorded`` (``--allow-unrecorded``), and even then its files must match its own manifest and it may
   hold nothing else — and whatever is made from it says so (:attr:`OpenedPlan.unrecorded`);
3. given the scenario it was made from (``scenario``): made from that scenario (its content hash), and — with
   ``rules`` — every hard rule re-checked on it (:func:`optimizer.check.check_plan`): a plan ``check`` refuses is
   refused by every reader, so ``publish`` and ``verify`` can never accept what ``check`` does not.

A refusal is :class:`PlanRefused`, carrying every finding (each a :class:`~scenarios.errors.Problem`, or a
:class:`~optimizer.hard_rules.Violation` for a broken hard rule) and the reason, in Chinese and English.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from records.binding import ADDED_LATER, folders_in, plan_binding
from records.ledger import Record
from scenarios.errors import Problem
from scenarios.messages import Message

__all__ = ["OpenedPlan", "PlanRefused", "open_plan", "open_city_plan"]


class PlanRefused(Exception):
    """The gate refused a plan: ``reason`` (a :class:`Message`) and ``findings`` (each with ``describe(lang)`` or
    ``text(lang)``)."""

    def __init__(self, reason: Message, findings: list[Any] | None = None, code: int = 1):
        super().__init__(str(reason))
        self.reason = reason
        self.findings = list(findings or [])
        self.code = code


@dataclass(frozen=True)
class OpenedPlan:
    """A plan the gate let through: its files, its signed ledger record (None: accepted unrecorded)."""

    plan_dir: Path
    files: Any  # optimizer.check.PlanFiles
    record: Record | None
    notes: list[Message] = field(default_factory=list)
    notice: Path | None = None
    """The public notice the plan was bound to instead of the ledger (``verify --notice``)."""

    @property
    def unrecorded(self) -> bool:
        """Accepted without a ledger record (``--allow-unrecorded``): every paper made from it must say so."""
        return self.record is None and self.notice is None

    @property
    def manifest(self) -> dict[str, Any]:
        return self.files.manifest


def _unrecorded_problems(plan_dir: Path, manifest: dict[str, Any]) -> list[Problem]:
    """An unrecorded plan is bound only by its manifest: every file it lists unchanged, the manifest's own
    ``manifest_sha256`` unchanged, nothing else in the folder but files added later."""
    from optimizer.export import manifest_digest

    out: list[Problem] = []
    if manifest.get("manifest_sha256") != manifest_digest(manifest):
        out.append(Problem.of(f"{plan_dir}/manifest.json", None, "", "gate.manifest_own_hash"))
    listed: dict[str, str] = manifest.get("files") or {}
    for name, digest in sorted(listed.items()):
        path = plan_dir / name
        if not path.is_file():
            out.append(Problem.of(f"{plan_dir}/{name}", None, "", "gate.missing_from_manifest"))
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            out.append(Problem.of(f"{plan_dir}/{name}", None, "", "gate.differs_from_manifest"))
    for name in folders_in(plan_dir):
        out.append(Problem.of(f"{plan_dir}/{name}", None, "", "binding.added_folder"))
    present = {p.name for p in plan_dir.iterdir() if p.is_file()}
    for name in sorted(present - set(listed) - {"manifest.json"} - ADDED_LATER):
        out.append(Problem.of(f"{plan_dir}/{name}", None, "", "gate.not_in_manifest"))
    return out


def open_plan(plan_dir: str | Path, *, ledger: str | Path | None, key: bytes | None = None,
              allow_unrecorded: bool = False, scenario: Any = None, rules: bool = True,
              notice: str | Path | None = None) -> OpenedPlan:
    """Open a plan folder through the gate (see the module docstring) or raise :class:`PlanRefused`.

    ``key``: the district key the ledger's records are signed with (default: the key file). ``scenario``: the
    scenario the plan was made from, when the reader has it; ``rules``: re-check every hard rule on it then.
    ``notice``: a public notice folder (``publish``): the plan is bound to what that notice published instead of to
    the ledger — what a firm, an auditor or a court holding the notice checks, without the ledger or the key.
    Raises :class:`records.ledger.LedgerError` when the ledger cannot be read at all.
    """
    from optimizer.check import PlanFileError, read_plan

    plan_dir = Path(plan_dir)
    if not plan_dir.is_dir() or plan_dir.is_symlink():
        raise PlanRefused(Message("gate.not_a_folder", path=plan_dir), code=2)
    if not (plan_dir / "manifest.json").is_file():
        raise PlanRefused(Message("gate.no_manifest", path=plan_dir), code=2)
    try:
        files = read_plan(plan_dir)
    except PlanFileError as exc:
        raise PlanRefused(Message("gate.damaged", path=plan_dir, detail=exc.args[0] if exc.args else exc),
                          code=2) from None
    except (OSError, MemoryError) as exc:
        raise PlanRefused(Message("gate.unreadable", path=plan_dir, detail=getattr(exc, "strerror", None) or exc),
                          code=2) from None
    notes: list[Message] = []
    if notice is not None:
        from records.publish import notice_problems

        problems = notice_problems(plan_dir, notice)
        if problems:
            raise PlanRefused(Message("gate.differs_from_notice", path=plan_dir, notice=notice), problems)
        notes.append(Message("gate.matches_notice", path=plan_dir, notice=notice))
        return _with_scenario(OpenedPlan(plan_dir, files, None, notes, notice=Path(notice)), scenario, rules)
    binding = plan_binding(Path(ledger), plan_dir, key=key)
    if binding.problems:
        raise PlanRefused(Message("gate.differs_from_record", path=plan_dir, db=ledger), binding.problems)
    if binding.record is None:
        if not allow_unrecorded:
            raise PlanRefused(Message("gate.unrecorded", path=plan_dir, db=ledger))
        problems = _unrecorded_problems(plan_dir, files.manifest)
        if problems:
            raise PlanRefused(Message("gate.differs_from_manifest_refused", path=plan_dir), problems)
        notes.append(Message("gate.accepted_unrecorded", path=plan_dir, db=ledger))
    return _with_scenario(OpenedPlan(plan_dir, files, binding.record, notes), scenario, rules)


def _with_scenario(opened: OpenedPlan, scenario: Any, rules: bool) -> OpenedPlan:
    """Step 3 of the gate: made from ``scenario`` and, with ``rules``, breaking no hard rule."""
    from optimizer.check import check_plan

    plan_dir, files = opened.plan_dir, opened.files
    if scenario is not None:
        made_from = (files.manifest.get("scenario") or {}).get("hash")
        if made_from != scenario.content_hash:
            raise PlanRefused(Message("gate.other_scenario", path=plan_dir, scenario=scenario.root), code=2)
        if rules:
            violations = check_plan(plan_dir, scenario)
            if violations:
                raise PlanRefused(Message("gate.breaks_rules", path=plan_dir, n=len(violations)), violations)
    return opened



def open_city_plan(plan_dir: str | Path, *, ledger: str | Path, key: bytes | None = None,
                   allow_unrecorded: bool = False) -> list[OpenedPlan]:
    """A city plan through the gate: the city folder holds nothing but what the city ``plan`` wrote
    (:func:`scenarios.outputs.foreign_entries`), its files and every district manifest are the ones the city manifest
    binds by SHA-256, and every district plan passes :func:`open_plan` (its own signed ledger record). The rules are
    the city checker's to re-check (:func:`optimizer.city.verify.check_city_plan`). Returns the opened districts."""
    import json

    from scenarios.outputs import foreign_entries

    plan_dir = Path(plan_dir)
    foreign = foreign_entries(plan_dir, "plan")
    if foreign is None:
        raise PlanRefused(Message("gate.not_city_plan", path=plan_dir), code=2)
    manifest = json.loads((plan_dir / "manifest.json").read_text(encoding="utf-8"))
    problems = [Problem.of(f"{plan_dir}/{name}", None, "", "gate.not_in_manifest") for name in foreign]
    for name, digest in sorted((manifest.get("files") or {}).items()):
        path = plan_dir / name
        if not path.is_file():
            problems.append(Problem.of(f"{plan_dir}/{name}", None, "", "gate.missing_from_manifest"))
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(Problem.of(f"{plan_dir}/{name}", None, "", "gate.differs_from_manifest"))
    for d in manifest.get("districts") or []:
        inner = plan_dir / "districts" / str(d.get("district")) / "manifest.json"
        if not inner.is_file() or hashlib.sha256(inner.read_bytes()).hexdigest() != d.get("manifest_sha256"):
            problems.append(Problem.of(str(inner), None, "", "gate.differs_from_manifest"))
    if problems:
        raise PlanRefused(Message("gate.differs_from_manifest_refused", path=plan_dir), problems)
    return [open_plan(plan_dir / "districts" / str(d["district"]), ledger=ledger, key=key,
                      allow_unrecorded=allow_unrecorded) for d in manifest["districts"]]
