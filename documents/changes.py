"""计划调整情况: what a mid-year adjustment (动态调整) changed, as a paper of the export.

沪府发〔2024〕6号 二(一): an annual plan may be adjusted as work requires and each adjustment is published
like the plan itself. An adjusted plan directory (:mod:`optimizer.adjust`) holds the diff it was made with
(``changes.json``: visits added, removed and moved, tasks and teams changed). This document prints it with
names, not codes — the subject's name, the tasks' names, the officers' names — and dates without times,
preceded by the adjustment's task-level changes (tasks added, cancelled, windows moved, samples a cap or the
directory moved). A task the updated scenario no longer has (a cancelled one) is named by its id with
"（已取消）"/"(cancelled)": the plan directory does not hold the old scenario's names.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from documents.context import DocumentError, PlanContext, subtitle
from documents.labels import word
from documents.model import Column, Document, Table

__all__ = ["changes_document", "is_adjusted"]

_KINDS = ("added", "removed", "moved", "tasks_changed", "team_changed")


def is_adjusted(ctx: PlanContext) -> bool:
    """True for an adjusted plan version: its manifest has ``adjustment`` and the directory ``changes.json``."""
    return bool(ctx.plan.manifest.get("adjustment")) and (ctx.plan.root / "changes.json").is_file()


def _c(key: str, lang: str, kind: str = "text", width: float = 14, printed: bool = True) -> Column:
    return Column(key, word(key, lang), kind, printed, width)


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def changes_document(ctx: PlanContext, lang: str) -> Document:
    """The adjustment's changes: a table of task changes and one row per changed visit, names not codes."""
    if not is_adjusted(ctx):
        raise DocumentError(f"{ctx.plan.root} is not an adjusted plan (jointcheck adjust writes changes.json); "
                            "the changes document exists only for an adjusted version")
    m = ctx.plan.manifest
    adj = m["adjustment"]
    try:
        rows: list[dict[str, Any]] = json.loads((ctx.plan.root / "changes.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DocumentError(f"{ctx.plan.root / 'changes.json'}: not readable ({exc})") from None
    task_names = {t.id: t.name for t in ctx.scenario.tasks}
    cancelled = word("cancelled_mark", lang)
    subjects = dict(ctx.scenario.subjects.select("subject_id", "name").iter_rows())
    officers = dict(ctx.scenario.officers.select("officer_id", "name").iter_rows())

    def tasks(ids: str | None) -> str | None:
        if not ids:
            return None
        return "；".join(task_names.get(i) or f"{i}{cancelled}" for i in ids.split(";"))

    def team(ids: str | None) -> str | None:
        return "、".join(officers.get(i) or i for i in ids.split(";")) if ids else None

    # task-level: added, cancelled, window moved, samples moved by a cap or the directory
    task_rows = [[word("task_added", lang), tasks(t), None] for t in adj.get("added", [])]
    task_rows += [[word("task_cancelled", lang), tasks(t), None] for t in adj.get("cancelled", [])]
    windows = {t["id"]: t["window"] for t in m["tasks"]}
    for t in adj.get("moved", []):
        w = windows.get(t)
        task_rows.append([word("task_moved", lang), tasks(t), f"{w['start']} ~ {w['end']}" if w else None])
    for f in adj.get("forced_changes", []):
        out = "、".join(subjects.get(s, s) for s in f["removed"])
        came = "、".join(subjects.get(s, s) for s in f["added"])
        task_rows.append([word(f"forced_{f['reason']}", lang), tasks(f["task_id"]),
                          word("forced_detail", lang, out=out or "—", came=came or "—")])
    task_cols = [_c("change_kind", lang, width=18), _c("tasks", lang, width=40), _c("detail", lang, width=50)]

    order = {k: n for n, k in enumerate(_KINDS)}
    visit_rows = []
    for r in sorted(rows, key=lambda r: (order.get(r["change"], 9), r.get("date_after") or r.get("date_before") or "",
                                         r["visit_id"])):
        visit_rows.append([
            word(f"change_{r['change']}", lang), subjects.get(r["subject_id"], r["subject_id"]), r["subject_id"],
            _date(r.get("date_before")), _date(r.get("date_after")), tasks(r.get("tasks_before")),
            tasks(r.get("tasks_after")), team(r.get("officers_before")), team(r.get("officers_after")),
            r["visit_id"], r.get("new_visit_id"),
        ])
    visit_cols = [_c("change_kind", lang, width=12), _c("subject_name", lang, width=22),
                  _c("subject_id", lang, printed=False), _c("date_before", lang, "date", 11),
                  _c("date_after", lang, "date", 11), _c("tasks_before", lang, width=28),
                  _c("tasks_after", lang, width=28), _c("officers_before", lang, width=22),
                  _c("officers_after", lang, width=22), _c("visit_id", lang, width=14),
                  _c("new_visit_id", lang, width=14, printed=False)]
    counts = adj.get("changes", {})
    version = int((m.get("adjusts") or {}).get("version", 2))
    lines = [*subtitle(ctx, lang)[:1],
             word("changes_line", lang, version=version, as_of=adj["as_of"], done=adj.get("done_visits", 0)),
             word("changes_counts", lang, **{k: int(counts.get(k, 0)) for k in _KINDS})]
    zh = lang == "zh"
    return Document("changes", lang, word("changes", lang, year=ctx.year), lines,
                    [Table("任务调整" if zh else "task changes", task_cols, task_rows),
                     Table("户次变更" if zh else "visit changes", visit_cols, visit_rows)])
