"""Credit-risk scoring (一企一档): ``jointcheck score``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ui.cli.common import ScenarioDir, console, fail, load_or_exit

__all__ = ["register"]


def score(
    scenario_dir: ScenarioDir,
    card: Annotated[str, typer.Option("--card", help="A scorecard in rules/scorecards/ (putuo-beauty-2023, enterprise-disclosure) or a YAML file")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Scenario directory to write (atomically)")],
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists")] = False,
) -> None:
    """Class every firm A–D by an AHP scorecard: writes a scenario whose risk_class comes from the card."""
    from scoring import CardError, load_card, score_scenario
    from scoring.scenario import class_table

    if out.exists() and not force:
        raise fail(f"{out} exists; pass --force to replace it")
    if out.resolve() == scenario_dir.resolve():
        raise fail(f"--out {out} is the scenario itself; write the scored scenario elsewhere")
    try:
        loaded = load_card(card)
    except CardError as exc:
        raise fail(str(exc)) from None
    scenario = load_or_exit(scenario_dir)
    c = loaded.card
    console.print(f"scorecard {escape(c.id)}: {escape(c.name)} — {escape(c.reference.document)}", highlight=False)
    console.print(f"[yellow]{escape(c.weights_note)}[/]", highlight=False)
    matrices = Table(title="判断矩阵一致性 / consistency of each comparison matrix")
    for col in ("矩阵 matrix", "n", "λ_max", "CI", "CR"):
        matrices.add_column(col, justify="right")
    for where, p in loaded.matrices.items():
        matrices.add_row(escape(where), str(len(p.elements)), f"{p.lambda_max:.4f}", f"{p.consistency_index:.4f}",
                         f"{p.consistency_ratio:.4f}")
    console.print(matrices)
    weights = Table(title="指标权重 / indicator weights")
    for col in ("指标 indicator", "字段 column", "权重 weight"):
        weights.add_column(col)
    for key, w in loaded.weights.items():
        zh, en = loaded.names[key]
        weights.add_row(escape(f"{zh} / {en}"), escape(loaded.indicators[key].column), f"{w:.4f}")
    console.print(weights)
    try:
        done = score_scenario(scenario, loaded, out, overwrite=force)
    except CardError as exc:
        raise fail(str(exc)) from None
    cross = Table(title="原分类 → 评分卡分类（户）/ given class → scored class (subjects)")
    cross.add_column("given")
    for klass in "ABCD":
        cross.add_column(klass, justify="right")
    for row in class_table(done.given).iter_rows():
        cross.add_row(*(str(v) for v in row))
    console.print(cross)
    for key, n in done.scored.missing.items():
        if n:
            console.print(f"[yellow]warning[/] {n:,} subject(s) have no readable {escape(loaded.indicators[key].column)}; "
                          f"scored {loaded.indicators[key].missing:g} there", highlight=False)
    if done.scored.skipped:
        console.print(f"{done.scored.skipped:,} subject(s) are not of {', '.join(c.applies_to or [])} and keep their class")
    console.print(f"[green]wrote {escape(str(out))}[/]: {done.scored.table.height:,} subjects scored")


def register(app: typer.Typer) -> None:
    """Add ``score`` to ``app``."""
    app.command()(score)
