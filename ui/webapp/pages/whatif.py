"""Page ②: a what-if — policy and its parameters, coordination mode, capacities, task windows — and the run.

The run starts in a worker thread (:mod:`ui.webapp.jobs`); the progress bar at the top of every page follows it.
"""

from __future__ import annotations

import dataclasses

import polars as pl
import streamlit as st

from rules import known_policies
from scenarios import Scenario
from ui.i18n import current_lang, error_text, header, t
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


CHANGED_STYLE = "background-color: #fff3b0"  # the cells of a row the planner changed (yellow, like a marker pen)


def table_keys(scenario: Scenario) -> tuple[str, str, str]:
    """Session keys of the edited capacities, the edited windows and the editors' version, for one scenario."""
    h = scenario.content_hash[:12]
    return f"edits:caps:{h}", f"edits:windows:{h}", f"edits:version:{h}"


def reset_to_law(scenario: Scenario) -> None:
    """Forget every what-if of the scenario's parameters and tables: the policy's and the scenario's values
    come back (a callback, so it runs before the widgets are drawn)."""
    caps_key, windows_key, version_key = table_keys(scenario)
    for key in [k for k in st.session_state.keys() if isinstance(k, str) and k.startswith("keep:param:")]:
        del st.session_state[key]
    st.session_state.pop(caps_key, None)
    st.session_state.pop(windows_key, None)
    st.session_state[version_key] = st.session_state.get(version_key, 0) + 1  # new editors, no stale edits


def _changed_rows(frame, changed: list[bool], editable: list[str]):
    """A Styler marking every non-editable cell of a changed row (Streamlit styles only non-editable columns)."""
    def style(row):
        return [CHANGED_STYLE if changed[row.name] and column not in editable else "" for column in row.index]
    return frame.style.apply(style, axis=1)


def _capacity_editor(scenario: Scenario, caps: pl.DataFrame, lang: str) -> dict[str, int]:
    """The capacity table with the planner's edits (kept in session state until reset or a scenario switch);
    returns department → new weekly capacity for the rows changed."""
    caps_key, _, version_key = table_keys(scenario)
    edits: dict[str, int] = st.session_state.setdefault(caps_key, {})
    base = dict(zip(caps["department"].to_list(), caps["weekly_capacity"].to_list()))
    departments = caps["department"].to_list()
    frame = caps.with_columns(
        pl.Series("weekly_capacity", [edits.get(d, base[d]) for d in departments], dtype=pl.Int64),
        pl.Series("changed", [t("was", lang, value=base[d]) if d in edits else "" for d in departments]),
    ).to_pandas()
    names = {c: (t("changed", lang) if c == "changed" else header(c, lang)) for c in frame.columns}
    frame = frame.rename(columns=names)
    editable = [names["weekly_capacity"]]
    edited = st.data_editor(
        _changed_rows(frame, [d in edits for d in departments], editable), hide_index=True,
        disabled=[n for c, n in names.items() if c != "weekly_capacity"],
        column_config={names["weekly_capacity"]: st.column_config.NumberColumn(min_value=0, step=1, format="%d"),
                       names["department"]: None},  # the department's name shows; its id stays in the data
        key=f"caps:{scenario.content_hash[:8]}:{st.session_state.get(version_key, 0)}")
    new = {}
    for d, value in zip(edited[names["department"]], edited[names["weekly_capacity"]]):
        if value is not None and value == value and int(value) != int(base[d]):  # value == value: not NaN
            new[d] = int(value)
    if new != edits:
        st.session_state[caps_key] = new
        st.rerun()  # draw the table again with its changed rows marked
    if edits:
        st.caption(t("edited_cells", lang) + "；".join(
            f"{scenario.departments[d].name} {base[d]} → {v}" for d, v in sorted(edits.items())))
    return dict(edits)


def _window_editor(scenario: Scenario, windows: pl.DataFrame, lang: str) -> dict[str, tuple]:
    """The task-window table with the planner's edits (kept like the capacities); returns task → new
    (start, end, flex earliest, flex latest) for the rows changed."""
    _, windows_key, version_key = table_keys(scenario)
    edits: dict[str, tuple] = st.session_state.setdefault(windows_key, {})
    base = {r[0]: tuple(r[2:]) for r in windows.iter_rows()}
    tasks = windows["task_id"].to_list()
    values = [edits.get(task, base[task]) for task in tasks]
    dates = ("start", "end", "flex_earliest", "flex_latest")
    frame = windows.with_columns(
        *[pl.Series(c, [v[i] for v in values], dtype=pl.Date) for i, c in enumerate(dates)],
        pl.Series("changed", [t("was", lang, value=f"{base[task][0]}..{base[task][1]}") if task in edits else ""
                              for task in tasks]),
    ).to_pandas()
    config = {c: st.column_config.DateColumn(t(f"col_{c}", lang), format="YYYY-MM-DD") for c in dates}
    edited = st.data_editor(
        _changed_rows(frame, [task in edits for task in tasks], list(dates)), hide_index=True,
        disabled=["task_id", "task_name", "changed"],
        column_config={"task_id": st.column_config.TextColumn(t("col_task_id", lang)),
                       "task_name": st.column_config.TextColumn(t("col_task_name", lang)),
                       "changed": st.column_config.TextColumn(t("changed", lang)), **config},
        key=f"windows:{scenario.content_hash[:8]}:{st.session_state.get(version_key, 0)}")
    new_frame = pl.from_pandas(edited[["task_id", *dates]]).with_columns(pl.col(*dates).cast(pl.Date))
    new = {r[0]: tuple(r[1:]) for r in new_frame.iter_rows() if tuple(r[1:]) != base[r[0]]}
    if new != edits:
        st.session_state[windows_key] = new
        st.rerun()
    if edits:
        st.caption(t("edited_cells", lang) + "；".join(
            f"{task} {base[task][0]}..{base[task][1]} → {w[0]}..{w[1]}" for task, w in sorted(edits.items())))
    return dict(edits)


def render(scenario: Scenario | None) -> None:
    st.header(t("page_whatif"))
    if scenario is None:
        st.info(t("no_scenario"))
        return
    st.caption(f"{t('current_scenario')}: **{scenario.name}**")
    policies = known_policies()
    st.session_state.setdefault("keep:policy", scenario.policy if scenario.policy in policies else policies[0])
    lang = current_lang()
    policy = st.selectbox(t("policy"), policies, key="keep:policy")
    # The tables sit outside the form: an edit is kept at once (in session state, until reset or another
    # scenario), so it survives a change of page and its row can be marked as changed.
    caps_edits = windows_edits = {}
    with st.expander(t("capacities"), expanded=bool(st.session_state.get(table_keys(scenario)[0]))):
        caps_edits = _capacity_editor(scenario, capacity_table(scenario), lang)
    with st.expander(t("windows"), expanded=bool(st.session_state.get(table_keys(scenario)[1]))):
        windows_edits = _window_editor(scenario, window_table(scenario), lang)
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
        running = st.session_state.get("job") is not None
        submitted = st.form_submit_button(t("run_plan"), type="primary", disabled=running)
    # after the run button (the page's first button), under the form whose values it resets
    st.button(t("reset_to_law", lang), key="reset_to_law", on_click=reset_to_law, args=(scenario,),
              help=t("reset_to_law_help", lang))
    if submitted:
        if st.session_state.get("job") is not None:
            st.warning(t("busy"))
            return
        try:
            whatif = WhatIf(policy=policy, overrides=reform(params, chosen), mode=mode,
                            public_value=public_value.strip() or "0",
                            capacities=caps_edits, windows=windows_edits, classes=classes)
            st.session_state["job"] = submit(scenario, whatif, lang, rotation=previous_rotation())
        except Exception as exc:  # an invalid what-if is the planner's input: say what is wrong
            st.error(f"{t('whatif_invalid')}: {error_text(exc, lang)}")
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
        "#": [r.id for r in done], t("run_name"): [r.label for r in done],
        t("kpi_visits"): [r.plan.kpis["visits"] for r in done],
        t("kpi_single"): [r.plan.kpis["subject_visits_single_department"] for r in done],
        t("seconds"): [r.seconds for r in done],
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
