"""What-ifs: a reform of the policy's parameters, department capacities and task windows.

A reform is a set of parameter overrides (never an edit of the law file, STYLE.md). Capacities and windows
change the scenario itself, so :func:`apply_whatif` returns a new :class:`Scenario` — checked like a loaded
one (windows inside the year and inside their flex) and with its content hash recomputed, so the plan seed,
and therefore the draw, is that of the changed scenario.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from pydantic import ValidationError

from rules import load_policy
from rules.evaluate import evaluation_day
from scenarios import Scenario, Task
from scenarios.load import canonical_hash
from scenarios.messages import describe_error, render
from scenarios.schema import RiskEnum

__all__ = ["WhatIf", "WhatIfError", "EDITABLE_UNITS", "policy_parameters", "capacity_table", "window_table", "apply_whatif",
           "reform", "describe"]

# parameters a planner can change from the app: numbers, one per class, or a nullable cap
EDITABLE_UNITS = ("ratio", "factor", "factor_by_class", "visits_per_year", "officers", "complaints", "share")


class WhatIfError(ValueError):
    """An invalid what-if: a message of :data:`scenarios.messages.MESSAGES` (English as ``str``, any language
    by :meth:`text`)."""

    def __init__(self, code: str, **params: Any):
        self.code, self.params = code, params
        super().__init__(render(code, params, "en"))

    def text(self, lang: str = "zh") -> str:
        return render(self.code, self.params, lang)


@dataclass(frozen=True)
class WhatIf:
    """One run's settings as the planner gave them."""

    policy: str
    overrides: dict[str, Any] = field(default_factory=dict)
    mode: str = "coordinated"
    public_value: str = "20240301"
    capacities: dict[str, int] = field(default_factory=dict)  # department → weekly officer-visits
    windows: dict[str, tuple[dt.date, dt.date, dt.date | None, dt.date | None]] = field(default_factory=dict)
    classes: str = "scored"  # on a scored scenario (一企一档): "scored" (the card's) or "given" (risk_class_given)


def policy_parameters(policy_id: str, scenario: Scenario, lang: str = "zh") -> list[dict[str, Any]]:
    """Editable parameters of a policy with their value in force for the scenario, in file order; ``title`` and
    ``description`` in ``lang`` (the id ``name`` stays what reforms use)."""
    policy = load_policy(policy_id)
    law = policy.at(evaluation_day(scenario, policy))
    out = []
    for name, p in policy.parameters.items():
        if p.unit in EDITABLE_UNITS and name in law.values:
            out.append({"name": name, "title": p.title(lang), "unit": p.unit, "description": p.explained(lang),
                        "value": law.values[name], "source": f"{p.reference.document} {p.reference.clause}"})
    return out


def reform(parameters: list[dict[str, Any]], chosen: dict[str, Any]) -> dict[str, Any]:
    """Overrides for the values that differ from the law (``class_multiplier.D`` style for mappings)."""
    out: dict[str, Any] = {}
    for p in parameters:
        name, law = p["name"], p["value"]
        if name not in chosen:
            continue
        value = chosen[name]
        if isinstance(law, dict):
            for key, v in value.items():
                if law.get(key) != v:
                    out[f"{name}.{key}"] = v
        elif value != law:
            out[name] = value
    return out


def capacity_table(scenario: Scenario) -> pl.DataFrame:
    """Department, name, officers and weekly capacity (sum over its officers, as the bundler reads it)."""
    names = scenario.departments
    per = scenario.officers.group_by("department").agg(
        pl.len().alias("officers"), pl.col("weekly_capacity").sum().cast(pl.Int64))
    frame = pl.DataFrame({"department": list(names), "name": [d.name for d in names.values()]})
    return frame.join(per, on="department", how="left").with_columns(
        pl.col("officers").fill_null(0).cast(pl.Int64), pl.col("weekly_capacity").fill_null(0))


def window_table(scenario: Scenario) -> pl.DataFrame:
    """One row per task: its window and the range the optimiser may move it in."""
    tasks = scenario.tasks
    return pl.DataFrame({
        "task_id": [t.id for t in tasks],
        "task_name": [t.name for t in tasks],
        "start": [t.window.start for t in tasks],
        "end": [t.window.end for t in tasks],
        "flex_earliest": [t.window_flex.earliest if t.window_flex else None for t in tasks],
        "flex_latest": [t.window_flex.latest if t.window_flex else None for t in tasks],
    }, schema={"task_id": pl.String, "task_name": pl.String, "start": pl.Date, "end": pl.Date,
               "flex_earliest": pl.Date, "flex_latest": pl.Date})


def _scale(caps: list[int], total: int) -> list[int]:
    """Share ``total`` among officers in proportion to their capacities (largest remainders, each ≥ 0)."""
    base = sum(caps) or len(caps)
    weights = caps if sum(caps) else [1] * len(caps)
    exact = [total * w / base for w in weights]
    out = [int(x) for x in exact]
    order = sorted(range(len(caps)), key=lambda i: (-(exact[i] - out[i]), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def _officers(scenario: Scenario, capacities: dict[str, int]) -> pl.DataFrame:
    officers = scenario.officers.with_row_index("__i")
    caps = officers["weekly_capacity"].to_list()
    for dept, total in capacities.items():
        if total < 0:
            raise WhatIfError("whatif.capacity_negative", department=dept, value=total)
        rows = officers.filter(pl.col("department") == dept)["__i"].to_list()
        if not rows:
            raise WhatIfError("whatif.department_no_officers", department=dept)
        for i, value in zip(rows, _scale([caps[i] for i in rows], int(total))):
            caps[i] = value
    dtype = scenario.officers.schema["weekly_capacity"]
    return officers.drop("__i").with_columns(pl.Series("weekly_capacity", caps, dtype=dtype))


def _task(task: Task, window: tuple, year: int) -> Task:
    start, end, earliest, latest = window
    if start is None or end is None:
        raise WhatIfError("whatif.window_missing", task=task.id)
    data = task.model_dump()
    data["window"] = {"start": start, "end": end}
    data["window_flex"] = {"earliest": earliest, "latest": latest} if earliest and latest else None
    try:
        new = Task.model_validate(data)
    except ValidationError as exc:
        first = describe_error(exc.errors()[0])
        raise WhatIfError("whatif.task_invalid", task=task.id, issue=first.pop("code"), **first) from None
    days = [start, end] + ([earliest, latest] if earliest and latest else [])
    if any(d.year != year for d in days):
        raise WhatIfError("whatif.window_year", task=task.id, year=year)
    if new.window_flex and (start < earliest or end > latest):
        raise WhatIfError("whatif.window_outside_flex", task=task.id, start=start, end=end, earliest=earliest, latest=latest)
    return new


def apply_whatif(scenario: Scenario, capacities: dict[str, int] | None = None,
                 windows: dict[str, tuple] | None = None, classes: str = "scored") -> Scenario:
    """The scenario with department capacities and task windows changed and, on a scored scenario, the given
    classes put back when ``classes == "given"``; raises ValueError if invalid."""
    capacities, windows = capacities or {}, windows or {}
    given = classes == "given" and "risk_class_given" in scenario.subjects.columns
    if not capacities and not windows and not given:
        return scenario
    unknown = sorted(set(windows) - {t.id for t in scenario.tasks})
    if unknown:
        raise WhatIfError("whatif.unknown_tasks", tasks=", ".join(unknown))
    tasks = [_task(t, windows[t.id], scenario.year) if t.id in windows else t for t in scenario.tasks]
    spec = scenario.spec.model_copy(update={"tasks": tasks})
    officers = _officers(scenario, capacities) if capacities else scenario.officers
    subjects = scenario.subjects
    if given:
        subjects = subjects.with_columns(pl.col("risk_class_given").cast(RiskEnum).alias("risk_class"))
    return scenario.model_copy(update={
        "spec": spec, "officers": officers, "subjects": subjects,
        "content_hash": canonical_hash(spec, subjects, officers, scenario.availability),
    })


def describe(whatif: WhatIf, scenario: Scenario, lang: str = "zh") -> list[str]:
    """Short lines, in ``lang``, saying how a run differs from the scenario as given (labels and comparisons):
    parameter and department names, not ids."""
    from ui.i18n import t

    policy = load_policy(whatif.policy)
    out = []
    if whatif.policy != scenario.policy:
        out.append(f"{t('policy', lang)} {whatif.policy}")
    for key, value in sorted(whatif.overrides.items()):
        name, _, entry = key.partition(".")
        param = policy.parameters.get(name)
        title = param.title(lang) if param is not None else name
        out.append(f"{title}{' ' + entry if entry else ''} = {value}")
    if whatif.mode != "coordinated":
        out.append(t(f"mode_{whatif.mode}", lang))
    departments = scenario.departments
    out += [f"{t('capacity_of', lang)} {departments[d].name if d in departments else d} = {c}"
            for d, c in sorted(whatif.capacities.items())]
    out += [f"{t('window_of', lang)} {task} {w[0]}..{w[1]}" for task, w in sorted(whatif.windows.items())]
    if whatif.classes == "given":
        out.append(t("classes_given", lang))
    return out
