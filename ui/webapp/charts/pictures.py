"""Altair pictures of a plan, drawn from the tables of :mod:`ui.webapp.charts.figures`."""

from __future__ import annotations

import altair as alt
import polars as pl

from ui.i18n import current_lang, kpi_label, t
from ui.webapp.charts.figures import LABEL_FONT, NETWORK_SIZE

__all__ = ["visits_bar", "heatmap", "network", "gantt", "distribution", "compare_bar"]


def visits_bar(frame: pl.DataFrame) -> alt.Chart:
    """Single-department → today's practice → plan → lower bound, the 2518 → 630 story."""
    lang = current_lang()  # polars may call the label function from its own threads: bind the language here
    data = frame.with_columns(pl.col("key").map_elements(lambda k: kpi_label(k, lang), return_dtype=pl.String).alias("label"))
    order = data["label"].to_list()
    base = alt.Chart(data.to_pandas()).encode(
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelOverlap=False, labelLimit=240)),
        x=alt.X("value:Q", title=t("visits")),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("key:N", legend=None, scale=alt.Scale(
            domain=frame["key"].to_list(), range=["#9e9e9e", "#f2a541", "#d1495b", "#2e86ab"])),
        tooltip=["label:N", alt.Tooltip("value:Q", format=",.1f")],
    )
    text = base.mark_text(align="left", dx=4).encode(text=alt.Text("value:Q", format=",.0f"))
    return (bars + text).properties(height=200)


def heatmap(frame: pl.DataFrame) -> alt.Chart:
    """Departments × ISO weeks, coloured by officer-visits over weekly capacity; visits written in cells."""
    data = frame.with_columns(pl.col("department_name").alias("label")).to_pandas()  # names, not ids
    base = alt.Chart(data).encode(
        x=alt.X("week:O", title=t("week"), axis=alt.Axis(labelAngle=0, values=list(range(1, 54, 4)))),
        y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelOverlap=False, labelLimit=220)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color("utilisation:Q", title=t("utilisation"),
                        scale=alt.Scale(domain=[0, 0.5, 1], range=["#f4f6f8", "#fdae61", "#a50026"], clamp=True)),
        tooltip=[alt.Tooltip("label:N", title=t("departments")), alt.Tooltip("week:O", title=t("week")),
                 alt.Tooltip("visits:Q", title=t("visits")), alt.Tooltip("officer_visits:Q", title=t("officer_visits")),
                 alt.Tooltip("capacity:Q", title=t("capacity")),
                 alt.Tooltip("utilisation:Q", title=t("utilisation"), format=".0%")],
    )
    text = base.mark_text(fontSize=9).encode(
        text=alt.condition("datum.visits > 0", alt.Text("visits:Q"), alt.value("")),
        color=alt.condition("datum.utilisation > 0.7", alt.value("white"), alt.value("#333")),
    )
    return (cells + text).properties(height=alt.Step(22))


def network(nodes: pl.DataFrame, edges: pl.DataFrame) -> alt.Chart:
    """Departments placed by a seeded spring layout; edge width = visits shared; dot area = visits. Drawn at
    the pixel size the layout was made for (``NETWORK_SIZE``, linear scales on [0, size]) so the labels sit
    where :func:`figures.network_frames` placed them: none over another or over a dot."""
    width, height = NETWORK_SIZE
    x = dict(axis=None, scale=alt.Scale(domain=[0, width], nice=False, zero=False))
    y = dict(axis=None, scale=alt.Scale(domain=[height, 0], nice=False, zero=False))  # pixels, y downwards
    most = int(nodes["visits"].max() or 0) if nodes.height else 0
    lines = alt.Chart(edges.to_pandas()).mark_line(color="#888", opacity=0.6).encode(
        x=alt.X("x:Q", **x), y=alt.Y("y:Q", **y), detail="edge:N",
        strokeWidth=alt.StrokeWidth("weight:Q", scale=alt.Scale(range=[0.5, 8]), legend=None),
        tooltip=[alt.Tooltip("pair:N", title=t("departments")), alt.Tooltip("weight:Q", title=t("visits"))],
    )
    base = alt.Chart(nodes.to_pandas())
    dots = base.mark_circle(color="#d1495b", opacity=0.9).encode(
        x=alt.X("x:Q", **x), y=alt.Y("y:Q", **y),
        size=alt.Size("visits:Q", scale=alt.Scale(domain=[0, max(most, 1)], range=[60, 900]), legend=None),
        tooltip=[alt.Tooltip("name:N", title=t("departments")), alt.Tooltip("visits:Q", title=t("visits"))],
    )
    labels = base.transform_filter(alt.datum.label != "").mark_text(
        fontSize=LABEL_FONT, align="center", baseline="middle").encode(
        x=alt.X("label_x:Q", **x), y=alt.Y("label_y:Q", **y), text="label:N")
    return (lines + dots + labels).properties(width=width, height=height)


def gantt(frame: pl.DataFrame) -> alt.Chart:
    """Each task's window as planned (grey) and aligned (coloured by round). Months as numbers in Chinese
    (Vega's month names are English); twenty colours, so rounds do not share one until the twenty-first."""
    lang = current_lang()
    data = frame.with_columns(
        pl.col("kind").replace({"as_planned": t("as_planned", lang), "aligned": t("aligned", lang)}).alias("kind_label"),
        pl.format("{} {}", "task_id", "task_name").alias("label"),
        pl.col("round").cast(pl.String).fill_null("—").alias("round_label"),
    ).to_pandas()
    rounds = sorted((str(r) for r in frame["round"].drop_nulls().unique().to_list()), key=lambda r: int(r))
    month = "%-m月" if lang == "zh" else "%b"
    return alt.Chart(data).mark_bar(cornerRadius=2).encode(
        x=alt.X("start:T", title=None, axis=alt.Axis(format=month, tickCount="month")), x2="end:T",
        y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelOverlap=False, labelLimit=320)),
        yOffset=alt.YOffset("kind_label:N", sort=[t("as_planned", lang), t("aligned", lang)]),
        color=alt.condition(alt.datum.kind == "as_planned", alt.value("#c8c8c8"),
                            alt.Color("round_label:N", title=t("round_legend", lang), scale=alt.Scale(domain=rounds, scheme="tableau20"),
                                      legend=alt.Legend(columns=2 if len(rounds) > 10 else 1, symbolLimit=0))),
        tooltip=[alt.Tooltip("label:N", title=t("task", lang)), alt.Tooltip("kind_label:N", title=" "),
                 alt.Tooltip("round_label:N", title=t("round_legend", lang)),
                 alt.Tooltip("start:T", format="%Y-%m-%d", title=t("col_start", lang)),
                 alt.Tooltip("end:T", format="%Y-%m-%d", title=t("col_end", lang))],
    ).properties(height=alt.Step(26))


def distribution(frame: pl.DataFrame) -> alt.Chart:
    """Subjects visited once, twice … per credit-risk class."""
    data = frame.with_columns(pl.col("n_visits").cast(pl.String)).to_pandas()
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("risk_class:N", title=t("risk_class"), sort=["A", "B", "C", "D"], axis=alt.Axis(labelAngle=0)),
        y=alt.Y("subjects:Q", title=t("subjects")),
        color=alt.Color("n_visits:N", title=t("n_visits")),
        tooltip=["risk_class:N", "n_visits:N", "subjects:Q"],
    ).properties(height=260)


def compare_bar(frame: pl.DataFrame, label_a: str, label_b: str) -> alt.Chart:
    """The visit figures of two runs side by side."""
    keys = ["subject_visits_single_department", "visits_independent_joint", "visits", "visits_lower_bound"]
    lang = current_lang()  # polars may call the label function from its own threads: bind the language here
    data = frame.filter(pl.col("key").is_in(keys)).unpivot(index="key", on=["a", "b"], variable_name="run") \
        .with_columns(pl.col("key").map_elements(lambda k: kpi_label(k, lang), return_dtype=pl.String).alias("label"),
                      pl.col("run").replace({"a": label_a, "b": label_b}))
    return alt.Chart(data.to_pandas()).mark_bar().encode(
        y=alt.Y("label:N", title=None, sort=[kpi_label(k, lang) for k in keys],
                axis=alt.Axis(labelOverlap=False, labelLimit=360)),  # whole labels, none cut with "…"
        yOffset="run:N", x=alt.X("value:Q", title=t("visits")), color=alt.Color("run:N", title=None),
        tooltip=["run:N", "label:N", "value:Q"],
    ).properties(height=220)
