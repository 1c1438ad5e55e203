"""Credit-risk scoring (一企一档): ``jointcheck score``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ui.cli.common import (
    ScenarioDir,
    console,
    current_lang,
    err_text,
    fail,
    guard_out,
    head,
    load_or_exit,
    say,
)
from ui.cli.documents import LangOption
from ui.cli.messages import use_lang

__all__ = ["register"]


def score(
    scenario_dir: ScenarioDir,
    card: Annotated[str, typer.Option("--card", help="A scorecard in rules/scorecards/ (putuo-beauty-2023, enterprise-disclosure) or a YAML file")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Scenario directory to write (atomically)")],
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it is a scenario jointcheck wrote (generate, score, import) and holds nothing else")] = False,
    lang: LangOption = None,
) -> None:
    """Class every firm A–D by an AHP scorecard: writes a scenario whose risk_class comes from the card."""
    from scenarios.outputs import OutputRefused
    from scoring import CardError, load_card, score_scenario
    from scoring.scenario import class_table

    use_lang(lang)
    zh = current_lang() == "zh"
    if out.resolve() == scenario_dir.resolve():
        raise fail(say("score_is_scenario", out=out))
    guard_out(out, "scenario", force, inputs={"guard.scenario": scenario_dir})
    try:
        loaded = load_card(card)
    except CardError as exc:
        raise fail(err_text(exc)) from None
    scenario = load_or_exit(scenario_dir)
    c = loaded.card
    console.print(escape(say("scorecard", id=c.id, name=c.name, document=c.reference.document)), highlight=False)
    console.print(f"[yellow]{escape(c.weights_note)}[/]", highlight=False)
    matrices = Table(title=say("score_matrices"))
    for col in say("score_matrix_columns").split(","):
        matrices.add_column(col, justify="right")
    for where, p in loaded.matrices.items():
        matrices.add_row(escape(where), str(len(p.elements)), f"{p.lambda_max:.4f}", f"{p.consistency_index:.4f}",
                         f"{p.consistency_ratio:.4f}")
    console.print(matrices)
    weights = Table(title=say("score_weights"))
    for col in say("score_weight_columns").split(","):
        weights.add_column(col)
    for key, w in loaded.weights.items():
        name_zh, name_en = loaded.names[key]
        weights.add_row(escape(name_zh if zh else name_en), escape(loaded.indicators[key].column), f"{w:.4f}")
    console.print(weights)
    try:
        done = score_scenario(scenario, loaded, out, overwrite=force)
    except (CardError, OutputRefused) as exc:
        raise fail(err_text(exc)) from None
    cross = Table(title=say("score_cross"))
    cross.add_column(say("score_given"))
    for klass in "ABCD":
        cross.add_column(klass, justify="right")
    for row in class_table(done.given).iter_rows():
        cross.add_row(*(str(v) for v in row))
    console.print(cross)
    for key, n in done.scored.missing.items():
        if n:
            line = say("score_missing", n=n, column=loaded.indicators[key].column, value=loaded.indicators[key].missing)
            console.print(f"{head('warning')} {escape(line)}", highlight=False)
    if done.scored.skipped:
        types = ("、" if zh else ", ").join(c.applies_to or [])
        console.print(escape(say("score_skipped", n=done.scored.skipped, types=types)), highlight=False)
    console.print(f"[green]{escape(say('score_wrote', path=out, n=done.scored.table.height))}[/]", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``score`` to ``app``."""
    app.command()(score)
