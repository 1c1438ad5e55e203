"""Page ⑤: two runs side by side — every KPI with B − A, the visit figures as bars, and their settings."""

from __future__ import annotations

import polars as pl
import streamlit as st

from ui.i18n import current_lang, kpi_label, t
from ui.webapp.charts import pictures as charts
from ui.webapp.charts.figures import kpi_compare
from ui.webapp.state import runs
from ui.webapp.whatif import describe

__all__ = ["render"]


def render() -> None:
    st.header(t("page_compare"))
    done = runs()
    if len(done) < 2:
        st.info(t("need_two_runs"))
        return
    labels = {r.id: r.label for r in done}
    ids = list(labels)
    c1, c2 = st.columns(2)
    a_id = c1.selectbox(t("run_a"), ids, index=len(ids) - 2, format_func=labels.get, key="cmp_a")
    b_id = c2.selectbox(t("run_b"), ids, index=len(ids) - 1, format_func=labels.get, key="cmp_b")
    a = next(r for r in done if r.id == a_id)
    b = next(r for r in done if r.id == b_id)
    if a.scenario_hash != b.scenario_hash:
        st.error(t("compare_other_scenario", a=a.scenario_name, b=b.scenario_name))
        return
    lang = current_lang()  # polars may call the label function from its own threads: bind the language here
    frame = kpi_compare(a.plan.kpis, b.plan.kpis)
    c1.metric(t("kpi_visits") + " A", f"{a.plan.kpis['visits']:,}")
    c2.metric(t("kpi_visits") + " B", f"{b.plan.kpis['visits']:,}",
              f"{b.plan.kpis['visits'] - a.plan.kpis['visits']:+,}", delta_color="inverse")
    st.altair_chart(charts.compare_bar(frame, f"A #{a.id}", f"B #{b.id}"), width="stretch")
    table = frame.with_columns(pl.col("key").map_elements(lambda k: kpi_label(k, lang), return_dtype=pl.String).alias(t("indicator"))) \
        .select(t("indicator"), pl.col("a").alias(f"A #{a.id}"), pl.col("b").alias(f"B #{b.id}"),
                pl.col("delta").alias(t("delta")))
    st.dataframe(table, hide_index=True, width="stretch")
    st.subheader(t("settings"))
    s1, s2 = st.columns(2)
    for col, run in ((s1, a), (s2, b)):
        col.markdown(f"**#{run.id}** {run.scenario_name} · {run.whatif.policy} · {t('mode_' + run.whatif.mode)}")
        changes = describe(run.whatif, run.plan.scenario, lang)  # in the page's language, one line per change
        col.markdown("\n".join(f"- {line}" for line in changes) or "—")
