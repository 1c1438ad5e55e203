"""The ``jointcheck`` command line, assembled here from one module per command group.

* :mod:`ui.cli.scenario` — ``validate``, ``generate``, ``explain``;
* :mod:`ui.cli.planning` — ``draw``, ``plan``, ``check``, ``verify``;
* :mod:`ui.cli.record` — ``publish``, ``results``, ``ledger verify|show``, ``code check`` (一公开, 全程留痕);
* :mod:`ui.cli.scoring` — ``score`` (一企一档 credit-risk classes from an AHP scorecard);
* :mod:`ui.cli.documents` — ``export``: plan table, task sheets, calendar, visits, results template;
* :mod:`ui.cli.office` — ``import`` (the office's workbook and CSV exports → a scenario) and ``template``.

On/off options are shown as flags in ``--help`` (typer's rich help would print ``<bool>``: :func:`_flags_as_flags`).

Shared options and helpers are in :mod:`ui.cli.common`. User errors end with a clear message and a non-zero
exit code, never a Python traceback: :class:`_Guarded` turns what a command did not catch into one line
(a rule-engine disagreement, an OS error naming its path, or an internal error to report), exit 2 or 3.
"""

from __future__ import annotations

import importlib
from typing import Annotated

import typer
from typer.core import TyperGroup, TyperOption


def _usage_exceptions() -> tuple[type[BaseException], ...]:
    """What click and typer raise to end a command themselves (usage errors, --help, exit codes): passed on.
    Recent typer carries its own copy of click (``typer._click``), older typer uses the click package; both
    are looked for, since a usage error of one is not an instance of the other's."""
    found: list[type[BaseException]] = [typer.Exit, typer.Abort]
    for name in ("typer._click.exceptions", "click.exceptions"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        found += [getattr(module, kind) for kind in ("ClickException", "Exit", "Abort") if hasattr(module, kind)]
    return tuple(found)


_PASSED_ON = _usage_exceptions()

from ui.cli import documents, office, planning, record, report, scenario, scoring, serve

__all__ = ["app", "main"]


class _Guarded(TyperGroup):
    """The command group; an exception a command lets through becomes a message and an exit code."""

    def invoke(self, ctx):  # noqa: D102, ANN001 - click's Context
        from ui.cli.messages import use_lang

        use_lang(None)  # the locale's language until the command reads its --lang
        try:
            return super().invoke(ctx)
        except _PASSED_ON:
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence against a traceback
            raise _as_exit(exc) from None


def _as_exit(exc: Exception) -> typer.Exit:
    from rules.engine.errors import EngineError
    from ui.cli.common import err_text, fail, say

    if isinstance(exc, EngineError):
        return fail(say("rule_engine", detail=err_text(exc)), code=3)
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return fail(f"{where}{exc.strerror or exc}", code=2)
    if isinstance(exc, (RecursionError, MemoryError)):
        return fail(say("too_large", kind=type(exc).__name__), code=2)
    return fail(say("internal_error", kind=type(exc).__name__, detail=err_text(exc)), code=3)


def _flags_as_flags() -> None:
    """An on/off option (``--force``) takes no value: show no type for it in help."""
    shown = TyperOption.display_type_rich
    if getattr(shown, "_jointcheck", False):
        return

    def display_type_rich(self, ctx):  # noqa: ANN001 - typer's signature
        if getattr(self, "is_flag", False) and not getattr(self, "count", False):
            return None
        return shown(self, ctx)

    display_type_rich._jointcheck = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich


_flags_as_flags()

app = typer.Typer(
    cls=_Guarded,
    name="jointcheck",
    help="Plan 双随机、一公开 joint market-supervision inspections (联合抽查). A year's work in order: "
         "validate the scenario → plan (draw, bundle visits, match officers) → check / verify → publish (一公开) → "
         "export the papers (plan table, task sheets, calendar) → results (检查结果). Every plan, verify and "
         "publish is recorded in the ledger (全程留痕).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib import metadata

        try:
            version = metadata.version("jointcheck")
        except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
            version = "unknown"
        typer.echo(f"jointcheck {version}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit")] = False,
) -> None:
    """Plan 双随机、一公开 joint inspections."""


scenario.register(app)
planning.register(app)
record.register(app)
scoring.register(app)
documents.register(app)
office.register(app)
serve.register(app)
report.register(app)


def main() -> None:  # pragma: no cover - console script entry point
    app()
