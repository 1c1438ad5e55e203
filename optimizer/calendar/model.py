"""The CP-SAT model of calendar alignment over *items*: tasks, or whole rounds held fixed by a neighbourhood.

An item i has an anchor interval [lo_i, hi_i] (the anchor days at which all its tasks can share the
round's days, :func:`optimizer.calendar.bound.anchor_intervals`) and a column P[:, i] of probabilities per
merged subject profile (the max over its tasks). Items choose an anchor *point*; items on the same point
form one round. Only the items' own lo's are needed as points: a group with a common point has the
common interval [max lo, min hi], which holds max lo.

* ``at(item, point)``: item i is in the round at that point; exactly one per item.
* ``top(profile, point) ≥ P[g, i] · at(i, point)``: profile g's largest π in that round.
* cut ``Σ_point top(g, point) ≥ best grouping of g`` (:mod:`optimizer.calendar.bound`): each profile on
  its own cannot do better, so the LP relaxation starts at the per-profile bound.  (The best grouping of g's *tasks* is also valid on a neighbourhood's items, but
  much weaker there: tried, it made each neighbourhood five times as long to solve.)

Objective: Σ_g w_g Σ_point top(g, point) (integer units: w in 10⁻² subject·π, P in 10⁻⁴).
The solve is deterministic: one worker, a fixed seed and a deterministic time limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from ortools.sat.python import cp_model

from optimizer.calendar.bound import (
    EXACT_MAX_TASKS,
    best_grouping,
    grouping_cost,
    threshold_bound,
)

__all__ = ["ItemModel", "LoadTerm", "Solved", "solve_items", "profile_floor"]


@dataclass(frozen=True)
class ItemModel:
    """Items (names, intervals) and profiles (weights, P: profiles × items, integer units)."""

    names: list[str]
    lo: np.ndarray
    hi: np.ndarray
    weights: np.ndarray
    P: np.ndarray


@dataclass(frozen=True)
class Solved:
    points: list[int] | None  # item → chosen point, None when no solution
    value: int
    bound: float
    status: str
    deterministic_time: float


def profile_floor(model: ItemModel, g: int) -> int:
    """The least Σ max π profile g can reach on its own (exact up to EXACT_MAX_TASKS items, else a bound)."""
    items = np.flatnonzero(model.P[g])
    return _floor(tuple((int(model.lo[i]), int(model.hi[i]), int(model.P[g, i])) for i in items))


@lru_cache(maxsize=65536)
def _floor(key: tuple[tuple[int, int, int], ...]) -> int:
    ivs = [(lo, hi) for lo, hi, _ in key]
    pis = [float(p) for _, _, p in key]
    if len(key) <= EXACT_MAX_TASKS:
        return int(round(grouping_cost(best_grouping(ivs, pis), pis)))
    return int(np.floor(threshold_bound(ivs, pis) + 1e-9))


@dataclass(frozen=True)
class LoadTerm:
    """The alignment's overload penalty on items (:class:`optimizer.calendar.load.LoadModel`).

    ``contribution(i, x)``: item i's (departments, first week, last week, officer-visits: departments × weeks) if its
    round is anchored at x; ``base``: departments × weeks of load from outside the items; ``weight``: objective
    units per officer-visit of overload (λ). Adds o_dw ≥ base_dw + Σ_{i,x} load_i(x)_dw · at(i, x) − capacity_dw,
    o_dw ≥ 0 (in 10⁻³ officer-visits) and λ Σ o_dw to the objective. Items anchored together add their loads,
    which can only overstate a round's (each profile's max over the round is at most the sum over its items);
    the search re-prices every trial exactly.
    """

    contribution: object  # Callable[[int, int], tuple[np.ndarray, int, int, np.ndarray]]
    base: np.ndarray
    capacity: np.ndarray  # departments × weeks
    weight: float


def _add_load_term(cp: cp_model.CpModel, at: dict, term: LoadTerm, hint: list[int] | None) -> list:
    cells: dict[tuple[int, int], list] = {}
    for (i, x), var in sorted(at.items()):
        deps, w0, _, matrix = term.contribution(i, x)
        for k, d in enumerate(deps):
            for j, v in enumerate(matrix[k]):
                milli = int(round(float(v) * 1000))
                if milli > 0:
                    cells.setdefault((int(d), w0 + j), []).append((milli, var, i, x))
    per_milli = int(round(term.weight / 1000))  # objective units per 10⁻³ officer-visit
    objective = []
    for (d, w), parts in sorted(cells.items()):
        fixed = int(round(float(term.base[d, w]) * 1000)) - int(round(float(term.capacity[d, w]) * 1000))
        most = fixed + sum(m for m, _, _, _ in parts)
        if most <= 0:
            continue  # never over capacity, whatever the items do
        over = cp.new_int_var(0, most, f"over(department={d}, week={w})")
        cp.add(over >= fixed + sum(m * var for m, var, _, _ in parts))
        if hint is not None:
            cp.add_hint(over, max(0, fixed + sum(m for m, _, i, x in parts if hint[i] == x)))
        objective.append(over)
    return [per_milli * sum(objective)] if objective and per_milli > 0 else []


def solve_items(model: ItemModel, hint: list[int] | None, deterministic_time: float, seed: int,
                relative_gap: float, log: bool = False, load: LoadTerm | None = None, presolve: bool = False) -> Solved:
    """Build and solve the model above; ``hint`` gives each item's point; ``load`` adds the overload penalty."""
    cp = cp_model.CpModel()
    points = sorted(set(int(x) for x in model.lo))
    at: dict[tuple[int, int], cp_model.IntVar] = {}
    for i, name in enumerate(model.names):
        mine = [x for x in points if model.lo[i] <= x <= model.hi[i]]
        for x in mine:
            at[(i, x)] = cp.new_bool_var(f"at(item={name}, anchor_day={x})")
        cp.add_exactly_one(at[(i, x)] for x in mine)
        if hint is not None:
            for x in mine:
                cp.add_hint(at[(i, x)], hint[i] == x)
    terms = []
    for g in range(model.P.shape[0]):
        items = np.flatnonzero(model.P[g])
        if len(items) < 2:
            continue
        tops = []
        for x in points:
            here = [(int(i), int(model.P[g, i])) for i in items if (int(i), x) in at]
            if not here:
                continue
            top = cp.new_int_var(0, max(p for _, p in here), f"top(profile={g}, anchor_day={x})")
            for i, p in here:
                cp.add(top >= p * at[(i, x)])
            if hint is not None:
                cp.add_hint(top, max([p for i, p in here if hint[i] == x], default=0))
            tops.append(top)
        cp.add(sum(tops) >= profile_floor(model, g)).with_name(f"cut(profile={g})")
        terms.append(int(model.weights[g]) * sum(tops))
    if load is not None:
        terms.extend(_add_load_term(cp, at, load, hint))
    cp.minimize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = deterministic_time
    solver.parameters.relative_gap_limit = relative_gap
    solver.parameters.log_search_progress = log
    # small models solved many times: presolve, probing and symmetry detection cost more wall time than they
    # save (stress-80, 30k: same calendar, alignment 7.2 → 4.6 CPU s)
    if not presolve:
        solver.parameters.cp_model_presolve = False
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
    status = solver.solve(cp)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Solved(None, 0, 0.0, name, solver.deterministic_time)
    chosen = [next(x for x in points if (i, x) in at and solver.boolean_value(at[(i, x)])) for i in range(len(model.names))]
    return Solved(chosen, int(round(solver.objective_value)), solver.best_objective_bound, name, solver.deterministic_time)
