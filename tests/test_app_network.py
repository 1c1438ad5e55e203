"""The department-pairing network on the dashboard: labels never overlap one another or a dot, and stay in
the picture. Checked on label boxes computed from the figure's own data (positions in the picture's pixels,
text widths estimated from above) and on the chart spec drawing them at those pixels."""

from __future__ import annotations

import random
from itertools import combinations
from pathlib import Path

import networkx as nx
import pytest

from scenarios import load_scenario
from ui.webapp.charts.figures import (
    NETWORK_SIZE,
    label_boxes,
    network_frames,
    pairing_graph,
)

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _assert_readable(nodes) -> None:
    boxes = label_boxes(nodes)
    width, height = NETWORK_SIZE
    for a, b in combinations(boxes, 2):
        assert not _overlap(a, b), f"labels overlap: {a} {b}"
    dots = [(x - r, y - r, x + r, y + r) for x, y, r in nodes.select("x", "y", "radius").iter_rows()]
    for (xa, ya, ra), (xb, yb, rb) in combinations(nodes.select("x", "y", "radius").iter_rows(), 2):
        assert ((xa - xb) ** 2 + (ya - yb) ** 2) ** 0.5 >= ra + rb, "two dots overlap"
    for box in boxes:
        assert box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height, f"label cut off: {box}"
        assert not any(_overlap(box, dot) for dot in dots), f"label over a dot: {box}"


def _crowded(n: int, seed: int) -> nx.Graph:
    """``n`` departments with long Chinese names, all taking part in many joint tasks (a dense graph)."""
    rng = random.Random(seed)
    graph = nx.Graph()
    for k in range(n):
        graph.add_node(f"D{k}", name=f"区{'市场监督管理消防卫生'[k % 10]}第{k}执法支队", visits=rng.randint(1, 400))
    for a, b in combinations(list(graph), 2):
        if rng.random() < 0.4:
            graph.add_edge(a, b, weight=rng.randint(1, 50))
    return graph


@pytest.mark.parametrize("name", ["tiny", "changning-2024"])
def test_bundled_networks_label_every_department_without_overlap(name):
    scenario = load_scenario(SCENARIOS / name)
    nodes, _ = network_frames(pairing_graph(None, scenario))
    _assert_readable(nodes)
    assert (nodes["label"] == nodes["name"]).all(), "a department of a bundled scenario lost its label"


def test_the_dashboard_network_of_a_changning_plan_labels_every_department():
    from optimizer.plan import make_plan

    plan = make_plan(load_scenario(SCENARIOS / "changning-2024"), "20240301")
    nodes, _ = network_frames(pairing_graph(plan))
    _assert_readable(nodes)
    assert nodes.height == len(plan.scenario.departments)
    assert (nodes["label"] == nodes["name"]).all(), nodes.filter(nodes["label"] == "")["name"].to_list()


@pytest.mark.parametrize("n,seed", [(12, 1), (25, 2), (40, 3)])
def test_crowded_networks_keep_labels_apart_and_label_the_busiest(n, seed):
    nodes, _ = network_frames(_crowded(n, seed))
    _assert_readable(nodes)
    busiest = nodes.sort("visits", "department", descending=[True, False]).row(0, named=True)
    assert busiest["label"] == busiest["name"]
    unlabelled = nodes.filter(nodes["label"] == "")
    assert unlabelled.height < n  # labels are left off only where there is no room
    assert nodes.height == n


def test_the_chart_draws_labels_at_the_pixels_they_were_placed_at():
    from ui.webapp.charts.pictures import network

    scenario = load_scenario(SCENARIOS / "tiny")
    nodes, edges = network_frames(pairing_graph(None, scenario))
    spec = network(nodes, edges).to_dict()
    width, height = NETWORK_SIZE
    assert (spec["width"], spec["height"]) == (width, height)
    text = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "text")
    assert text["encoding"]["x"]["field"] == "label_x" and text["encoding"]["x"]["scale"]["domain"] == [0, width]
    assert text["encoding"]["y"]["field"] == "label_y" and text["encoding"]["y"]["scale"]["domain"] == [height, 0]
    assert text["mark"]["align"] == "center" and text["mark"]["baseline"] == "middle"
