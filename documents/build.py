"""The documents a planner hands out, built from a plan directory and its scenario.

* ``plan-table`` — the annual joint plan in the official form (普陀 table, seed 000): 序号 · 抽查方案 · 抽查时间 ·
  牵头部门 · 参与部门 · 主要检查事项 · 抽查市场主体(户) · 出动执法人员(人次), then the results columns
  (filled from ``results.parquet`` once ``jointcheck results`` has recorded findings).
* ``task-sheets`` — one 检查任务单 per visit (:mod:`documents.sheets`).
* ``calendar`` — per department and ISO week, which subjects are visited on which day by whom.
* ``visits`` — every visit with names: subject, grid, tasks, departments, items, team, 检查码.
* ``results-template`` — the file ``jointcheck results`` reads, pre-filled with visit ids, subjects, dates.
* ``changes`` — of an adjusted plan version only (:data:`ADJUSTMENT_WHATS`): what the adjustment changed
  (:mod:`documents.changes`).

Counting follows the district's per-plan table: a visit that serves several tasks counts for each; a task's
officer-visits are the officers of *its* departments on the visits that serve it.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from documents.context import PlanContext, footer, issuer, subtitle
from documents.labels import word
from documents.model import Column, Document, Table
from documents.sheets import task_sheets

__all__ = ["WHATS", "ADJUSTMENT_WHATS", "ALL_WHATS", "RESULT_KEYS", "build_document", "whats_for"]

WHATS = ("plan-table", "task-sheets", "calendar", "visits", "results-template")
"""The papers of every plan."""
ADJUSTMENT_WHATS = ("changes",)
"""The papers of an adjusted plan version only (动态调整)."""
ALL_WHATS = WHATS + ADJUSTMENT_WHATS


def _col(key: str, lang: str, kind: str = "text", printed: bool = True, width: float = 12, label: str | None = None) -> Column:
    return Column(key, label or word(key, lang), kind, printed, width)


def _served(ctx: PlanContext) -> pl.DataFrame:
    return ctx.visits.select("visit_id", "subject_id", pl.col("task_ids").alias("task_id")).explode("task_id")


def _ratio(ctx: PlanContext, task, lang: str) -> str:
    """抽查比例 as the plan states it: the ratio, the ratio per credit class, or the fixed number."""
    if task.ratio is not None:
        return f"{task.ratio:.2%}".replace(".00%", "%")
    if task.ratio_by_class:
        sep = "；" if lang == "zh" else "; "
        return sep.join(f"{c}{word('class_word', lang)} {r:.2%}".replace(".00%", "%") for c, r in task.ratio_by_class.items())
    return word("fixed_count", lang, n=task.count)


def _targeted(ctx: PlanContext, task, lang: str) -> str:
    """定向 (a named object type of subjects) or 不定向 (every market subject): a task drawing from one declared
    object type other than the general directory is 定向 (沪府发〔2024〕6号 一(四))."""
    general = task.object_type in {"general_enterprise", "all", "market_subject"}
    return word("untargeted" if general else "targeted_yes", lang)


def plan_table(ctx: PlanContext, lang: str) -> Document:
    served = _served(ctx)
    results = ctx.results
    rows = []
    for n, task in enumerate(ctx.scenario.tasks, start=1):
        mine = served.filter(pl.col("task_id") == task.id)
        depts = [task.lead, *task.partners]
        officers = ctx.team.filter(pl.col("visit_id").is_in(mine["visit_id"].implode()) & pl.col("department").is_in(depts))
        start, end = ctx.windows[task.id]
        found = [None, None, None]
        if results is not None:
            done = mine.join(results.select("visit_id", "problems_found", "problems_rectified"), on="visit_id")
            found = [int(done.filter(pl.col("problems_found") > 0)["subject_id"].n_unique()),
                     int(done["problems_found"].sum()), int(done["problems_rectified"].sum())]
        rows.append([n, task.name, f"{start} ~ {end}", ctx.dept_name(task.lead),
                     "、".join(ctx.dept_name(p) for p in task.partners),
                     "；".join(ctx.scenario.items[i].name for i in task.items),
                     int(mine["subject_id"].n_unique()), officers.height, *found,
                     ctx.object_type_name(task.object_type), _targeted(ctx, task, lang), _ratio(ctx, task, lang),
                     ctx.basis_numbers, start, end, task.id])
    columns = [_col("no", lang, "int", width=5), _col("plan_name", lang, width=30), _col("period", lang, width=12),
               _col("lead", lang, width=11), _col("partners", lang, width=14), _col("main_items", lang, width=32),
               _col("subjects", lang, "int", width=8), _col("officer_visits", lang, "int", width=8),
               _col("subjects_with_problems", lang, "int", width=8), _col("problems_found", lang, "int", width=7),
               _col("problems_rectified", lang, "int", width=7),
               _col("scope", lang, width=11), _col("targeted", lang, width=7), _col("ratio", lang, width=8),
               _col("basis_column", lang, width=14),
               _col("start", lang, "date", printed=False), _col("end", lang, "date", printed=False),
               _col("task_id", lang, printed=False)]
    counted = [6, 7, 8, 9, 10]
    sums = {k: sum(r[k] for r in rows) if rows and rows[0][k] is not None else None for k in counted}
    total = [sums.get(k) for k in range(len(columns))]
    total[1] = word("total", lang)
    title = word("plan-table", lang, year=ctx.year)
    lines = subtitle(ctx, lang)
    notes = []
    visits, subjects = ctx.visits.height, int(ctx.visits["subject_id"].n_unique())
    if sums[6] != visits or sums[7] != ctx.team.height:
        notes.append(word("count_note", lang, rows=sums[6], visits=visits, subjects=subjects,
                          officer_rows=sums[7], officers=ctx.team.height))
    return Document("plan-table", lang, title, lines,
                    [Table("plan table" if lang == "en" else "抽查计划表", columns, rows, total)],
                    notes=notes, issuer=issuer(ctx, lang), footer=footer(ctx, lang, title))


def _teams(ctx: PlanContext) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {}
    for visit, dept, name in ctx.team.select("visit_id", "department", "officer_name").iter_rows():
        out.setdefault(visit, {}).setdefault(dept, []).append(name)
    return out


def _week(year: int, week: int) -> str:
    return f"{year}-W{week:02d}"


def _week_span(year: int, week: int) -> str:
    monday = dt.date.fromisocalendar(year, week, 1)
    return f"{monday:%m-%d} ~ {monday + dt.timedelta(days=6):%m-%d}"


def visits_document(ctx: PlanContext, lang: str) -> Document:
    teams = _teams(ctx)
    rows = []
    for v in ctx.visits.iter_rows(named=True):
        team = teams.get(v["visit_id"], {})
        officers = "；".join(f"{ctx.dept_name(d)}：{'、'.join(team[d])}" for d in v["departments"] if d in team)
        rows.append([v["visit_id"], v["date"], _week(v["iso_year"], v["iso_week"]), v["subject_id"], v["subject_name"],
                     v["grid"], ctx.names(v["task_ids"], "task"), ctx.names(v["departments"], "dept"),
                     ctx.names(v["items"], "item"), officers, v["inspection_code"]])
    columns = [_col("visit_id", lang), _col("date", lang, "date"), _col("week", lang, width=10),
               _col("subject_id", lang, printed=False), _col("subject_name", lang, width=24), _col("grid", lang),
               _col("tasks", lang, width=36), _col("departments", lang, width=24), _col("items", lang, width=40),
               _col("officers", lang, width=36), _col("inspection_code", lang, width=14)]
    title = word("visits", lang, year=ctx.year)
    return Document("visits", lang, title, subtitle(ctx, lang), [Table("户次明细" if lang == "zh" else "visits", columns, rows)],
                    issuer=issuer(ctx, lang), footer=footer(ctx, lang, title))


def calendar_document(ctx: PlanContext, lang: str) -> Document:
    teams = _teams(ctx)
    order = {d: k for k, d in enumerate(ctx.scenario.departments)}
    entries = []
    for v in ctx.visits.iter_rows(named=True):
        for d in v["departments"]:
            others = [o for o in v["departments"] if o != d]
            entries.append((order.get(d, len(order)), v["date"], v["visit_id"], [
                ctx.dept_name(d), _week(v["iso_year"], v["iso_week"]), _week_span(v["iso_year"], v["iso_week"]),
                v["date"], v["subject_name"], v["grid"], "、".join(teams.get(v["visit_id"], {}).get(d, [])),
                ctx.names(others, "dept"), v["visit_id"]]))
    rows = [e[3] for e in sorted(entries, key=lambda e: e[:3])]
    columns = [_col("department", lang, width=16), _col("week", lang, width=10), _col("week_span", lang, width=14),
               _col("date", lang, "date"), _col("subject_name", lang, width=24), _col("grid", lang),
               _col("own_officers", lang, width=20), _col("with_departments", lang, width=24), _col("visit_id", lang)]
    title = word("calendar", lang, year=ctx.year)
    return Document("calendar", lang, title, subtitle(ctx, lang),
                    [Table("日程表" if lang == "zh" else "calendar", columns, rows, group="department")],
                    issuer=issuer(ctx, lang), footer=footer(ctx, lang, title))


RESULT_KEYS = ("visit_id", "subject_id", "subject_name", "visit_date", "result_date", "problems_found",
               "problems_rectified", "published_date", "note")


def results_template(ctx: PlanContext, lang: str) -> Document:
    done = {}
    if ctx.results is not None:
        done = {r["visit_id"]: r for r in ctx.results.iter_rows(named=True)}
    rows = []
    for v in ctx.visits.sort("date", "subject_id", "visit_id").iter_rows(named=True):
        r = done.get(v["visit_id"], {})
        rows.append([v["visit_id"], v["subject_id"], v["subject_name"], v["date"], r.get("result_date"),
                     r.get("problems_found"), r.get("problems_rectified"), r.get("published_date"), r.get("note") or None])
    kinds = {"visit_date": "date", "result_date": "date", "published_date": "date", "problems_found": "int",
             "problems_rectified": "int"}
    widths = {"subject_name": 28, "note": 40}
    columns = [_col(k, lang, kinds.get(k, "text"), width=widths.get(k, 14)) for k in RESULT_KEYS]
    return Document("results-template", lang, word("results-template", lang),
                    [*subtitle(ctx, lang)[:1], word("results_note", lang)],
                    [Table("检查结果" if lang == "zh" else "Inspection results", columns, rows)], machine_header=True,
                    footer=footer(ctx, lang, word("results-template", lang)))


def whats_for(ctx: PlanContext) -> tuple[str, ...]:
    """The papers this plan has: :data:`WHATS`, and ``changes`` when it is an adjusted version."""
    from documents.changes import is_adjusted

    return ALL_WHATS if is_adjusted(ctx) else WHATS


def build_document(ctx: PlanContext, what: str, lang: str = "zh") -> Document:
    """The document ``what`` (one of :data:`ALL_WHATS`) in ``lang`` (zh or en)."""
    from documents.changes import changes_document

    builders = {"plan-table": plan_table, "task-sheets": task_sheets, "calendar": calendar_document,
                "visits": visits_document, "results-template": results_template, "changes": changes_document}
    if what not in builders:
        raise ValueError(f"unknown document {what!r}: expected one of {', '.join(ALL_WHATS)}")
    return builders[what](ctx, lang)
