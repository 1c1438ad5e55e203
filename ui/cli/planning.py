"""Planning commands: ``draw``, ``audit``, ``plan``, ``adjust``, ``check`` and ``verify``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from optimizer.draw import DrawMode
from optimizer.progress import stage as progress_stage
from ui.cli.common import (
    AllowUnrecorded,
    KeyFileOption,
    LedgerOption,
    Mode,
    PlanDir,
    PlanId,
    PublicSeed,
    ScenarioDir,
    check_plan_out,
    console,
    fail,
    load_or_exit,
    planning_errors,
    require_bound_plan,
    require_plan_dir,
)
from ui.cli.documents import LangOption, print_plan_summary
from ui.cli.progress import show_progress
from ui.cli.record import after_verify, seal_plan_codes, write_recorded_plan

__all__ = ["register"]

ADJUST_STAGES = ("load", "rules", "draw", "bundling", "teams", "check")
"""The stages ``adjust`` reports (:mod:`optimizer.progress`)."""

PreviousOption = Annotated[list[Path] | None, typer.Option(
    "--previous", help="An earlier year's plan directory to rotate burden against (repeat for several)")]
PreviousSeedOption = Annotated[str | None, typer.Option(
    "--previous-seed", help="The public value of the first plan of the --previous chain (its permanent numbers)")]


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
    from optimizer.draw import draw_table, run_draw
    from scenarios.atomic import atomic_file

    scenario = load_or_exit(scenario_dir)
    if repeat > 1:
        if not seed.lstrip("-").isdigit():
            console.print(f"[red]--repeat needs an integer --seed, got {escape(repr(seed))}[/]")
            raise typer.Exit(code=2)
        values = [str(int(seed) + k) for k in range(repeat)]
    else:
        values = [seed]
    if rounds not in ("aligned", "given"):
        console.print(f"[red]--rounds must be aligned or given, not {escape(repr(rounds))}[/]")
        raise typer.Exit(code=2)
    with planning_errors():
        with console.status("evaluating rules, aligning rounds, drawing…"):
            run = run_draw(scenario, values, mode, plan_id=plan_id, rounds=rounds)
    table = draw_table(run, with_seed=repeat > 1)
    with atomic_file(out) as staging:
        table.write_parquet(staging)
    chosen = table.filter("selected")
    console.print(
        f"[green]wrote {escape(str(out))}[/]: {table.height:,} eligible pairs, {chosen.height:,} drawn "
        f"({chosen.select(*(['seed'] if repeat > 1 else []), 'subject_id').unique().height:,} distinct subject-draws), "
        f"{table['replaced_by'].is_not_null().sum():,} replaced for caps, {len(values)} seed(s), mode {mode.value}"
    )
    for problem in run.draw.problems:
        console.print(f"[yellow]warning[/] {escape(str(problem))}", highlight=False)


def audit(
    scenario_dir: ScenarioDir,
    seeds: Annotated[int, typer.Option("--seeds", min=2, help="How many public seed values to draw with (FIRST..FIRST+N-1)")] = 1000,
    policy: Annotated[str | None, typer.Option(help="Evaluate under another policy than scenario.yaml names")] = None,
    first: Annotated[int, typer.Option("--first", help="The first public seed value")] = 0,
    mode: Mode = DrawMode.coordinated,
    rounds: Annotated[str, typer.Option(help="aligned (the plan's rounds) or given (stabbing of the windows as given)")] = "aligned",
    plan_id: PlanId = None,
) -> None:
    """Repeat the draw over many seeds and test every subject's frequency against the rules' π (exit 1 on failure).

    Per task a chi-square test, per (task, risk class) a z-score (fails beyond 4.5), subjects never drawn
    although seeds·π ≥ 20, count tasks exactly their count and ratio tasks ⌊Σπ⌋ or ⌈Σπ⌉ in every seed.
    """
    import polars as pl

    from optimizer.draw import (
        P_LIMIT,
        Z_LIMIT,
        law_audit,
        run_draw,
        task_counts,
    )
    from rules import evaluate

    scenario = load_or_exit(scenario_dir)
    if rounds not in ("aligned", "given"):
        console.print(f"[red]--rounds must be aligned or given, not {rounds!r}[/]")
        raise typer.Exit(code=2)
    values = [str(first + k) for k in range(seeds)]
    with planning_errors():
        with console.status(f"drawing {seeds} seeds…"):
            results = evaluate(scenario, policy) if policy else None
            run = run_draw(scenario, values, mode, plan_id=plan_id, rounds=rounds, results=results)
            report = law_audit(run.draw, task_counts(scenario))
    worst = report.classes.group_by("task_id").agg(
        pl.col("z").abs().max().alias("max_abs_z"), (pl.col("z_ok") & pl.col("size_ok")).all().alias("classes_ok"))
    table = Table(title=f"{scenario.name}: {seeds} seeds ({first}..{first + seeds - 1}), mode {mode.value}, "
                        f"policy {policy or scenario.policy}: frequencies against the rules' π")
    for column in ("task", "kind", "N", "Σπ", "n", "χ²/df", "p", "|z|", "never", "repl", "ok"):
        table.add_column(column, justify="left" if column in ("task", "kind") else "right", no_wrap=True)
    for row in report.tasks.join(worst, on="task_id", how="left").iter_rows(named=True):
        sizes = str(row["min_size"]) if row["min_size"] == row["max_size"] else f"{row['min_size']}–{row['max_size']}"
        table.add_row(row["task_id"], row["kind"], str(row["subjects"]), f"{row['sum_pi']:.2f}", sizes,
                      f"{row['chi2']:.0f}/{row['df']}", f"{row['p_value']:.2g}", f"{row['max_abs_z'] or 0:.1f}",
                      str(row["never_drawn"]), str(row["replacements"]),
                      "[green]ok[/]" if row["ok"] and row["classes_ok"] else "[red]NO[/]")
    console.print(table)
    console.print("N eligible subjects, n sizes drawn, |z| the largest over the task's risk classes, "
                  "never: subjects never drawn although seeds·π ≥ 20, repl: cap replacements", highlight=False)
    for line in report.failures:
        console.print(f"[red]failure[/] {escape(line)}", highlight=False)
    if not report.ok:
        console.print(f"[red]{len(report.failures)} failure(s)[/]")
        raise typer.Exit(code=1)
    console.print(f"[green]every task passes[/] (chi-square p > {P_LIMIT:g}, every class within {Z_LIMIT:g} sd, "
                  "no subject never drawn, every sample of a lawful size)")


def plan(
    scenario_dir: ScenarioDir,
    seed: PublicSeed,
    out: Annotated[Path, typer.Option("--out", "-o", help="Plan directory to write (atomically)")],
    mode: Mode = DrawMode.coordinated,
    policy: Annotated[str | None, typer.Option(help="Plan under another policy than scenario.yaml names")] = None,
    plan_id: PlanId = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it is a plan folder (never anything else)")] = False,
    log_search: Annotated[bool, typer.Option("--log-search", help="Print CP-SAT search progress")] = False,
    allow_violations: Annotated[bool, typer.Option(
        "--allow-violations", help="Write the plan even if its checker finds violations (listed in the manifest)")] = False,
    time_limit: Annotated[float | None, typer.Option(
        "--time-limit", min=0.01,
        help="CP-SAT deterministic time limit per solver stage (reproducible work units, not wall-clock seconds)")] = None,
    ledger: LedgerOption = None,
    key_file: KeyFileOption = None,
    lang: LangOption = None,
    previous: PreviousOption = None,
    previous_seed: PreviousSeedOption = None,
    engine: Annotated[str, typer.Option(
        "--engine", help="For a city directory (holding city.yaml): local (a process pool) or ray")] = "local",
    address: Annotated[str | None, typer.Option(
        "--address", help="For --engine ray: join this Ray cluster (auto, HOST:PORT); default start Ray here")] = None,
    workers: Annotated[int, typer.Option(
        "--workers", min=1, help="For a city: districts planned in parallel (Ray: CPUs when started here)")] = 2,
) -> None:
    """Make the plan: aligned rounds, drawn subjects, dated joint visits and random officer teams.

    With --previous (earlier years' plans) the draw rotates burden: each subject's permanent number is shifted by
    its probabilities in those plans, so a firm drawn last year is unlikely to be drawn again (every π exact).

    SCENARIO_DIR may be a city (a directory holding city.yaml and district scenarios): the city-wide tasks'
    district sizes are drawn once, centrally, then every district is planned in parallel on --engine.
    """
    from optimizer.bundling import BundleConfig
    from optimizer.calendar import AlignConfig
    from optimizer.plan import PlanSettings, make_plan, solver_notes
    from optimizer.teams import TeamConfig
    from scenarios.city import is_city

    check_plan_out(out, force, scenario_dir, ledger, key_file)
    limit = {} if time_limit is None else {"deterministic_time": time_limit}
    settings = PlanSettings(
        mode=mode, plan_id=plan_id, policy=policy, align=AlignConfig(log_search_progress=log_search, **limit),
        bundle=BundleConfig(log_search_progress=log_search, **limit),
        teams=TeamConfig(log_search_progress=log_search, **limit),
    )
    if is_city(scenario_dir):
        from ui.cli.city import plan_city_dir

        if plan_id is not None or policy is not None or previous:
            raise fail("--plan-id, --policy and --previous are for a district; a city's districts use their names "
                       "and city.yaml's policy")
        plan_city_dir(scenario_dir, seed, out, engine=engine, workers=workers, address=address, force=force,
                      settings=settings, ledger=ledger, key_file=key_file, lang=lang.value if lang else None)
        return
    if engine != "local" or address is not None:
        raise fail("--engine and --address are for a city directory (holding city.yaml); this is a district")
    with show_progress(lang.value if lang else None):
        with progress_stage("load"):
            scenario = load_or_exit(scenario_dir)
        rotation = _rotation(previous, previous_seed)
        with planning_errors():
            made = make_plan(scenario, seed, settings, rotation=rotation)
        made = seal_plan_codes(made, key_file)
        write_recorded_plan(made, out, force, ledger, key_file, allow_violations)
    print_plan_summary(made, lang.value if lang else None, seed=seed, mode=mode.value)
    for line in [*solver_notes(made), *made.bundle.problems, *made.teams.problems]:
        console.print(f"[yellow]warning[/] {escape(line)}", highlight=False)
    console.print(f"[green]wrote {escape(str(out))}[/]")


def _rotation(previous: list[Path] | None, previous_seed: str | None):  # noqa: ANN202 - optimizer.rotation.Rotation
    """The rotation of ``--previous``/``--previous-seed`` (None without them); exit 2 on a bad pair."""
    if not previous:
        if previous_seed is not None:
            raise fail("--previous-seed needs --previous PLAN_DIR")
        return None
    if previous_seed is None:
        raise fail("--previous needs --previous-seed: the public value of the chain's first plan (its permanent numbers)")
    from optimizer.rotation import RotationError, load_rotation

    for d in previous:
        require_plan_dir(d)
    try:
        rotation = load_rotation(previous, previous_seed)
    except RotationError as exc:
        raise fail(str(exc)) from None
    console.print(f"rotation: {len(previous)} earlier plan(s); their arcs end on average at "
                  f"{rotation.manifest['mean_end']:.4f} of the unit circle", highlight=False)
    return rotation


def adjust(
    plan_dir: PlanDir,
    scenario_dir: Annotated[Path, typer.Argument(help="The updated scenario (tasks added, cancelled, moved; directories)")],
    as_of: Annotated[str, typer.Option("--as-of", help="Adjustment date YYYY-MM-DD: visits before it are done and kept")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory of the new plan version (written atomically)")],
    seed: Annotated[str, typer.Option("--seed", help="The public value of the plan adjusted (opens its seed commitment)")],
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it is a plan folder (never anything else)")] = False,
    time_limit: Annotated[float | None, typer.Option(
        "--time-limit", min=0.01, help="CP-SAT deterministic time limit per solver stage")] = None,
    ledger: LedgerOption = None,
    key_file: KeyFileOption = None,
    allow_unrecorded: AllowUnrecorded = False,
    previous: PreviousOption = None,
    previous_seed: PreviousSeedOption = None,
    lang: LangOption = None,
) -> None:
    """Adjust a plan mid-year (动态调整): keep visits made, redraw from the same committed seed, write the diff.

    The new version is checked and recorded in the ledger (linked to the record of the version it adjusts)
    before it becomes visible, as ``plan`` does; a version its checker rejects is not written. A plan drawn
    with --previous (rotation across years) is adjusted with the same --previous plans and --previous-seed.
    """
    from optimizer.adjust import AdjustError, write_adjusted
    from optimizer.check import check_plan
    from records.codes import key_id
    from records.ledger import LedgerError, record_plan
    from scenarios.atomic import OutputBusy
    from ui.cli.common import ledger_path, parse_date

    require_bound_plan(plan_dir, ledger, allow_unrecorded)
    if out.resolve() == plan_dir.resolve():
        raise fail("--out must be a new directory: the plan adjusted stays as it was (全程留痕)")
    check_plan_out(out, force, scenario_dir, ledger, key_file)
    day = parse_date(as_of, "as-of")
    with show_progress(lang.value if lang else None, ADJUST_STAGES):
        made, scenario, key = _adjusted(plan_dir, scenario_dir, seed, day, key_file, time_limit, previous,
                                        previous_seed)
    db, found, recorded = ledger_path(ledger), [], []

    def record(staging: Path) -> None:  # checked and recorded before the new version becomes visible
        with progress_stage("check"):
            found.extend(str(v) for v in check_plan(staging, scenario))
        if found:
            raise AdjustError("rejected")
        recorded.append(record_plan(db, staging, code_key_id=key_id(key), recorded_as=out))

    try:
        with show_progress(lang.value if lang else None, ("check",)):
            write_adjusted(made, out, overwrite=force, exclusive=True, before_rename=record)
    except AdjustError:
        for line in found:
            console.print(f"[red]violation[/] {escape(line)}", highlight=False)
        raise fail(f"the adjusted plan breaks {len(found)} hard rule(s) (listed above) and was not written", code=1) from None
    except (OutputBusy, FileExistsError, LedgerError) as exc:
        raise fail(f"the adjusted plan was not written: {exc}") from None
    rec = recorded[0]
    console.print(f"ledger: record {rec.seq} ({rec.hash[:16]}…) in {escape(str(db))}", highlight=False)
    a = made.manifest["adjustment"]
    console.print(f"adjustment as of {a['as_of']}: added {', '.join(a['added']) or '—'}; cancelled "
                  f"{', '.join(a['cancelled']) or '—'}; moved {', '.join(a['moved']) or '—'}; "
                  f"{a['done_visits']} visit(s) made before it kept", highlight=False)
    c = a["changes"]
    console.print(f"visits 上门: added 新增 {c['added']}, removed 取消 {c['removed']}, moved 改期 {c['moved']}, "
                  f"tasks changed 任务变更 {c['tasks_changed']}, teams changed 人员变更 {c['team_changed']} "
                  f"(changes.csv, changes.json)", highlight=False)
    for f in a["forced_changes"]:
        console.print(f"[yellow]sample moved[/] task {escape(f['task_id'])} ({f['reason']}): out "
                      f"{', '.join(f['removed']) or '—'}; in {', '.join(f['added']) or '—'} — {escape(f['why'])}",
                      highlight=False)
    for line in made.manifest["problems"]["adjust"]:
        console.print(f"[yellow]warning[/] {escape(line)}", highlight=False)
    console.print(f"[green]wrote {escape(str(out))}[/]: version {made.manifest['adjusts']['version']} of plan "
                  f"{escape(made.manifest['plan_id'])}; publish it within its own deadline (jointcheck publish)",
                  highlight=False)


def _adjusted(plan_dir: Path, scenario_dir: Path, seed: str, day, key_file: Path | None,  # noqa: ANN001 - a date
              time_limit: float | None, previous: list[Path] | None,
              previous_seed: str | None):  # noqa: ANN202 - (Adjusted, Scenario, key)
    """``adjust``'s work before writing: the updated scenario, the district key, the adjusted plan."""
    from optimizer.adjust import AdjustError, adjust_plan
    from optimizer.bundling import BundleConfig
    from optimizer.teams import TeamConfig
    from records.codes import CodeKeyError, default_key_path, load_key

    with progress_stage("load"):
        scenario = load_or_exit(scenario_dir)
    try:
        key = load_key(key_file or default_key_path())
    except CodeKeyError as exc:
        raise fail(f"the district key that signed the plan's 检查码 is needed: {exc}") from None
    limit = {} if time_limit is None else {"deterministic_time": time_limit}
    try:
        with planning_errors():
            made = adjust_plan(plan_dir, scenario, seed, day, district_key=key, bundle=BundleConfig(**limit),
                               teams=TeamConfig(**limit), previous=list(previous or []) or None,
                               previous_seed=previous_seed)
    except AdjustError as exc:
        raise fail(str(exc)) from None
    return made, scenario, key


def check(
    plan_dir: PlanDir,
    scenario_dir: ScenarioDir,
    ledger: LedgerOption = None,
    allow_unrecorded: AllowUnrecorded = False,
) -> None:
    """Re-verify every hard rule on a written plan, independently of the solvers.

    With a city (SCENARIO_DIR holding city.yaml, PLAN_DIR written by ``plan`` from it): every district's plan."""
    from optimizer.check import check_plan
    from scenarios.city import is_city

    if is_city(scenario_dir):
        from ui.cli.city import check_city_dir

        check_city_dir(plan_dir, scenario_dir)
        return
    scenario = load_or_exit(scenario_dir)
    require_bound_plan(plan_dir, ledger, allow_unrecorded)
    _same_scenario(plan_dir, scenario_dir, scenario)
    violations = check_plan(plan_dir, scenario)
    for v in violations:
        console.print(f"[red]violation[/] {escape(str(v))}", highlight=False)
    if violations:
        console.print(f"[red]verdict: FAIL — {escape(str(plan_dir))}: {len(violations)} violation(s) of the hard rules above[/]")
        raise typer.Exit(code=1)
    console.print(f"[green]verdict: PASS — {escape(str(plan_dir))}: every check passed[/]")


def _same_scenario(plan_dir: Path, scenario_dir: Path, scenario) -> None:  # noqa: ANN001 - a Scenario
    """Stop with one error when the plan was made from another scenario: every other check would only echo it."""
    import json

    try:
        made_from = json.loads((plan_dir / "manifest.json").read_text(encoding="utf-8"))["scenario"]["hash"]
    except (OSError, ValueError, KeyError, TypeError):
        return  # an unreadable manifest is the checker's to report
    if made_from != scenario.content_hash:
        raise fail(f"verdict: FAIL — {plan_dir} was made from a different scenario than {scenario_dir} "
                   "(scenario hash differs); nothing else was checked", code=1)


def verify(
    plan_dir: PlanDir,
    scenario_dir: ScenarioDir,
    seed: Annotated[str, typer.Option(help="The public seed value revealed after the draw")],
    ledger: LedgerOption = None,
    allow_unrecorded: AllowUnrecorded = False,
    previous: PreviousOption = None,
    previous_seed: PreviousSeedOption = None,
) -> None:
    """Recompute the draw from the published seed and say whether every selection matches.

    With a city: the census, the city hash, the split seed's commitment, the city-wide shares and every district's
    draw (each district's public value derived from SEED)."""
    from optimizer.verify import verify_draw
    from scenarios.city import is_city

    if is_city(scenario_dir):
        from ui.cli.city import verify_city_dir

        verify_city_dir(plan_dir, scenario_dir, seed)
        return
    scenario = load_or_exit(scenario_dir)
    require_bound_plan(plan_dir, ledger, allow_unrecorded)
    _same_scenario(plan_dir, scenario_dir, scenario)
    result = verify_draw(plan_dir, scenario, seed, previous=previous, previous_seed=previous_seed)
    console.print(("[green]" if result.commitment_ok else "[red]") + f"seed commitment {'matches' if result.commitment_ok else 'does NOT match'}[/]")
    console.print(("[green]" if result.scenario_ok else "[red]") + f"scenario hash {'matches' if result.scenario_ok else 'does NOT match'}[/]")
    for line in result.mismatches:
        console.print(f"[red]mismatch[/] {escape(line)}", highlight=False)
    after_verify(plan_dir, result, seed, ledger)
    if not result.ok:
        console.print(f"[red]verdict: FAIL — the draw of {escape(str(plan_dir))} cannot be reproduced from public value {escape(seed)}"
                      f"{f' ({len(result.mismatches)} mismatch(es))' if result.mismatches else ''}[/]", highlight=False)
        raise typer.Exit(code=1)
    console.print(f"[green]verdict: PASS — all {result.pairs:,} draws match[/]")



def register(app: typer.Typer) -> None:
    """Add ``draw``, ``audit``, ``plan``, ``adjust``, ``check`` and ``verify`` to ``app``."""
    app.command()(draw)
    app.command()(audit)
    app.command()(plan)
    app.command()(adjust)
    app.command()(check)
    app.command()(verify)
