"""Progress of a long run: one small protocol from the stages to whoever shows it (issue 14 item 9, issue 16).

A *callback* receives ``(stage, done, total)``: the stage (one of :data:`STAGES`), and how far it is as
``done`` of ``total`` (``0 ≤ done ≤ total``; ``done`` may be fractional). Within a stage ``done / total``
never decreases and every stage ends with ``done == total``.

The code that does the work never sees the callback. A driver (``make_plan``, the CLI, the app's job)
installs one with :func:`reporting` and opens each stage with :func:`stage`; inside, the long loops call
:func:`step` — per rules scope, per calendar component and LNS neighbourhood, per draw phase and round, per
bundling batch, per officer-matching week — never per subject, and :func:`within` splits a step into parts
for a nested loop. Without a reporter installed every call is a context-variable read and nothing else, so
reporting cannot change a result (the plan files are byte-identical with and without it; tests check it).

Calls are throttled (at most one every :data:`MIN_INTERVAL` seconds per stage, besides a stage's first and
last), so a callback may print or repaint freely. :func:`overall` turns a report into one fraction of the whole
run, weighting each stage by its typical share of a large plan (:data:`WEIGHTS`, measured on stress-80 with
1,000,000 subjects, ``benchmarks/results/stress-1m.md``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field

__all__ = ["Callback", "STAGES", "WEIGHTS", "STAGE_NAMES", "PLAN_STAGES", "RUN_STAGES", "CITY_STAGES", "MIN_INTERVAL", "reporting", "stage",
           "step", "within", "overall", "stage_name", "Tracker"]

Callback = Callable[[str, float, float], None]

STAGES = ("load", "rules", "calendar", "draw", "bundling", "teams", "kpis", "write", "check", "districts")
"""Every stage a run may report, in order (``check`` re-verifies the written staging folder before it is moved
into place, :func:`ui.cli.record.write_recorded_plan`)."""

PLAN_STAGES = ("rules", "calendar", "draw", "bundling", "teams", "kpis")
"""The stages :func:`optimizer.plan.make_plan` reports (the CLI adds load, write and check)."""

RUN_STAGES = ("load", *PLAN_STAGES, "write", "check")
"""The stages ``jointcheck plan`` reports for a district, in order."""

CITY_STAGES = ("load", "districts", "write")
"""The stages a city run reports (:func:`optimizer.city.plan_city`): the census, the districts planned, the output."""

WEIGHTS = {"load": 20, "rules": 13, "calendar": 30, "draw": 90, "bundling": 17, "teams": 15, "kpis": 100,
           "check": 16, "write": 13, "districts": 300}
"""Seconds per stage of stress-80 at 1,000,000 subjects (benchmarks/results/stress-1m.md; check from "other");
a city's districts: a plan's whole (its census is ``load``, its gathered output ``write``)."""

STAGE_NAMES = {
    "load": ("读取场景", "loading the scenario"),
    "rules": ("规则计算", "evaluating the rules"),
    "calendar": ("日历对齐", "aligning the calendar"),
    "draw": ("随机抽取", "drawing"),
    "bundling": ("合并上门", "bundling visits"),
    "teams": ("随机匹配人员", "matching officers"),
    "kpis": ("指标计算", "computing indicators"),
    "write": ("写出计划", "writing the plan"),
    "check": ("复核硬性规则", "checking the hard rules"),
    "districts": ("各区规划", "planning the districts"),
}

MIN_INTERVAL = 0.25


def stage_name(stage: str, lang: str | None = None) -> str:
    """The stage's name for a planner: Chinese by default, English with ``lang == "en"``."""
    zh, en = STAGE_NAMES.get(stage, (stage, stage))
    return en if lang == "en" else zh


@dataclass
class _Reporter:
    callback: Callback
    stage: str | None = None
    done: float = 0.0
    last: float = 0.0
    slices: list[tuple[float, float]] = field(default_factory=list)  # (offset, width) of nested parts, in [0, 1]

    def emit(self, fraction: float, force: bool = False) -> None:
        if self.stage is None:
            return
        for offset, width in reversed(self.slices):
            fraction = offset + width * fraction
        fraction = min(max(fraction, self.done), 1.0)  # never backwards within a stage
        now = time.monotonic()
        if force or (fraction > self.done and now - self.last >= MIN_INTERVAL):
            self.done, self.last = fraction, now
            self.callback(self.stage, round(fraction * 1000, 1), 1000)


_CURRENT: ContextVar[_Reporter | None] = ContextVar("jointcheck_progress", default=None)


@contextlib.contextmanager
def reporting(callback: Callback | None) -> Iterator[None]:
    """Send the progress of the stages run inside to ``callback`` (None: keep the reporter already installed)."""
    if callback is None:
        yield
        return
    token = _CURRENT.set(_Reporter(callback))
    try:
        yield
    finally:
        _CURRENT.reset(token)


@contextlib.contextmanager
def stage(name: str) -> Iterator[None]:
    """Run a stage: reports ``(name, 0, total)`` on entry and ``(name, total, total)`` on a normal exit."""
    reporter = _CURRENT.get()
    if reporter is None:
        yield
        return
    saved = reporter.stage, reporter.done, reporter.slices
    reporter.stage, reporter.done, reporter.slices = name, 0.0, []
    reporter.emit(0.0, force=True)
    try:
        yield
        reporter.slices = []
        reporter.emit(1.0, force=True)
    finally:
        if saved[0] is not None:  # a stage nested in another (rare): the outer one goes on
            reporter.stage, reporter.done, reporter.slices = saved


def step(done: float, total: float) -> None:
    """The current stage (or part of it, :func:`within`) is ``done`` of ``total`` through."""
    reporter = _CURRENT.get()
    if reporter is not None and total > 0:
        reporter.emit(min(max(done / total, 0.0), 1.0))


@contextlib.contextmanager
def within(done: float, total: float, parts: float = 1) -> Iterator[None]:
    """Inside, :func:`step` reports progress through the part from ``done`` to ``done + parts`` of ``total``."""
    reporter = _CURRENT.get()
    if reporter is None or total <= 0:
        yield
        return
    lo, hi = min(max(done / total, 0.0), 1.0), min(max((done + parts) / total, 0.0), 1.0)
    reporter.slices.append((lo, hi - lo))
    try:
        yield
    finally:
        if reporter.slices:
            reporter.slices.pop()
        reporter.emit(hi)


def overall(stage: str, done: float, total: float, stages: Sequence[str] = STAGES) -> float:
    """One fraction of the whole run (``stages`` in order, weighted by :data:`WEIGHTS`) for a report."""
    weights = [WEIGHTS.get(s, 1) for s in stages]
    if stage not in stages:
        return 0.0
    k = stages.index(stage)
    part = min(max(done / total, 0.0), 1.0) if total > 0 else 1.0
    return (sum(weights[:k]) + part * weights[k]) / sum(weights)


@dataclass
class Tracker:
    """A callback keeping the latest report and the overall fraction (never decreasing) — for the app's job."""

    stages: Sequence[str] = STAGES
    stage: str | None = None
    done: float = 0.0
    total: float = 1.0
    fraction: float = 0.0
    history: list[tuple[str, float, float]] = field(default_factory=list)

    def __call__(self, stage_: str, done: float, total: float) -> None:
        self.stage, self.done, self.total = stage_, done, total
        self.fraction = max(self.fraction, overall(stage_, done, total, self.stages))
        self.history.append((stage_, done, total))
