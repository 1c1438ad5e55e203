"""What a firm learns when it checks a 检查码 (Shanghai's 检查码, Jiangmen's 亮码入企): the code table a public service
answers from.

Every plan served is opened through the one gate (:func:`records.gate.open_plan`: bound to its record signed with
the district key, made from its scenario, breaking no hard rule), so a code answers "genuine" only if the district
recorded the visit it names. For a genuine code the answer holds exactly what the firm's own task sheet shows: the
firm's name, the visit's date, the departments and the officers (name and 执法证号) — nothing about any other visit
or firm. For any other text the answer is "not found" and nothing else.

Adjusted versions of a plan (动态调整) served together resolve to the latest: a code printed from an earlier version
whose visit the latest version keeps on the same day is current; one whose visit moved (the same visit id on another
day, or the firm visited for the same tasks on another day) says so and gives the new date; one whose visit the latest
version no longer has is cancelled.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from records.codes import normalize_code

__all__ = ["CodeAnswer", "CodeTable", "build_code_table"]


@dataclass(frozen=True)
class CodeAnswer:
    """The answer for one code. ``status``: ``current``, ``moved`` (``moved_to`` the new date) or ``cancelled``."""

    code: str
    firm: str
    date: str
    departments: list[str]
    officers: list[dict[str, str]]
    tasks: list[str]
    plan: str
    status: str = "current"
    moved_to: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"genuine": True, "code": self.code, "firm": self.firm, "date": self.date,
                "departments": self.departments, "officers": self.officers, "tasks": self.tasks,
                "status": self.status, "moved_to": self.moved_to}


@dataclass
class CodeTable:
    """Codes → answers, and the public notices of the plans served."""

    answers: dict[str, CodeAnswer] = field(default_factory=dict)
    notices: list[dict[str, Any]] = field(default_factory=list)

    def look_up(self, text: str) -> CodeAnswer | None:
        """The answer for what a person typed or a QR held (case, spaces, look-alike digits forgiven); None when it
        is no code of a plan served."""
        code = normalize_code(text or "")
        return self.answers.get(code) if code else None


def _visit_rows(files: Any, scenario: Any) -> pl.DataFrame:
    """Every visit with the names its task sheet prints."""
    names = scenario.subjects.select("subject_id", pl.col("name").alias("firm"))
    departments = {d: spec.name for d, spec in scenario.departments.items()}
    tasks = {t.id: t.name for t in scenario.tasks}
    officers = scenario.officers.select("officer_id", pl.col("name").alias("officer_name"))
    team = (files.assignments.join(officers, on="officer_id", how="left")
            .with_columns(pl.col("officer_name").fill_null(pl.col("officer_id")))
            .sort("visit_id", "department", "officer_id")
            .group_by("visit_id", maintain_order=True)
            .agg(pl.struct(pl.col("officer_name").alias("name"), pl.col("officer_id").alias("id")).alias("officers")))
    return (files.visits.join(names, on="subject_id", how="left").join(team, on="visit_id", how="left")
            .with_columns(pl.col("firm").fill_null(pl.col("subject_id")),
                          pl.col("departments").list.eval(pl.element().replace(departments)).alias("department_names"),
                          pl.col("task_ids").list.eval(pl.element().replace(tasks)).alias("task_names")))


def _chains(plans: list[tuple[Any, Any]]) -> dict[int, int]:
    """For each plan served (by index) the index of the latest version of its chain (``adjusts`` links)."""
    digests = {hashlib.sha256((o.plan_dir / "manifest.json").read_bytes()).hexdigest(): k
               for k, (o, _) in enumerate(plans)}
    successor: dict[int, int] = {}
    for k, (opened, _) in enumerate(plans):
        adjusted = (opened.manifest.get("adjusts") or {}).get("manifest_sha256")
        if adjusted in digests:
            successor[digests[adjusted]] = k
    latest = {}
    for k in range(len(plans)):
        seen, j = {k}, k
        while j in successor and successor[j] not in seen:
            j = successor[j]
            seen.add(j)
        latest[k] = j
    return latest


def build_code_table(plans: list[tuple[Any, Any]], notices: list[dict[str, Any]] | None = None) -> CodeTable:
    """The code table of ``plans``: (opened plan, its scenario) pairs that passed the gate."""
    rows = [_visit_rows(opened.files, scenario) for opened, scenario in plans]
    latest = _chains(plans)
    table = CodeTable(notices=list(notices or []))
    for k, frame in enumerate(rows):
        newest = rows[latest[k]]
        by_visit = {r["visit_id"]: r for r in newest.select("visit_id", "date", "inspection_code").iter_rows(named=True)}
        by_subject: dict[tuple[str, str], str] = {}
        for r in newest.select("subject_id", "task_ids", "date").iter_rows(named=True):
            for task in r["task_ids"]:
                by_subject.setdefault((r["subject_id"], task), str(r["date"]))
        plan_name = plans[k][1].spec.name
        for r in frame.iter_rows(named=True):
            status, moved_to = "current", None
            if latest[k] != k:
                now = by_visit.get(r["visit_id"])
                if now is not None and now["inspection_code"] == r["inspection_code"]:
                    status = "current"
                elif now is not None:
                    status, moved_to = "moved", str(now["date"])
                else:
                    later = sorted({by_subject[(r["subject_id"], t)] for t in r["task_ids"] if (r["subject_id"], t) in by_subject})
                    status, moved_to = ("moved", later[0]) if later else ("cancelled", None)
            answer = CodeAnswer(
                code=r["inspection_code"], firm=r["firm"], date=str(r["date"]),
                departments=list(r["department_names"] or []),
                officers=[{"name": o["name"], "id": o["id"]} for o in (r["officers"] or [])],
                tasks=list(r["task_names"] or []), plan=plan_name, status=status, moved_to=moved_to)
            if latest[k] == k or r["inspection_code"] not in table.answers:  # the latest version's answer wins
                table.answers[r["inspection_code"]] = answer
    return table

