"""Planning commands: ``draw``, ``plan``, ``check`` and ``verify``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from optimizer.draw import DrawMode
from ui.cli.common import (
    KeyFileOption,
    LedgerOption,
    Mode,
    PlanDir,
    PlanId,
    PublicSeed,
    ScenarioDir,
    console,
    fail,
    load_or_exit,
    require_plan_dir,
)
from ui.cli.record import after_plan, after_verify, seal_plan_codes

__all__ = ["register"]


def draw(
    scenario_dir: ScenarioDir,
    seed: PublicSeed,
    out: Annotated[Path, typer.Option("--out", "-o", help="Parquet file to write")],
    mode: Mode = DrawMode.coordinated,
    repeat: Annotated[int, typer.Option(help="Run seeds S..S+R-1 in one process (S an integer) and add a seed column")] = 1,
    rounds: Annotated[str, typer.Option(help="aligned (the plan's rounds) or given (stabbing of the windows as given)")] = "aligned",
    plan_id: PlanId = None,
) -> None:
    """Draw the subjects of every task and write one row per eligible (subject, task)."""
    from optimizer.draw import PlanBlocked, draw_table, run_draw
    from scenarios.atomic import atomic_file

    scenario = load_or_exit(scenario_dir)
    if repeat > 1:
        if not seed.lstrip("-").isdigit():
            console.print(f"[red]--repeat needs an integer --seed, got {seed!r}[/]")
            raise typer.Exit(code=2)
        values = [str(int(seed) + k) for k in range(repeat)]
    else:
        values = [seed]
    if rounds not in ("aligned", "given"):
        console.print(f"[red]--rounds must be aligned or given, not {rounds!r}[/]")
        raise typer.Exit(code=2)
    try:
        with console.status("evaluating rules, aligning rounds, drawing…"):
            run = run_draw(scenario, values, mode, plan_id=plan_id, rounds=rounds)
    except PlanBlocked as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(code=1) from None
    table = draw_table(run, with_seed=repeat > 1)
    with atomic_file(out) as staging:
        table.write_parquet(staging)
    chosen = table.filter("selected")
    console.print(
        f"[green]wrote {out}[/]: {table.height:,} eligible pairs, {chosen.height:,} drawn "
        f"({chosen.select(*(['seed'] if repeat > 1 else []), 'subject_id').unique().height:,} distinct subject-draws), "
        f"{table['replaced_by'].is_not_null().sum():,} replaced for caps, {len(values)} seed(s), mode {mode.value}"
    )
    for problem in run.draw.problems:
        console.print(f"[yellow]warning[/] {escape(str(problem))}", highlight=False)


def plan(
    scenario_dir: ScenarioDir,
    seed: PublicSeed,
    out: Annotated[Path, typer.Option("--out", "-o", help="Plan directory to write (atomically)")],
    mode: Mode = DrawMode.coordinated,
    policy: Annotated[str | None, typer.Option(help="Plan under another policy than scenario.yaml names")] = None,
    plan_id: PlanId = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists")] = False,
    log_search: Annotated[bool, typer.Option("--log-search", help="Print CP-SAT search progress")] = False,
    time_limit: Annotated[float | None, typer.Option(
        "--time-limit", min=0.01,
        help="CP-SAT deterministic time limit per solver stage (reproducible work units, not wall-clock seconds)")] = None,
    ledger: LedgerOption = None,
    key_file: KeyFileOption = None,
    engine: Annotated[str, typer.Option(
        "--engine", help="For a city directory (holding city.yaml): local (a process pool) or ray")] = "local",
    address: Annotated[str | None, typer.Option(
        "--address", help="For --engine ray: join this Ray cluster (auto, HOST:PORT); default start Ray here")] = None,
    workers: Annotated[int, typer.Option(
        "--workers", min=1, help="For a city: districts planned in parallel (Ray: CPUs when started here)")] = 2,
) -> None:
    """Make the plan: aligned rounds, drawn subjects, dated joint visits and random officer teams.

    SCENARIO_DIR may be a city (a directory holding city.yaml and district scenarios): the city-wide tasks'
    district sizes are drawn once, centrally, then every district is planned in parallel on --engine."""
    from optimizer.bundling import BundleConfig
    from optimizer.calendar import AlignConfig
    from optimizer.draw import PlanBlocked
    from optimizer.export import write_plan
    from optimizer.plan import PlanSettings, make_plan, solver_notes
    from optimizer.teams import TeamConfig
    from rules import PolicyError

    from scenarios.city import is_city

    if out.exists() and not force:
        console.print(f"[red]{out} exists; pass --force to replace it[/]")
        raise typer.Exit(code=2)
    limit = {} if time_limit is None else {"deterministic_time": time_limit}
    settings = PlanSettings(
        mode=mode, plan_id=plan_id, policy=policy, align=AlignConfig(log_search_progress=log_search, **limit),
        bundle=BundleConfig(log_search_progress=log_search, **limit),
        teams=TeamConfig(log_search_progress=log_search, **limit),
    )
    if is_city(scenario_dir):
        from ui.cli.city import plan_city_dir

        if plan_id is not None or policy is not None:
            raise fail("--plan-id and --policy are for a district; a city's districts use their names and city.yaml's policy")
        plan_city_dir(scenario_dir, seed, out, engine=engine, workers=workers, address=address, force=force,
                      settings=settings, ledger=ledger, key_file=key_file)
        return
    if engine != "local" or address is not None:
        raise fail("--engine and --address are for a city directory (holding city.yaml); this is a district")
    scenario = load_or_exit(scenario_dir)
    try:
        with console.status("planning…") as status:
            made = make_plan(scenario, seed, settings, progress=lambda stage: status.update(f"planning: {stage}…"))
    except PlanBlocked as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(code=1) from None
    except PolicyError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(code=2) from None
    made = seal_plan_codes(made, key_file)
    write_plan(made, out, overwrite=force)
    after_plan(out, ledger, key_file, made)
    table = Table(title=f"Plan {made.plan_id} (seed value {seed}, mode {mode.value})", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in made.kpis.items():
        table.add_row(key.replace("_", " "), str(value))
    table.add_row("stage seconds", ", ".join(f"{k} {v:.1f}" for k, v in made.stage_seconds.items()))
    console.print(table)
    for line in [*solver_notes(made), *made.bundle.problems, *made.teams.problems]:
        console.print(f"[yellow]warning[/] {escape(line)}", highlight=False)
    console.print(f"[green]wrote {out}[/]")


def check(
    plan_dir: PlanDir,
    scenario_dir: ScenarioDir,
) -> None:
    """Re-verify every hard rule on a written plan, independently of the solvers."""
    from optimizer.check import check_plan

    scenario = load_or_exit(scenario_dir)
    require_plan_dir(plan_dir)
    violations = check_plan(plan_dir, scenario)
    for v in violations:
        console.print(f"[red]violation[/] {escape(str(v))}", highlight=False)
    if violations:
        console.print(f"[red]{plan_dir}: {len(violations)} violation(s)[/]")
        raise typer.Exit(code=1)
    console.print(f"[green]{plan_dir}: every check passed[/]")


def verify(
    plan_dir: PlanDir,
    scenario_dir: ScenarioDir,
    seed: Annotated[str, typer.Option(help="The public seed value revealed after the draw")],
    ledger: LedgerOption = None,
) -> None:
    """Recompute the draw from the published seed and say whether every selection matches."""
    from optimizer.verify import verify_draw

    scenario = load_or_exit(scenario_dir)
    require_plan_dir(plan_dir)
    result = verify_draw(plan_dir, scenario, seed)
    console.print(("[green]" if result.commitment_ok else "[red]") + f"seed commitment {'matches' if result.commitment_ok else 'does NOT match'}[/]")
    console.print(("[green]" if result.scenario_ok else "[red]") + f"scenario hash {'matches' if result.scenario_ok else 'does NOT match'}[/]")
    for line in result.mismatches:
        console.print(f"[red]mismatch[/] {escape(line)}", highlight=False)
    after_verify(plan_dir, result, seed, ledger)
    if not result.ok:
        raise typer.Exit(code=1)
    console.print(f"[green]all {result.pairs:,} draws match[/]")



def register(app: typer.Typer) -> None:
    """Add ``draw``, ``plan``, ``check`` and ``verify`` to ``app``."""
    app.command()(draw)
    app.command()(plan)
    app.command()(check)
    app.command()(verify)
