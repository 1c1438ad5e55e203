"""The work of one district in a city run, as plain functions of picklable jobs (a process or a Ray task).

* :func:`census` — load the district, check the city-wide tasks against it, and measure each city-wide
  task's expected size there (Σπ under the city's policy, or the weights a city-wide ``count`` is spread by).
* :func:`plan_district` — the district's plan with its shares of the city-wide tasks as ``count`` tasks
  (:func:`scenarios.city.with_city_tasks`), made by :func:`optimizer.plan.make_plan`, sealed with the district
  key and written by :func:`optimizer.export.write_plan`; the files come back as bytes, so a worker on another
  node needs no shared output directory.

Both return what they measured: seconds and peak RSS of the worker process by stage.
"""

from __future__ import annotations

import resource
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from optimizer.plan import PlanSettings
from scenarios.city import City, city_task_problems, with_city_tasks
from scenarios.errors import Problem
from scenarios.model import Scenario, ScenarioSpec, Task

__all__ = ["CensusJob", "Census", "PlanJob", "DistrictPlan", "DistrictError", "census", "plan_district", "PROBE_RATIO"]

PROBE_RATIO = 1e-6
"""A city-wide ``count`` task is evaluated in the census as a ratio task of this ratio, so π / PROBE_RATIO is the
subject's policy weight w (exact at the rules' 12 decimals for the policies' factors)."""


class DistrictError(Exception):
    """A district the rules, the policy or the draw cannot plan (PlanBlocked, PolicyError), naming the district.

    Plain arguments only, so it crosses a process pool or Ray unchanged; ``code`` is the exit code the command
    line uses (1: the plan breaks its rules; 2: the policy cannot be used); ``message_zh`` the Chinese message
    when there is one (the command line prints :meth:`text` in the planner's language)."""

    def __init__(self, district: str, message: str, code: int = 1, message_zh: str = ""):
        super().__init__(district, message, code, message_zh)
        self.district, self.message, self.code, self.message_zh = district, message, code, message_zh

    def __str__(self) -> str:
        return self.text("en")

    def text(self, lang: str = "zh") -> str:
        """The district and what refused it, in ``lang`` (zh or en; English when no Chinese message exists)."""
        if lang == "zh":
            return f"区“{self.district}”：{self.message_zh or self.message}"
        return f"district {self.district!r}: {self.message}"


def _planning(district: str):  # noqa: ANN202 - a context manager
    from contextlib import contextmanager

    from optimizer.draw import PlanBlocked
    from rules import PolicyError

    @contextmanager
    def guard():  # noqa: ANN202
        try:
            yield
        except PlanBlocked as exc:
            raise DistrictError(district, exc.text("en"), 1, exc.text("zh")) from None
        except PolicyError as exc:
            raise DistrictError(district, str(exc), 2) from None

    return guard()


def _rss_now() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize()
    except OSError:  # not Linux: fall back on the process peak
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class _Meter:
    """Seconds, CPU seconds and peak RSS of each stage of one district's work (RSS sampled every 20 ms by a daemon thread, so a
    pool worker reused for several districts still reports each stage's own peak), and the worker's lifetime peak."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.rss: dict[str, int] = {}
        self._clock = time.perf_counter()
        self._cpu = time.process_time()
        self._peak = _rss_now()
        self._stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self._peak = max(self._peak, _rss_now())

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self._clock, 3)
        cpu = time.process_time()
        self.cpu[stage] = round(cpu - self._cpu, 3)  # user + system of every thread: least disturbed by other load
        self._cpu = cpu
        self.rss[stage] = max(self._peak, _rss_now())
        self._peak = _rss_now()
        self._clock = now

    def close(self) -> dict[str, int]:
        """Stop sampling; the stage peaks plus ``worker`` (the process's ru_maxrss over its whole life)."""
        self._stop.set()
        return {**self.rss, "worker": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


@dataclass(frozen=True)
class CensusJob:
    city: City
    district: str


@dataclass(frozen=True)
class Census:
    district: str
    scenario_name: str = ""
    content_hash: str = ""
    problems: list[Problem] = field(default_factory=list)
    ratio_units: dict[str, int] = field(default_factory=dict)                    # task → Σπ in 10⁻¹² units
    count_profiles: dict[str, list[tuple[float, int, bool]]] = field(default_factory=dict)  # task → (w, n, mandatory)
    seconds: dict[str, float] = field(default_factory=dict)
    peak_rss: dict[str, int] = field(default_factory=dict)  # stage → bytes, and "worker": the process's peak
    cpu_seconds: dict[str, float] = field(default_factory=dict)


def _located(district: str, problems: list[Problem]) -> list[Problem]:
    return [p.located(f"{district}/{p.file}") for p in problems]


def _load(city: City, district: str) -> tuple[Scenario | None, list[Problem]]:
    from scenarios.load import check_scenario

    scenario, problems = check_scenario(city.district_dir(district))
    return scenario, _located(district, problems)


def _probe(scenario: Scenario, city: City) -> Scenario:
    """The district under the city's policy with only the city-wide tasks (counts as PROBE_RATIO ratios)."""
    tasks = [
        Task.model_validate({**t.model_dump(exclude_none=True, exclude={"count"}), "ratio": PROBE_RATIO})
        if t.count is not None else t
        for t in city.spec.tasks
    ]
    spec = ScenarioSpec.model_validate({**scenario.spec.model_dump(), "policy": city.spec.policy, "tasks": tasks})
    return Scenario(root=scenario.root, spec=spec, subjects=scenario.subjects, officers=scenario.officers,
                    content_hash="census-probe")


def census(job: CensusJob) -> Census:
    """Load and check the district; measure each city-wide task's expected size in it (module docstring)."""
    from rules import evaluate

    meter = _Meter()
    city, district = job.city, job.district
    scenario, problems = _load(city, district)
    meter.lap("load")
    if scenario is None:
        return Census(district, problems=problems, seconds=meter.seconds, peak_rss=meter.close(), cpu_seconds=meter.cpu)
    problems += city_task_problems(city, district, scenario)
    if any(p.severity == "error" for p in problems) or not city.spec.tasks:
        return Census(district, scenario.name, scenario.content_hash, problems, seconds=meter.seconds, peak_rss=meter.close(), cpu_seconds=meter.cpu)
    with _planning(district):
        results = evaluate(_probe(scenario, city))
    # only the city-wide tasks' own findings: plan-level rules (item coverage…) judge the district's whole plan
    task_errors = results.errors.filter(pl.col("task_id").is_not_null())
    zh = "message_zh" if "message_zh" in task_errors.columns else "message"
    for rule_id, source, message, message_zh, task_id in task_errors.select(
            "rule_id", "source", "message", pl.col(zh).alias("zh"), "task_id").iter_rows():
        problems.append(Problem.of("city.yaml", city.task_lines.get(task_id, {}).get("id"), f"tasks[{task_id}]",
                                   "city.task_rule_error", district=district, rule_id=rule_id, source=source,
                                   reason=message, reason_zh=message_zh))
    pairs = results.pairs.filter(pl.col("eligible"))
    ratio_units: dict[str, int] = {}
    profiles: dict[str, list[tuple[float, int, bool]]] = {}
    for task in city.spec.tasks:
        rows = pairs.filter(pl.col("task_id") == task.id)
        if task.count is None:
            ratio_units[task.id] = int(rows.select((pl.col("inclusion_prob") * 10**12).round().cast(pl.Int64).sum()).item() or 0)
        else:
            grouped = rows.group_by("inclusion_prob", "mandatory").len().sort("mandatory", "inclusion_prob")
            profiles[task.id] = [(round(p / PROBE_RATIO, 6), int(n), bool(m)) for p, m, n in grouped.iter_rows()]
    meter.lap("census")
    return Census(district, scenario.name, scenario.content_hash, problems, ratio_units, profiles,
                  meter.seconds, meter.close(), meter.cpu)


@dataclass(frozen=True)
class PlanJob:
    city: City
    district: str
    shares: dict[str, int]
    public_value: str
    district_key: bytes
    settings: PlanSettings = PlanSettings()


@dataclass(frozen=True)
class DistrictPlan:
    district: str
    files: dict[str, bytes]
    kpis: dict[str, Any]
    notes: list[str]
    seconds: dict[str, float]
    peak_rss: dict[str, int]
    subjects: int
    cpu_seconds: dict[str, float] = field(default_factory=dict)


def plan_district(job: PlanJob) -> DistrictPlan:
    """Plan one district with its shares of the city-wide tasks; return its plan directory's files as bytes."""
    import dataclasses

    from optimizer.export import write_plan
    from optimizer.plan import make_plan, solver_notes
    from records.codes import seal_codes

    meter = _Meter()
    scenario, problems = _load(job.city, job.district)
    if scenario is None:  # the census loaded it a moment ago: the directory changed under the run
        raise RuntimeError(f"district {job.district!r} no longer loads: " + "; ".join(map(str, problems[:5])))
    scenario = with_city_tasks(scenario, job.city, job.shares)
    meter.lap("load")
    with _planning(job.district):
        made = make_plan(scenario, job.public_value, job.settings)
    meter.lap("plan")
    planned = meter.seconds.pop("plan")
    meter.cpu["plan"] = meter.cpu.pop("plan")  # make_plan reports wall seconds by stage only; CPU for the whole
    meter.seconds.update(made.stage_seconds)  # the plan's own stages; their peak is the plan's
    meter.seconds["other"] = round(max(0.0, planned - sum(made.stage_seconds.values())), 3)
    made = dataclasses.replace(made, visits=seal_codes(made.visits, made.seed, job.district_key))
    with tempfile.TemporaryDirectory(prefix="jointcheck-district-") as tmp:
        out = write_plan(made, Path(tmp) / "plan")
        files = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    meter.lap("write")
    return DistrictPlan(job.district, files, made.kpis, solver_notes(made), meter.seconds, meter.close(),
                        scenario.subjects.height, meter.cpu)
