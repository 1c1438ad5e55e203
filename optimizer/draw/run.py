"""One draw from a scenario: rules → rounds → coordinated draw, for one or many public seed values.

Used by ``jointcheck draw`` (and its ``--repeat`` audits) and by the plan. Rounds come from calendar
alignment (the plan's rounds) or, with ``rounds="given"``, from greedy stabbing of the windows as given.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from optimizer.calendar import (
    AlignConfig,
    Alignment,
    align_calendar,
    stab_rounds,
    staffing_from,
)
from optimizer.draw.coordinated import DRAW_COLUMNS, DrawMode, DrawResult, draw_subjects
from optimizer.draw.inputs import draw_input
from optimizer.draw.seed import plan_seed
from optimizer.progress import stage as progress_stage
from rules import RuleResults, evaluate
from scenarios.availability import officer_weeks
from scenarios.model import Scenario

__all__ = ["DrawRun", "run_draw", "draw_table", "PlanBlocked"]


class PlanBlocked(Exception):
    """The rules found errors (violations of the law) in the plan; nothing is drawn."""

    def __init__(self, findings: pl.DataFrame):
        self.findings = findings
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        """The rules broken, one per line with the rule and its source, in ``lang`` (zh or en)."""
        column = "message_zh" if lang == "zh" and "message_zh" in self.findings.columns else "message"
        lines = [f"  {r['rule_id']} ({r['source']}): {r[column]}" for r in self.findings.iter_rows(named=True)]
        head = "计划违反所适用政策的规则：" if lang == "zh" else "the plan breaks rules of its policy:"
        return head + "\n" + "\n".join(lines)


@dataclass(frozen=True)
class DrawRun:
    results: RuleResults
    rounds: pl.DataFrame           # task_id, round (and start, end, anchor when aligned)
    alignment: Alignment | None
    draw: DrawResult
    public_values: dict[str, str]  # plan seed → the public value it was made from
    mode: DrawMode


def run_draw(
    scenario: Scenario, public_values: list[str], mode: DrawMode | str = DrawMode.coordinated, *,
    plan_id: str | None = None, rounds: str = "aligned", align_config: AlignConfig | None = None,
    results: RuleResults | None = None, rotation=None,  # noqa: ANN001 - an optimizer.rotation.Rotation
) -> DrawRun:
    """Evaluate the rules once, choose rounds once, and draw for every public value.

    ``rotation`` (:mod:`optimizer.rotation`, one public value only): the draw reads the chain's permanent
    numbers shifted by the earlier plans' probabilities; the plan's own seed stays the draw's ``seed``.
    """
    results = results or evaluate(scenario)
    if results.errors.height:
        raise PlanBlocked(results.errors)
    alignment = None
    if rounds == "aligned":
        with progress_stage("calendar"):
            alignment = align_calendar(scenario.tasks, results.pairs, scenario.year, align_config,
                                       staffing_from(scenario.officers, results.tasks,
                                                     officer_weeks(scenario.availability)))
        round_frame = alignment.tasks
    elif rounds == "given":
        round_frame = stab_rounds(scenario.tasks)
    else:
        raise ValueError(f"rounds must be 'aligned' or 'given', not {rounds!r}")
    plan_id = plan_id or scenario.name
    seeds = {plan_seed(scenario.content_hash, value, plan_id): str(value) for value in public_values}
    with progress_stage("draw"):
        draw = _draw(scenario, results, round_frame, seeds, mode, rotation)
    return DrawRun(results, round_frame, alignment, draw, seeds, DrawMode(mode))


def _draw(scenario: Scenario, results: RuleResults, round_frame: pl.DataFrame, seeds: dict[str, str],
          mode: DrawMode | str, rotation) -> DrawResult:  # noqa: ANN001 - an optimizer.rotation.Rotation
    if rotation is None:
        draw = draw_subjects(draw_input(scenario, results, round_frame), list(seeds), mode)
    else:
        if len(seeds) != 1:
            raise ValueError("a rotated draw takes one public value")
        (own,) = seeds
        draw = draw_subjects(draw_input(scenario, results, round_frame), [rotation.prn_seed], mode,
                             shift=rotation.shift, last=rotation.follow)
        relabel = pl.col("seed").replace_strict({rotation.prn_seed: own})
        draw = DrawResult(draw.draws.with_columns(relabel), draw.substrata.with_columns(relabel), draw.problems)
    return draw


def draw_table(run: DrawRun, with_seed: bool) -> pl.DataFrame:
    """The published draw table: one row per eligible (subject, task), the columns of the draw issue."""
    frame = run.draw.draws.with_columns(pl.col("seed").replace_strict(run.public_values).alias("seed"))
    columns = (["seed"] if with_seed else []) + DRAW_COLUMNS + ["ticket", "rank", "mandatory"]
    return frame.select(columns).sort(*(["seed"] if with_seed else []), "task_id", "subject_id")
