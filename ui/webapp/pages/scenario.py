"""Page ①: choose a bundled scenario or upload one; see its figures and every validation problem."""

from __future__ import annotations

import polars as pl
import streamlit as st

from scenarios import Problem, Scenario
from ui.i18n import current_lang, header, t
from ui.webapp.scenario_io import bundled_scenarios, check_upload, problems_frame
from ui.webapp.state import DEFAULT_SCENARIO, load_bundled, set_scenario

__all__ = ["render"]


def _problems(problems: list[Problem]) -> None:
    frame = problems_frame(problems, current_lang())
    labels = {c: t(c) for c in frame.columns}
    st.dataframe(frame.rename(labels), hide_index=True, width="stretch")


def _figures(scenario: Scenario) -> None:
    cols = st.columns(5)
    cols[0].metric(t("departments"), len(scenario.departments))
    cols[1].metric(t("tasks"), len(scenario.tasks))
    cols[2].metric(t("items"), len(scenario.items))
    cols[3].metric(t("subjects"), f"{scenario.subjects.height:,}")
    cols[4].metric(t("officers"), f"{scenario.officers.height:,}")
    mix = scenario.subjects.group_by(pl.col("risk_class").cast(pl.String)).len().sort("risk_class")
    st.caption(t("risk_mix") + "： " + " · ".join(f"{r} {n:,}" for r, n in mix.iter_rows()))
    depts = scenario.departments
    types = {o.id: o.name or o.id for o in scenario.spec.object_types or []}
    tasks = pl.DataFrame({
        "task_id": [x.id for x in scenario.tasks], "task_name": [x.name for x in scenario.tasks],
        "lead": [depts[x.lead].name for x in scenario.tasks],
        "partners": ["、".join(depts[p].name for p in x.partners) for x in scenario.tasks],
        "object_type": [types.get(x.object_type, x.object_type) for x in scenario.tasks],
        "start": [x.window.start.isoformat() for x in scenario.tasks], "end": [x.window.end.isoformat() for x in scenario.tasks],
    })  # names, not ids; dates without times
    lang = current_lang()
    st.dataframe(tasks.rename({c: header(c, lang) for c in tasks.columns}), hide_index=True, width="stretch")


def _bundled() -> None:
    names = bundled_scenarios()
    ref = st.session_state.get("scenario_ref", f"bundled:{DEFAULT_SCENARIO}")
    default = ref.removeprefix("bundled:") if ref.startswith("bundled:") else DEFAULT_SCENARIO
    st.session_state.setdefault("keep:bundled", default if default in names else names[0])
    name = st.selectbox(t("pick_bundled"), names, key="keep:bundled")
    if ref != f"bundled:{name}":
        with st.spinner(name):
            scenario, problems = load_bundled(name)
        set_scenario(scenario, problems, f"bundled:{name}")


def _upload() -> bool:
    """The upload form; False when the last upload failed (the scenario in use is then an older one)."""
    files = st.file_uploader(t("upload_help"), type=["yaml", "yml", "csv", "xlsx"], accept_multiple_files=True,
                             key="uploads")
    if st.button(t("validate_load"), disabled=not files, key="validate"):
        uploads = [(f.name, f.getvalue()) for f in files]
        scenario, problems, _ = check_upload(uploads)
        st.session_state["upload_problems"] = problems
        if scenario is not None:
            set_scenario(scenario, problems, f"upload:{scenario.content_hash[:12]}")
    problems = st.session_state.get("upload_problems")
    if problems and any(p.severity == "error" for p in problems):
        st.error(t("scenario_invalid"))
        _problems(problems)
        return False
    return True


def _scoring(scenario: Scenario) -> None:
    """一企一档: score the directory with a card (when it has the card's columns) and show the classes."""
    from scoring import CardError, known_cards, load_card, scored_in_memory
    from scoring.scenario import class_table

    with st.expander(t("scoring"), expanded="risk_class_given" in scenario.subjects.columns):
        c1, c2 = st.columns([3, 1])
        card_id = c1.selectbox(t("scorecard"), known_cards(), key="keep:card")
        if c2.button(t("score_now"), key="score_now"):
            try:
                card = load_card(card_id)
                scored, _ = scored_in_memory(scenario, card)
            except CardError as exc:
                st.error(f"{t('score_failed')}: {exc}")
            else:
                ref = st.session_state.get("scenario_ref", "")
                set_scenario(scored, st.session_state.get("scenario_problems", []), f"{ref}+card:{card_id}")
                st.rerun()
        if "risk_class_given" in scenario.subjects.columns:
            card = load_card(scenario.spec.risk_scorecard) if scenario.spec.risk_scorecard in known_cards() else None
            if card is not None:
                st.caption(f"{t('scored_by')} **{card.card.name if current_lang() == 'zh' else card.card.name_en}** — "
                           f"{card.card.weights_note}")
                st.caption(" · ".join(f"{where}: CR {p.consistency_ratio:.3f}" for where, p in card.matrices.items()))
            frame = scenario.subjects.select(pl.col("risk_class_given").cast(pl.String),
                                             pl.col("risk_class").cast(pl.String))
            table = class_table(frame)
            st.dataframe(table.rename({"risk_class_given": t("given_vs_scored")}), hide_index=True)


def render(scenario: Scenario | None) -> None:
    st.header(t("page_scenario"))
    st.session_state.setdefault("keep:source", "bundled")
    lang = current_lang()  # format functions are also called outside the script run (AppTest): bind the language
    source = st.radio(t("source"), ["bundled", "upload"], format_func=lambda k: t(k, lang), horizontal=True,
                      key="keep:source")
    uploaded_ok = True
    if source == "bundled":
        _bundled()
    else:
        uploaded_ok = _upload()
    scenario = st.session_state.get("scenario_obj")
    if scenario is None:
        st.info(t("no_scenario"))
        return
    if uploaded_ok:
        st.success(f"{t('scenario_ok')}: **{scenario.name}** ({scenario.year}) — {scenario.spec.description}")
    else:  # never a green "loaded" under a failed upload: say which scenario is still in use
        st.warning(t("upload_failed_kept", name=scenario.name))
    warnings = [p for p in st.session_state.get("scenario_problems", []) if p.severity == "warning"]
    if warnings:
        with st.expander(f"{t('warnings')} ({len(warnings)})"):
            _problems(warnings)
    _figures(scenario)
    _scoring(scenario)
