"""What every command shares: the console, argument types, problem printing, loading a scenario or exiting.

User errors (a bad scenario, a missing file) end with a clear message and a non-zero exit code, never a
Python traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from optimizer.draw import DrawMode
from scenarios import Problem, Scenario, check_scenario
from ui.cli.messages import current_lang, default_lang, say

__all__ = [
    "planning_errors", "console", "ScenarioDir", "PlanDir", "PublicSeed", "PlanId", "Mode", "LedgerOption", "KeyFileOption",
    "print_problems", "figures_table", "load_or_exit", "require_plan_dir", "require_bound_plan", "AllowUnrecorded",
    "require_bound_city_plan",
    "fail", "writing_errors", "parse_date", "ledger_path", "check_plan_out", "guard_out", "calendar_problems", "default_lang",
    "say", "current_lang", "head", "print_match", "err_text",
]

console = Console(soft_wrap=True, highlight=False)  # no auto-highlighting: user text stays plain (and linear)

ScenarioDir = Annotated[Path, typer.Argument(help="A scenario directory holding scenario.yaml, subjects.csv, officers.csv")]
PlanDir = Annotated[Path, typer.Argument(help="A plan directory written by jointcheck plan")]
PublicSeed = Annotated[str, typer.Option(
    "--seed", help="Public seed value (dice, lottery or beacon); the plan seed is derived from it and the scenario")]
PlanId = Annotated[str | None, typer.Option("--plan-id", help="Plan id mixed into the seed (default: scenario name)")]
Mode = Annotated[DrawMode, typer.Option("--mode", help="Draw mode: coordinated (default), positive, or independent (today's practice)")]
LedgerOption = Annotated[Path | None, typer.Option(
    "--ledger", help="Plan ledger (SQLite); default $JOINTCHECK_LEDGER or ./jointcheck.db")]
KeyFileOption = Annotated[Path | None, typer.Option(
    "--key-file", help="District key for inspection codes; default $JOINTCHECK_KEY_FILE or ./jointcheck.key "
                       "(made once if absent; keep it private, never in a plan directory)")]

AllowUnrecorded = Annotated[bool, typer.Option(
    "--allow-unrecorded", help="Accept a plan folder that has no record in the ledger (its files are still checked "
                               "against its manifest); a plan edited after planning is refused regardless")]


SEVERITY_ZH = {"error": "错误", "warning": "警告"}


def err_text(exc: BaseException | str) -> str:
    """An error's message in the command's language: a :class:`~scenarios.messages.Message` (what the records and
    the generator raise) in Chinese or English; any other message as it is."""
    from ui.i18n import error_text

    return error_text(exc, current_lang())


def head(kind: str, style: str = "yellow") -> str:
    """The coloured word that starts a line (warning, violation, tampered …) in the command's language."""
    return f"[{style}]{escape(say('head.' + kind))}[/]"


def print_match(what: str, ok: bool) -> None:
    """One line: ``what`` (a message key: seed commitment, scenario hash …) matches, green, or does not, red."""
    line = say("matches" if ok else "differs", what=say(what))
    console.print(("[green]" if ok else "[red]") + escape(line) + "[/]", highlight=False)


def print_problems(problems: list[Problem], lang: str | None = None) -> None:
    """One line per problem, ``severity  file row N, field: message`` in ``lang`` (default the command's) — easy to
    read and to grep."""
    lang = lang or current_lang()
    for p in problems:
        style = "red" if p.severity == "error" else "yellow"
        severity = SEVERITY_ZH[p.severity] if lang == "zh" else f"{p.severity:<7}"
        console.print(f"[{style}]{severity}[/] {escape(p.describe(lang))}", highlight=False)


FIGURES_ZH = {
    "subjects": "检查对象", "subjects_by_risk_class": "各信用风险分类对象数", "subjects_penalized_3y": "三年内受过处罚的对象",
    "subjects_with_verified_complaints": "有核实投诉的对象", "subjects_of_several_types": "属于多个类型的对象",
    "object_types": "检查对象类型", "officers": "执法检查人员", "officer_weekly_capacity": "每周检查能力（人次）",
    "departments": "部门", "items": "抽查事项", "items_key": "重点检查事项", "items_general": "一般检查事项",
    "tasks": "抽查任务", "task_object_types": "任务涉及的对象类型", "subjects_drawn_declared": "声明的抽取户数",
    "single_department_subject_visits": "单部门检查户次", "expected_subjects_all_coordinated": "全部协调抽取的期望户数",
}


def figures_table(figures: dict[str, object], lang: str | None = None) -> Table:
    """A scenario's figures (:func:`scenarios.figures.scenario_figures`) as a two-column table in ``lang``."""
    lang = lang or current_lang()
    table = Table(title="场景概况" if lang == "zh" else "Scenario figures", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        label = FIGURES_ZH.get(key, key) if lang == "zh" else key.replace("_", " ")
        table.add_row(escape(label), escape(str(value)))
    return table


def calendar_problems(scenario: Scenario) -> list[Problem]:
    """Errors of the statutory calendar (chinese-calendar), so that ``validate`` says so instead of ``plan`` failing
    or leaving pairs unplaced later: the calendar does not cover the scenario's year (no visit could be dated), or a
    task's allowed range (``window_flex``, else its window) holds no working day (none of its subjects could be
    visited)."""
    from optimizer.calendar import CalendarError, working_days

    try:
        days = working_days(scenario.year)
    except CalendarError as exc:
        import chinese_calendar

        return [Problem.of("scenario.yaml", None, "year", "year.no_calendar", year=scenario.year,
                           version=getattr(chinese_calendar, "__version__", ""), detail=str(exc))]
    out = []
    for task in scenario.tasks:
        flex = task.window_flex
        first, last = (flex.earliest, flex.latest) if flex is not None else (task.window.start, task.window.end)
        if not any(first <= d <= last for d in days):
            field = "window_flex" if flex is not None else "window"
            out.append(Problem.of("scenario.yaml", None, f"tasks[{task.id}].{field}", "task.no_working_day",
                                  start=first, end=last))
    return out


def load_or_exit(scenario_dir: Path) -> Scenario:
    """Load a scenario or print its problems and exit 1."""
    scenario, problems = check_scenario(scenario_dir)
    if scenario is not None and (late := calendar_problems(scenario)):
        scenario, problems = None, [*problems, *late]
    if scenario is None:
        print_problems(problems)
        console.print(f"[red]{escape(say('scenario_invalid', path=scenario_dir))}[/]", highlight=False)
        raise typer.Exit(code=1)
    return scenario


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` in red (markup escaped) and return the exit to raise."""
    console.print(f"[red]{escape(message)}[/]", highlight=False)
    return typer.Exit(code=code)


def parse_date(text: str | None, name: str) -> dt.date:
    """``--name`` as a date YYYY-MM-DD, today when absent; exit 2 on anything else."""
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise fail(say("not_a_date", name=name, text=text)) from None


def require_plan_dir(plan_dir: Path) -> None:
    """Exit 2 with a clear message unless ``plan_dir`` holds the files ``jointcheck plan`` writes, each of
    the right shape (:func:`optimizer.check.read_plan`: manifest keys, parquet columns, no null dates)."""
    from optimizer.check import PlanFileError, read_plan

    if not plan_dir.is_dir():
        raise fail(say("not_a_directory", path=plan_dir))
    if not (plan_dir / "manifest.json").is_file():
        raise fail(say("no_manifest", path=plan_dir))
    try:
        read_plan(plan_dir)
    except PlanFileError as exc:
        raise fail(say("damaged_plan", detail=err_text(exc))) from None
    except (OSError, MemoryError) as exc:
        raise fail(say("plan_unreadable", path=plan_dir, detail=err_text(exc))) from None


def require_bound_plan(plan_dir: Path, ledger: Path | None, allow_unrecorded: bool, *, scenario: Scenario | None = None,
                       rules: bool = True, key_file: Path | None = None, verdict: bool = False,
                       notice: Path | None = None):  # noqa: ANN201 - records.gate.OpenedPlan
    """Open a plan through the one gate of every reader (:func:`records.gate.open_plan`): the shape ``plan`` writes,
    bound to a ledger record signed with the district key (or, with ``--allow-unrecorded``, to its own manifest),
    and — given its ``scenario`` — made from it and (``rules``) breaking no hard rule. Prints every finding and exits
    (1: refused, 2: not a readable plan or another scenario's) otherwise; returns the opened plan. ``verdict``
    (``check``, ``verify``): a plan of another scenario ends with the verdict line and exit 1, nothing else said.
    ``notice``: bind the plan to that public notice instead of the ledger (no ledger or key needed)."""
    from records.codes import load_key
    from records.gate import PlanRefused, open_plan
    from records.ledger import LedgerError

    db = ledger_path(ledger)
    key = None
    if key_file is not None and notice is None:
        from records.codes import CodeKeyError

        try:
            key = load_key(key_file)
        except CodeKeyError as exc:
            raise fail(say("key_needed", detail=err_text(exc))) from None
    lang = current_lang()
    try:
        opened = open_plan(plan_dir, ledger=db, key=key, allow_unrecorded=allow_unrecorded, scenario=scenario,
                           rules=rules, notice=notice)
    except LedgerError as exc:
        raise fail(err_text(exc)) from None
    except PlanRefused as exc:
        if verdict and exc.reason.code == "gate.other_scenario":
            raise fail(say("verdict.fail", what=say("other_scenario", path=plan_dir, scenario=scenario.root)),
                       code=1) from None
        raise _refused(exc) from None
    for note in opened.notes:
        style = "warning" if opened.unrecorded else "note"
        console.print(f"{head(style)} {escape(note.text(lang))}", highlight=False)
    if opened.record is not None:
        console.print(escape(say("plan_matches_record", seq=opened.record.seq, db=db)), highlight=False)
    return opened


def _refused(exc) -> typer.Exit:  # noqa: ANN001 - records.gate.PlanRefused
    """Print every finding of the gate's refusal and its reason; the exit to raise."""
    lang = current_lang()
    for finding in exc.findings:
        if isinstance(finding, Problem):
            console.print(f"{head('tampered', 'red')} {escape(finding.describe(lang))}", highlight=False)
        else:
            console.print(f"{head('violation', 'red')} {escape(finding.text(lang))}", highlight=False)
    return fail(exc.reason.text(lang), code=exc.code)


def require_bound_city_plan(plan_dir: Path, ledger: Path | None, allow_unrecorded: bool,
                            key_file: Path | None = None) -> None:
    """A city plan through the gate (:func:`records.gate.open_city_plan`): its folder, its files and every district
    plan bound as a district plan is; prints every finding and exits otherwise."""
    from records.codes import CodeKeyError, load_key
    from records.gate import PlanRefused, open_city_plan
    from records.ledger import LedgerError

    try:
        key = load_key(key_file) if key_file is not None else None
        opened = open_city_plan(plan_dir, ledger=ledger_path(ledger), key=key, allow_unrecorded=allow_unrecorded)
    except CodeKeyError as exc:
        raise fail(say("key_needed", detail=err_text(exc))) from None
    except LedgerError as exc:
        raise fail(err_text(exc)) from None
    except PlanRefused as exc:
        raise _refused(exc) from None
    for district in opened:
        for note in district.notes:
            console.print(f"{head('warning')} {escape(note.text(current_lang()))}", highlight=False)


def guard_out(out: Path, kind: str, force: bool, *, inputs: dict[str, Path | None] | None = None,
              ledger: Path | None = None, key_file: Path | None = None) -> None:
    """Exit 2 before any work unless this command may write ``--out`` (:func:`scenarios.outputs.guard_output`): absent,
    or — with ``--force`` — jointcheck's own output of ``kind`` holding nothing else; never the district key, the
    ledger, the current or home directory, an input of the command (``inputs``: message key → path) or a folder
    holding one of them. The one guard of every command that writes."""
    from records.codes import default_key_path
    from scenarios.outputs import OutputRefused, guard_output

    protected = {"guard.key": key_file or default_key_path(), "guard.ledger": ledger_path(ledger), **(inputs or {})}
    try:
        guard_output(out, kind, force, protected=protected)
    except OutputRefused as exc:
        raise fail(err_text(exc)) from None


def check_plan_out(out: Path, force: bool, scenario_dir: Path, ledger: Path | None, key_file: Path | None,
                   plan_dir: Path | None = None) -> None:
    """:func:`guard_out` for a plan folder (``plan``, ``adjust``, a city ``plan``): never over the scenario read, the
    plan adjusted, the key or the ledger; ``--force`` replaces only a plan folder holding nothing but its own files."""
    guard_out(out, "plan", force, inputs={"guard.scenario": scenario_dir, "guard.plan": plan_dir},
              ledger=ledger, key_file=key_file)


def ledger_path(path: Path | None) -> Path:
    """``--ledger`` when given, else ``$JOINTCHECK_LEDGER`` or ``./jointcheck.db``."""
    from records.ledger import default_ledger_path

    return path or default_ledger_path()


@contextlib.contextmanager
def writing_errors(out: Path, what: str = "plan") -> Iterator[None]:
    """Writing a plan folder (``what``: plan, city_plan) fails with one clear line, never a traceback: another run
    writing ``out`` (its lock), ``out`` not a plan folder, the ledger refusing the record, or the disk."""
    from records.ledger import LedgerError
    from scenarios.atomic import OutputBusy
    from scenarios.outputs import OutputRefused

    try:
        yield
    except OutputBusy as exc:
        raise fail(err_text(exc)) from None
    except FileExistsError as exc:
        raise fail(say("exists_force_plan", detail=err_text(exc))) from None
    except OutputRefused as exc:
        raise fail(err_text(exc)) from None
    except LedgerError as exc:
        raise fail(say("not_written_ledger", what=say(f"what.{what}"), detail=err_text(exc))) from None
    except OSError as exc:
        raise fail(say("cannot_write", out=out, what=say(f"what.{what}"), detail=exc.strerror or exc)) from None


@contextlib.contextmanager
def planning_errors() -> Iterator[None]:
    """A plan the rules or the draw cannot make exits 1 with the reason (PlanBlocked); an unusable policy or
    reform (PolicyError) or earlier plans that cannot be rotated against (RotationError) exit 2. Never a traceback."""
    from optimizer.draw import PlanBlocked
    from optimizer.rotation import RotationError
    from rules import PolicyError

    try:
        yield
    except PlanBlocked as exc:
        console.print(f"[red]{escape(exc.text(current_lang()))}[/]")
        raise typer.Exit(code=1) from None
    except (PolicyError, RotationError) as exc:
        console.print(f"[red]{escape(err_text(exc))}[/]")
        raise typer.Exit(code=2) from None
