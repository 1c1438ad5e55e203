"""The tables behind the app's pictures and grids, computed from a :class:`Plan` with polars.

Pure functions (no Streamlit), so tests can check the figures the planner sees.
"""

from __future__ import annotations

from itertools import combinations

import networkx as nx
import polars as pl

from optimizer.plan import Plan

__all__ = ["reduction", "visits_compared", "heat_frame", "pairing_graph", "network_frames", "gantt_frame",
           "distribution_frame", "visits_table", "kpi_compare"]


def reduction(kpis: dict) -> float | None:
    """Share of single-department subject-visits saved by the plan (−74.98% style), or None."""
    single = kpis.get("subject_visits_single_department") or 0
    return (kpis["visits"] - single) / single if single else None


def visits_compared(kpis: dict) -> pl.DataFrame:
    """The four visit figures of the headline, in the order a planner reads them."""
    keys = ["subject_visits_single_department", "visits_independent_joint", "visits", "visits_lower_bound"]
    return pl.DataFrame({"key": keys, "value": [float(kpis.get(k) or 0) for k in keys]})


def heat_frame(plan: Plan) -> pl.DataFrame:
    """Per department and ISO week: visits, officer-visits and weekly capacity (every week of the year)."""
    scenario = plan.scenario
    capacity = scenario.officers.group_by("department").agg(pl.col("weekly_capacity").sum().cast(pl.Int64).alias("capacity"))
    visits = plan.visits.select("visit_id", "week", pl.col("departments").alias("department")).explode("department")
    per_visit = visits.group_by("department", "week").agg(pl.len().cast(pl.Int64).alias("visits"))
    officer = plan.teams.assignments.join(plan.visits.select("visit_id", "week"), on="visit_id") \
        .group_by("department", "week").agg(pl.len().cast(pl.Int64).alias("officer_visits"))
    last = max(52, int(plan.visits["week"].max() or 52))
    names = scenario.departments
    grid = pl.DataFrame({"department": list(names), "department_name": [d.name for d in names.values()]}).join(
        pl.DataFrame({"week": pl.Series(range(1, last + 1), dtype=plan.visits.schema["week"])}), how="cross")
    return grid.join(per_visit, on=["department", "week"], how="left") \
        .join(officer, on=["department", "week"], how="left").join(capacity, on="department", how="left") \
        .with_columns(pl.col("visits", "officer_visits", "capacity").fill_null(0)) \
        .with_columns(pl.when(pl.col("capacity") > 0).then(pl.col("officer_visits") / pl.col("capacity"))
                      .otherwise(None).alias("utilisation")).sort("department", "week")


def pairing_graph(plan: Plan | None, scenario=None) -> nx.Graph:
    """Departments joined by the number of visits they share (or, before any plan, the tasks they share)."""
    scenario = plan.scenario if plan is not None else scenario
    graph = nx.Graph()
    for dept, d in scenario.departments.items():
        graph.add_node(dept, name=d.name, visits=0)
    groups = plan.visits["departments"].to_list() if plan is not None else [t.departments for t in scenario.tasks]
    for group in groups:
        for dept in group:
            graph.nodes[dept]["visits"] += 1
        for a, b in combinations(sorted(set(group)), 2):
            weight = graph.edges[a, b]["weight"] + 1 if graph.has_edge(a, b) else 1
            graph.add_edge(a, b, weight=weight)
    return graph


def network_frames(graph: nx.Graph, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Node positions (spring layout, seeded) and edge segments (two rows per edge) for drawing."""
    active = graph.subgraph([n for n in graph if graph.degree(n) or graph.nodes[n]["visits"]])
    pos = nx.spring_layout(active, seed=seed, weight="weight") if active.number_of_nodes() else {}
    nodes = pl.DataFrame({
        "department": list(pos), "name": [graph.nodes[n]["name"] for n in pos],
        "visits": [graph.nodes[n]["visits"] for n in pos],
        "x": [float(p[0]) for p in pos.values()], "y": [float(p[1]) for p in pos.values()],
    }, schema={"department": pl.String, "name": pl.String, "visits": pl.Int64, "x": pl.Float64, "y": pl.Float64})
    rows = []
    for i, (a, b, w) in enumerate(active.edges(data="weight")):
        for end in (a, b):
            rows.append({"edge": i, "pair": f"{a}–{b}", "weight": w, "x": float(pos[end][0]), "y": float(pos[end][1])})
    edges = pl.DataFrame(rows, schema={"edge": pl.Int64, "pair": pl.String, "weight": pl.Int64, "x": pl.Float64, "y": pl.Float64})
    return nodes, edges


def gantt_frame(plan: Plan) -> pl.DataFrame:
    """Each task's window as planned and as aligned (with its round), two rows per task."""
    planned = pl.DataFrame({
        "task_id": [t.id for t in plan.scenario.tasks], "task_name": [t.name for t in plan.scenario.tasks],
        "start": [t.window.start for t in plan.scenario.tasks], "end": [t.window.end for t in plan.scenario.tasks],
    }).with_columns(pl.lit("as_planned").alias("kind"), pl.lit(None, pl.Int32).alias("round"))
    aligned = plan.run.rounds.select("task_id", "start", "end", pl.col("round").cast(pl.Int32)).join(
        planned.select("task_id", "task_name"), on="task_id").with_columns(pl.lit("aligned").alias("kind"))
    return pl.concat([planned, aligned.select(planned.columns)]).sort("task_id", "kind", descending=[False, True])


def distribution_frame(plan: Plan) -> pl.DataFrame:
    """Subjects per risk class by number of visits in the plan (0 = drawn from, but not visited)."""
    counts = plan.visits.group_by("subject_id").agg(pl.len().cast(pl.Int64).alias("n_visits"))
    eligible = plan.run.draw.draws.select("subject_id").unique()
    frame = eligible.join(plan.scenario.subjects.select("subject_id", pl.col("risk_class").cast(pl.String)),
                          on="subject_id").join(counts, on="subject_id", how="left") \
        .with_columns(pl.col("n_visits").fill_null(0))
    return frame.filter(pl.col("n_visits") > 0).group_by("risk_class", "n_visits") \
        .agg(pl.len().cast(pl.Int64).alias("subjects")).sort("risk_class", "n_visits")


def visits_table(plan: Plan) -> pl.DataFrame:
    """Visits with subject details, departments and items by name, and their team ("王敏（区市场监管局）")."""
    scenario = plan.scenario
    departments = {d.id: d.name for d in scenario.spec.departments}
    items = {i.id: i.name for i in scenario.spec.items}
    officers = scenario.officers.select("officer_id", pl.col("name").alias("officer_name"))
    teams = plan.teams.assignments.join(officers, on="officer_id", how="left").sort("visit_id", "department", "officer_id") \
        .group_by("visit_id", maintain_order=True).agg(
            pl.format("{}（{}）", pl.col("officer_name").fill_null(pl.col("officer_id")),
                      pl.col("department").replace_strict(departments, default=pl.col("department"))).str.join("、").alias("team"))
    subjects = scenario.subjects.select("subject_id", pl.col("name").alias("subject_name"),
                                        pl.col("risk_class").cast(pl.String), "grid")
    named = lambda column, names: pl.col(column).list.eval(  # noqa: E731 - one expression, used twice
        pl.element().replace_strict(names, default=pl.element())).list.join("、")
    return plan.visits.join(subjects, on="subject_id", how="left").join(teams, on="visit_id", how="left").select(
        "visit_id", "date", "week", "subject_id", "subject_name", "risk_class", "grid",
        named("departments", departments).alias("departments"), pl.col("task_ids").list.join("、"),
        named("items", items).alias("items"),
        pl.col("team").fill_null(""), "inspection_code", "round", pl.col("departments").alias("department_list"),
    ).sort("date", "subject_id", "visit_id")  # visit ids carry no order (issue 14): the planner reads by date


def kpi_compare(a: dict, b: dict) -> pl.DataFrame:
    """Every numeric KPI of two runs side by side, with B − A."""
    keys = [k for k in a if isinstance(a.get(k), (int, float)) or isinstance(b.get(k), (int, float))]
    va = [float(a[k]) if isinstance(a.get(k), (int, float)) else None for k in keys]
    vb = [float(b[k]) if isinstance(b.get(k), (int, float)) else None for k in keys]
    return pl.DataFrame({"key": keys, "a": va, "b": vb}).with_columns((pl.col("b") - pl.col("a")).round(6).alias("delta"))
