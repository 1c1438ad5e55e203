"""检查任务单: one page per visit for the team that goes.

Each sheet names the subject, its grid, the date, the departments and tasks, every item with its kind and
legal basis (where the scenario gives one, ``legal_basis`` on the item), the officers by name, the visit's
检查码 in text and as a QR code (drawn by the HTML and PDF writers from :mod:`documents.qr`), and the
results boxes of 普陀's table (发现问题 · 已整改) with room for signatures. In a spreadsheet the sheets are
two tables: one row per visit, and one row per (visit, item) with its basis.
"""

from __future__ import annotations

import polars as pl

from documents.context import PlanContext, footer, issuer, legal_basis, subtitle
from documents.labels import word
from documents.model import Column, Document, Sheet, Table

__all__ = ["task_sheets"]


def qr_text(ctx: PlanContext, code: str) -> str:
    """What a task sheet's QR encodes: ``URL/c/CODE`` of the public service (``export --public-url`` or the scenario's
    ``public_url``), which a firm's phone opens; without one the bare code, as typed into the service by hand."""
    url = (ctx.public_url or ctx.scenario.spec.public_url or "").rstrip("/")
    return f"{url}/c/{code}" if url else code


def _c(key: str, lang: str, kind: str = "text", width: float = 14) -> Column:
    return Column(key, word(key, lang), kind, True, width)


ITEMS_FIRST_PAGE = 60
"""The most item rows the first page of a sheet holds beside the facts, the team and the result boxes (at the
smallest type the PDF writer shrinks to); more continue on pages of :data:`ITEMS_MORE_PAGE` rows each."""
ITEMS_MORE_PAGE = 70


def _item_units(rows: list[list]) -> list[int]:
    """How many printed lines each item row takes, roughly: long names and bases wrap."""
    return [1 + (len(str(r[1])) > 34) + len(str(r[4])) // 60 for r in rows]


def _pages(rows: list[list], team: int) -> list[list[list]]:
    """The item rows of each page of a sheet: all on one page when they fit (the team's rows count too)."""
    units, first = _item_units(rows), ITEMS_FIRST_PAGE - (team + 1) // 2
    if sum(units) <= first:
        return [rows]
    pages: list[list[list]] = [[]]
    room = first
    for row, u in zip(rows, units):
        if pages[-1] and u > room:
            pages.append([])
            room = ITEMS_MORE_PAGE
        pages[-1].append(row)
        room -= u
    return pages


def task_sheets(ctx: PlanContext, lang: str) -> Document:
    items = ctx.scenario.items
    teams: dict[str, list[tuple[str, str, str]]] = {}
    for visit, dept, oid, name in ctx.team.select("visit_id", "department", "officer_id", "officer_name").iter_rows():
        teams.setdefault(visit, []).append((dept, oid, name))
    contact = {c: c for c in ("address", "contact_person", "contact_phone") if c in ctx.scenario.subjects.columns}
    firms = {}
    if contact:
        wanted = ctx.visits["subject_id"].unique().implode()
        firms = {r["subject_id"]: r for r in ctx.scenario.subjects.filter(pl.col("subject_id").is_in(wanted))
                 .select("subject_id", *contact).iter_rows(named=True)}
    item_cols = [_c("no", lang, "int", 5), _c("item", lang, width=40), _c("department", lang, width=16),
                 _c("item_kind", lang, width=11), _c("basis", lang, width=40)]
    team_cols = [_c("department", lang, width=16), _c("officer_name", lang, width=10), _c("officer_id", lang, width=12),
                 _c("signature", lang, width=14)]
    sheets, visit_rows, item_rows = [], [], []
    total = ctx.visits.height
    title = (f"{ctx.district}{word('task-sheet', lang)}" if lang == "zh"
             else word("task-sheet", lang) + (f", {ctx.district}" if ctx.district else ""))
    sheet_issuer = word("issuer_sheet", lang, authority=ctx.seal or "＿" * 12)
    signatures = [word("sign_officers", lang), word("sign_subject", lang)]
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
        firm = firms.get(v["subject_id"], {})
        facts = [(word("visit_id", lang), v["visit_id"], False), (word("date", lang), v["date"].isoformat(), False),
                 (word("subject_name", lang), v["subject_name"], False), (word("subject_id", lang), v["subject_id"], False)]
        if firm:
            facts += [(word("address", lang), firm.get("address") or "", True),
                      (word("contact_person", lang), firm.get("contact_person") or "", False),
                      (word("contact_phone", lang), firm.get("contact_phone") or "", False)]
        facts += [(word("grid", lang), v["grid"], False), (word("lead", lang), leads, False),
                  (word("departments", lang), depts, True), (word("tasks", lang), tasks, True)]
        pages = _pages(rows, len(team))
        for k, chunk in enumerate(pages, start=1):
            more = k > 1
            sheets.append(Sheet(
                title=title + (word("continued", lang, k=k, n=len(pages)) if len(pages) > 1 else ""),
                facts=facts if not more else [facts[0], facts[2], (word("inspection_code", lang), v["inspection_code"], False),
                                              facts[1]],
                items=Table("items", item_cols, chunk), team=Table("team", team_cols, [] if more else team),
                code=v["inspection_code"], code_label=word("inspection_code", lang), code_help=word("code_help", lang),
                boxes=[] if more else [word("found_box", lang), word("fixed_box", lang)],
                signatures=signatures, issuer=sheet_issuer, foot=word("sheet_of", lang, n=n, total=total),
                visit_id=v["visit_id"], part=k, parts=len(pages), qr=qr_text(ctx, v["inspection_code"]),
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
    heading = word("task-sheets", lang)
    return Document("task-sheets", lang, heading, subtitle(ctx, lang),
                    [Table("任务单" if zh else "task sheets", visit_cols, visit_rows),
                     Table("检查事项及依据" if zh else "items and basis", item_table_cols, item_rows)],
                    sheets=sheets, issuer=issuer(ctx, lang), footer=footer(ctx, lang, heading))
