"""The ``jointcheck`` command line.

User errors (a bad scenario, a missing file) end with a clear message and a non-zero exit code, never
a Python traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from optimizer.draw import DrawMode
from scenarios import Problem, Scenario, check_scenario
from scenarios.figures import scenario_figures
from ui.cli_public import (
    KeyFileOption, LedgerOption, after_plan, after_verify, register, require_plan_dir, seal_plan_codes,
)

app = typer.Typer(
    name="jointcheck",
    help="Plan 双随机、一公开 joint market-supervision inspections: validate scenarios, generate calibrated ones.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
console = Console(soft_wrap=True)

ScenarioDir = Annotated[Path, typer.Argument(help="A scenario directory holding scenario.yaml, subjects.csv, officers.csv")]
PublicSeed = Annotated[str, typer.Option(
    "--seed", help="Public seed value (dice, lottery or beacon); the plan seed is derived from it and the scenario")]
PlanId = Annotated[str | None, typer.Option("--plan-id", help="Plan id mixed into the seed (default: scenario name)")]
Mode = Annotated[DrawMode, typer.Option("--mode", help="Draw mode: coordinated (default), positive, or independent (today's practice)")]


def print_problems(problems: list[Problem]) -> None:
    """One line per problem, ``severity  file row N, field: message`` — easy to read and to grep."""
    for p in problems:
        style = "red" if p.severity == "error" else "yellow"
        console.print(f"[{style}]{p.severity:<7}[/] {escape(str(p))}", highlight=False)


def _figures_table(figures: dict[str, object]) -> Table:
    table = Table(title="Scenario figures", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        table.add_row(key.replace("_", " "), str(value))
    return table


@app.command()
def validate(
    scenario_dir: ScenarioDir,
    as_json: Annotated[bool, typer.Option("--json", help="Print problems and figures as JSON")] = False,
) -> None:
    """Check a scenario directory; report every problem with file, row and field, then its figures."""
    scenario, problems = check_scenario(scenario_dir)
    errors = [p for p in problems if p.severity == "error"]
    figures = scenario_figures(scenario) if scenario is not None else None
    if as_json:
        payload = {
            "valid": scenario is not None,
            "problems": [p.__dict__ for p in problems],
            "figures": figures,
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    else:
        print_problems(problems)
        if figures is not None:
            console.print(_figures_table(figures))
            console.print(f"[green]{scenario.name}: valid[/] ({len(problems)} warning(s))")
        else:
            console.print(f"[red]{scenario_dir}: {len(errors)} error(s)[/]")
    if scenario is None:
        raise typer.Exit(code=1)


@app.command()
def generate(
    profile: Annotated[str, typer.Argument(help="A bundled profile (changning-2024, putuo-2023) or a profile YAML file")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Scenario directory to write")],
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the profile's)")] = None,
    subjects: Annotated[int | None, typer.Option(help="Directory size (default: the profile's); the plan scales with it")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists")] = False,
) -> None:
    """Generate a seeded synthetic scenario calibrated to a district's published figures."""
    from scenarios.generate import generate_scenario, load_profile

    try:
        loaded = load_profile(profile)
    except FileNotFoundError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(code=2) from None
    if out.exists() and not force:
        console.print(f"[red]{out} exists; pass --force to replace it[/]")
        raise typer.Exit(code=2)
    with console.status(f"generating {loaded.name}…"):
        generate_scenario(loaded, out, n_subjects=subjects, seed=seed, overwrite=force)
    scenario, problems = check_scenario(out)
    if scenario is None:  # a profile that yields an invalid scenario is a bug in the profile: show why
        print_problems(problems)
        raise typer.Exit(code=1)
    console.print(_figures_table(scenario_figures(scenario)))
    console.print(f"[green]wrote {out}[/]")


@app.command()
def explain(
    scenario_dir: ScenarioDir,
    subject: Annotated[str, typer.Option("--subject", help="Subject id, as in subjects.csv")],
    task: Annotated[str | None, typer.Option("--task", help="Only this task")] = None,
    policy: Annotated[str | None, typer.Option(help="Evaluate under another policy than scenario.yaml names")] = None,
) -> None:
    """Every rule that applied to a subject, with its statement and source; its probability per task and its cap."""
    from rules import PolicyError, explain_text

    scenario = _load_or_exit(scenario_dir)
    if subject not in set(scenario.subjects["subject_id"].to_list()):
        console.print(f"[red]subject {subject!r} is not in {scenario_dir}/{scenario.spec.subjects}[/]")
        raise typer.Exit(code=2)
    if task is not None and task not in {t.id for t in scenario.tasks}:
        console.print(f"[red]task {task!r} is not in {scenario_dir}/scenario.yaml[/]")
        raise typer.Exit(code=2)
    try:
        text = explain_text(scenario, subject, task, policy=policy)
    except PolicyError as exc:
        console.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(code=2) from None
    typer.echo(text)


@app.command()
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
    from optimizer.drawrun import PlanBlocked, draw_table, run_draw
    from scenarios.atomic import atomic_file

    scenario = _load_or_exit(scenario_dir)
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


@app.command()
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
) -> None:
    """Make the plan: aligned rounds, drawn subjects, dated joint visits and random officer teams."""
    from optimizer.align import AlignConfig
    from optimizer.bundle import BundleConfig
    from optimizer.drawrun import PlanBlocked
    from optimizer.export import write_plan
    from optimizer.plan import PlanSettings, make_plan, solver_notes
    from optimizer.teams import TeamConfig
    from rules import PolicyError

    if out.exists() and not force:
        console.print(f"[red]{out} exists; pass --force to replace it[/]")
        raise typer.Exit(code=2)
    scenario = _load_or_exit(scenario_dir)
    limit = {} if time_limit is None else {"deterministic_time": time_limit}
    settings = PlanSettings(
        mode=mode, plan_id=plan_id, policy=policy, align=AlignConfig(log_search_progress=log_search, **limit),
        bundle=BundleConfig(log_search_progress=log_search, **limit),
        teams=TeamConfig(log_search_progress=log_search, **limit),
    )
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


@app.command()
def check(
    plan_dir: Annotated[Path, typer.Argument(help="A plan directory written by jointcheck plan")],
    scenario_dir: ScenarioDir,
) -> None:
    """Re-verify every hard rule on a written plan, independently of the solvers."""
    from optimizer.check import check_plan

    scenario = _load_or_exit(scenario_dir)
    require_plan_dir(plan_dir)
    violations = check_plan(plan_dir, scenario)
    for v in violations:
        console.print(f"[red]violation[/] {escape(str(v))}", highlight=False)
    if violations:
        console.print(f"[red]{plan_dir}: {len(violations)} violation(s)[/]")
        raise typer.Exit(code=1)
    console.print(f"[green]{plan_dir}: every check passed[/]")


@app.command()
def verify(
    plan_dir: Annotated[Path, typer.Argument(help="A plan directory written by jointcheck plan")],
    scenario_dir: ScenarioDir,
    seed: Annotated[str, typer.Option(help="The public seed value revealed after the draw")],
    ledger: LedgerOption = None,
) -> None:
    """Recompute the draw from the published seed and say whether every selection matches."""
    from optimizer.verify import verify_draw

    scenario = _load_or_exit(scenario_dir)
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


def _load_or_exit(scenario_dir: Path) -> Scenario:
    """Load a scenario or print its problems and exit 1."""
    scenario, problems = check_scenario(scenario_dir)
    if scenario is None:
        print_problems(problems)
        console.print(f"[red]{scenario_dir}: invalid; see the problems above[/]")
        raise typer.Exit(code=1)
    return scenario


register(app)


def main() -> None:  # pragma: no cover - console script entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
