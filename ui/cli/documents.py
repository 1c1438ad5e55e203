"""Document commands: ``export`` (the papers planners hand out) and the summary ``plan`` ends with.

``jointcheck export PLAN_DIR SCENARIO_DIR --what … --format … --out DIR`` writes the plan table, task
sheets, calendar, visits or results template (:mod:`documents`) atomically into DIR; the app's export page
makes the same files from the same code. :func:`print_plan_summary` is called at the end of ``plan``.
"""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.cells import cell_len
from rich.markup import escape

from ui.cli.common import (
    AllowUnrecorded,
    KeyFileOption,
    LedgerOption,
    PlanDir,
    console,
    default_lang,
    err_text,
    fail,
    guard_out,
    load_or_exit,
    require_bound_city_plan,
    require_bound_plan,
    say,
)
from ui.cli.messages import use_lang

__all__ = ["register", "export", "print_plan_summary", "default_lang", "LangOption"]


class What(str, Enum):
    plan_table = "plan-table"
    task_sheets = "task-sheets"
    calendar = "calendar"
    visits = "visits"
    results_template = "results-template"
    changes = "changes"


class Format(str, Enum):
    xlsx = "xlsx"
    html = "html"
    pdf = "pdf"
    csv = "csv"


class Lang(str, Enum):
    zh = "zh"
    en = "en"


LangOption = Annotated[Lang | None, typer.Option("--lang", help="Language of what is printed: zh or en (default: the locale; zh unless LANG starts with en)")]


def export(
    plan_dir: PlanDir,
    scenario_dir: Annotated[Path, typer.Argument(help="The scenario the plan was made from")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the documents into (atomically)")],
    what: Annotated[list[What] | None, typer.Option(
        "--what", help="Which document; repeat for several (default: all five, and changes for an adjusted plan)")] = None,
    fmt: Annotated[list[Format] | None, typer.Option("--format", help="File format; repeat for several (default: xlsx)")] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of the documents: zh (default) or en")] = Lang.zh,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it is a folder of papers jointcheck wrote and holds nothing else")] = False,
    ledger: LedgerOption = None,
    key_file: KeyFileOption = None,
    allow_unrecorded: AllowUnrecorded = False,
    public_url: Annotated[str | None, typer.Option(
        "--public-url", help="The public 检查码 service (jointcheck serve), e.g. https://jc.example.gov.cn: every task "
                             "sheet's QR then encodes URL/c/CODE (default: the scenario's public_url, else the bare code)")] = None,
) -> None:
    """Print the papers: plan table (official form), task sheets with 检查码 and QR, calendar, visits, results template;
    for an adjusted plan (jointcheck adjust) also the changes it made."""
    from documents import DocumentError, make_documents, write_documents
    from documents.city import district_scenario, is_city_plan, make_city_documents
    from scenarios.city import is_city

    use_lang(lang)
    guard_out(out, "papers", force, inputs={"guard.plan": plan_dir, "guard.scenario": scenario_dir}, ledger=ledger)
    if public_url is not None and not re.fullmatch(r"https?://[^\s<>\"']+", public_url):
        raise fail(say("public_url_bad", url=public_url))
    city = is_city_plan(plan_dir) and is_city(scenario_dir)
    try:  # a district of a city plan: its scenario with the city-wide tasks it was planned with
        scenario = None if city else district_scenario(plan_dir, scenario_dir)
    except (DocumentError, ValueError, OSError) as exc:
        raise fail(err_text(exc)) from None
    if scenario is None and not city:
        scenario = load_or_exit(scenario_dir)
    unrecorded = False
    if city:  # the same gate as check: every district bound to its signed ledger record
        require_bound_city_plan(plan_dir, ledger, allow_unrecorded, key_file)
    else:
        unrecorded = require_bound_plan(plan_dir, ledger, allow_unrecorded, scenario=scenario, key_file=key_file).unrecorded
    if Format.pdf in (fmt or []):
        from documents.pdf import font_note

        if font_note(lang.value):
            console.print(f"[yellow]{escape(font_note(lang.value))}[/]", highlight=False)
    whats = [w.value for w in what] if what else None  # None: every paper the plan has
    formats = [f.value for f in (fmt or [Format.xlsx])]
    try:
        with console.status(say("writing_documents")) as status:
            def progress(done: int, total: int, what_: str, fmt_: str) -> None:
                from documents.labels import paper_name

                line = say("making_document", n=done + 1, total=total, what=paper_name(what_, lang.value), fmt=fmt_)
                if console.is_terminal:
                    status.update(line)
                else:  # a log or a pipe: one line per paper and format
                    console.print(f"  {escape(line)}", highlight=False)

            files = (make_city_documents(plan_dir, scenario_dir, whats, formats, lang.value, progress=progress) if city
                     else make_documents(plan_dir, scenario, whats, formats, lang.value, progress=progress,
                                         unrecorded=unrecorded, public_url=public_url))
            status.update(say("writing_documents"))
            paths = write_documents(out, files, overwrite=force)
    except (DocumentError, ValueError, OSError) as exc:
        raise fail(err_text(exc)) from None
    for path in paths:
        console.print(f"  {escape(str(path))}", highlight=False)
    console.print(f"[green]{escape(say('documents_wrote', n=len(paths), path=out))}[/]", highlight=False)


def print_plan_summary(made: Any, lang: str | None, seed: str = "", mode: str = "") -> None:
    """The end of ``plan``: the figures with their meaning, then every legal warning the rules raised."""
    from documents import plan_summary

    lang = lang or default_lang()
    zh = lang == "zh"
    title = (f"计划 {made.plan_id}（公开随机数 {seed}，抽取方式：{say(f'mode.{mode}', 'zh') if mode else mode}）" if zh
             else f"Plan {made.plan_id} (public value {seed}, mode {mode})")
    rows = plan_summary(made.kpis, lang)
    wide_label = max((cell_len(label) for label, _, _ in rows), default=0)
    wide_value = max((cell_len(value) for _, value, _ in rows), default=0)
    console.print(f"[bold]{escape(title)}[/]", highlight=False)
    for label, value, note in rows:
        pad = " " * (wide_label - cell_len(label))
        lead = " " * (wide_value - cell_len(value))
        console.print(f"  {escape(label)}{pad}  {lead}[bold]{escape(value)}[/]  [dim]— {escape(note)}[/]", highlight=False)
    seconds = getattr(made, "stage_seconds", None) or {}
    if seconds:
        names = {"rules": "规则计算", "align+draw": "日历对齐与抽取", "bundle": "合并上门", "teams": "随机匹配人员",
                 "kpis": "指标计算"}
        console.print(("  各阶段用时（秒）：" if zh else "  seconds per stage: ")
                      + ("，" if zh else ", ").join(f"{names.get(k, k) if zh else k} {v:.1f}" for k, v in seconds.items()),
                      highlight=False)
    warnings = made.run.results.warnings
    message = "message_zh" if zh else "message"
    for row in warnings.select("rule_id", "source", message).iter_rows(named=True):
        head = "法规提示" if zh else "legal warning"
        console.print(f"[yellow]{head}[/] {escape(row[message])} ({escape(row['source'] or row['rule_id'])})",
                      highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``export`` to ``app``."""
    app.command("export")(export)
