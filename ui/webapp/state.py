"""Session state of the planner app: the current scenario, the runs, the running job.

Big immutable things are cached once per server (``st.cache_resource``: bundled scenarios are 60,000-row
frames, copying them on every hit as ``st.cache_data`` does would cost more than loading). Widget values
that must survive a change of page are kept under keys starting with ``keep:``.
"""

from __future__ import annotations

import json

import streamlit as st

from rules import explain_text
from scenarios import Problem, Scenario, check_scenario
from ui.i18n import error_text, t
from ui.webapp.jobs import Cancelled, Job, Run, active_job, forget
from ui.webapp.scenario_io import SCENARIO_ROOT
from ui.webapp.store import load_runs

__all__ = ["load_bundled", "current_scenario", "set_scenario", "runs", "current_run", "harvest_job",
           "keep_widgets", "explain_cached", "DEFAULT_SCENARIO", "PAGES"]

DEFAULT_SCENARIO = "tiny"
PAGES = ["scenario", "whatif", "dashboard", "tables", "compare", "export", "adjust"]


@st.cache_resource(show_spinner=False)
def load_bundled(name: str) -> tuple[Scenario | None, list[Problem]]:
    return check_scenario(SCENARIO_ROOT / name)


# What-if state that belongs to one scenario: its policy choice, parameter inputs and edited tables.
SCENARIO_STATE_PREFIXES = ("keep:policy", "keep:param:", "keep:classes", "caps:", "windows:", "edits:")


def set_scenario(scenario: Scenario, problems: list[Problem], ref: str) -> None:
    """Make ``scenario`` current; a different scenario starts from its own policy and no what-ifs."""
    if st.session_state.get("scenario_ref") != ref:
        for key in [k for k in st.session_state.keys() if isinstance(k, str) and k.startswith(SCENARIO_STATE_PREFIXES)]:
            del st.session_state[key]
    st.session_state["scenario_ref"] = ref
    st.session_state["scenario_obj"] = scenario
    st.session_state["scenario_problems"] = problems


def current_scenario() -> Scenario | None:
    """The scenario the planner is working on (the bundled default until another is chosen)."""
    if "scenario_ref" not in st.session_state:
        scenario, problems = load_bundled(DEFAULT_SCENARIO)
        set_scenario(scenario, problems, f"bundled:{DEFAULT_SCENARIO}")
    return st.session_state.get("scenario_obj")


def runs() -> list[Run]:
    """The runs saved on disk (read once per browser session, then kept up to date by this session)."""
    if "runs" not in st.session_state:
        st.session_state["runs"] = load_runs()
    return st.session_state["runs"]


def current_run() -> Run | None:
    chosen = st.session_state.get("keep:run_id")
    found = [r for r in runs() if r.id == chosen]
    return found[0] if found else (runs()[-1] if runs() else None)


def harvest_job() -> None:
    """Follow the server's running job after a reload; turn a finished job into a run (or a message)."""
    if "job" not in st.session_state and active_job() is not None:
        st.session_state["job"] = active_job()
    job: Job | None = st.session_state.get("job")
    if job is None or not job.done:
        return
    del st.session_state["job"]
    forget(job)
    try:
        run = job.result()
    except Cancelled:
        st.session_state.pop("job_error", None)
        st.toast(t("run_cancelled", label=job.label))
        return
    except Exception as exc:  # a planning error is shown to the planner, not raised as a traceback
        from optimizer.draw import PlanBlocked
        from scenarios.messages import Message

        arg = exc.args[0] if len(exc.args) == 1 else None
        known = isinstance(exc, PlanBlocked) or isinstance(arg, Message)  # a refusal the planner can act on
        st.session_state["job_error"] = error_text(exc) if known else f"{type(exc).__name__}: {exc}"
        return
    if all(r.id != run.id for r in runs()):
        runs().append(run)
    st.session_state["keep:run_id"] = run.id
    st.session_state.pop("job_error", None)
    st.session_state["last_done"] = run.id
    st.toast(t("run_done", label=run.label, seconds=run.seconds))


def keep_widgets() -> None:
    """Re-store ``keep:`` widget values so they survive pages on which the widget is not drawn."""
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith("keep:"):
            st.session_state[key] = st.session_state[key]


@st.cache_data(show_spinner=False, max_entries=256)
def explain_cached(_scenario: Scenario, scenario_hash: str, subject_id: str, policy: str, overrides: str,
                   lang: str = "zh") -> str:
    """``rules.explain_text`` for one subject in ``lang`` (keyed by scenario hash, policy, reform and language)."""
    return explain_text(_scenario, subject_id, policy=policy, overrides=json.loads(overrides) or None, lang=lang)
