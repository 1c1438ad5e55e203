"""The seeded order in which a visit looks at officers (随机选派): lazy, so only the officers examined cost.

Why lazy. Ranking every (visit, officer) pair by its own ticket costs visits × officers hashes and rows,
which grows quadratically when a district's plan and directory grow together (16 M pairs, 7 GiB at 1 M
subjects). The greedy draw reads only the first few officers of each order, so the order is generated
position by position and stops where the draw stops.

Definition. ``U(key, m)`` is a uniform integer in [0, m) read from SHA-256 under the plan seed::

    h = int(SHA256(utf8(seed_hex + "teams|" + key)))            # seed_hex = SHA256(seed) hex, as in prn
    h < 2**256 - (2**256 mod m)  →  U = h mod m                  # exact: no modulo bias
    otherwise retry with key + "#1", key + "#2", …                # (probability < m / 2**256)

For a visit V and each of its departments D, ``L`` is *every* officer of D sorted by officer_id (also
those from the subject's own grid or with capacity 0; the draw skips them, see below). D's order on V is
L shuffled by Fisher–Yates, drawn front to back: for i = 0, 1, …: ``j = i + U("V|D|i", len(L) - i)``, swap
L[i] and L[j], L[i] is the i-th officer. The team-wide order (the per-visit minimum, filled from any of
the visit's departments) interleaves the department orders: for i = 0, 1, …: with r_d officers of
department d not yet emitted (departments in name order) and R = Σ r_d, ``u = U("V|*|i", R)`` names
department d when u falls in d's stretch of [0, R); that department's next officer comes next.

Why every eligible officer is equally likely. (Assuming SHA-256 is a random function, the one
assumption the whole plan rests on.) Front-to-back Fisher–Yates with exact uniform draws gives each of
the len(L)! orders probability 1/len(L)!. The interleaving picks d with probability r_d/R at each step,
so each arrangement of department labels has probability ∏ n_d! / N!, and with uniform orders inside
the departments every order of the union has probability 1/N!: exactly the law of sorting the union by
independent uniform tickets, the previous method, whose department orders were likewise the union's
order restricted to each department. Restricting a uniform order to a subset (the eligible: not the
subject's grid) gives a uniform order of that subset, and the keys carry the visit id, so each visit's
order is independent of every other visit's and of the draw so far. The greedy draw takes the first
*free* officers of these orders (under capacity, not yet on the visit, new to the subject first), so at
each pick every free eligible officer is equally likely to be taken: the same law of plans as ranking
all pairs by tickets, computed from far fewer hashes. A fixed per-week order with a per-visit rotation
was rejected: each officer would be equally likely, but the same neighbours would always go together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from optimizer.draw import seed_hex

__all__ = ["Officer", "SeedDraw", "DeptOrder", "VisitOrder"]

_FULL = 1 << 256


@dataclass(frozen=True, slots=True)
class Officer:
    officer_id: str
    department: str
    grid: str
    quals: frozenset[str]


class SeedDraw:
    """``U(key, m)`` of the module docstring: uniform integers in [0, m) from the plan seed."""

    __slots__ = ("_prefix",)

    def __init__(self, seed: str | int) -> None:
        self._prefix = hashlib.sha256((seed_hex(seed) + "teams|").encode("utf-8"))

    def uniform(self, key: str, m: int) -> int:
        if m <= 0:
            raise ValueError(f"uniform draw from an empty range (key {key!r})")
        limit = _FULL - _FULL % m
        attempt = 0
        while True:
            h = self._prefix.copy()
            h.update((key if attempt == 0 else f"{key}#{attempt}").encode("utf-8"))
            x = int.from_bytes(h.digest(), "big")
            if x < limit:
                return x % m
            attempt += 1


class DeptOrder:
    """One department's seeded order on one visit, generated lazily; ``officers`` sorted by officer_id."""

    __slots__ = ("_draw", "_key", "_base", "_swapped", "emitted")

    def __init__(self, draw: SeedDraw, visit_id: str, department: str, officers: list[Officer]) -> None:
        self._draw, self._key, self._base = draw, f"{visit_id}|{department}|", officers
        self._swapped: dict[int, Officer] = {}
        self.emitted: list[Officer] = []

    def __len__(self) -> int:
        return len(self._base)

    def next(self) -> Officer | None:
        """The next officer of the order, or None when all have been emitted."""
        i, n = len(self.emitted), len(self._base)
        if i >= n:
            return None
        j = i + self._draw.uniform(f"{self._key}{i}", n - i)
        at_j = self._swapped.get(j, self._base[j])
        if j != i:
            self._swapped[j] = self._swapped.pop(i, self._base[i])
        else:
            self._swapped.pop(i, None)
        self.emitted.append(at_j)
        return at_j

    def get(self, pos: int) -> Officer | None:
        while len(self.emitted) <= pos:
            if self.next() is None:
                return None
        return self.emitted[pos]


class VisitOrder:
    """A visit's seeded orders: one per department (``dept_pool``) and the team-wide one (``team_pool``).

    Both pools yield only eligible officers (not from ``grid`` when it is non-empty; pass "" when the own
    grid is not excluded), those in ``seen`` (met the subject before) after all others, each group in
    seeded order. Generated positions are kept, so walking a pool again costs no new hash.
    """

    __slots__ = ("visit_id", "grid", "departments", "_draw", "_by_dept", "_depts", "_team", "_left")

    def __init__(self, draw: SeedDraw, visit_id: str, grid: str, departments: list[str],
                 by_dept: dict[str, list[Officer]]) -> None:
        self.visit_id, self.grid, self._draw = visit_id, grid, draw
        self.departments = sorted(set(departments))
        self._by_dept = by_dept  # every department → its officers sorted by id (shared, not copied)
        self._depts: dict[str, DeptOrder] = {}
        self._team: list[Officer] = []
        self._left: dict[str, int] | None = None

    def order(self, dept: str) -> DeptOrder:
        o = self._depts.get(dept)
        if o is None:
            o = self._depts[dept] = DeptOrder(self._draw, self.visit_id, dept, self._by_dept.get(dept, []))
        return o

    def _team_get(self, pos: int) -> Officer | None:
        if self._left is None:
            self._left = {d: len(self._by_dept.get(d, ())) for d in self.departments}
        while len(self._team) <= pos:
            total = sum(self._left.values())
            if total == 0:
                return None
            u = self._draw.uniform(f"{self.visit_id}|*|{len(self._team)}", total)
            for d, r in self._left.items():
                if u < r:
                    break
                u -= r
            self._left[d] -= 1
            self._team.append(self.order(d).get(len(self.order(d)) - self._left[d] - 1))
        return self._team[pos]

    def _eligible(self, o: Officer) -> bool:
        return not self.grid or o.grid != self.grid

    def _walk(self, get: Callable[[int], Officer | None], seen: set[str]) -> Iterator[Officer]:
        later: list[Officer] = []
        pos = 0
        while (o := get(pos)) is not None:
            pos += 1
            if not self._eligible(o):
                continue
            if o.officer_id in seen:
                later.append(o)
            else:
                yield o
        yield from later

    def dept_pool(self, dept: str, seen: set[str]) -> Iterator[Officer]:
        """Department ``dept``'s eligible officers in draw order (new to the subject first), lazily."""
        return self._walk(self.order(dept).get, seen)

    def team_pool(self, seen: set[str]) -> Iterator[Officer]:
        """All the visit's departments' eligible officers in the team-wide order (new first), lazily."""
        return self._walk(self._team_get, seen)

    def ranked(self) -> list[tuple[Officer, int, int]]:
        """Every eligible officer with (position in the team-wide order, count of eligible): for the repair."""
        everyone = list(self._walk(self._team_get, set()))
        return [(o, i, len(everyone)) for i, o in enumerate(everyone)]
