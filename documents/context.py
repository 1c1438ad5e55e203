"""What every document reads: a written plan directory joined with its scenario's names.

:func:`load_context` checks the plan was made from this scenario (hash) and returns the visits with the
subject's name and grid, the task, department and item names, the team by name and the ISO week — ids
stay alongside for the machine columns, names are what a planner reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from optimizer.check import PlanFiles, read_plan
from scenarios.model import Scenario

__all__ = ["DocumentError", "PlanContext", "load_context", "legal_basis", "subtitle", "issuer", "footer"]


class DocumentError(ValueError):
    """The documents cannot be made as asked (wrong scenario, not a plan directory)."""


def legal_basis(item: Any) -> str:
    """The item's legal basis (依据) when the scenario gives one: ``legal_basis`` or ``basis`` on the item."""
    extra = getattr(item, "model_extra", None) or {}
    value = extra.get("legal_basis") or extra.get("basis") or ""
    if isinstance(value, list):
        value = "；".join(str(v) for v in value)
    return str(value).strip()


@dataclass(frozen=True)
class PlanContext:
    plan: PlanFiles
    scenario: Scenario
    visits: pl.DataFrame        # one row per visit, sorted by date and visit id
    team: pl.DataFrame          # visit_id, department, department_name, officer_id, officer_name
    windows: dict[str, tuple[dt.date, dt.date]]
    public_url: str | None = None  # the public 检查码 service the QR codes lead to (export --public-url)

    @property
    def plan_id(self) -> str:
        return str(self.plan.manifest["plan_id"])

    @property
    def year(self) -> int:
        return int(self.scenario.year)

    def dept_name(self, dept_id: str) -> str:
        d = self.scenario.departments.get(dept_id)
        return d.name if d else dept_id

    def task(self, task_id: str):
        return next(t for t in self.scenario.tasks if t.id == task_id)

    def object_type_name(self, type_id: str) -> str:
        names = {o.id: o.name for o in (self.scenario.spec.object_types or [])}
        return names.get(type_id) or type_id

    @property
    def district(self) -> str:
        """The district the papers name (``district`` of scenario.yaml), or nothing: never a file or slug."""
        return self.scenario.spec.district or ""

    @property
    def authority(self) -> str:
        """The issuing unit (编制单位, ``authority`` of scenario.yaml), or nothing (the papers leave a blank)."""
        return self.scenario.spec.authority or ""

    @property
    def seal(self) -> str:
        """The words of the seal line: ``seal_text``, else the authority."""
        return self.scenario.spec.seal_text or self.authority

    @property
    def basis_numbers(self) -> str:
        """抽查依据 in a table cell: the document numbers alone (沪府发〔2024〕6号 …)."""
        return "；".join(dict.fromkeys(p.split("（")[-1].rstrip("）") if "（" in p and p.endswith("）") else p
                                      for p in self.basis.split("；") if p))

    @property
    def basis(self) -> str:
        """抽查依据: the documents the plan's policy encodes, by title and document number, in force order."""
        from rules.law.loader import load_policy

        try:
            policy = load_policy(str(self.plan.manifest["policy"]["id"]))
        except Exception:  # a plan from a policy this installation no longer has: the basis is left blank
            return ""
        out = []
        for doc in policy.documents:
            title, number = doc.title.strip(), doc.source.document.strip()
            out.append(f"《{title}》" + (f"（{number}）" if number and number not in title else ""))
        return "；".join(dict.fromkeys(out))

    def names(self, ids: list[str], kind: str) -> str:
        """Task, item or department ids as the names a planner reads, joined the way the 普陀 table joins them."""
        if kind == "task":
            names = {t.id: t.name for t in self.scenario.tasks}
            return "；".join(names.get(i, i) for i in ids)
        if kind == "item":
            return "；".join(self.scenario.items[i].name if i in self.scenario.items else i for i in ids)
        return "、".join(self.dept_name(i) for i in ids)

    @property
    def results(self) -> pl.DataFrame | None:
        path = self.plan.root / "results.parquet"
        return pl.read_parquet(path) if path.is_file() else None


def subtitle(ctx: PlanContext, lang: str) -> list[str]:
    """The lines under every document's title: the issuing unit and district, the legal basis by title and
    document number, the counts — never a scenario slug, plan id or policy id."""
    from documents.labels import word

    blank = "＿" * 12
    lines = [word("subtitle", lang, authority=ctx.authority or blank, district=ctx.district or blank)]
    if ctx.basis:
        lines.append(word("subtitle_basis", lang, basis=ctx.basis))
    lines.append(word("subtitle_counts", lang, tasks=len(ctx.scenario.tasks), visits=ctx.visits.height,
                      officers=ctx.team.height))
    return lines


def issuer(ctx: PlanContext, lang: str) -> str:
    """The end of a paper: the issuing unit with its seal, the dates of formation and publication to fill in."""
    from documents.labels import word

    return word("issuer", lang, authority=ctx.seal or "＿" * 12)


def footer(ctx: PlanContext, lang: str, title: str) -> str:
    """The running foot of every page: the issuing unit and the paper's title (the page number is added)."""
    return "　".join(p for p in (ctx.authority, title) if p)


def load_context(plan_dir: str | Path, scenario: Scenario) -> PlanContext:
    """Read the plan directory and join it with the scenario's names; DocumentError on a mismatch."""
    plan_dir = Path(plan_dir)
    if not (plan_dir / "manifest.json").is_file():
        raise DocumentError(f"{plan_dir}: no manifest.json; not a plan directory")
    plan = read_plan(plan_dir)
    if plan.manifest["scenario"]["hash"] != scenario.content_hash:
        raise DocumentError(f"{plan_dir} was made from a different scenario than {scenario.root} (hash differs)")
    subjects = scenario.subjects.select("subject_id", pl.col("name").alias("subject_name"), "grid")
    officers = scenario.officers.select("officer_id", pl.col("name").alias("officer_name"))
    depts = pl.DataFrame({"department": list(scenario.departments),
                          "department_name": [d.name for d in scenario.departments.values()]},
                         schema={"department": pl.String, "department_name": pl.String})
    team = (plan.assignments.join(officers, on="officer_id", how="left")
            .join(depts, on="department", how="left")
            .with_columns(pl.col("officer_name").fill_null(pl.col("officer_id")),
                          pl.col("department_name").fill_null(pl.col("department")))
            .sort("visit_id", "department", "officer_id"))
    visits = (plan.visits.join(subjects, on="subject_id", how="left")
              .with_columns(pl.col("subject_name").fill_null(pl.col("subject_id")), pl.col("grid").fill_null(""),
                            pl.col("date").dt.iso_year().alias("iso_year"), pl.col("date").dt.week().alias("iso_week"))
              .sort("date", "subject_id", "visit_id"))
    windows = {t["id"]: (dt.date.fromisoformat(t["window"]["start"]), dt.date.fromisoformat(t["window"]["end"]))
               for t in plan.manifest["tasks"]}
    for task in scenario.tasks:
        windows.setdefault(task.id, (task.window.start, task.window.end))
    return PlanContext(plan, scenario, visits, team, windows)
