"""检查任务单: one page per visit for the team that goes.

Each sheet names the subject, its grid, the date, the departments and tasks, every item with its kind and
legal basis (where the scenario gives one, ``legal_basis`` on the item), the officers by name, the visit's
检查码 in text and as a QR code (drawn by the HTML and PDF writers from :mod:`documents.qr`), and the
results boxes of 普陀's table (发现问题 · 已整改) with room for signatures. In a spreadsheet the sheets are
two tables: one row per visit, and one row per (visit, item) with its basis.
"""

from __future__ import annotations

from documents.context import PlanContext, legal_basis, subtitle
from documents.labels import word
from documents.model import Column, Document, Sheet, Table

__all__ = ["task_sheets"]


def _c(key: str, lang: str, kind: str = "text", width: float = 14) -> Column:
    return Column(key, word(key, lang), kind, True, width)


def task_sheets(ctx: PlanContext, lang: str) -> Document:
    items = ctx.scenario.items
    teams: dict[str, list[tuple[str, str, str]]] = {}
    for visit, dept, oid, name in ctx.team.select("visit_id", "department", "officer_id", "officer_name").iter_rows():
        teams.setdefault(visit, []).append((dept, oid, name))
    item_cols = [_c("no", lang, "int", 6), _c("item", lang, width=40), _c("department", lang, width=16),
                 _c("item_kind", lang, width=8), _c("basis", lang, width=40)]
    team_cols = [_c("department", lang, width=16), _c("officer_name", lang), _c("officer_id", lang), _c("signature", lang)]
    sheets, visit_rows, item_rows = [], [], []
    total = ctx.visits.height
    for n, v in enumerate(ctx.visits.iter_rows(named=True), start=1):
        rows = []
        for k, i in enumerate(v["items"], start=1):
            item = items.get(i)
            kind = word("kind_key" if item is None or item.kind.value == "key" else "kind_general", lang)
            rows.append([k, item.name if item else i, ctx.dept_name(item.department) if item else "", kind,
                         legal_basis(item) if item else ""])
            item_rows.append([v["visit_id"], v["date"], v["subject_name"], *rows[-1][1:]])
        team = [[ctx.dept_name(d), name, oid, ""] for d, oid, name in teams.get(v["visit_id"], [])]
        tasks = ctx.names(v["task_ids"], "task")
        depts = ctx.names(v["departments"], "dept")
        # a visit made before an adjustment may serve a task the updated scenario cancelled: no lead to name
        leads = ctx.names(sorted({task.lead for task in ctx.scenario.tasks if task.id in v["task_ids"]}), "dept")
        facts = [(word("visit_id", lang), v["visit_id"]), (word("date", lang), v["date"].isoformat()),
                 (word("subject_name", lang), v["subject_name"]), (word("subject_id", lang), v["subject_id"]),
                 (word("grid", lang), v["grid"]), (word("lead", lang), leads), (word("departments", lang), depts),
                 (word("tasks", lang), tasks)]
        sheets.append(Sheet(
            title=f"{ctx.district_given}{word('task-sheet', lang)}", facts=facts,
            items=Table("items", item_cols, rows), team=Table("team", team_cols, team),
            code=v["inspection_code"], code_label=word("inspection_code", lang),
            boxes=[word("found_box", lang), word("fixed_box", lang)],
            signatures=[word("sign_officers", lang), word("sign_subject", lang), word("sheet_of", lang, n=n, total=total)],
        ))
        visit_rows.append([v["visit_id"], v["date"], v["subject_name"], v["subject_id"], v["grid"], depts, tasks,
                           "；".join(f"{d}：{name}" for d, name, _, _ in team), v["inspection_code"], None, None])
    visit_cols = [_c("visit_id", lang), _c("date", lang, "date", 12), _c("subject_name", lang, width=24),
                  _c("subject_id", lang), _c("grid", lang), _c("departments", lang, width=24),
                  _c("tasks", lang, width=36), _c("officers", lang, width=36), _c("inspection_code", lang),
                  _c("problems_found", lang, "int"), _c("problems_rectified", lang, "int")]
    item_table_cols = [_c("visit_id", lang), _c("date", lang, "date", 12), _c("subject_name", lang, width=24),
                       *item_cols[1:]]
    zh = lang == "zh"
    return Document("task-sheets", lang, word("task-sheets", lang), subtitle(ctx, lang),
                    [Table("任务单" if zh else "task sheets", visit_cols, visit_rows),
                     Table("检查事项及依据" if zh else "items and basis", item_table_cols, item_rows)],
                    sheets=sheets)
