"""The ``jointcheck`` command line, assembled here from one module per command group.

* :mod:`ui.cli.scenario` — ``validate``, ``generate``, ``explain``;
* :mod:`ui.cli.planning` — ``draw``, ``plan``, ``check``, ``verify``;
* :mod:`ui.cli.record` — ``publish``, ``results``, ``ledger verify|show``, ``code check`` (一公开, 全程留痕);
* :mod:`ui.cli.scoring` — ``score`` (一企一档 credit-risk classes from an AHP scorecard).

Shared options and helpers are in :mod:`ui.cli.common`. User errors end with a clear message and a non-zero
exit code, never a Python traceback.
"""

from __future__ import annotations

import typer

from ui.cli import planning, record, scenario, scoring

__all__ = ["app", "main"]

app = typer.Typer(
    name="jointcheck",
    help="Plan 双随机、一公开 joint market-supervision inspections: validate scenarios, generate calibrated ones.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
scenario.register(app)
planning.register(app)
record.register(app)
scoring.register(app)


def main() -> None:  # pragma: no cover - console script entry point
    app()
