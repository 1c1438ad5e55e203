"""City commands: ``jointcheck plan CITY_DIR`` (a directory holding ``city.yaml``), ``validate CITY_DIR``,
``check``/``verify CITY_PLAN_DIR CITY_DIR`` and ``jointcheck generate city``.

``plan``, ``validate``, ``check``, ``verify`` and ``generate`` hand over to these functions when their argument is a city; the district commands
are unchanged and never import Ray.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from ui.cli.common import (
    console,
    current_lang,
    err_text,
    fail,
    head,
    print_match,
    print_problems,
    say,
    writing_errors,
)
from ui.cli.messages import MESSAGES

__all__ = ["plan_city_dir", "generate_city_dir", "validate_city_dir", "check_city_dir", "verify_city_dir"]


def plan_city_dir(
    city_dir: Path, seed: str, out: Path, *, engine: str, workers: int, address: str | None, force: bool,
    settings, ledger: Path | None, key_file: Path | None, lang: str | None = None,
) -> None:
    """Plan every district of a city (census → central split → district plans → gathered output)."""
    from optimizer.city import EngineError, plan_city
    from optimizer.city.district import DistrictError
    from optimizer.city.run import DISTRICTS_DIR
    from optimizer.progress import CITY_STAGES
    from records.codes import CodeKeyError, default_key_path, key_id, load_or_create_key
    from records.ledger import record_plan
    from scenarios import ScenarioError
    from scenarios.city import check_city
    from ui.cli.common import ledger_path
    from ui.cli.progress import show_progress

    city, problems = check_city(city_dir)
    if city is None:
        print_problems(problems)
        console.print(f"[red]{escape(say('city_invalid', path=city_dir))}[/]", highlight=False)
        raise typer.Exit(code=1)
    print_problems(problems)
    try:
        key = load_or_create_key(key_file or default_key_path())
    except (CodeKeyError, OSError) as exc:
        raise fail(err_text(exc)) from None
    db, recorded = ledger_path(ledger), []

    def record(staging: Path) -> None:
        """Record every district plan of the complete staging folder under its final name, before the city plan
        becomes visible (as ``plan`` does for a district): a kill leaves no visible city plan, or one whose every
        district the ledger describes."""
        from scenarios.outputs import check_replaceable

        if out.exists() or out.is_symlink():  # checked again under the lock, just before replacing
            check_replaceable(out, "plan")
        recorded.extend(record_plan(db, staging / DISTRICTS_DIR / d, code_key_id=key_id(key),
                                    recorded_as=out / DISTRICTS_DIR / d, key=key) for d in city.districts)

    try:
        with writing_errors(out, "city_plan"), show_progress(lang, CITY_STAGES):
            run = plan_city(city, seed, out, district_key=key, engine=engine, workers=workers, address=address,
                            settings=settings, overwrite=force, exclusive=True, before_rename=record)
    except ScenarioError as exc:
        print_problems(exc.problems)
        console.print(f"[red]{escape(say('city_errors_nothing', path=city_dir, n=len(exc.errors)))}[/]", highlight=False)
        raise typer.Exit(code=1) from None
    except EngineError as exc:
        raise fail(err_text(exc)) from None
    except DistrictError as exc:
        console.print(f"[red]{escape(exc.text(current_lang()))}[/]", highlight=False)
        console.print(f"[red]{escape(say('city_nothing', path=city_dir))}[/]", highlight=False)
        raise typer.Exit(code=exc.code) from None
    for rec in recorded:
        console.print(escape(say("city_ledger_record", seq=rec.seq, hash=rec.hash[:16], path=rec.body["plan_dir"])),
                      highlight=False)

    table = Table(title=escape(say("city_plan_title", name=city.name, seed=seed, engine=engine)))
    for k, column in enumerate(say("city_columns").split(",")):
        table.add_column(column, justify="left" if k == 0 else "right")
    for d, p in zip(run.manifest["districts"], run.plans):
        table.add_row(d["district"], f"{p.subjects:,}", f"{d['kpis']['visits']:,}", f"{d['kpis']['subjects_drawn']:,}",
                      str(d["kpis"]["unplaced_pairs"]), f"{sum(p.seconds.values()):.1f}",
                      f"{max(v for k, v in p.peak_rss.items() if k != 'worker') / 2**20:,.0f}")
    console.print(table)
    for task in run.manifest["city_tasks"]:
        shares = ", ".join(f"{d} {n} ({task['expected'][d]:.2f})" for d, n in task["shares"].items())
        console.print(escape(say("city_task_line", task=task["id"], total=task["total"], expected=task["expected_total"],
                                 shares=shares)), highlight=False)
    for p in run.plans:
        for note in p.notes:
            console.print(f"{head('warning')} {escape(p.district)}: {escape(note)}", highlight=False)
    sep = "，" if current_lang() == "zh" else ", "
    console.print(escape(say("stage_seconds", stages=sep.join(
        f"{say('city_stage.' + k) if 'city_stage.' + k in MESSAGES else k} {v:.1f}" for k, v in run.seconds.items()))),
                  highlight=False)
    console.print(f"[green]{escape(say('city_wrote', out=out))}[/]", highlight=False)


def generate_city_dir(out: Path, districts: int, subjects_per_district: int, district_profile: str, seed: int | None,
                      force: bool) -> None:
    """Write a seeded synthetic city and check it."""
    from scenarios.city import check_city
    from scenarios.generate.city import generate_city

    from scenarios.outputs import OutputRefused
    from ui.cli.common import guard_out

    guard_out(out, "scenario", force)
    try:
        with console.status(say("generating_city", n=districts)):
            generate_city(out, districts, subjects_per_district, district_profile, seed=seed, overwrite=force)
    except (FileNotFoundError, OutputRefused) as exc:
        raise fail(err_text(exc)) from None
    city, problems = check_city(out)
    print_problems(problems)
    if city is None:
        raise typer.Exit(code=1)
    console.print("[green]" + escape(say("city_generated", out=out, n=districts, subjects=subjects_per_district,
                                         tasks=len(city.spec.tasks))) + "[/]", highlight=False)


def validate_city_dir(city_dir: Path, lang: str | None = None) -> None:
    """Check city.yaml, every district scenario, and the city-wide tasks against every district; exit 1 on any
    error. Problems and the verdict in ``lang``."""
    from optimizer.city.district import CensusJob, census
    from scenarios.city import check_city

    lang = lang or current_lang()
    city, problems = check_city(city_dir)
    if city is not None:
        with console.status(say("checking_districts")):
            problems += [p for d in city.districts for p in census(CensusJob(city, d)).problems]
    print_problems(problems, lang)
    errors = [p for p in problems if p.severity == "error"]
    if city is None or errors:
        tail = f"：{len(errors)} 个错误" if lang == "zh" else f": {len(errors)} error(s)"
        console.print(f"[red]{escape(str(city_dir))}{tail}[/]")
        raise typer.Exit(code=1)
    if lang == "zh":
        console.print(f"[green]{city.name}：校验通过[/]（{len(city.districts)} 个区，{len(city.spec.tasks)} 项全市任务，"
                      f"{len(problems)} 个警告）")
    else:
        console.print(f"[green]{city.name}: valid[/] ({len(city.districts)} districts, {len(city.spec.tasks)} city-wide "
                      f"task(s), {len(problems)} warning(s))")


def _load_city(city_dir: Path):  # noqa: ANN202 - a City
    from scenarios.city import check_city

    city, problems = check_city(city_dir)
    if city is None:
        print_problems(problems)
        console.print(f"[red]{escape(say('city_invalid', path=city_dir))}[/]", highlight=False)
        raise typer.Exit(code=1)
    return city


def check_city_dir(plan_dir: Path, city_dir: Path, ledger: Path | None = None, allow_unrecorded: bool = False,
                   key_file: Path | None = None) -> None:
    """``jointcheck check CITY_PLAN_DIR CITY_DIR``: through the gate (every district bound to its signed ledger record),
    then every district plan against its district with its city-wide tasks."""
    from optimizer.city.verify import check_city_plan
    from ui.cli.common import require_bound_city_plan

    if not (plan_dir / "manifest.json").is_file() or not (plan_dir / "districts").is_dir():
        raise fail(say("not_city_plan", path=plan_dir))
    require_bound_city_plan(plan_dir, ledger, allow_unrecorded, key_file)
    city = _load_city(city_dir)
    violations = check_city_plan(plan_dir, city)
    for d, found in violations.items():
        for v in found:
            console.print(f"{head('violation', 'red')} {escape(d)}: {escape(v.text(current_lang()))}", highlight=False)
    total = sum(len(v) for v in violations.values())
    if total:
        line = say("verdict.fail", what=say("check_fail", path=plan_dir, n=total))
        console.print(f"[red]{escape(line)}[/]", highlight=False)
        raise typer.Exit(code=1)
    line = say("verdict.pass", what=say("city_check_pass", path=plan_dir, n=len(violations)))
    console.print(f"[green]{escape(line)}[/]", highlight=False)


def verify_city_dir(plan_dir: Path, city_dir: Path, seed: str, ledger: Path | None = None,
                    allow_unrecorded: bool = False, key_file: Path | None = None) -> None:
    """``jointcheck verify CITY_PLAN_DIR CITY_DIR --seed V``: through the gate, then the city hash, the split and
    every district's draw."""
    from optimizer.city.verify import verify_city_plan
    from ui.cli.common import require_bound_city_plan

    if not (plan_dir / "manifest.json").is_file() or not (plan_dir / "districts").is_dir():
        raise fail(say("not_city_plan", path=plan_dir))
    require_bound_city_plan(plan_dir, ledger, allow_unrecorded, key_file)
    city = _load_city(city_dir)
    with console.status(say("city_redoing")):
        result = verify_city_plan(plan_dir, city, seed)
    for label, ok in (("city_hash", result.city_hash_ok), ("split_commitment", result.split_commitment_ok),
                      ("city_shares", result.shares_ok)):
        print_match(label, ok)
    for line in result.mismatches:
        console.print(f"{head('mismatch', 'red')} {escape(err_text(line))}", highlight=False)
    for d, v in result.districts.items():
        line = (say("district_draws_ok", district=d, pairs=v.pairs) if v.ok
                else say("district_draws_bad", district=d, pairs=v.pairs, n=len(v.mismatches)))
        console.print(("[green]" if v.ok else "[red]") + escape(line) + "[/]", highlight=False)
        for m in v.mismatches[:20]:
            console.print(f"{head('mismatch', 'red')} {escape(d)}: {escape(m.text(current_lang()))}", highlight=False)
    if not result.ok:
        line = say("verdict.fail", what=say("city_verify_fail", path=plan_dir, seed=seed))
        console.print(f"[red]{escape(line)}[/]", highlight=False)
        raise typer.Exit(code=1)
    console.print(f"[green]{escape(say('verdict.pass', what=say('city_verify_pass', n=len(result.districts))))}[/]",
                  highlight=False)
