"""Page ③: the headline KPIs (single-department 户次 → joint visits), the weekly load heat-map against
capacity, the department-pairing network, the Gantt of windows before/after alignment and the distribution
of visits per subject by risk class."""

from __future__ import annotations

import streamlit as st

from optimizer.plan import solver_notes
from ui.i18n import current_lang, kpi_label, t
from ui.notes import note_text, plan_names
from ui.webapp.charts import figures
from ui.webapp.charts import pictures as charts
from ui.webapp.jobs import Run

__all__ = ["render", "headline"]


def headline(run: Run) -> None:
    k = run.plan.kpis
    cut = figures.reduction(k)
    cols = st.columns(5)
    cols[0].metric(t("kpi_single"), f"{k['subject_visits_single_department']:,}", help=t("help_single"))
    cols[1].metric(t("kpi_today"), f"{k['visits_independent_joint']:,}", help=t("help_today"))
    cols[2].metric(t("kpi_visits"), f"{k['visits']:,}", f"{cut:+.2%} {t('kpi_reduction')}" if cut is not None else None,
                   delta_color="inverse", help=t("help_visits"))
    bound = k.get("visits_lower_bound")
    one_round = k.get("visits_lower_bound_all_in_one_round")
    cols[3].metric(t("kpi_bound"), f"{bound:,.1f}" if bound is not None else "—",
                   f"{k.get('visits_expected_gap', 0):.1%} · {one_round:,.1f}" if one_round is not None else None,
                   delta_color="off", help=t("help_bound"))
    cols[4].metric(t("kpi_expected"), f"{k['visits_expected']:,.1f}" if k.get("visits_expected") is not None else "—",
                   help=t("help_expected"))
    cols = st.columns(6)
    cols[0].metric(t("kpi_item_coverage"), f"{k['item_coverage']:.0%}")
    cols[1].metric(t("kpi_joint_rate"), f"{k['joint_inspection_rate']:.0%}")
    cols[2].metric(t("kpi_firm_share"), f"{k['share_of_firms_inspected']:.2%}")
    cols[3].metric(t("kpi_capped"), f"{k['capped_subjects']:,}")
    cols[4].metric(t("kpi_replaced"), f"{k['replacements']:,}")
    cols[5].metric(t("kpi_unplaced"), f"{k['unplaced_pairs']:,}")


def _unplaced(plan) -> None:
    """Every drawn pair left without a visit, in the page's language with names: the cause and what would fix it.
    A drawn subject who is never visited means the random sample was not carried out."""
    import polars as pl

    unplaced = plan.bundle.unplaced
    if unplaced.height == 0:
        return
    lang = current_lang()
    departments = {d.id: d.name for d in plan.scenario.spec.departments}
    tasks = {x.id: x.name for x in plan.scenario.tasks}
    subjects = plan.scenario.subjects.select("subject_id", pl.col("name").alias("subject_name"))
    reason = "reason_zh" if lang == "zh" and "reason_zh" in unplaced.columns else "reason"
    text = pl.col(reason)
    for code, name in sorted(departments.items(), key=lambda kv: -len(kv[0])):  # longer ids first
        text = text.str.replace_all(rf"\b{code}\b", name)
    table = unplaced.join(subjects, on="subject_id", how="left").select(
        pl.col("subject_name").fill_null(pl.col("subject_id")).alias(t("unplaced_subject")),
        pl.col("task_id").replace_strict(tasks, default=pl.col("task_id")).alias(t("unplaced_task")),
        text.alias(t("unplaced_reason")))
    st.error(t("unplaced_pairs_title", n=unplaced.height))
    if table.height <= 30:  # a few pairs: a static table, so each long reason wraps instead of being cut off
        st.table(table.to_pandas().set_index(t("unplaced_subject")))
    else:
        st.dataframe(table, hide_index=True, width="stretch")


def _legal_warnings(plan) -> None:
    """The warnings the policy's rules raised on this plan (法规提示), each with its source, in the page's language."""
    warnings = plan.run.results.warnings
    if warnings.height == 0:
        return
    column = "message_zh" if current_lang() == "zh" else "message"
    with st.expander(f"{t('legal_warnings')} ({warnings.height})", expanded=False):
        for row in warnings.select(column, "source", "rule_id").iter_rows(named=True):
            st.warning(f"{row[column]}（{row['source'] or row['rule_id']}）")


def render(run: Run | None) -> None:
    st.header(t("page_dashboard"))
    if run is None:
        st.info(t("no_run"))
        return
    st.caption(f"{t('current_run')}: **{run.label}** · {run.plan.kpis['subjects_visited']:,} "
               f"{t('kpi_subjects_visited')} · {run.plan.kpis['sample_sizes_met']}/{run.plan.kpis['tasks']} "
               f"{t('kpi_sample_met')}")
    headline(run)
    plan = run.plan
    _unplaced(plan)
    notes = [*solver_notes(plan), *plan.bundle.problems, *plan.teams.problems]
    if notes:
        with st.expander(f"{t('solver_notes')} ({len(notes)})", expanded=True):
            lang = current_lang()
            names = plan_names(plan.scenario, notes, lang)
            for line in notes:
                st.warning(note_text(line, lang, names))
    _legal_warnings(plan)
    st.subheader(t("heatmap"))
    st.altair_chart(charts.heatmap(figures.heat_frame(plan)), width="stretch")
    left, right = st.columns([1, 1])
    with left:
        st.subheader(t("visits_compare"))
        st.altair_chart(charts.visits_bar(figures.visits_compared(plan.kpis)), width="stretch")
    with right:
        st.subheader(t("distribution"))
        st.altair_chart(charts.distribution(figures.distribution_frame(plan)), width="stretch")
    net, gantt = st.tabs([t("network"), t("gantt")])
    with net:
        nodes, edges = figures.network_frames(figures.pairing_graph(plan))
        st.altair_chart(charts.network(nodes, edges), width="content")  # drawn at the size its labels were placed for
    with gantt:
        st.altair_chart(charts.gantt(figures.gantt_frame(plan)), width="stretch")
    with st.expander(t("stage_seconds")):
        stages = {**plan.stage_seconds, "total": run.seconds}
        st.dataframe({t("stage"): [t("stage_" + k) for k in stages],
                      t("seconds"): [round(v, 2) for v in stages.values()]}, hide_index=True)
        st.dataframe({kpi_label(k): [str(v)] for k, v in plan.kpis.items()}, hide_index=True)
