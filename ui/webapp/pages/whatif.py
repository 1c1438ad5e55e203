"""Page ②: a what-if — policy and its parameters, coordination mode, capacities, task windows — and the run.

The run starts in a worker thread (:mod:`ui.webapp.jobs`); the progress bar at the top of every page follows it.
"""

from __future__ import annotations

import dataclasses

import polars as pl
import streamlit as st

from rules import known_policies
from scenarios import Scenario
from ui.i18n import current_lang, header, t
from ui.webapp.jobs import submit
from ui.webapp.state import runs
from ui.webapp.store import delete_run, rename_run, runs_folder
from ui.webapp.whatif import (
    WhatIf,
    capacity_table,
    policy_parameters,
    reform,
    window_table,
)

__all__ = ["render"]

MODES = ["coordinated", "positive", "independent"]


def _widget(p: dict, key: str):
    unit, value = p["unit"], p["value"]
    help_ = f"{p['description']} — {p['source']}"
    label = p["title"]
    if unit in ("ratio", "share"):
        st.session_state.setdefault(key, float(value))
        return st.number_input(label, min_value=0.0, max_value=1.0, step=0.01, format="%.3f", key=key, help=help_)
    if unit == "factor":
        st.session_state.setdefault(key, float(value))
        return st.number_input(label, min_value=0.01, step=0.1, key=key, help=help_)
    if unit == "visits_per_year":
        st.session_state.setdefault(key, None if value is None else int(value))
        return st.number_input(label, min_value=1, step=1, key=key, help=help_ + t("empty_no_cap"))
    st.session_state.setdefault(key, int(value))
    return st.number_input(label, min_value=0, step=1, key=key, help=help_)


def _parameters(policy: str, scenario: Scenario) -> tuple[list[dict], dict]:
    params = policy_parameters(policy, scenario, current_lang())
    chosen: dict = {}
    for p in params:
        if p["unit"] != "factor_by_class":
            continue
        st.markdown(f"**{p['title']}** — {p['source']}", help=p["description"])
        cols = st.columns(4)
        chosen[p["name"]] = {}
        for col, cls in zip(cols, ["A", "B", "C", "D"]):
            key = f"keep:param:{policy}:{p['name']}:{cls}"
            st.session_state.setdefault(key, float(p["value"][cls]))
            with col:
                chosen[p["name"]][cls] = st.number_input(cls, min_value=0.01, step=0.25, key=key)
    others = [p for p in params if p["unit"] != "factor_by_class"]
    cols = st.columns(3)
    for i, p in enumerate(others):
        with cols[i % 3]:
            value = _widget(p, f"keep:param:{policy}:{p['name']}")
        chosen[p["name"]] = int(value) if p["unit"] == "visits_per_year" and value is not None else value
    return params, chosen


def _edited_capacities(base: pl.DataFrame, edited) -> dict[str, int]:
    new = pl.from_pandas(edited) if not isinstance(edited, pl.DataFrame) else edited
    diff = base.join(new.select("department", pl.col("weekly_capacity").alias("new")), on="department")
    return {d: int(n) for d, old, n in diff.select("department", "weekly_capacity", "new").iter_rows()
            if n is not None and int(n) != int(old)}


def _edited_windows(base: pl.DataFrame, edited) -> dict[str, tuple]:
    new = pl.from_pandas(edited) if not isinstance(edited, pl.DataFrame) else edited
    new = new.with_columns(pl.col("start", "end", "flex_earliest", "flex_latest").cast(pl.Date))
    old = {r[0]: r[2:] for r in base.iter_rows()}
    return {r[0]: tuple(r[2:]) for r in new.iter_rows() if tuple(r[2:]) != old[r[0]]}


def render(scenario: Scenario | None) -> None:
    st.header(t("page_whatif"))
    if scenario is None:
        st.info(t("no_scenario"))
        return
    st.caption(f"{t('current_scenario')}: **{scenario.name}**")
    policies = known_policies()
    st.session_state.setdefault("keep:policy", scenario.policy if scenario.policy in policies else policies[0])
    policy = st.selectbox(t("policy"), policies, key="keep:policy")
    lang = current_lang()
    from ui.webapp.pages.adjust import previous_rotation, previous_years

    previous_years(scenario)  # earlier years' plans for rotation (负担轮换), outside the form: uploads act at once
    with st.form("whatif"):
        st.subheader(t("policy_params"))
        params, chosen = _parameters(policy, scenario)
        c1, c2 = st.columns(2)
        st.session_state.setdefault("keep:mode", "coordinated")
        mode = c1.selectbox(t("mode"), MODES, format_func=lambda m: t(f"mode_{m}", lang), key="keep:mode")
        st.session_state.setdefault("keep:public_value", "20240301")
        public_value = c2.text_input(t("public_value"), key="keep:public_value")
        classes = "scored"
        if "risk_class_given" in scenario.subjects.columns:  # a scored scenario (一企一档): plan with either classes
            st.session_state.setdefault("keep:classes", "scored")
            classes = st.radio(t("risk_classes"), ["scored", "given"], horizontal=True, key="keep:classes",
                               format_func=lambda c: t(f"classes_{c}", lang))
        caps = capacity_table(scenario)
        windows = window_table(scenario)
        with st.expander(t("capacities")):
            edited_caps = st.data_editor(
                caps.rename({c: header(c, lang) for c in caps.columns}).to_pandas(), hide_index=True,
                disabled=[header(c, lang) for c in ("department", "name", "officers")], key=f"caps:{scenario.content_hash[:8]}")
        with st.expander(t("windows")):
            dates = {c: st.column_config.DateColumn(t(f"col_{c}", lang), format="YYYY-MM-DD")
                     for c in ("start", "end", "flex_earliest", "flex_latest")}
            edited_windows = st.data_editor(
                windows.to_pandas(), hide_index=True, disabled=["task_id", "task_name"],
                column_config={"task_id": st.column_config.TextColumn(t("col_task_id", lang)),
                               "task_name": st.column_config.TextColumn(t("col_task_name", lang)), **dates},
                key=f"windows:{scenario.content_hash[:8]}")
        running = st.session_state.get("job") is not None
        submitted = st.form_submit_button(t("run_plan"), type="primary", disabled=running)
    if submitted:
        if st.session_state.get("job") is not None:
            st.warning(t("busy"))
            return
        try:
            edited_caps = edited_caps.rename(columns={header(c, lang): c for c in caps.columns})
            whatif = WhatIf(policy=policy, overrides=reform(params, chosen), mode=mode,
                            public_value=public_value.strip() or "0",
                            capacities=_edited_capacities(caps, edited_caps),
                            windows=_edited_windows(windows, edited_windows), classes=classes)
            st.session_state["job"] = submit(scenario, whatif, lang, rotation=previous_rotation())
        except Exception as exc:  # an invalid what-if is the planner's input: say what is wrong
            st.error(f"{t('whatif_invalid')}: {exc}")
            return
        st.rerun()
    last = next((r for r in runs() if r.id == st.session_state.get("last_done")), None)
    if last is not None:
        st.success(t("run_done", label=last.label, seconds=last.seconds))
    _run_list()


def _run_list() -> None:
    done = runs()
    if not done:
        return
    st.subheader(t("runs"))
    st.caption(f"{t('runs_folder')} `{runs_folder()}`")
    st.dataframe(pl.DataFrame({
        "#": [r.id for r in done], "label": [r.label for r in done],
        t("kpi_visits"): [r.plan.kpis["visits"] for r in done],
        t("kpi_single"): [r.plan.kpis["subject_visits_single_department"] for r in done],
        "s": [r.seconds for r in done],
    }), hide_index=True, width="stretch")

    with st.expander(t("manage_runs")):
        labels = {r.id: r.label for r in done}
        chosen = st.selectbox(t("current_run"), list(labels), format_func=labels.get, key="manage_run")
        c1, c2, c3 = st.columns([3, 1, 1])
        name = c1.text_input(t("new_name"), value=labels[chosen], key=f"rename_text:{chosen}")
        if c2.button(t("rename"), key="rename_run"):
            rename_run(chosen, name)
            st.session_state["runs"] = [dataclasses.replace(r, label=name.strip()[:120] or r.label) if r.id == chosen else r
                                        for r in done]
            st.rerun()
        if c3.button(t("delete_run"), key="delete_run"):
            delete_run(chosen)
            st.session_state["runs"] = [r for r in done if r.id != chosen]
            st.rerun()
