"""Visit bundling, part 2: the CP-SAT repair of the subjects the greedy plan could not serve completely.

One model per independent component (subjects coupled by a department-week whose capacity could bind).
Other subjects keep their greedy visits, which are subtracted from each capacity beforehand.

Variables (every one named after what it means):

* ``visit(subject=S, week=2024-W40, slot=k)``: S is visited in that week, on a day of slot k (a maximal set
  of S's tasks that share a working day in the week, :class:`optimizer.bundling.prep.Slot`);
* ``serve(subject=S, task=T, week=…, slot=k)``: that visit serves pair (S, T);
* ``unplaced(subject=S, task=T)``: the pair gets no visit (handed back to the draw's reserve list);
* ``officers(department=D, subject=S, week=…, slot=k)``: officer-visits D spends on the visit, only where
  the visit's tasks ask different numbers of D (elsewhere the count is a fixed multiple of one boolean).

Constraints, hard:

* ``one_visit_or_unplaced(S, T)``: exactly one of the pair's serve variables or its unplaced variable;
* ``served_on_visit``: serve ⇒ visit; ``no_empty_visit``: visit ⇒ some serve;
* ``annual_cap(S)``: Σ visit ≤ the subject's annual cap;
* ``capacity(department=D, week=W)``: Σ officer-visits ≤ weekly capacity − the greedy visits kept outside
  the model. Only department-weeks the model could overfill are written (the others cannot bind).

Objective, lexicographic in two solves: first the fewest unplaced pairs; then, with that many unplaced
at most, the fewest visits. Both solves are deterministic: one worker, a fixed seed, a deterministic
time limit and a relative gap limit from :class:`optimizer.bundling.bundle.BundleConfig`; the second starts from the
first's solution, the first from the greedy plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ortools.sat.python import cp_model

from optimizer.bundling.prep import Prepared, Slot

__all__ = ["BundleVars", "Component", "ComponentSolution", "build_model", "solve_component"]


@dataclass(frozen=True)
class Movable:
    """A neighbour's visit that may move to another week of its window (its tasks stay together)."""

    subject_id: str
    tasks: tuple[str, ...]
    usage: tuple[tuple[str, int], ...]
    weeks: tuple[int, ...]  # candidate weeks
    week: int  # where it is now


@dataclass(frozen=True)
class Component:
    """The data of one sub-model: subjects re-planned from scratch with their slots, neighbours' visits
    that may change week, the capacities that can bind, and a starting plan."""

    subjects: tuple[str, ...]
    slots: dict[str, list[Slot]]
    movable: tuple[Movable, ...]
    residual: dict[tuple[str, int], int]  # (department, week) → capacity left by the visits kept outside
    hint: dict[str, list[tuple[int, tuple[str, ...]]]]  # subject → current visits (week, tasks)


@dataclass
class BundleVars:
    """The decision variables, keyed by meaning; :meth:`extract` turns a solution into plain data."""

    visit: dict[tuple[str, int], cp_model.IntVar]  # (subject, slot index)
    serve: dict[tuple[str, str, int], cp_model.IntVar]  # (subject, task, slot index)
    unplaced: dict[tuple[str, str], cp_model.IntVar]  # (subject, task)
    move: dict[tuple[int, int], cp_model.IntVar]  # (movable index, week)

    def extract(self, solver: cp_model.CpSolver, slots: dict[str, list[Slot]]) -> tuple[list[tuple[str, int, tuple[str, ...]]], list[tuple[str, str]]]:
        """(visits as (subject, week, tasks served), unplaced pairs) of the solver's solution."""
        served: dict[tuple[str, int], list[str]] = {}
        for (s, t, k), var in self.serve.items():
            if solver.boolean_value(var):
                served.setdefault((s, k), []).append(t)
        visits = [(s, slots[s][k].week, tuple(sorted(ts))) for (s, k), ts in sorted(served.items())]
        unplaced = sorted(p for p, var in self.unplaced.items() if solver.boolean_value(var))
        return visits, unplaced

    def moved(self, solver: cp_model.CpSolver) -> dict[int, int]:
        """Movable index → chosen week."""
        return {m: w for (m, w), var in self.move.items() if solver.boolean_value(var)}


@dataclass
class Built:
    model: cp_model.CpModel
    vars: BundleVars
    n_unplaced: cp_model.LinearExpr
    n_visits: cp_model.LinearExpr


def build_model(prep: Prepared, comp: Component) -> Built:
    """Variables and hard constraints of one component (see module docstring); no objective yet."""
    model = cp_model.CpModel()
    label = prep.calendar.week_label
    visit, serve, unplaced = {}, {}, {}
    for s in comp.subjects:
        for k, slot in enumerate(comp.slots[s]):
            where = f"subject={s}, week={label[slot.week]}, slot={k}"
            visit[(s, k)] = model.new_bool_var(f"visit({where})")
            for t in sorted(slot.tasks):
                serve[(s, t, k)] = x = model.new_bool_var(f"serve(subject={s}, task={t}, week={label[slot.week]}, slot={k})")
                model.add_implication(x, visit[(s, k)]).with_name(f"served_on_visit(subject={s}, task={t}, slot={k})")
            model.add_bool_or([serve[(s, t, k)] for t in sorted(slot.tasks)]).only_enforce_if(visit[(s, k)]).with_name(
                f"no_empty_visit({where})")
        for t in prep.subject_tasks[s]:
            unplaced[(s, t)] = u = model.new_bool_var(f"unplaced(subject={s}, task={t})")
            options = [serve[(s, t, k)] for k, slot in enumerate(comp.slots[s]) if t in slot.tasks]
            model.add_exactly_one([*options, u]).with_name(f"one_visit_or_unplaced(subject={s}, task={t})")
        cap = prep.caps[s]
        if cap is not None and cap < len(comp.slots[s]):
            model.add(sum(visit[(s, k)] for k in range(len(comp.slots[s]))) <= cap).with_name(f"annual_cap(subject={s})")

    move = {}
    for m, mv in enumerate(comp.movable):
        for w in mv.weeks:
            move[(m, w)] = model.new_bool_var(f"move(subject={mv.subject_id}, tasks={'+'.join(mv.tasks)}, week={label[w]})")
        model.add_exactly_one([move[(m, w)] for w in mv.weeks]).with_name(
            f"one_week(subject={mv.subject_id}, tasks={'+'.join(mv.tasks)})")

    terms: dict[tuple[str, int], list] = {key: [] for key in comp.residual}
    for m, mv in enumerate(comp.movable):
        for w in mv.weeks:
            for d, o in mv.usage:
                if (d, w) in terms:
                    terms[(d, w)].append(o * move[(m, w)])
    for s in comp.subjects:
        for k, slot in enumerate(comp.slots[s]):
            infos = [prep.tasks[t] for t in sorted(slot.tasks)]
            for d in sorted({d for i in infos for d in i.departments}):
                if (d, slot.week) not in terms:
                    continue
                involved = [i for i in infos if d in i.departments]
                levels = {i.officers for i in involved}
                if len(involved) == 1:
                    term = involved[0].officers * serve[(s, involved[0].task_id, k)]
                elif len(involved) == len(infos) and len(levels) == 1:
                    term = involved[0].officers * visit[(s, k)]
                else:
                    m = model.new_int_var(0, max(levels), f"officers(department={d}, subject={s}, week={label[slot.week]}, slot={k})")
                    for i in involved:
                        model.add(m >= i.officers * serve[(s, i.task_id, k)]).with_name(
                            f"officers_cover(department={d}, subject={s}, task={i.task_id}, slot={k})")
                    term = m
                terms[(d, slot.week)].append(term)
    for (d, w), ts in terms.items():
        if ts:
            model.add(sum(ts) <= comp.residual[(d, w)]).with_name(f"capacity(department={d}, week={label[w]})")
    return Built(model, BundleVars(visit, serve, unplaced, move), sum(unplaced.values()), sum(visit.values()))


def _hint_greedy(built: Built, comp: Component) -> None:
    """Start from the greedy plan: each greedy visit on the first slot of its week holding all its tasks."""
    on: set[tuple[str, str, int]] = set()
    for s in comp.subjects:
        for week, tasks in comp.hint.get(s, []):
            k = next(k for k, slot in enumerate(comp.slots[s]) if slot.week == week and slot.tasks >= set(tasks))
            on.update((s, t, k) for t in tasks)
    v = built.vars
    for (m, w), var in v.move.items():
        built.model.add_hint(var, comp.movable[m].week == w)
    for key, var in v.serve.items():
        built.model.add_hint(var, key in on)
    visited = {(s, k) for s, _, k in on}
    placed = {(s, t) for s, t, _ in on}
    for key, var in v.visit.items():
        built.model.add_hint(var, key in visited)
    for key, var in v.unplaced.items():
        built.model.add_hint(var, key not in placed)


@dataclass(frozen=True)
class ComponentSolution:
    visits: list[tuple[str, int, tuple[str, ...]]]
    unplaced: list[tuple[str, str]]
    moved: dict[int, int]
    visits_bound: int
    optimal: bool
    status: str
    deterministic_time: float


def _solver(config, budget: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = config.random_seed
    solver.parameters.max_deterministic_time = budget
    solver.parameters.relative_gap_limit = config.relative_gap
    solver.parameters.log_search_progress = config.log_search_progress
    solver.parameters.linearization_level = config.linearization_level
    return solver


def solve_component(prep: Prepared, comp: Component, config, budget: float) -> ComponentSolution | None:
    """Fewest unplaced pairs, then fewest visits, in one solve weighted lexicographically; ``None`` when the
    solver found no plan within ``budget`` deterministic seconds."""
    built = build_model(prep, comp)
    _hint_greedy(built, comp)
    weight = len(built.vars.unplaced) + 1  # more than any number of visits an optimal plan can have
    built.model.minimize(weight * built.n_unplaced + built.n_visits)
    solver = _solver(config, budget)
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    visits, unplaced = built.vars.extract(solver, comp.slots)
    # the bound says something about visits only once it proves the number of unplaced pairs is least
    bound = math.ceil(solver.best_objective_bound - 1e-6) - weight * len(unplaced)
    return ComponentSolution(visits, unplaced, built.vars.moved(solver), max(0, min(bound, len(visits))), status == cp_model.OPTIMAL,
                             solver.status_name(status), solver.deterministic_time)
