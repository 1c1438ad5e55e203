"""The office's own files: ``import`` (a workbook and CSV exports → a scenario folder) and ``template`` (the workbook
an office fills in, blank or with a scenario's data). See :mod:`scenarios.office`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ui.cli.common import console, fail, figures_table, guard_out, print_problems, say, writing_errors
from ui.cli.documents import LangOption
from ui.cli.messages import use_lang

__all__ = ["register", "import_workbook", "template", "check_scenario_out"]


def check_scenario_out(out: Path, force: bool, inputs: list[Path]) -> None:
    """Exit 2 before any work unless ``--out`` can take the imported scenario (:func:`ui.cli.common.guard_out`):
    absent, or — with ``--force`` — a scenario folder jointcheck wrote holding nothing else; never a folder holding
    an input (the workbook, a CSV, the mapping), the key, the ledger, the current or home directory."""
    for path in inputs:
        guard_out(out, "scenario", force, inputs={"guard.input": path})


def _own_template(path: Path) -> bool:
    """A workbook ``jointcheck template`` wrote: its first sheet 填写说明 opens with the title it writes."""
    from openpyxl import load_workbook

    from scenarios.office.template import INSTRUCTIONS

    if path.is_symlink() or not path.is_file():
        return False
    try:
        book = load_workbook(path, read_only=True)
    except Exception:  # noqa: BLE001 - not a workbook at all (openpyxl raises several types)
        return False
    try:
        first = book.worksheets[0] if book.worksheets else None
        return first is not None and first.title == "填写说明" and first["A1"].value == INSTRUCTIONS[0][0]
    finally:
        book.close()


def import_workbook(
    workbook: Annotated[Path, typer.Argument(help="The office's workbook (.xlsx): sheets 部门, 检查对象类型, 抽查事项清单, "
                                                  "年度抽查计划, 执法人员名录, 检查对象名录 (see jointcheck template)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Scenario folder to write (whole or not at all)")],
    year: Annotated[int | None, typer.Option(help="Plan year (default: 年度 on sheet 场景信息)")] = None,
    policy: Annotated[str | None, typer.Option(help="Policy, e.g. shanghai-2024 (default: 政策 on sheet 场景信息)")] = None,
    name: Annotated[str | None, typer.Option(help="Scenario name (default: 场景名称 on sheet 场景信息)")] = None,
    subjects: Annotated[Path | None, typer.Option(help="检查对象名录 from this .xlsx or .csv (UTF-8, UTF-8 BOM or GB18030)")] = None,
    officers: Annotated[Path | None, typer.Option(help="执法人员名录 from this .xlsx or .csv")] = None,
    items: Annotated[Path | None, typer.Option(help="抽查事项清单 from this .xlsx or .csv")] = None,
    tasks: Annotated[Path | None, typer.Option(help="年度抽查计划 from this .xlsx or .csv")] = None,
    mapping: Annotated[Path | None, typer.Option(help="YAML naming the office's own headers: {sheet: {header: field}}")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it is a scenario folder jointcheck wrote, holding nothing else")] = False,
    lang: LangOption = None,
) -> None:
    """Import the office's workbook and CSV exports (Chinese headers; UTF-8, UTF-8 BOM or GB18030, detected and
    printed) into a scenario folder. Every problem is listed with file, sheet, row and header; on any error
    nothing is written."""
    from scenarios.office import import_office
    from scenarios.figures import scenario_figures

    lang_ = use_lang(lang)
    files = {role: path for role, path in (("subjects", subjects), ("officers", officers), ("items", items),
                                           ("tasks", tasks)) if path is not None}
    inputs = [workbook, *files.values(), *([mapping] if mapping else [])]
    check_scenario_out(out, force, inputs)
    with writing_errors(out, "scenario"), console.status(escape(say("import_reading", path=workbook))):
        result = import_office(workbook, out, name=name, year=year, policy=policy, files=files, mapping=mapping,
                               overwrite=force)
    for label, encoding in result.encodings.items():
        console.print(escape(say("import_encoding", file=label, encoding=encoding)), highlight=False)
    print_problems(result.problems, lang_)
    if result.scenario is None:
        raise fail(say("import_refused", n=len(result.errors), out=out), code=1)
    scenario = result.scenario
    console.print(figures_table(scenario_figures(scenario), lang_))
    console.print("[green]" + escape(say("import_done", name=scenario.name, year=scenario.year, policy=scenario.policy,
                                         subjects=scenario.subjects.height, officers=scenario.officers.height,
                                         tasks=len(scenario.tasks), out=out)) + "[/]", highlight=False)
    console.print(escape(say("import_next", out=out)), highlight=False)


def template(
    scenario_dir: Annotated[Path | None, typer.Argument(help="A scenario folder whose data fills the workbook (default: blank)")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="The workbook to write (.xlsx)")] = Path("jointcheck-模板.xlsx"),
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it is a workbook jointcheck template wrote")] = False,
    lang: LangOption = None,
) -> None:
    """Write the workbook an office fills in: its sheets and Chinese headers, an instructions sheet, drop-down lists,
    and — given a scenario — its data, so that ``jointcheck import`` of it gives back the same scenario."""
    from scenarios.office import write_template
    from ui.cli.common import load_or_exit

    use_lang(lang)
    if out.suffix.lower() != ".xlsx":
        raise fail(say("template_not_xlsx", out=out))
    if out.exists() or out.is_symlink():
        if not force:
            raise fail(say("out_exists", out=out))
        if not _own_template(out):
            raise fail(say("template_force_own", out=out))
    if not out.parent.is_dir():
        raise fail(say("out_parent_not_dir", out=out, parent=out.parent))
    scenario = load_or_exit(scenario_dir) if scenario_dir is not None else None
    write_template(out, scenario)
    what = say("template_of", name=scenario.name) if scenario is not None else say("template_blank")
    console.print("[green]" + escape(say("template_wrote", path=out, what=what)) + "[/]", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``import`` and ``template`` to ``app``."""
    app.command("import")(import_workbook)
    app.command()(template)
