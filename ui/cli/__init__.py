"""The ``jointcheck`` command line, assembled here from one module per command group.

* :mod:`ui.cli.scenario` — ``validate``, ``generate``, ``explain``;
* :mod:`ui.cli.planning` — ``draw``, ``plan``, ``check``, ``verify``;
* :mod:`ui.cli.record` — ``publish``, ``results``, ``ledger verify|show``, ``code check`` (一公开, 全程留痕).

Shared options and helpers are in :mod:`ui.cli.common`. User errors end with a clear message and a non-zero
exit code, never a Python traceback: :class:`_Guarded` turns what a command did not catch into one line
(a rule-engine disagreement, an OS error naming its path, or an internal error to report), exit 2 or 3.
"""

from __future__ import annotations

import click
import typer
from typer.core import TyperGroup

from ui.cli import planning, record, scenario

__all__ = ["app", "main"]

class _Guarded(TyperGroup):
    """The command group; an exception a command lets through becomes a message and an exit code."""

    def invoke(self, ctx: click.Context):  # noqa: D102
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, typer.Exit, typer.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence against a traceback
            raise _as_exit(exc) from None


def _as_exit(exc: Exception) -> typer.Exit:
    from rules.engine.errors import EngineError
    from ui.cli.common import fail

    if isinstance(exc, EngineError):
        return fail(f"rule engine: {exc}", code=3)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return fail(f"{where}{exc.strerror or exc}", code=2)
    if isinstance(exc, (RecursionError, MemoryError)):
        return fail(f"input too deeply nested or too large ({type(exc).__name__})", code=2)
    return fail(f"internal error: {type(exc).__name__}: {exc} — please report it with the command that caused it", code=3)


app = typer.Typer(
    cls=_Guarded,
    name="jointcheck",
    help="Plan 双随机、一公开 joint market-supervision inspections: validate scenarios, generate calibrated ones.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
scenario.register(app)
planning.register(app)
record.register(app)


def main() -> None:  # pragma: no cover - console script entry point
    app()
