"""CP-SAT repair of one ISO week whose seeded greedy draw failed (capacity taken in the wrong order).

Weeks do not share capacity, so a week is repaired alone; officers' earlier meetings with a subject come
in as constants. Variables (named, so a model dump explains itself):

* ``x(visit=V, officer=O)``: O goes on V; only eligible pairs exist (department, grid), so "at most once
  per visit" holds by construction.
* ``short(visit=V, dept=D)``, ``miss(visit=V, dept=D, qual=Q)``, ``short(visit=V, team)``: how far a need
  is from being met. They keep the model feasible, so a need no plan can meet is reported, not raised.
* ``repeat(subject=S, officer=O, visits=V1/V2)``: O meets S twice inside this week.

Hard: an officer's visits in the week ≤ ``weekly_capacity``.
Covering (slack-priced): per (visit, department) at least ``min_officers``; per required qualification
at least one holder of that department; per visit at least the per-visit minimum (行政处罚法 art. 42).

The objective is lexicographic, solved in two phases so each has small coefficients:

A. minimise S·(unmet needs) + C·(officers sent) + (second meetings), with S > C·#x + #repeats and
   C > #repeats, i.e. meet every need possible, then send no one extra, then avoid second meetings;
B. phase A's value fixed, maximise Σ rank(priority)·x: the same seeded orders the greedy draw reads
   (each pair's place in its visit's order as a quantile, ranked within the week), so the repair departs
   from the seeded draw as little as it can.

Deterministic: one worker, fixed ``random_seed``, ``max_deterministic_time`` (never wall-clock).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from optimizer.teams.greedy import VisitPlan

__all__ = ["WeekVars", "build_week", "solve_week"]


@dataclass
class WeekVars:
    """The decision variables of one week's model, keyed by names rather than indices."""

    x: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    dept: dict[tuple[str, str], str] = field(default_factory=dict)
    rank: dict[tuple[str, str], int] = field(default_factory=dict)
    unmet: list[cp_model.IntVar] = field(default_factory=list)
    repeats: list[cp_model.IntVar] = field(default_factory=list)

    def extract(self, solver: cp_model.CpSolver) -> list[tuple[str, str, str]]:
        return [(v, o, self.dept[(v, o)]) for (v, o), var in self.x.items() if solver.boolean_value(var)]


def build_week(model: cp_model.CpModel, visits: list[VisitPlan], capacity: dict[str, int],
               met: dict[str, set[str]], min_per_visit: int) -> WeekVars:
    """Add the variables and constraints of one week; return the variables."""
    w = WeekVars()
    all_cands = sorted({(v.visit_id, c.officer_id): c for v in visits for cs in v.cands.values() for c in cs}.items(),
                       key=lambda kv: (kv[1].priority, kv[0][1], kv[0][0]))
    for r, ((vid, oid), c) in enumerate(all_cands, start=1):
        w.x[(vid, oid)] = model.new_bool_var(f"x(visit={vid}, officer={oid})")
        w.dept[(vid, oid)] = c.department
        w.rank[(vid, oid)] = r

    # Capacity: an officer's visits in this ISO week stay within weekly_capacity.
    by_officer: dict[str, list[cp_model.IntVar]] = {}
    for (vid, oid), var in w.x.items():
        by_officer.setdefault(oid, []).append(var)
    for oid in sorted(by_officer):
        model.add(sum(by_officer[oid]) <= capacity[oid]).with_name(f"capacity(officer={oid})")

    for v in visits:
        # Each department sends at least min_officers, holding every listed qualification between them.
        for dept, k, quals in v.slots:
            xs = [w.x[(v.visit_id, c.officer_id)] for c in v.cands.get(dept, [])]
            if k > 0:
                short = model.new_int_var(0, k, f"short(visit={v.visit_id}, dept={dept})")
                model.add(sum(xs) + short >= k).with_name(f"min_officers(visit={v.visit_id}, dept={dept})")
                w.unmet.append(short)
            for q in quals:
                holders = [w.x[(v.visit_id, c.officer_id)] for c in v.cands.get(dept, []) if q in c.quals]
                miss = model.new_bool_var(f"miss(visit={v.visit_id}, dept={dept}, qual={q})")
                model.add(sum(holders) + miss >= 1).with_name(f"qualification(visit={v.visit_id}, dept={dept}, qual={q})")
                w.unmet.append(miss)
        # The whole team has at least the per-visit minimum.
        team = [w.x[(v.visit_id, c.officer_id)] for cs in v.cands.values() for c in cs]
        if min_per_visit > v.fixed:
            short = model.new_int_var(0, min_per_visit, f"short(visit={v.visit_id}, team)")
            model.add(sum(team) + v.fixed + short >= min_per_visit).with_name(f"min_per_visit(visit={v.visit_id})")
            w.unmet.append(short)

    # Soft: no second meeting of an officer with a subject (earlier weeks are constants).
    earlier: dict[str, list[VisitPlan]] = {}
    for v in visits:
        seen = met.get(v.subject_id, set())
        for cs in v.cands.values():
            for c in cs:
                if c.officer_id in seen:
                    w.repeats.append(w.x[(v.visit_id, c.officer_id)])
                for u in earlier.get(v.subject_id, []):
                    if (u.visit_id, c.officer_id) in w.x:
                        r = model.new_bool_var(f"repeat(subject={v.subject_id}, officer={c.officer_id}, visits={u.visit_id}/{v.visit_id})")
                        model.add(r >= w.x[(u.visit_id, c.officer_id)] + w.x[(v.visit_id, c.officer_id)] - 1)
                        w.repeats.append(r)
        earlier.setdefault(v.subject_id, []).append(v)
    return w


def _solver(deterministic_time: float, random_seed: int, log: bool) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = random_seed
    solver.parameters.max_deterministic_time = deterministic_time
    solver.parameters.log_search_progress = log
    # Assignment structure: the full LP relaxation proves these optima fast; the default (level 1) stalls.
    solver.parameters.linearization_level = 2
    return solver


def solve_week(visits: list[VisitPlan], capacity: dict[str, int], met: dict[str, set[str]], min_per_visit: int,
               hint: list[tuple[str, str, str]], deterministic_time: float, random_seed: int,
               log: bool = False) -> tuple[list[tuple[str, str, str]] | None, str]:
    """Repair one week. Returns (assignments, status); assignments is None if no solution was found."""
    model = cp_model.CpModel()
    w = build_week(model, visits, capacity, met, min_per_visit)
    hinted = {(v, o) for v, o, _ in hint}
    for key, var in w.x.items():
        model.add_hint(var, key in hinted)

    n_rep = len(w.repeats)
    c_officer = n_rep + 1
    s_unmet = c_officer * len(w.x) + n_rep + 1
    phase_a = s_unmet * sum(w.unmet) + c_officer * sum(w.x.values()) + sum(w.repeats)
    model.minimize(phase_a)
    solver = _solver(deterministic_time, random_seed, log)
    status_a = solver.solve(model)
    if status_a not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, solver.status_name(status_a)
    best = int(round(solver.objective_value))
    first = w.extract(solver)

    model.clear_hints()
    chosen = {(v, o) for v, o, _ in first}
    for key, var in w.x.items():
        model.add_hint(var, key in chosen)
    model.add(phase_a <= best).with_name("phase_a_optimum")
    model.maximize(sum(w.rank[key] * var for key, var in w.x.items()))
    solver = _solver(deterministic_time, random_seed, log)
    status_b = solver.solve(model)
    if status_b not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return first, "FEASIBLE"
    both_optimal = status_a == cp_model.OPTIMAL and status_b == cp_model.OPTIMAL
    return w.extract(solver), "OPTIMAL" if both_optimal else "FEASIBLE"
