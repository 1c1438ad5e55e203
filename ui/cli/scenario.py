"""Scenario commands: ``validate``, ``generate`` and ``explain``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from scenarios import check_scenario
from scenarios.figures import scenario_figures
from ui.cli.common import (
    ScenarioDir,
    calendar_problems,
    console,
    err_text,
    fail,
    figures_table,
    guard_out,
    load_or_exit,
    print_problems,
    say,
)
from ui.cli.documents import LangOption
from ui.cli.messages import use_lang

__all__ = ["register"]


def validate(
    scenario_dir: ScenarioDir,
    as_json: Annotated[bool, typer.Option("--json", help="Print problems and figures as JSON")] = False,
    lang: LangOption = None,
) -> None:
    """Check a scenario directory; report every problem with file, row and field, then its figures.

    Messages in Chinese or English (``--lang``; by default as ``plan``'s summary: zh unless the locale is
    English). ``--json`` gives each problem's code, parameters and its message in both languages.
    A city directory (holding city.yaml) is checked whole: city.yaml, every district, and the city-wide tasks
    against every district."""
    from scenarios.city import is_city

    lang_ = use_lang(lang)
    if is_city(scenario_dir) and not as_json:
        from ui.cli.city import validate_city_dir

        validate_city_dir(scenario_dir, lang_)
        return
    scenario, problems = check_scenario(scenario_dir)
    if scenario is not None and (late := calendar_problems(scenario)):
        scenario, problems = None, [*problems, *late]
    errors = [p for p in problems if p.severity == "error"]
    figures = scenario_figures(scenario) if scenario is not None else None
    if as_json:
        payload = {
            "valid": scenario is not None,
            "problems": [{**p.__dict__, "params": dict(p.params), "message_zh": p.text("zh"), "message_en": p.text("en")}
                         for p in problems],
            "figures": figures,
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    else:
        print_problems(problems, lang_)
        if figures is not None:
            console.print(figures_table(figures, lang_))
            if lang_ == "zh":
                console.print(f"[green]{escape(scenario.name)}：校验通过[/]（{len(problems)} 个警告）")
            else:
                console.print(f"[green]{escape(scenario.name)}: valid[/] ({len(problems)} warning(s))")
        elif lang_ == "zh":
            console.print(f"[red]{escape(str(scenario_dir))}：{len(errors)} 个错误[/]")
        else:
            console.print(f"[red]{escape(str(scenario_dir))}: {len(errors)} error(s)[/]")
    if scenario is None:
        raise typer.Exit(code=1)


def generate(
    profile: Annotated[str, typer.Argument(
        help="A bundled profile (changning-2024, putuo-2023), a profile YAML file, or city (a city of districts)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Scenario directory to write")],
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the profile's)")] = None,
    subjects: Annotated[int | None, typer.Option(help="Directory size (default: the profile's); the plan scales with it")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it is a scenario jointcheck wrote (generate, score, import) and holds nothing else")] = False,
    profile_officers: Annotated[bool, typer.Option(
        "--profile-officers", help="Keep the profile's officer directory whatever --subjects (a district short of "
        "staff); by default officers grow with the directory, ⌈subjects / the profile's size⌉ copies")] = False,
    districts: Annotated[int, typer.Option(help="city: number of districts (上海's 16 by name, then numbered)", min=1)] = 3,
    subjects_per_district: Annotated[int, typer.Option(help="city: subjects in each district", min=100)] = 2000,
    district_profile: Annotated[str, typer.Option(help="city: the profile every district is generated from")] = "putuo-2023",
    lang: LangOption = None,
) -> None:
    """Generate a seeded synthetic scenario calibrated to a district's published figures, or (PROFILE city) a city
    of --districts district scenarios from --district-profile with different seeds, names and area codes."""
    from scenarios.generate import generate_scenario, load_profile
    from scenarios.outputs import OutputRefused

    use_lang(lang)
    if profile == "city":
        from ui.cli.city import generate_city_dir

        generate_city_dir(out, districts, subjects_per_district, district_profile, seed, force)
        return

    try:
        loaded = load_profile(profile)
    except FileNotFoundError as exc:
        console.print(f"[red]{escape(err_text(exc))}[/]")
        raise typer.Exit(code=2) from None
    guard_out(out, "scenario", force)
    try:
        with console.status(escape(say("generating", name=loaded.name))):
            generate_scenario(loaded, out, n_subjects=subjects, seed=seed, overwrite=force,
                               scale_staff=not profile_officers)
    except OutputRefused as exc:
        raise fail(err_text(exc)) from None
    scenario, problems = check_scenario(out)
    if scenario is None:  # a profile that yields an invalid scenario is a bug in the profile: show why
        print_problems(problems)
        raise typer.Exit(code=1)
    console.print(figures_table(scenario_figures(scenario)))
    console.print(f"[green]{escape(say('wrote', path=out))}[/]", highlight=False)


def explain(
    scenario_dir: ScenarioDir,
    subject: Annotated[str, typer.Option("--subject", help="Subject id, as in subjects.csv")],
    task: Annotated[str | None, typer.Option("--task", help="Only this task")] = None,
    policy: Annotated[str | None, typer.Option(help="Evaluate under another policy than scenario.yaml names")] = None,
    lang: LangOption = None,
) -> None:
    """Every rule that applied to a subject, with its statement and source; its probability per task and its cap."""
    from rules import PolicyError, explain_text

    lang_ = use_lang(lang)
    scenario = load_or_exit(scenario_dir)
    if subject not in set(scenario.subjects["subject_id"].to_list()):
        path = f"{scenario_dir}/{scenario.spec.subjects}"
        console.print(f"[red]{escape(say('unknown_subject', subject=subject, path=path))}[/]", highlight=False)
        raise typer.Exit(code=2)
    if task is not None and task not in {t.id for t in scenario.tasks}:
        path = f"{scenario_dir}/scenario.yaml"
        console.print(f"[red]{escape(say('unknown_task', task=task, path=path))}[/]", highlight=False)
        raise typer.Exit(code=2)
    try:
        text = explain_text(scenario, subject, task, policy=policy, lang=lang_)
    except PolicyError as exc:
        console.print(f"[red]{escape(err_text(exc))}[/]")
        raise typer.Exit(code=2) from None
    typer.echo(text)



def register(app: typer.Typer) -> None:
    """Add ``validate``, ``generate`` and ``explain`` to ``app``."""
    app.command()(validate)
    app.command()(generate)
    app.command()(explain)
