"""The seeded greedy draw of one ISO week (随机选派执法检查人员).

Visits are taken in the fixed order (date, visit_id). For each department of a visit (in name order):

1. for each required qualification (in name order) not yet held by someone already picked for that
   department, the highest-priority free officer of the department who holds it;
2. then the highest-priority free officers of the department until it has ``min_officers``;
3. then, if the whole team is smaller than the per-visit minimum (行政处罚法 art. 42), the
   highest-priority free officers of any of the visit's departments.

"Free" means: eligible (department, not the subject's own grid when that is excluded), not already on
this visit, and under their weekly capacity. Officers who have already met the visit's subject this
year come after all who have not (the soft rule "所所交叉"/no second meeting), but still by priority among
themselves. "Highest priority" means first in the visit's seeded order (:mod:`optimizer.teams.order`:
per department for steps 1–2, team-wide for step 3), generated only as far as the draw reads it, so who
goes is decided by the seed alone. A pick that finds no free officer is a *failure* of the draw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from optimizer.teams.order import Officer, VisitOrder

__all__ = ["Cand", "VisitPlan", "Failure", "draw_week"]


@dataclass(frozen=True)
class Cand:
    """An eligible (visit, officer) pair for the CP-SAT repair; ``priority`` in (0, 1], larger first: (N − pos)/(N + 1)
    for the officer at 0-based position ``pos`` of the visit's team-wide order of N eligible officers."""

    officer_id: str
    department: str
    quals: frozenset[str]
    priority: Fraction


@dataclass
class VisitPlan:
    """One visit with its slots [(department, min_officers, required qualifications)] and its seeded order.
    ``cands`` (department → candidates in priority order) is filled only for a week being repaired."""

    visit_id: str
    subject_id: str
    wk: int
    slots: list[tuple[str, int, tuple[str, ...]]]
    order: VisitOrder | None = None
    cands: dict[str, list[Cand]] = field(default_factory=dict)
    fixed: int = 0  # officers already on the team from departments a repair leaves as drawn


Failure = tuple[str, str, str, str | None]
"""(visit_id, department or "*", kind "count" | "qual" | "team", qualification or None)."""


def draw_week(visits: list[VisitPlan], capacity: dict[str, int], met: dict[str, set[str]],
              min_per_visit: int) -> tuple[list[tuple[str, str, str]], list[Failure]]:
    """Draw teams for one week's visits (already in (date, visit_id) order).

    ``met`` (subject → officers who met it earlier) is updated in place. Returns the assignments
    (visit_id, officer_id, department) and the failures.
    """
    load: dict[str, int] = {}
    out: list[tuple[str, str, str]] = []
    failures: list[Failure] = []
    for v in visits:
        seen = met.setdefault(v.subject_id, set())
        team: set[str] = set()
        order = v.order

        def free(c: Officer) -> bool:
            return c.officer_id not in team and load.get(c.officer_id, 0) < capacity[c.officer_id]

        def take(c: Officer) -> None:
            team.add(c.officer_id)
            load[c.officer_id] = load.get(c.officer_id, 0) + 1
            out.append((v.visit_id, c.officer_id, c.department))

        for dept, k, quals in v.slots:
            picked: list[Officer] = []
            for q in quals:
                if any(q in c.quals for c in picked):
                    continue
                holder = next((c for c in order.dept_pool(dept, seen) if q in c.quals and free(c)), None)
                if holder is None:
                    failures.append((v.visit_id, dept, "qual", q))
                    continue
                take(holder)
                picked.append(holder)
            if len(picked) < k:
                for c in order.dept_pool(dept, seen):
                    if free(c):
                        take(c)
                        picked.append(c)
                        if len(picked) >= k:
                            break
            if len(picked) < k:
                failures.append((v.visit_id, dept, "count", None))
        if len(team) < min_per_visit:
            for c in order.team_pool(seen):
                if free(c):
                    take(c)
                    if len(team) >= min_per_visit:
                        break
            if len(team) < min_per_visit:
                failures.append((v.visit_id, "*", "team", None))
        seen.update(team)
    return out, failures
