"""``jointcheck report``: the year's 抽查工作报告 (:mod:`records.report`, papers in :mod:`documents.report`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ui.cli.common import (
    AllowUnrecorded,
    KeyFileOption,
    LedgerOption,
    PlanDir,
    console,
    err_text,
    fail,
    guard_out,
    load_or_exit,
    parse_date,
    require_bound_plan,
    say,
)
from ui.cli.documents import LangOption
from ui.cli.messages import current_lang, use_lang

__all__ = ["register", "report"]


def report(
    plan_dir: PlanDir,
    scenario_dir: Annotated[Path, typer.Argument(help="The scenario the plan was made from")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for report.json, report.html, report.xlsx and charts/")],
    results_file: Annotated[Path | None, typer.Option(
        "--results", help="The year's results (results.csv or the results template .xlsx); default: the results "
                          "jointcheck results recorded in the plan")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Report day YYYY-MM-DD for publication deadlines (default today)")] = None,
    ledger: LedgerOption = None,
    key_file: KeyFileOption = None,
    allow_unrecorded: AllowUnrecorded = False,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it is a report jointcheck wrote and holds nothing else")] = False,
    lang: LangOption = None,
) -> None:
    """The year's report: per risk class, task and department the visits, problems found and rectified and the rate
    with its 95% Wilson interval (classes compared with class A); publication timeliness per department; visits
    against single-department and today's practice; officers' load; charts. report.json for analysts."""
    import polars as pl

    from documents.report import report_html, report_pngs, report_xlsx
    from records.report import year_report
    from records.results import RESULTS_FILE, read_results
    from scenarios.atomic import atomic_directory
    from scenarios.outputs import OutputRefused
    from ui.cli.record import plan_setting, results_as_csv

    language = use_lang(lang)
    guard_out(out, "report", force, inputs={"guard.plan": plan_dir, "guard.scenario": scenario_dir}, ledger=ledger)
    scenario = load_or_exit(scenario_dir)
    opened = require_bound_plan(plan_dir, ledger, allow_unrecorded, scenario=scenario, key_file=key_file)
    day = parse_date(as_of, "as-of")
    if results_file is None:
        recorded = plan_dir / RESULTS_FILE
        if not recorded.is_file():
            raise fail(say("report_no_results", path=plan_dir))
        table = pl.read_parquet(recorded)
        days = plan_setting(opened.manifest, "result_publication_working_days")
        table = table.drop("publish_by", "overdue", strict=False)
        table = read_results_table(table, opened.files, days, day)
    else:
        with results_as_csv(results_file) as csv_path:
            days = plan_setting(opened.manifest, "result_publication_working_days")
            imported = read_results(csv_path, opened.files, days, day)
        if not imported.ok:
            for p in imported.problems:
                console.print(escape(p.describe(current_lang())), highlight=False)
            raise fail(say("results_problems", path=results_file, n=len(imported.problems)), code=1)
        table = imported.table
    made = year_report(opened.files, scenario, table, day)
    paper_lang = language if language in ("zh", "en") else "zh"
    try:
        with atomic_directory(out, overwrite=force, mark="report") as staging:
            (staging / "report.json").write_text(json.dumps(made, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                                 encoding="utf-8")
            (staging / "report.html").write_text(report_html(made, scenario, paper_lang), encoding="utf-8")
            (staging / "report.xlsx").write_bytes(report_xlsx(made, scenario, paper_lang))
            charts = report_pngs(made, paper_lang)
            if charts:
                (staging / "charts").mkdir()
                for name, data in charts.items():
                    (staging / "charts" / name).write_bytes(data)
    except OutputRefused as exc:
        raise fail(err_text(exc)) from None
    t = made["totals"]
    console.print("[green]" + escape(say("report_wrote", path=out, visits=t["visits"], results=t["visits_with_result"],
                                         problems=t["visits_with_problems"])) + "[/]", highlight=False)
    if not charts:
        console.print(escape(say("report_no_charts")), highlight=False)


def read_results_table(table, plan, days, day):  # noqa: ANN001, ANN201 - the recorded results, deadlines as of ``day``
    """The recorded ``results.parquet`` with publication deadlines recomputed as of the report day."""
    import tempfile

    from records.results import read_results

    with tempfile.TemporaryDirectory(prefix="jointcheck-report-") as tmp:
        path = Path(tmp) / "results.csv"
        table.select("visit_id", "result_date", "problems_found", "problems_rectified", "published_date").write_csv(path)
        imported = read_results(path, plan, days, day)
    if not imported.ok:  # pragma: no cover - a recorded table was checked when it was recorded
        raise fail(say("results_problems", path=path, n=len(imported.problems)), code=1)
    return imported.table


def register(app: typer.Typer) -> None:
    """Add ``report`` to ``app``."""
    app.command("report")(report)
