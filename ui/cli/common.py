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

__all__ = [
    "planning_errors", "console", "ScenarioDir", "PlanDir", "PublicSeed", "PlanId", "Mode", "LedgerOption", "KeyFileOption",
    "print_problems", "figures_table", "load_or_exit", "require_plan_dir", "fail", "parse_date", "ledger_path",
]

console = Console(soft_wrap=True)

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


def print_problems(problems: list[Problem]) -> None:
    """One line per problem, ``severity  file row N, field: message`` — easy to read and to grep."""
    for p in problems:
        style = "red" if p.severity == "error" else "yellow"
        console.print(f"[{style}]{p.severity:<7}[/] {escape(str(p))}", highlight=False)


def figures_table(figures: dict[str, object]) -> Table:
    """A scenario's figures (:func:`scenarios.figures.scenario_figures`) as a two-column table."""
    table = Table(title="Scenario figures", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        table.add_row(key.replace("_", " "), str(value))
    return table


def load_or_exit(scenario_dir: Path) -> Scenario:
    """Load a scenario or print its problems and exit 1."""
    scenario, problems = check_scenario(scenario_dir)
    if scenario is None:
        print_problems(problems)
        console.print(f"[red]{scenario_dir}: invalid; see the problems above[/]")
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
        raise fail(f"--{name}: {text!r} is not a date YYYY-MM-DD") from None


def require_plan_dir(plan_dir: Path) -> None:
    """Exit 2 with a clear message unless ``plan_dir`` holds a manifest.json written by ``jointcheck plan``."""
    if not (plan_dir / "manifest.json").is_file():
        raise fail(f"{plan_dir}: no manifest.json; not a plan directory")


def ledger_path(path: Path | None) -> Path:
    """``--ledger`` when given, else ``$JOINTCHECK_LEDGER`` or ``./jointcheck.db``."""
    from records.ledger import default_ledger_path

    return path or default_ledger_path()


@contextlib.contextmanager
def planning_errors() -> Iterator[None]:
    """A plan the rules or the draw cannot make exits 1 with the reason (PlanBlocked); an unusable policy or
    reform exits 2 (PolicyError). Never a traceback."""
    from optimizer.draw import PlanBlocked
    from rules import PolicyError

    try:
        yield
    except PlanBlocked as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(code=1) from None
    except PolicyError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(code=2) from None
