"""The tables behind the app's pictures and grids, computed from a :class:`Plan` with polars.

Pure functions (no Streamlit), so tests can check the figures the planner sees.
"""

from __future__ import annotations

import math
from itertools import combinations

import networkx as nx
import polars as pl

from optimizer.plan import Plan

__all__ = ["reduction", "visits_compared", "heat_frame", "pairing_graph", "network_frames", "label_boxes", "label_width", "LABEL_FONT",
           "NETWORK_SIZE", "gantt_frame",
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


NETWORK_SIZE = (760, 480)  # the network picture's width and height in pixels (drawn at that size)
NETWORK_MARGIN = 60  # room around the layout for dots and labels
LABEL_FONT = 12  # px


def label_width(text: str, font: int = LABEL_FONT) -> float:
    """An upper estimate of the rendered width of ``text``: a CJK character is one em, anything else 0.62 em."""
    return sum(font if ord(c) > 0x2E80 else 0.62 * font for c in text) + 4


def dot_radius(visits: int, most: int) -> float:
    """Radius of a node's dot: area from 60 to 900 px² by visits, as the picture's size scale draws it."""
    area = 60 + (900 - 60) * (visits / most if most else 0)
    return (area / 3.141592653589793) ** 0.5


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def label_boxes(nodes: pl.DataFrame) -> list[tuple[float, float, float, float]]:
    """(left, top, right, bottom) in pixels of every label drawn (rows with a label), centred on (label_x, label_y)."""
    out = []
    for text, x, y in nodes.filter(pl.col("label") != "").select("label", "label_x", "label_y").iter_rows():
        w, h = label_width(text), LABEL_FONT + 4
        out.append((x - w / 2, y - h / 2, x + w / 2, y + h / 2))
    return out


def _place_labels(names: list[str], xs: list[float], ys: list[float], radii: list[float],
                  order: list[int]) -> list[tuple[str, float, float]]:
    """Deterministic greedy placement: nodes in ``order`` (most visits first) try positions around their dot
    (above, below, right, left, the corners, then farther out) and keep the first whose box meets no label
    already placed, no dot and stays in the picture; a node with no free position is left unlabelled (its
    tooltip still names it)."""
    width, height = NETWORK_SIZE
    dots = [(x - r, y - r, x + r, y + r) for x, y, r in zip(xs, ys, radii)]
    placed: list[tuple[float, float, float, float]] = []
    out: list[tuple[str, float, float]] = [("", x, y) for x, y in zip(xs, ys)]
    for i in order:
        w, h = label_width(names[i]), LABEL_FONT + 4
        r = radii[i] + 2
        for step in range(5):
            gap = r + step * h * 0.75
            candidates = [(0, -(gap + h / 2)), (0, gap + h / 2), (gap + w / 2, 0), (-(gap + w / 2), 0),
                          (gap + w / 2, -(gap + h / 2)), (-(gap + w / 2), -(gap + h / 2)),
                          (gap + w / 2, gap + h / 2), (-(gap + w / 2), gap + h / 2)]
            for dx, dy in candidates:
                cx, cy = xs[i] + dx, ys[i] + dy
                box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                if box[0] < 0 or box[1] < 0 or box[2] > width or box[3] > height:
                    continue
                if any(_overlaps(box, other) for other in placed) or any(_overlaps(box, d) for d in dots):
                    continue
                placed.append(box)
                out[i] = (names[i], cx, cy)
                break
            else:
                continue
            break
    return out


def _apart(names: list[str], px: dict, py: dict, radii: list[float], gap: float = 6,
           rounds: int = 300) -> tuple[dict, dict]:
    """Push overlapping dots apart (each pair at least the sum of its radii plus ``gap``), inside the margins;
    a fixed number of rounds in a fixed order, so the same graph gives the same picture."""
    width, height = NETWORK_SIZE
    xs, ys = [px[n] for n in names], [py[n] for n in names]
    for _ in range(rounds):
        moved = False
        for i, j in combinations(range(len(names)), 2):
            dx, dy = xs[j] - xs[i], ys[j] - ys[i]
            dist = math.hypot(dx, dy)
            need = radii[i] + radii[j] + gap
            if dist >= need:
                continue
            if dist < 1e-9:
                dx, dy, dist = math.cos(i + j), math.sin(i + j), 1.0
            push = (need - dist) / 2
            ux, uy = dx / dist, dy / dist
            xs[i], ys[i], xs[j], ys[j] = xs[i] - ux * push, ys[i] - uy * push, xs[j] + ux * push, ys[j] + uy * push
            moved = True
        xs = [min(max(x, NETWORK_MARGIN / 2), width - NETWORK_MARGIN / 2) for x in xs]
        ys = [min(max(y, NETWORK_MARGIN / 2), height - NETWORK_MARGIN / 2) for y in ys]
        if not moved:
            break
    return dict(zip(names, xs)), dict(zip(names, ys))


def network_frames(graph: nx.Graph, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Node positions in pixels of the NETWORK_SIZE picture (seeded spring layout, y downwards), each node's
    label (its department's name) at a place where it meets no other label and no dot (:func:`_place_labels`),
    and edge segments (two rows per edge) for drawing."""
    active = graph.subgraph([n for n in graph if graph.degree(n) or graph.nodes[n]["visits"]])
    # log weights and a wider spring length spread the busy core (a few pairs share hundreds of visits)
    spread = nx.Graph()
    spread.add_nodes_from(active)
    spread.add_weighted_edges_from((a, b, math.log1p(w)) for a, b, w in active.edges(data="weight"))
    n = spread.number_of_nodes()
    pos = nx.spring_layout(spread, seed=seed, weight="weight", k=2 / math.sqrt(n)) if n else {}
    width, height = NETWORK_SIZE
    if pos:
        xs0, ys0 = [float(p[0]) for p in pos.values()], [float(p[1]) for p in pos.values()]
        span_x, span_y = (max(xs0) - min(xs0)) or 1.0, (max(ys0) - min(ys0)) or 1.0
        px = {n: NETWORK_MARGIN + (float(p[0]) - min(xs0)) / span_x * (width - 2 * NETWORK_MARGIN) for n, p in pos.items()}
        py = {n: NETWORK_MARGIN + (max(ys0) - float(p[1])) / span_y * (height - 2 * NETWORK_MARGIN) for n, p in pos.items()}
    else:
        px, py = {}, {}
    order_nodes = list(pos)
    visits = [graph.nodes[n]["visits"] for n in order_nodes]
    most = max(visits, default=0)
    radii = [dot_radius(v, most) for v in visits]
    px, py = _apart(order_nodes, px, py, radii)
    names = [graph.nodes[n]["name"] for n in order_nodes]
    order = sorted(range(len(order_nodes)), key=lambda i: (-visits[i], order_nodes[i]))
    labels = _place_labels(names, [px[n] for n in order_nodes], [py[n] for n in order_nodes], radii, order)
    nodes = pl.DataFrame({
        "department": order_nodes, "name": names, "visits": visits,
        "x": [px[n] for n in order_nodes], "y": [py[n] for n in order_nodes], "radius": radii,
        "label": [lab[0] for lab in labels], "label_x": [lab[1] for lab in labels], "label_y": [lab[2] for lab in labels],
    }, schema={"department": pl.String, "name": pl.String, "visits": pl.Int64, "x": pl.Float64, "y": pl.Float64,
               "radius": pl.Float64, "label": pl.String, "label_x": pl.Float64, "label_y": pl.Float64})
    rows = []
    for i, (a, b, w) in enumerate(active.edges(data="weight")):
        pair = f"{graph.nodes[a]['name']}–{graph.nodes[b]['name']}"
        for end in (a, b):
            rows.append({"edge": i, "pair": pair, "weight": w, "x": px[end], "y": py[end]})
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
