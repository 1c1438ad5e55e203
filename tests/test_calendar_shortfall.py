"""The shortfall the alignment minimises first (optimizer.calendar.load.shortfall, effective_capacity), against
exact answers: a maximum flow of demands into weeks, and brute force over teams of distinct officers."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from optimizer.calendar.load import effective_capacity, shortfall


def _unserved_by_flow(demand: np.ndarray, capacity: np.ndarray) -> float:
    """Least demand no fractional assignment to weeks serves: total demand − maximum flow."""
    graph = nx.DiGraph()
    weeks = demand.shape[0]
    for a, b in zip(*np.nonzero(demand)):
        graph.add_edge("s", ("d", a, b), capacity=float(demand[a, b]))
        for w in range(a, b + 1):
            graph.add_edge(("d", a, b), ("w", w), capacity=float("inf"))
    for w in range(weeks):
        graph.add_edge(("w", w), "t", capacity=float(capacity[w]))
    if "s" not in graph:
        return 0.0
    return float(demand.sum()) - nx.maximum_flow_value(graph, "s", "t")


@pytest.mark.parametrize("seed", range(40))
def test_the_shortfall_is_what_no_assignment_of_demand_to_weeks_can_serve(seed: int) -> None:
    rng = np.random.default_rng(seed)
    weeks = int(rng.integers(1, 9))
    demand = np.zeros((weeks, weeks))
    for _ in range(int(rng.integers(1, 8))):
        a = int(rng.integers(0, weeks))
        b = int(rng.integers(a, weeks))
        demand[a, b] += float(rng.integers(1, 20))
    capacity = rng.integers(0, 12, weeks).astype(float)
    value, worst = shortfall(demand, capacity)
    assert value == pytest.approx(_unserved_by_flow(demand, capacity), abs=1e-9)
    if value > 0:  # the certificate: demand inside the worst weeks exceeds their capacity
        a, b = worst
        assert demand[a:b + 1, a:b + 1].sum() > capacity[a:b + 1].sum()
    else:
        assert worst is None


def test_a_department_at_its_limit_is_not_short_and_one_visit_more_is() -> None:
    demand = np.zeros((3, 3))
    demand[0, 2] = 30.0  # movable over three weeks of 10
    assert shortfall(demand, np.full(3, 10.0))[0] == 0.0
    demand[1, 1] = 1.0   # one officer-visit more, which only the middle week can take
    assert shortfall(demand, np.full(3, 10.0)) == (pytest.approx(1.0), (0, 2))


def _most_visits(caps: list[int], per_visit: int) -> int:
    """Brute force: the most visits of ``per_visit`` distinct officers within each officer's capacity."""
    best = 0
    teams = list(itertools.combinations(range(len(caps)), per_visit))
    def grow(left: list[int], count: int, start: int) -> None:
        nonlocal best
        best = max(best, count)
        for k in range(start, len(teams)):
            team = teams[k]
            if all(left[i] > 0 for i in team):
                for i in team:
                    left[i] -= 1
                grow(left, count + 1, k)
                for i in team:
                    left[i] += 1
    grow(list(caps), 0, 0)
    return best


@pytest.mark.parametrize(("caps", "per_visit"), [
    ([15], 2), ([15, 0], 2), ([5, 5, 5], 2), ([7, 1, 1], 2), ([3, 3], 2), ([4, 2, 1], 3), ([3, 3, 3, 1], 2), ([6], 1),
])
def test_teams_of_distinct_officers_use_what_brute_force_finds(caps: list[int], per_visit: int) -> None:
    assert effective_capacity(caps, per_visit) == per_visit * _most_visits(caps, per_visit)
