"""Publication (一公开): the public annual plan and its statutory deadlines.

沪府发〔2024〕6号 二(一): the annual joint plan is made before the end of the first quarter and published
within 5 working days of being made; 二(三): each inspection result is published within 20 working days
of being formed. The day counts and the due month are the policy's settings (rules ``sh2024-2-1-publish-
plan`` and ``sh2024-2-3-publish-results``), counted on the Chinese statutory calendar
(:mod:`optimizer.calendar.workdays`; :class:`~optimizer.calendar.workdays.CalendarError` for a year it does not cover).

The public plan holds tasks, windows, departments, item lists and counts — never officer names, subject
ids or names (a subject list published before inspection would warn the firms). CSV cells that a
spreadsheet would run as a formula (``=cmd|…``, ``+``, ``-``, ``@``, tab, CR) are written with a leading
apostrophe (:func:`csv_safe`), so text from a scenario never reaches a spreadsheet unescaped.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from optimizer.calendar import add_working_days, working_days
from optimizer.check import read_plan
from optimizer.draw import plan_seed, seed_commitment
from records.cells import csv_safe  # re-exported: the one formula-neutralising function
from rules import evaluate, load_policy
from scenarios.atomic import atomic_directory
from scenarios.errors import Problem
from scenarios.messages import Message
from scenarios.model import Scenario

__all__ = ["PublishError", "Deadlines", "csv_safe", "write_safe_csv", "deadlines_for", "public_plan", "publish",
           "PUBLIC_FILES", "plan_digest", "notice_problems", "NOTICE_FILE"]

PUBLIC_FILES = ("public_plan.json", "public_plan.csv")


class PublishError(ValueError):
    """A plan cannot be published as asked (wrong scenario, a revealed value that fails the commitment…)."""


def write_safe_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    """UTF-8 with BOM (Excel's 'CSV UTF-8'), every field quoted and escaped by :func:`csv_safe`."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow([csv_safe(h) for h in header])
        writer.writerows([[csv_safe(v) for v in row] for row in rows])


@dataclass(frozen=True)
class Deadlines:
    """The plan's publication deadlines under its policy (None where the policy sets none)."""

    plan_formed: dt.date
    plan_publish_by: dt.date | None
    plan_working_days: int | None
    result_working_days: int | None
    plan_due: dt.date | None          # last day of the due month (end of Q1) of the scenario year

    @property
    def made_late(self) -> bool:
        return self.plan_due is not None and self.plan_formed > self.plan_due

    def to_json(self) -> dict[str, Any]:
        return {
            "plan_formed": self.plan_formed.isoformat(),
            "plan_publish_by": self.plan_publish_by.isoformat() if self.plan_publish_by else None,
            "plan_publication_working_days": self.plan_working_days,
            "result_publication_working_days": self.result_working_days,
            "plan_due": self.plan_due.isoformat() if self.plan_due else None,
            "made_late": self.made_late,
        }


def _settings(manifest: dict[str, Any], scenario: Scenario) -> tuple[int | None, int | None, int | None]:
    policy = manifest["policy"]
    law = load_policy(policy["id"], policy.get("overrides") or None)
    results = evaluate(scenario, law, as_of=dt.date.fromisoformat(policy["as_of"]))
    return (results.setting("plan_publication_working_days"), results.setting("result_publication_working_days"),
            results.setting("plan_due_month"))


def deadlines_for(formed: dt.date, year: int, plan_days: int | None, result_days: int | None,
                  due_month: int | None) -> Deadlines:
    """Deadlines counted on the statutory calendar; raises CalendarError for an uncovered year."""
    working_days(formed.year)  # fail early and clearly on a year chinese-calendar does not know
    publish_by = add_working_days(formed, int(plan_days)) if plan_days is not None else None
    due = dt.date(year, int(due_month), calendar.monthrange(year, int(due_month))[1]) if due_month else None
    return Deadlines(formed, publish_by, plan_days, result_days, due)


def public_plan(plan_dir: str | Path, scenario: Scenario) -> dict[str, Any]:
    """The publishable content of a plan: tasks with names, windows, departments, items and counts."""
    plan = read_plan(plan_dir)
    m = plan.manifest
    if m["scenario"]["hash"] != scenario.content_hash:
        raise PublishError(Message("publish.other_scenario", plan=plan_dir, scenario=scenario.root))
    departments = scenario.departments
    items = scenario.items
    object_types = {o.id: o.name for o in (scenario.spec.object_types or [])}
    drawn = dict(plan.draws.filter("selected").group_by("task_id").len().iter_rows())
    served = dict(plan.visits.select(pl.col("task_ids").alias("task_id")).explode("task_id").group_by("task_id").len().iter_rows())
    windows = {t["id"]: t for t in m["tasks"]}
    tasks = []
    for task in scenario.tasks:
        w = windows.get(task.id, {"window": {"start": task.window.start.isoformat(), "end": task.window.end.isoformat()},
                                  "round": None})
        tasks.append({
            "id": task.id,
            "name": task.name,
            "lead": {"id": task.lead, "name": departments[task.lead].name},
            "partners": [{"id": d, "name": departments[d].name} for d in task.partners],
            "object_type": {"id": task.object_type, "name": object_types.get(task.object_type, "")},
            "items": [{"id": i, "name": items[i].name, "kind": items[i].kind.value, "department": items[i].department}
                      for i in task.items],
            "window": w["window"],
            "round": w.get("round"),
            "subjects_to_inspect": int(drawn.get(task.id, 0)),
            "visits": int(served.get(task.id, 0)),
        })
    return {
        "plan_id": m["plan_id"],
        "scenario": {"name": m["scenario"]["name"], "year": m["scenario"]["year"], "hash": m["scenario"]["hash"]},
        "policy": {"id": m["policy"]["id"], "digest": m["policy"]["digest"]},
        "seed_commitment": m["seed_commitment"],
        "mode": m["mode"],
        "tasks": tasks,
        "totals": {"tasks": len(tasks), "visits": plan.visits.height,
                   "subjects_to_inspect": int(plan.visits["subject_id"].n_unique())},
        **_adjustment(m),
        "plan_digest": plan_digest(plan_dir),
    }


NOTICE_FILE = "public_plan.json"


def plan_digest(plan_dir: str | Path) -> dict[str, Any]:
    """What the notice binds the plan by: the SHA-256 of ``manifest.json`` and of every file the manifest lists, and
    one SHA-256 over them all (``digest``). A plan swapped after publication — even one recorded anew by whoever
    holds the district key — no longer matches what was published (:func:`notice_problems`)."""
    plan_dir = Path(plan_dir)
    manifest = json.loads((plan_dir / "manifest.json").read_text(encoding="utf-8"))
    names = ["manifest.json", *sorted(map(str, manifest.get("files") or {}))]
    files = {name: hashlib.sha256((plan_dir / name).read_bytes()).hexdigest() for name in names}
    whole = hashlib.sha256("".join(f"{n}\x1f{d}\n" for n, d in sorted(files.items())).encode("utf-8")).hexdigest()
    return {"algorithm": "sha256", "files": files, "digest": whole}


def notice_problems(plan_dir: str | Path, notice_dir: str | Path) -> list[Problem]:
    """Every way ``plan_dir`` differs from the plan the public notice in ``notice_dir`` published (empty: exactly
    that plan). Needs neither the ledger nor the key: a firm, an auditor or a court holding the notice can check."""
    plan_dir, notice_dir = Path(plan_dir), Path(notice_dir)
    path = notice_dir / NOTICE_FILE
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        published = body["plan_digest"]["files"]
        assert isinstance(published, dict) and published
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AssertionError, RecursionError):
        return [Problem.of(str(path), None, "plan_digest", "notice.unreadable")]
    from records.binding import folders_in
    from scenarios.outputs import PLAN_ADDED_LATER

    out: list[Problem] = []
    for name, digest in sorted(published.items()):
        file = plan_dir / str(name)
        if not file.is_file() or file.is_symlink():
            out.append(Problem.of(f"{plan_dir}/{name}", None, "", "notice.missing"))
        elif hashlib.sha256(file.read_bytes()).hexdigest() != digest:
            out.append(Problem.of(f"{plan_dir}/{name}", None, "", "notice.changed"))
    present = {p.name for p in plan_dir.iterdir() if p.is_file()} if plan_dir.is_dir() else set()
    for name in sorted(present - set(published) - PLAN_ADDED_LATER):
        out.append(Problem.of(f"{plan_dir}/{name}", None, "", "notice.added"))
    for name in folders_in(plan_dir) if plan_dir.is_dir() else []:
        out.append(Problem.of(f"{plan_dir}/{name}", None, "", "binding.added_folder"))
    return out


def _adjustment(m: dict[str, Any]) -> dict[str, Any]:
    """An adjusted plan (动态调整, 沪府发〔2024〕6号 二(一)) says which version it adjusts and what changed."""
    if not m.get("adjustment"):
        return {}
    a = m["adjustment"]
    return {"adjusts": {"version": m["adjusts"]["version"], "manifest_sha256": m["adjusts"]["manifest_sha256"]},
            "adjustment": {"as_of": a["as_of"], "added": a["added"], "cancelled": a["cancelled"], "moved": a["moved"],
                           "changes": a["changes"]}}


@dataclass(frozen=True)
class Published:
    out: Path
    body: dict[str, Any]
    deadlines: Deadlines
    overdue: bool


def publish(plan_dir: str | Path, scenario: Scenario, out: str | Path, formed: dt.date,
            published_on: dt.date | None = None, reveal: str | None = None,
            ledger_head: tuple[int, str] | None = None, overwrite: bool = False) -> Published:
    """Write ``public_plan.json`` and ``public_plan.csv`` atomically into ``out``; return what was written.

    ``reveal``: the public seed value, published once the draw is done; refused unless it matches the
    commitment. ``ledger_head``: (seq, hash) of the ledger at publication, printed so that anyone can
    later check the ledger was not cut or rewritten (``jointcheck ledger verify --head``).
    """
    body = public_plan(plan_dir, scenario)
    plan_days, result_days, due_month = _settings(read_plan(plan_dir).manifest, scenario)
    if body.get("adjustment"):  # an adjustment is published within the days of its own forming, not by end of Q1
        due_month = None
    deadlines = deadlines_for(formed, scenario.year, plan_days, result_days, due_month)
    published_on = published_on or formed
    working_days(published_on.year)
    overdue = deadlines.plan_publish_by is not None and published_on > deadlines.plan_publish_by
    body["publication"] = {**deadlines.to_json(), "published_on": published_on.isoformat(), "overdue": overdue}
    if reveal is not None:
        seed = plan_seed(scenario.content_hash, reveal, body["plan_id"])
        if seed_commitment(seed) != body["seed_commitment"]:
            raise PublishError(Message("publish.reveal_mismatch"))
        body["revealed"] = {"public_value": str(reveal), "seed": seed}
    if ledger_head is not None:
        body["ledger_head"] = {"seq": ledger_head[0], "hash": ledger_head[1]}
    header = ["序号", "任务编号", "抽查方案", "抽查时间", "牵头部门", "参与部门", "主要检查事项", "检查对象类型", "计划抽查市场主体(户)"]
    rows = [[n, t["id"], t["name"], f"{t['window']['start']}至{t['window']['end']}", t["lead"]["name"],
             "、".join(p["name"] for p in t["partners"]), "、".join(i["name"] for i in t["items"]),
             t["object_type"]["name"] or t["object_type"]["id"], t["subjects_to_inspect"]]
            for n, t in enumerate(body["tasks"], start=1)]
    out = Path(out)
    with atomic_directory(out, overwrite=overwrite, mark="notice") as staging:
        (staging / "public_plan.json").write_text(
            json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        write_safe_csv(staging / "public_plan.csv", header, rows)
    return Published(out, body, deadlines, overdue)
