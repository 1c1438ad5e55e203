"""Plans run outside the Streamlit script: a worker thread per run, polled by the page, saved when done.

STYLE.md: "Streamlit + CP-SAT: solve outside the script run". :func:`submit` returns a :class:`Job` at once;
the script keeps it in ``st.session_state`` and polls ``job.done`` / ``job.fraction`` (a fragment that
reruns every half second), so the page stays live while CP-SAT works (it releases the GIL while solving).
A finished job becomes a :class:`Run`, saved on disk by the worker itself (:mod:`ui.webapp.store`), so it
outlives the browser session that started it. Jobs in progress are listed per server process (:data:`ACTIVE`),
so a page reload finds the running job again; :meth:`Job.cancel` stops it at its next progress report
(:mod:`optimizer.progress`: within a second or so, except inside one CP-SAT solve).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from optimizer.plan import Plan, PlanSettings, make_plan
from optimizer.progress import PLAN_STAGES, Tracker, stage_name
from records.codes import default_key_path, load_or_create_key, seal_codes
from rules import load_policy
from scenarios import Scenario
from ui.webapp.store import Run, next_run_id, save_run
from ui.webapp.whatif import WhatIf, apply_whatif, describe

__all__ = ["Job", "Run", "Cancelled", "submit", "active_job", "STAGES", "executor", "ACTIVE", "forget"]

STAGES = ("queued", *PLAN_STAGES, "done")
"""The stages a job goes through: make_plan's (:data:`optimizer.progress.PLAN_STAGES`) between queued and done."""
_EXECUTOR: ThreadPoolExecutor | None = None
_LOCK = threading.Lock()
_LAST_ID = 0
ACTIVE: dict[int, "Job"] = {}  # jobs not yet harvested, per server process (outlive a browser reload)


class Cancelled(Exception):
    """The planner cancelled the run."""


def _new_id() -> int:
    """A run id not used on disk nor by a job of this process."""
    global _LAST_ID
    with _LOCK:
        _LAST_ID = max(_LAST_ID + 1, next_run_id())
        return _LAST_ID


def executor() -> ThreadPoolExecutor:
    """One pool per server process, shared by all sessions (two plans at a time)."""
    global _EXECUTOR
    with _LOCK:
        if _EXECUTOR is None:
            _EXECUTOR = ThreadPoolExecutor(max_workers=2, thread_name_prefix="jointcheck-plan")
        return _EXECUTOR


@dataclass
class Job:
    id: int
    label: str
    whatif: WhatIf
    base: Scenario
    changes: tuple[str, ...] = ()
    started: float = field(default_factory=time.monotonic)
    stage: str = "queued"
    future: Future | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    rotation: object = None  # optimizer.rotation.Rotation: earlier years' plans (ui.webapp.pages.adjust)
    tracker: Tracker = field(default_factory=lambda: Tracker(PLAN_STAGES))

    def cancel(self) -> None:
        """Stop at the next progress report (a CP-SAT solve already running finishes first)."""
        self.stop.set()

    @property
    def done(self) -> bool:
        return self.future is not None and self.future.done()

    @property
    def fraction(self) -> float:
        """How far the whole plan is, from the stages' own reports weighted by stage (never decreasing)."""
        return 1.0 if self.stage == "done" else self.tracker.fraction

    def stage_label(self, lang: str | None = None) -> str:
        """The current stage for the planner, with how far it is: ``随机抽取 42%`` / ``drawing 42%``."""
        if self.stage in ("queued", "done"):
            return {"queued": ("排队中", "queued"), "done": ("完成", "done")}[self.stage][lang == "en"]
        part = self.tracker.done / self.tracker.total if self.tracker.total else 1.0
        return f"{stage_name(self.stage, lang)} {part:.0%}"

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def result(self, timeout: float | None = None) -> Run:
        """The run (blocks until done, already saved on disk); re-raises the planning error or Cancelled."""
        return self.future.result(timeout)


def _work(job: Job) -> Run:
    try:
        plan = _plan(job)
        run = Run(job.id, job.label, job.base.name, job.base.content_hash, job.whatif,
                  job.changes, plan, round(job.elapsed, 1))
        save_run(run)
        return run
    finally:
        job.stage = "done"


def _plan(job: Job) -> Plan:
    def say(stage: str, done: float, total: float) -> None:  # optimizer.progress: a few times a second at most
        if job.stop.is_set():
            raise Cancelled(job.label)
        job.tracker(stage, done, total)
        job.stage = stage

    scenario = apply_whatif(job.base, job.whatif.capacities, job.whatif.windows, job.whatif.classes)
    settings = PlanSettings(mode=job.whatif.mode, policy=job.whatif.policy, overrides=job.whatif.overrides)
    plan = make_plan(scenario, job.whatif.public_value, settings, progress=say, rotation=job.rotation)
    # inspection codes keyed by the district key, as `jointcheck plan` writes them (never seed-only)
    key = load_or_create_key(default_key_path())
    plan = dataclasses.replace(plan, visits=seal_codes(plan.visits, plan.seed, key))
    if job.stop.is_set():
        raise Cancelled(job.label)
    return plan


def submit(base: Scenario, whatif: WhatIf, lang: str = "zh", rotation=None) -> Job:  # noqa: ANN001
    """Start planning ``base`` under ``whatif`` in a worker thread; invalid what-ifs fail fast (ValueError).
    The run's label is made here, in the planner's language (the worker thread cannot see the page).
    ``rotation`` (optional, :mod:`optimizer.rotation`): earlier years' plans the draw rotates burden against."""
    load_policy(whatif.policy, whatif.overrides or None)  # raise now, in the script, if invalid
    apply_whatif(base, whatif.capacities, whatif.windows, whatif.classes)
    number = _new_id()
    changes = describe(whatif, base, lang)
    if rotation is not None:
        from ui.i18n import t

        changes = [*changes, t("prev_change", lang, n=len(rotation.manifest["previous"]))]
    label = f"#{number} {base.name}" + (f" · {'; '.join(changes)}" if changes else "")
    job = Job(number, label[:120], whatif, base, tuple(changes), rotation=rotation)
    job.future = executor().submit(_work, job)
    ACTIVE[job.id] = job
    return job


def active_job() -> Job | None:
    """The oldest job of this server process not yet harvested (what a reloaded page should follow)."""
    return ACTIVE[min(ACTIVE)] if ACTIVE else None


def forget(job: Job) -> None:
    """Drop a harvested job from :data:`ACTIVE`."""
    ACTIVE.pop(job.id, None)
