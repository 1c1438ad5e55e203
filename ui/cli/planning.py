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
    err_text,
    fail,
    guard_out,
    head,
    load_or_exit,
    planning_errors,
    print_match,
    require_bound_plan,
    require_plan_dir,
    say,
)
from ui.cli.documents import LangOption, print_plan_summary
from ui.cli.messages import MESSAGES, current_lang, use_lang
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
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it is a draw file jointcheck wrote")] = False,
    lang: LangOption = None,
) -> None:
    """Draw the subjects of every task and write one row per eligible (subject, task)."""
    from optimizer.draw import draw_table, run_draw
    from scenarios.atomic import atomic_file
    from scenarios.outputs import PARQUET_KEY, OutputRefused, check_replaceable

    use_lang(lang)
    guard_out(out, "draw", force, inputs={"guard.scenario": scenario_dir})
    scenario = load_or_exit(scenario_dir)
    if repeat > 1:
        if not seed.lstrip("-").isdigit():
            console.print(f"[red]{escape(say('repeat_needs_integer', seed=seed))}[/]")
            raise typer.Exit(code=2)
        values = [str(int(seed) + k) for k in range(repeat)]
    else:
        values = [seed]
    if rounds not in ("aligned", "given"):
        console.print(f"[red]{escape(say('rounds_value', rounds=rounds))}[/]")
        raise typer.Exit(code=2)
    with planning_errors():
        with console.status(say("drawing")):
            run = run_draw(scenario, values, mode, plan_id=plan_id, rounds=rounds)
    table = draw_table(run, with_seed=repeat > 1)
    try:
        with atomic_file(out) as staging:
            table.write_parquet(staging, metadata={PARQUET_KEY: "draw"})
            if out.exists() or out.is_symlink():  # again, just before replacing
                check_replaceable(out, "draw")
    except OutputRefused as exc:
        raise fail(err_text(exc)) from None
    except OSError as exc:
        raise fail(say("cannot_write", out=out, what=say("what.draw"), detail=exc.strerror or exc)) from None
    chosen = table.filter("selected")
    distinct = chosen.select(*(['seed'] if repeat > 1 else []), 'subject_id').unique().height
    console.print("[green]" + escape(say(
        "draw_wrote", path=out, pairs=table.height, drawn=chosen.height, distinct=distinct,
        replaced=table['replaced_by'].is_not_null().sum(), seeds=len(values), mode=_mode_name(mode.value))) + "[/]",
        highlight=False)
    for problem in run.draw.problems:
        console.print(f"{head('warning')} {escape(str(problem))}", highlight=False)


def _mode_name(mode: str) -> str:
    """A draw mode as the planner says it."""
    return say(f"mode.{mode}") if f"mode.{mode}" in MESSAGES else mode


def audit(
    scenario_dir: ScenarioDir,
    seeds: Annotated[int, typer.Option("--seeds", min=2, help="How many public seed values to draw with (FIRST..FIRST+N-1)")] = 1000,
    policy: Annotated[str | None, typer.Option(help="Evaluate under another policy than scenario.yaml names")] = None,
    first: Annotated[int, typer.Option("--first", help="The first public seed value")] = 0,
    mode: Mode = DrawMode.coordinated,
    rounds: Annotated[str, typer.Option(help="aligned (the plan's rounds) or given (stabbing of the windows as given)")] = "aligned",
    plan_id: PlanId = None,
    lang: LangOption = None,
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

    use_lang(lang)
    scenario = load_or_exit(scenario_dir)
    if rounds not in ("aligned", "given"):
        console.print(f"[red]{escape(say('rounds_value', rounds=rounds))}[/]")
        raise typer.Exit(code=2)
    values = [str(first + k) for k in range(seeds)]
    with planning_errors():
        with console.status(say("audit_drawing", seeds=seeds)):
            results = evaluate(scenario, policy) if policy else None
            run = run_draw(scenario, values, mode, plan_id=plan_id, rounds=rounds, results=results)
            report = law_audit(run.draw, task_counts(scenario))
    worst = report.classes.group_by("task_id").agg(
        pl.col("z").abs().max().alias("max_abs_z"), (pl.col("z_ok") & pl.col("size_ok")).all().alias("classes_ok"))
    table = Table(title=escape(say("audit_title", name=scenario.name, seeds=seeds, first=first, last=first + seeds - 1,
                                   mode=_mode_name(mode.value), policy=policy or scenario.policy)))
    for k, column in enumerate(say("audit_columns").split(",")):  # the task's name wraps; the figures never do
        table.add_column(column, justify="left" if k < 2 else "right", no_wrap=k > 0, overflow="fold")
    names = {t.id: t.name for t in scenario.tasks}
    for row in report.tasks.join(worst, on="task_id", how="left").iter_rows(named=True):
        sizes = str(row["min_size"]) if row["min_size"] == row["max_size"] else f"{row['min_size']}–{row['max_size']}"
        label = " ".join(dict.fromkeys((row["task_id"], names.get(row["task_id"]) or row["task_id"])))
        table.add_row(escape(label), _kind_name(row["kind"]), str(row["subjects"]), f"{row['sum_pi']:.2f}", sizes,
                      f"{row['chi2']:.0f}/{row['df']}", f"{row['p_value']:.2g}", f"{row['max_abs_z'] or 0:.1f}",
                      str(row["never_drawn"]), str(row["replacements"]),
                      f"[green]{say('audit_ok')}[/]" if row["ok"] and row["classes_ok"] else f"[red]{say('audit_no')}[/]")
    console.print(table)
    console.print(say("audit_legend"), highlight=False)
    for line in report.failures:
        console.print(f"{head('failure', 'red')} {escape(line)}", highlight=False)
    if not report.ok:
        console.print(f"[red]{say('audit_failures', n=len(report.failures))}[/]")
        raise typer.Exit(code=1)
    console.print(f"[green]{escape(say('audit_pass', p=P_LIMIT, z=Z_LIMIT))}[/]", highlight=False)


def _kind_name(kind: str) -> str:
    """A task's kind (count, ratio) in the command's language."""
    return say(f"kind.{kind}") if f"kind.{kind}" in MESSAGES else kind


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

    use_lang(lang)
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
            raise fail(say("city_only_district_options"))
        plan_city_dir(scenario_dir, seed, out, engine=engine, workers=workers, address=address, force=force,
                      settings=settings, ledger=ledger, key_file=key_file, lang=lang.value if lang else None)
        return
    if engine != "local" or address is not None:
        raise fail(say("engine_for_city"))
    with show_progress(lang.value if lang else None):
        with progress_stage("load"):
            scenario = load_or_exit(scenario_dir)
        rotation = _rotation(previous, previous_seed)
        with planning_errors():
            made = make_plan(scenario, seed, settings, rotation=rotation)
        made = seal_plan_codes(made, key_file)
        notes = [*solver_notes(made), *made.bundle.problems, *made.teams.problems]
        try:
            write_recorded_plan(made, out, force, ledger, key_file, allow_violations)
        except typer.Exit:  # refused for its violations: the solvers' notes say where capacity or staff ran out
            print_notes(notes, scenario)
            print_unplaced(made.bundle.unplaced, scenario)
            raise
    print_plan_summary(made, lang.value if lang else None, seed=seed, mode=mode.value)
    print_notes(notes, scenario)
    print_unplaced(made.bundle.unplaced, scenario)
    console.print(f"[green]{escape(say('wrote', path=out))}[/]", highlight=False)


def print_notes(lines: list[str], scenario) -> None:  # noqa: ANN001 - scenarios.model.Scenario
    """The solvers' notes (capacity short, teams below size, stages stopped at their limit) in the command's
    language with departments, qualifications and subjects by name (ui.notes, the table the app uses too)."""
    from ui.notes import note_text, plan_names

    lang = current_lang()
    names = plan_names(scenario, lines, lang) if lines else None
    for line in lines:
        console.print(f"{head('warning')} {escape(note_text(line, lang, names))}", highlight=False)


UNPLACED_SHOWN = 10


def print_unplaced(unplaced, scenario) -> None:  # noqa: ANN001 - a frame of unplaced.parquet, a Scenario
    """The drawn (subject, task) pairs left without a visit, the first ten by name with their reason in the command's
    language (a drawn subject never visited is a sample not carried out: the planner must see which)."""
    import polars as pl

    if unplaced is None or unplaced.height == 0:
        return
    lang = current_lang()
    column = "reason_zh" if lang == "zh" and "reason_zh" in unplaced.columns else "reason"
    tasks = {t.id: t.name for t in scenario.tasks}
    shown = unplaced.head(UNPLACED_SHOWN)
    who = dict(scenario.subjects.filter(pl.col("subject_id").is_in(shown["subject_id"].to_list()))
               .select("subject_id", "name").iter_rows())
    for row in shown.iter_rows(named=True):
        subject = f"{who.get(row['subject_id'], '')}（{row['subject_id']}）" if lang == "zh" else \
            f"{who.get(row['subject_id'], '')} ({row['subject_id']})"
        console.print(f"{head('warning')} " + escape(say("unplaced_pair", subject=subject.strip(),
                      task=tasks.get(row["task_id"]) or row["task_id"], reason=row[column])), highlight=False)
    if unplaced.height > UNPLACED_SHOWN:
        console.print(escape(say("unplaced_more", n=unplaced.height - UNPLACED_SHOWN)), highlight=False)


def _rotation(previous: list[Path] | None, previous_seed: str | None):  # noqa: ANN202 - optimizer.rotation.Rotation
    """The rotation of ``--previous``/``--previous-seed`` (None without them); exit 2 on a bad pair."""
    if not previous:
        if previous_seed is not None:
            raise fail(say("previous_seed_needs_previous"))
        return None
    if previous_seed is None:
        raise fail(say("previous_needs_seed"))
    from optimizer.rotation import RotationError, load_rotation

    for d in previous:
        require_plan_dir(d)
    try:
        rotation = load_rotation(previous, previous_seed)
    except RotationError as exc:
        raise fail(err_text(exc)) from None
    console.print(escape(say("rotation", n=len(previous), mean=rotation.manifest["mean_end"])), highlight=False)
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

    use_lang(lang)
    require_bound_plan(plan_dir, ledger, allow_unrecorded, key_file=key_file)  # the updated scenario differs by design
    if out.resolve() == plan_dir.resolve():
        raise fail(say("adjust_out_new"))
    check_plan_out(out, force, scenario_dir, ledger, key_file, plan_dir=plan_dir)
    day = parse_date(as_of, "as-of")
    with show_progress(lang.value if lang else None, ADJUST_STAGES):
        made, scenario, key = _adjusted(plan_dir, scenario_dir, seed, day, key_file, time_limit, previous,
                                        previous_seed)
    db, found, recorded = ledger_path(ledger), [], []  # found: the violations of the new version

    def record(staging: Path) -> None:  # checked and recorded before the new version becomes visible
        with progress_stage("check"):
            found.extend(check_plan(staging, scenario))
        if found:
            raise AdjustError("rejected")
        recorded.append(record_plan(db, staging, code_key_id=key_id(key), recorded_as=out, key=key))

    try:
        with show_progress(lang.value if lang else None, ("check",)):
            write_adjusted(made, out, overwrite=force, exclusive=True, before_rename=record)
    except AdjustError:
        for v in found:
            console.print(f"{head('violation', 'red')} {escape(v.text(current_lang()))}", highlight=False)
        raise fail(say("adjusted_breaks", n=len(found)), code=1) from None
    except (OutputBusy, FileExistsError, LedgerError) as exc:
        raise fail(say("adjusted_not_written", detail=err_text(exc))) from None
    rec = recorded[0]
    console.print(escape(say("ledger_record", seq=rec.seq, hash=rec.hash[:16], db=db)), highlight=False)
    a = made.manifest["adjustment"]
    names = {t.id: t.name for t in scenario.tasks}
    listed = "、" if current_lang() == "zh" else ", "

    def tasks(ids: list[str]) -> str:
        return listed.join(names.get(i) or i for i in ids) or "—"

    console.print(escape(say("adjust_line", as_of=a["as_of"], added=tasks(a["added"]), cancelled=tasks(a["cancelled"]),
                             moved=tasks(a["moved"]), done=a["done_visits"])), highlight=False)
    c = a["changes"]
    console.print(escape(say("adjust_visits", **{k: c[k] for k in ("added", "removed", "moved", "tasks_changed",
                                                                   "team_changed")})), highlight=False)
    for f in a["forced_changes"]:
        console.print(f"{head('sample_moved')} " + escape(say(
            "sample_moved", task=names.get(f["task_id"]) or f["task_id"], reason=f["reason"],
            out=", ".join(f["removed"]) or "—", came=", ".join(f["added"]) or "—", why=f["why"])), highlight=False)
    print_notes(made.manifest["problems"]["adjust"], scenario)
    print_unplaced(made.unplaced, scenario)
    console.print("[green]" + escape(say("adjust_wrote", path=out, version=made.manifest["adjusts"]["version"],
                                         plan_id=made.manifest["plan_id"])) + "[/]", highlight=False)


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
        raise fail(say("key_needed", detail=err_text(exc))) from None
    limit = {} if time_limit is None else {"deterministic_time": time_limit}
    try:
        with planning_errors():
            made = adjust_plan(plan_dir, scenario, seed, day, district_key=key, bundle=BundleConfig(**limit),
                               teams=TeamConfig(**limit), previous=list(previous or []) or None,
                               previous_seed=previous_seed)
    except AdjustError as exc:
        raise fail(err_text(exc)) from None
    return made, scenario, key


def check(
    plan_dir: PlanDir,
    scenario_dir: ScenarioDir,
    ledger: LedgerOption = None,
    key_file: KeyFileOption = None,
    allow_unrecorded: AllowUnrecorded = False,
    lang: LangOption = None,
) -> None:
    """Re-verify every hard rule on a written plan, independently of the solvers.

    With a city (SCENARIO_DIR holding city.yaml, PLAN_DIR written by ``plan`` from it): every district's plan."""
    from optimizer.check import check_plan
    from scenarios.city import is_city

    use_lang(lang)
    if is_city(scenario_dir):
        from ui.cli.city import check_city_dir

        check_city_dir(plan_dir, scenario_dir, ledger, allow_unrecorded, key_file)
        return
    scenario = load_or_exit(scenario_dir)
    require_bound_plan(plan_dir, ledger, allow_unrecorded, scenario=scenario, rules=False, verdict=True,
                       key_file=key_file)
    violations = check_plan(plan_dir, scenario)  # check's own job: every violation listed, not only a refusal
    for v in violations:
        console.print(f"{head('violation', 'red')} {escape(v.text(current_lang()))}", highlight=False)
    if violations:
        fail_line = say("verdict.fail", what=say("check_fail", path=plan_dir, n=len(violations)))
        console.print(f"[red]{escape(fail_line)}[/]", highlight=False)
        raise typer.Exit(code=1)
    console.print(f"[green]{escape(say('verdict.pass', what=say('check_pass', path=plan_dir)))}[/]", highlight=False)


def verify(
    plan_dir: PlanDir,
    scenario_dir: ScenarioDir,
    seed: Annotated[str, typer.Option(help="The public seed value revealed after the draw")],
    ledger: LedgerOption = None,
    key_file: KeyFileOption = None,
    allow_unrecorded: AllowUnrecorded = False,
    previous: PreviousOption = None,
    previous_seed: PreviousSeedOption = None,
    notice: Annotated[Path | None, typer.Option(
        "--notice", help="A public notice folder written by jointcheck publish: check that PLAN_DIR is exactly the plan "
                         "it published (SHA-256 of the manifest and every file) — without the ledger or the key; "
                         "nothing is recorded")] = None,
    lang: LangOption = None,
) -> None:
    """Recompute the draw from the published seed and say whether every selection matches.

    With a city: the census, the city hash, the split seed's commitment, the city-wide shares and every district's
    draw (each district's public value derived from SEED)."""
    from optimizer.verify import verify_draw
    from scenarios.city import is_city

    use_lang(lang)
    if is_city(scenario_dir):
        from ui.cli.city import verify_city_dir

        verify_city_dir(plan_dir, scenario_dir, seed, ledger, allow_unrecorded, key_file)
        return
    scenario = load_or_exit(scenario_dir)
    require_bound_plan(plan_dir, ledger, allow_unrecorded, scenario=scenario, verdict=True, key_file=key_file,
                       notice=notice)
    result = verify_draw(plan_dir, scenario, seed, previous=previous, previous_seed=previous_seed)
    print_match("seed_commitment", result.commitment_ok)
    print_match("scenario_hash", result.scenario_ok)
    for m in result.mismatches:
        console.print(f"{head('mismatch', 'red')} {escape(m.text(current_lang()))}", highlight=False)
    if notice is None:
        after_verify(plan_dir, result, seed, ledger, key_file)
    if not result.ok:
        more = say("verify_mismatches", n=len(result.mismatches)) if result.mismatches else ""
        line = say("verdict.fail", what=say("verify_fail", path=plan_dir, seed=seed, more=more))
        console.print(f"[red]{escape(line)}[/]", highlight=False)
        raise typer.Exit(code=1)
    console.print(f"[green]{escape(say('verdict.pass', what=say('verify_pass', pairs=result.pairs)))}[/]", highlight=False)




def register(app: typer.Typer) -> None:
    """Add ``draw``, ``audit``, ``plan``, ``adjust``, ``check`` and ``verify`` to ``app``."""
    app.command()(draw)
    app.command()(audit)
    app.command()(plan)
    app.command()(adjust)
    app.command()(check)
    app.command()(verify)
