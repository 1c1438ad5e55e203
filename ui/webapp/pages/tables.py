"""Page ④: the visits with their teams, filtered by department, week and grid; a subject's rule trace."""

from __future__ import annotations

import json

import polars as pl
import streamlit as st

from ui.i18n import current_lang, header, t
from ui.webapp.charts.figures import visits_table
from ui.webapp.jobs import Run
from ui.webapp.state import explain_cached

__all__ = ["render", "filter_visits"]


def filter_visits(table: pl.DataFrame, departments: list[str], weeks: tuple[int, int], grids: list[str]) -> pl.DataFrame:
    """Visits involving any of ``departments`` (all if empty), in the week range, in any of ``grids``."""
    out = table.filter(pl.col("week").is_between(*weeks))
    if departments:
        out = out.filter(pl.col("department_list").list.eval(pl.element().is_in(departments)).list.any())
    if grids:
        out = out.filter(pl.col("grid").is_in(grids))
    return out


def _explain(run: Run, subject_id: str) -> None:
    plan = run.plan
    st.subheader(f"{t('explain')}: {subject_id}")
    policy = run.whatif.policy or plan.scenario.policy
    text = explain_cached(plan.scenario, plan.scenario.content_hash, subject_id, policy,
                          json.dumps(run.whatif.overrides, sort_keys=True), current_lang())
    st.code(text, language=None, wrap_lines=True)  # a long rule statement wraps instead of being cut off
    draws = plan.run.draw.draws.filter(pl.col("subject_id") == subject_id).select(
        "task_id", "round", "stratum", "inclusion_prob", "prn", "selected", "replaced_by", "mandatory")
    st.caption(t("draw_rows"))
    lang = current_lang()
    st.dataframe(draws.rename({c: header(c, lang) for c in draws.columns}), hide_index=True, width="stretch")


def render(run: Run | None) -> None:
    st.header(t("page_tables"))
    if run is None:
        st.info(t("no_run"))
        return
    table = visits_table(run.plan)
    lang = current_lang()
    c1, c2, c3 = st.columns([2, 2, 2])
    names = run.plan.scenario.departments
    departments = c1.multiselect(t("filter_department"), sorted(names), key="keep:f_dept", placeholder=t("choose", lang),
                                 format_func=lambda d: names[d].name if d in names else d)
    low, high = int(table["week"].min() or 1), int(table["week"].max() or 1)
    weeks = c2.slider(t("filter_week"), 1, max(53, high), (1, max(53, high)), key="f_week") if high >= low else (1, 53)
    grids = c3.multiselect(t("filter_grid"), sorted(table["grid"].drop_nulls().unique().to_list()), key="keep:f_grid",
                           placeholder=t("choose", lang))
    shown = filter_visits(table, departments, weeks, grids)
    st.caption(t("rows_shown", n=shown.height, total=table.height))
    display = shown.drop("department_list").with_columns(pl.col("date").cast(pl.String))
    # The grid's key follows the filters: a selection is a row number of the table shown, so it must not
    # outlive that table (filtered differently, the same row number is another subject).
    view = f"{sorted(departments)}|{weeks}|{sorted(grids)}"
    event = st.dataframe(display.rename({c: header(c, lang) for c in display.columns}), hide_index=True,
                         width="stretch", on_select="rerun", selection_mode="single-row", key=f"visits_grid:{view}")
    rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
    subjects = shown["subject_id"].unique(maintain_order=True).to_list()
    if rows:
        st.session_state["explain_subject"] = shown["subject_id"][rows[0]]
    options = subjects or [None]
    current = st.session_state.get("explain_subject")
    index = options.index(current) if current in options else 0
    subject_names = dict(zip(shown["subject_id"].to_list(), shown["subject_name"].to_list()))
    subject = st.selectbox(t("click_subject"), options, index=index, key=f"pick:{current}",
                           format_func=lambda s: f"{subject_names.get(s, '')} （{s}）" if s else "—")
    if subject:
        _explain(run, subject)
