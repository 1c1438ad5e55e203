"""What a planner takes away: the plan as Excel (one sheet per table, Chinese headers) or CSV, the plan
directory (``optimizer.export.write_plan``) zipped, and the public announcement (一公开).

The announcement carries what 沪府发〔2024〕6号 二(一) asks to publish — the joint plan: tasks, their windows,
lead and partner departments, items and sampling sizes — and the seed commitment; it never names officers
or drawn subjects (those are published with results, not with the plan).
"""

from __future__ import annotations

import html
import io
import re
import tempfile
import zipfile
from pathlib import Path

import polars as pl

from optimizer.draw import seed_commitment
from optimizer.export import write_plan
from optimizer.plan import Plan
from records.cells import safe_frame
from ui.i18n import COLUMNS_ZH, KPI_LABELS
from ui.webapp.charts.figures import visits_table

__all__ = ["plan_tables", "excel_bytes", "csv_zip_bytes", "plan_dir_zip_bytes", "folder_name", "announcement_rows",
           "announcement_intro", "ANNOUNCEMENT_COLUMNS", "announcement_markdown", "announcement_html", "SHEETS_ZH"]

SHEETS_ZH = {"kpis": "指标", "visits": "检查计划", "assignments": "检查组", "tasks": "抽查任务",
             "draws": "抽取结果", "unplaced": "未安排"}


def _sampling(task) -> str:
    if task.count is not None:
        return f"{task.count} 户"
    if task.ratio is not None:
        return f"{task.ratio:.2%}"
    return "，".join(f"{k}类 {v:.2%}" for k, v in task.ratio_by_class.items())


def announcement_rows(plan: Plan) -> pl.DataFrame:
    """The public task table: one row per task, windows as aligned, department names, no people."""
    scenario = plan.scenario
    depts = scenario.departments
    types = {o.id: o.name for o in scenario.spec.object_types or []}
    items = scenario.items
    rounds = {r["task_id"]: r for r in plan.run.rounds.iter_rows(named=True)}
    rows = []
    for task in scenario.tasks:
        window = rounds.get(task.id, {"start": task.window.start, "end": task.window.end})
        rows.append({
            "task_id": task.id, "task_name": task.name,
            "lead": depts[task.lead].name if task.lead in depts else task.lead,
            "partners": "、".join(depts[p].name if p in depts else p for p in task.partners),
            "object_type": types.get(task.object_type) or task.object_type,
            "items": "、".join(f"{i} {items[i].name}" if i in items else i for i in task.items),
            "start": window["start"], "end": window["end"], "sampling": _sampling(task),
        })
    return pl.DataFrame(rows)


def plan_tables(plan: Plan) -> dict[str, pl.DataFrame]:
    """Every table of the plan, lists joined to text, column ids as in the plan files."""
    officers = plan.scenario.officers.select("officer_id", pl.col("name").alias("officer_name"))
    kpis = pl.DataFrame({"key": list(plan.kpis), "indicator": [KPI_LABELS.get(k, (k,))[0] for k in plan.kpis],
                         "value": [str(v) for v in plan.kpis.values()]})
    draws = plan.run.draw.draws.filter("selected").select(
        "subject_id", "task_id", "round", "stratum", "inclusion_prob", "replaced_by", "mandatory").sort("task_id", "subject_id")
    original = {t.id: t for t in plan.scenario.tasks}
    tasks = announcement_rows(plan).with_columns(
        pl.Series("planned_start", [original[t].window.start for t in original]),
        pl.Series("planned_end", [original[t].window.end for t in original]),
    )
    return {
        "kpis": kpis,
        "visits": visits_table(plan).drop("department_list"),
        "assignments": plan.teams.assignments.join(officers, on="officer_id", how="left")
        .select("visit_id", "department", "officer_id", "officer_name").sort("visit_id", "department", "officer_id"),
        "tasks": tasks,
        "draws": draws,
        "unplaced": plan.bundle.unplaced,
    }


def excel_bytes(plan: Plan) -> bytes:
    """An .xlsx workbook: one sheet per table, sheet names and headers in Chinese."""
    buffer = io.BytesIO()
    import pandas as pd

    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for key, frame in plan_tables(plan).items():
            frame = safe_frame(frame.rename({c: COLUMNS_ZH.get(c, c) for c in frame.columns}))
            frame.to_pandas().to_excel(writer, sheet_name=SHEETS_ZH[key], index=False)
            sheet = writer.sheets[SHEETS_ZH[key]]
            for column in sheet.columns:
                width = max(len(str(c.value or "")) for c in column[:200])
                sheet.column_dimensions[column[0].column_letter].width = min(60, 4 + 1.6 * width)
    return buffer.getvalue()


def csv_zip_bytes(plan: Plan) -> bytes:
    """A zip of one CSV per table (UTF-8 with BOM, so Excel shows Chinese; machine column ids)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for key, frame in plan_tables(plan).items():
            archive.writestr(f"{key}.csv", "\ufeff" + safe_frame(frame).write_csv(quote_style="always"))
    return buffer.getvalue()


def folder_name(text: str) -> str:
    """A single, harmless folder name from user text (the plan id): letters, digits, ``._-`` only, no leading
    dot, at most 100 characters — never a path separator, ``..`` or an absolute path."""
    name = re.sub(r"[^\w.-]", "_", text, flags=re.UNICODE).lstrip(".")[:100]
    return name or "plan"


def plan_dir_zip_bytes(plan: Plan) -> bytes:
    """The plan directory exactly as ``jointcheck plan`` writes it, zipped under one folder named from the
    plan id (:func:`folder_name`: confined to the temporary folder and to the zip's top level)."""
    name = folder_name(plan.plan_id)
    with tempfile.TemporaryDirectory() as tmp:
        target = (Path(tmp) / name).resolve()
        if target.parent != Path(tmp).resolve():
            raise ValueError(f"plan id {plan.plan_id!r} does not name a folder")
        out = write_plan(plan, target)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(out.iterdir()):
                archive.write(path, f"{name}/{path.name}")
    return buffer.getvalue()


_HEAD = ["task_id", "task_name", "lead", "partners", "object_type", "items", "start", "end", "sampling"]
ANNOUNCEMENT_COLUMNS = _HEAD  # the announcement table's columns, in order


def announcement_intro(plan: Plan) -> tuple[str, list[str]]:
    """The announcement's title and opening lines (the same in the Markdown and HTML files)."""
    return _intro(plan)


def _intro(plan: Plan) -> tuple[str, list[str]]:
    title = f"{plan.scenario.year}年度市场监管领域部门联合“双随机、一公开”抽查计划"
    lines = [
        f"场景：{plan.scenario.name}；政策：{plan.run.results.law.policy.id}；抽查任务 {len(plan.scenario.tasks)} 项。",
        f"随机种子承诺（SHA-256）：{seed_commitment(plan.seed)}；公开随机数：{plan.public_value}。",
        "检查对象按公开随机数抽取，执法检查人员随机匹配；抽查结果自形成之日起20个工作日内公示（沪府发〔2024〕6号 二(三)）。",
    ]
    return title, lines


def announcement_markdown(plan: Plan) -> str:
    title, lines = _intro(plan)
    rows = announcement_rows(plan)
    out = [f"# {title}", "", *lines, "", "| " + " | ".join(COLUMNS_ZH[c] for c in _HEAD) + " |",
           "|" + "---|" * len(_HEAD)]
    for row in rows.iter_rows(named=True):
        out.append("| " + " | ".join(str(row[c]).replace("|", "／") for c in _HEAD) + " |")
    return "\n".join(out) + "\n"


def announcement_html(plan: Plan) -> str:
    title, lines = _intro(plan)
    rows = announcement_rows(plan)
    head = "".join(f"<th>{html.escape(COLUMNS_ZH[c])}</th>" for c in _HEAD)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(r[c]))}</td>" for c in _HEAD) + "</tr>"
                   for r in rows.iter_rows(named=True))
    paras = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return (f"<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
            "td,th{border:1px solid #999;padding:4px 8px;font-size:14px}</style></head>"
            f"<body><h1>{html.escape(title)}</h1>{paras}<table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table></body></html>\n")
