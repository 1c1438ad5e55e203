"""Random officer matching (optimizer.teams.match): each rule on a tiny instance on both sides of its edge,
determinism, the uniformity audit, the CP-SAT repair and a ~700-visit timing run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest

from benchmarks.instances import teams_instance as big_instance
from optimizer.draw import seed_hex
from optimizer.stats import chi2_sf
from optimizer.teams import TeamInput, check_plan, match_officers, officer_share_audit
from optimizer.teams import order as teams_order
from optimizer.teams.order import Officer, SeedDraw, VisitOrder

REPO = Path(__file__).resolve().parent.parent
MON = dt.date(2024, 3, 4)  # ISO 2024-W10

VISIT_SCHEMA = {"visit_id": pl.String, "subject_id": pl.String, "date": pl.Date, "week": pl.Int32,
                "subject_grid": pl.String, "departments": pl.List(pl.String)}
NEED_SCHEMA = {"visit_id": pl.String, "department": pl.String, "min_officers": pl.Int32, "qualifications": pl.List(pl.String)}
OFFICER_SCHEMA = {"officer_id": pl.String, "department": pl.String, "qualifications": pl.List(pl.String),
                  "grid": pl.String, "weekly_capacity": pl.Int32}


def make(visits, needs, officers, *, per_visit=2, own_grid=True, seed="ab12") -> TeamInput:
    """visits: (id, subject, date, grid); departments come from the needs. needs: (visit, dept, k, quals).
    officers: (id, dept, quals, grid, capacity)."""
    depts = {}
    for v, d, _, _ in needs:
        depts.setdefault(v, []).append(d)
    vrows = [(v, s, d, d.isocalendar()[1], g, depts.get(v, [])) for v, s, d, g in visits]
    return TeamInput(
        pl.DataFrame(vrows, schema=VISIT_SCHEMA, orient="row"),
        pl.DataFrame(list(needs), schema=NEED_SCHEMA, orient="row"),
        per_visit, own_grid, pl.DataFrame(list(officers), schema=OFFICER_SCHEMA, orient="row"), seed,
    )


def team(result, visit_id, dept=None) -> set[str]:
    a = result.assignments.filter(pl.col("visit_id") == visit_id)
    if dept is not None:
        a = a.filter(pl.col("department") == dept)
    return set(a["officer_id"])


def uniform(seed: str, key: str, m: int) -> int:
    """The documented draw U(key, m), recomputed independently: SHA-256, rejection above the last multiple of m."""
    for attempt in range(100):
        text = seed_hex(seed) + "teams|" + key + (f"#{attempt}" if attempt else "")
        h = int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")
        if h < 2**256 - 2**256 % m:
            return h % m
    raise AssertionError("unreachable")


def seeded_order(seed: str, visit_id: str, dept: str, officer_ids) -> list[str]:
    """The documented order of a department's officers on a visit: a full Fisher–Yates shuffle of the ids
    sorted, step i swapping position i with i + U("<visit>|<dept>|i", n − i)."""
    a = sorted(officer_ids)
    for i in range(len(a)):
        j = i + uniform(seed, f"{visit_id}|{dept}|{i}", len(a) - i)
        a[i], a[j] = a[j], a[i]
    return a


def lawful(inp, result) -> None:
    assert check_plan(inp, result.assignments) == []


# --------------------------------------------------------------------------- own grid


def test_own_grid_excluded_leaves_exactly_enough():
    inp = make([("V1", "S1", MON, "G1")], [("V1", "SAMR", 2, [])],
               [("O1", "SAMR", [], "G1", 5), ("O2", "SAMR", [], "G2", 5), ("O3", "SAMR", [], "G3", 5)])
    r = match_officers(inp)
    assert r.status == "GREEDY" and r.unstaffed.height == 0 and r.problems == []
    assert team(r, "V1") == {"O2", "O3"}
    lawful(inp, r)


def test_own_grid_excluded_one_too_few():
    inp = make([("V1", "S1", MON, "G1")], [("V1", "SAMR", 2, [])],
               [("O1", "SAMR", [], "G1", 5), ("O2", "SAMR", [], "G2", 5), ("O4", "SAMR", [], "G1", 5)])
    r = match_officers(inp)
    assert team(r, "V1") == {"O2"}  # the one lawful officer still goes
    assert r.unstaffed.filter(pl.col("department") == "SAMR")["reason"].to_list() == [
        "department SAMR has only 1 officers outside grid G1 (needs 2)"]
    assert any("outside grid G1" in p for p in r.problems)
    lawful(inp, r)
    # the same officers serve when the rule is off, or when the subject has no grid
    for changed in (dataclasses.replace(inp, exclude_own_grid=False),
                    dataclasses.replace(inp, visits=inp.visits.with_columns(pl.lit("").alias("subject_grid")))):
        r2 = match_officers(changed)
        assert r2.unstaffed.height == 0 and len(team(r2, "V1")) == 2


# --------------------------------------------------------------------------- qualification


def test_qualification_held_in_department_is_covered():
    officers = [("O1", "SAMR", [], "G2", 5), ("O2", "SAMR", [], "G2", 5), ("O3", "SAMR", [], "G3", 5),
                ("O4", "SAMR", ["food_safety"], "G3", 5)]
    for seed in ["a", "b", "c", "d", "e", "f"]:  # whatever the draw, the only holder goes
        inp = make([("V1", "S1", MON, "G1")], [("V1", "SAMR", 2, ["food_safety"])], officers, seed=seed)
        r = match_officers(inp)
        assert "O4" in team(r, "V1") and len(team(r, "V1")) == 2 and r.unstaffed.height == 0
        lawful(inp, r)


def test_qualification_absent_from_department_is_reported():
    officers = [("O1", "SAMR", [], "G2", 5), ("O2", "SAMR", [], "G2", 5), ("O3", "SAMR", [], "G3", 5),
                ("O4", "SAMR", ["food_safety"], "G1", 5),  # holder, but in the subject's grid
                ("O5", "FIRE", ["food_safety"], "G3", 5)]  # holder, but another department
    inp = make([("V1", "S1", MON, "G1")], [("V1", "SAMR", 2, ["food_safety"])], officers)
    r = match_officers(inp)
    assert r.status == "GREEDY"  # nothing a repair could change
    assert r.unstaffed.select("department", "qualification", "reason").rows() == [
        ("SAMR", "food_safety", "department SAMR has only 0 officers outside grid G1 holding food_safety")]
    assert len(team(r, "V1", "SAMR")) == 2 and "O4" not in team(r, "V1")
    lawful(inp, r)


# --------------------------------------------------------------------------- weekly capacity


def _capacity_case(cap_o2: int, second_date: dt.date = MON + dt.timedelta(days=2)) -> TeamInput:
    return make([("V1", "S1", MON, ""), ("V2", "S2", second_date, "")],
                [("V1", "SAMR", 2, []), ("V2", "SAMR", 2, [])],
                [("O1", "SAMR", [], "G1", 2), ("O2", "SAMR", [], "G2", cap_o2)])


def test_weekly_capacity_exactly_enough():
    r = match_officers(_capacity_case(2))
    assert r.status == "GREEDY" and r.unstaffed.height == 0
    assert team(r, "V1") == team(r, "V2") == {"O1", "O2"}


def test_weekly_capacity_one_short_is_reported_with_week():
    inp = _capacity_case(1)
    r = match_officers(inp)
    assert r.status == "OPTIMAL" and r.repaired_weeks == ["2024-W10"]  # a repair was tried and proved it
    short = r.unstaffed["visit_id"].unique().to_list()
    assert len(short) == 1 and len(team(r, short[0])) == 1 and r.assignments.height == 3
    assert r.unstaffed.select("department", "reason").rows() == [
        ("*", "team below 2 per visit: capacity of departments SAMR in week 2024-W10 exhausted"),
        ("SAMR", "department SAMR capacity in week 2024-W10 exhausted (needs 4, has 3)")]
    lawful(inp, r)


def test_weekly_capacity_resets_in_the_next_iso_week():
    r = match_officers(_capacity_case(1, second_date=MON + dt.timedelta(days=7)))
    assert r.status == "GREEDY" and r.unstaffed.height == 0


def test_capacity_zero_officer_never_goes():
    inp = make([("V1", "S1", MON, "")], [("V1", "SAMR", 1, [])],
               [("O1", "SAMR", [], "G1", 0), ("O2", "SAMR", [], "G2", 1)], per_visit=1)
    for seed in "abcdefgh":
        assert team(match_officers(dataclasses.replace(inp, seed=seed)), "V1") == {"O2"}


# --------------------------------------------------------------------------- repair


def _repair_case(seed: str) -> TeamInput:
    # V1 (first) needs any SAMR officer, V2 needs the food_safety holder A: if the draw gives A to V1, the
    # greedy fails V2 although a lawful plan exists.
    return make([("V1", "S1", MON, ""), ("V2", "S2", MON + dt.timedelta(days=1), "")],
                [("V1", "SAMR", 1, []), ("V2", "SAMR", 1, ["food_safety"])],
                [("A", "SAMR", ["food_safety"], "G1", 1), ("B", "SAMR", [], "G2", 1), ("C", "SAMR", [], "G3", 1)],
                per_visit=1, seed=seed)


def test_greedy_fails_and_cp_sat_repair_succeeds():
    seeds = [f"{i:x}" for i in range(40)]
    fails = [s for s in seeds if seeded_order(s, "V1", "SAMR", "ABC")[0] == "A"]
    passes = [s for s in seeds if s not in fails]
    assert fails and passes
    for s in fails:
        inp = _repair_case(s)
        r = match_officers(inp)
        assert r.status == "OPTIMAL" and r.unstaffed.height == 0 and r.problems == []
        assert team(r, "V2") == {"A"}
        # least departure from the draw: V1 gets whichever of B and C comes first in its seeded order
        assert team(r, "V1") == {next(o for o in seeded_order(s, "V1", "SAMR", "ABC") if o != "A")}
        lawful(inp, r)
    for s in passes[:5]:
        r = match_officers(_repair_case(s))
        assert r.status == "GREEDY" and team(r, "V1") == {seeded_order(s, "V1", "SAMR", "ABC")[0]}


# --------------------------------------------------------------------------- per-visit minimum


def test_min_officers_per_visit_filled_from_any_department():
    inp = make([("V1", "S1", MON, "")], [("V1", "SAMR", 1, []), ("V1", "FIRE", 0, [])],
               [("O1", "SAMR", [], "G1", 5), ("O2", "FIRE", [], "G2", 5)])
    r = match_officers(inp)
    assert team(r, "V1") == {"O1", "O2"} and r.unstaffed.height == 0
    assert set(r.assignments.filter(pl.col("officer_id") == "O2")["department"]) == {"FIRE"}


def test_min_officers_per_visit_one_too_few():
    inp = make([("V1", "S1", MON, "")], [("V1", "SAMR", 1, []), ("V1", "FIRE", 0, [])],
               [("O1", "SAMR", [], "G1", 5), ("O2", "FIRE", [], "G1", 5)])
    inp = dataclasses.replace(inp, visits=inp.visits.with_columns(pl.lit("G1").alias("subject_grid")))
    r = match_officers(inp)  # both officers are from the subject's grid
    assert r.unstaffed.filter(pl.col("department") == "*")["reason"].to_list() == [
        "departments FIRE, SAMR have only 0 officers outside grid G1 in all (needs 2 per visit)"]
    inp2 = make([("V1", "S1", MON, "")], [("V1", "SAMR", 1, []), ("V1", "FIRE", 0, [])],
                [("O1", "SAMR", [], "G1", 5)])
    r2 = match_officers(inp2)
    assert team(r2, "V1") == {"O1"}
    assert r2.unstaffed.filter(pl.col("department") == "*").height == 1
    assert r2.unstaffed.filter(pl.col("department") == "SAMR").height == 0


# --------------------------------------------------------------------------- same subject twice


def _twice(n_officers: int, seed: str) -> TeamInput:
    officers = [(f"O{i}", "SAMR", [], f"G{i}", 5) for i in range(n_officers)]
    return make([("V1", "S1", MON, ""), ("V2", "S1", MON + dt.timedelta(days=14), "")],
                [("V1", "SAMR", 2, []), ("V2", "SAMR", 2, [])], officers, seed=seed)


def test_same_subject_twice_avoided_when_possible():
    for i in range(30):  # without the rule, about 5 in 6 seeds would repeat someone
        r = match_officers(_twice(4, f"s{i}"))
        assert r.repeat_meetings == 0 and not (team(r, "V1") & team(r, "V2"))


def test_same_subject_twice_only_as_often_as_needed():
    for i in range(10):
        r = match_officers(_twice(3, f"s{i}"))
        assert r.repeat_meetings == 1 and r.unstaffed.height == 0


def test_same_subject_twice_avoided_in_repair_too():
    # Week W10: V1 (S1) and V2 (S2) force a repair; S1 met O1 or O2 in week W09.
    officers = [("A", "SAMR", ["food_safety"], "G1", 1), ("B", "SAMR", [], "G2", 2), ("C", "SAMR", [], "G3", 2)]
    prev = MON - dt.timedelta(days=7)
    for i in range(20):
        inp = make([("V0", "S1", prev, ""), ("V1", "S1", MON, ""), ("V2", "S2", MON + dt.timedelta(days=1), "")],
                   [("V0", "SAMR", 1, []), ("V1", "SAMR", 1, []), ("V2", "SAMR", 1, ["food_safety"])],
                   officers, per_visit=1, seed=f"r{i}")
        r = match_officers(inp)
        assert r.unstaffed.height == 0 and team(r, "V2") == {"A"}
        assert team(r, "V1") != team(r, "V0") and r.repeat_meetings == 0


# --------------------------------------------------------------------------- determinism and the draw


def _medium(seed: str = "c0ffee") -> TeamInput:
    officers = [(f"S{i:02d}", "SAMR", ["food_safety"] if i % 3 == 0 else [], f"G{i % 4}", 3) for i in range(12)]
    officers += [(f"F{i:02d}", "FIRE", ["fire_inspection"] if i % 2 else [], f"G{i % 4}", 3) for i in range(6)]
    visits, needs = [], []
    for i in range(20):
        visits.append((f"V{i:02d}", f"S{i % 15}", MON + dt.timedelta(days=i), f"G{i % 5}"))
        needs.append((f"V{i:02d}", "SAMR", 2, ["food_safety"] if i % 2 else []))
        if i % 3 == 0:
            needs.append((f"V{i:02d}", "FIRE", 1, ["fire_inspection"]))
    return make(visits, needs, officers, seed=seed)


def test_same_seed_same_plan_other_seed_other_plan():
    a, b, c = match_officers(_medium("aa")), match_officers(_medium("aa")), match_officers(_medium("bb"))
    assert a.assignments.equals(b.assignments)
    assert not a.assignments.equals(c.assignments)
    assert a.assignments.columns == ["visit_id", "officer_id", "department"]
    assert a.assignments.equals(a.assignments.sort("visit_id", "department", "officer_id"))
    lawful(_medium("aa"), a)


def test_shuffled_rows_give_the_same_plan():
    inp = _medium("shuffle")
    base = match_officers(inp)
    for k in range(3):
        shuffled = dataclasses.replace(inp, officers=inp.officers.sample(fraction=1.0, shuffle=True, seed=k),
                                       visits=inp.visits.sample(fraction=1.0, shuffle=True, seed=k + 10),
                                       needs=inp.needs.sample(fraction=1.0, shuffle=True, seed=k + 20))
        assert match_officers(shuffled).assignments.equals(base.assignments)


def test_unconstrained_team_is_the_first_of_the_seeded_order():
    """Who goes is the seed's choice: with no binding rule, the first k eligible of the visit's seeded order."""
    officers = [(f"O{i}", "SAMR", [], f"G{i % 3}", 9) for i in range(7)]
    visits = [(f"V{i}", f"S{i}", MON + dt.timedelta(days=i), f"G{i % 3}") for i in range(5)]
    inp = make(visits, [(v, "SAMR", 2, []) for v, *_ in visits], officers, seed="feed")
    r = match_officers(inp)
    for v, _, _, g in visits:
        grid = {o: og for o, _, _, og, _ in officers}
        top = [o for o in seeded_order("feed", v, "SAMR", grid) if grid[o] != g][:2]
        assert team(r, v) == set(top)


# --------------------------------------------------------------------------- audit


def test_uniformity_audit_over_600_seeds():
    officers = [(f"S{i}", "SAMR", [], f"G{i % 3}", 9) for i in range(6)]
    officers += [(f"F{i}", "FIRE", [], f"G{i % 2}", 9) for i in range(4)]
    visits = [(f"V{i}", f"T{i}", MON + dt.timedelta(days=i), f"G{i % 3}") for i in range(6)]
    needs = [(v, "SAMR", 2, []) for v, *_ in visits] + [(v, "FIRE", 0, []) for v, *_ in visits]
    inp = make(visits, needs, officers, per_visit=3)  # the third officer comes from either department
    audit = officer_share_audit(inp, [f"{i:04x}" for i in range(600)])
    assert audit.height == 10
    assert audit["chosen"].sum() == 600 * 6 * 3
    assert audit["ratio"].min() > 0.9 and audit["ratio"].max() < 1.1, audit
    assert audit["p_value"].min() > 0.001, audit
    # and it would notice a biased draw: the same tallies with one officer favoured
    biased = audit.with_columns(pl.when(pl.col("officer_id") == "S0").then(pl.col("chosen") * 1.2)
                                .otherwise(pl.col("chosen")).alias("chosen"))
    assert (biased["chosen"] / biased["expected"]).max() > 1.1


def test_seeded_orders_are_uniform_permutations():
    """The law behind the audit: every order of a visit's officers is equally likely, team-wide as well as per
    department, and a department's order is the team-wide order restricted to it — the law of sorting the
    union by independent tickets, which the matching had before it drew lazily."""
    by_dept = {"FIRE": [Officer("F1", "FIRE", "G1", frozenset())],
               "SAMR": [Officer("S1", "SAMR", "G1", frozenset()), Officer("S2", "SAMR", "G2", frozenset()),
                        Officer("S3", "SAMR", "G3", frozenset())]}
    seeds = [f"u{i}" for i in range(4800)]
    team_counts: dict[tuple[str, ...], int] = {}
    dept_counts: dict[tuple[str, ...], int] = {}
    for seed in seeds:
        order = VisitOrder(SeedDraw(seed), "V1", "", ["SAMR", "FIRE"], by_dept)
        whole = tuple(o.officer_id for o in order.team_pool(set()))
        samr = tuple(o.officer_id for o in order.dept_pool("SAMR", set()))
        assert samr == tuple(o for o in whole if o.startswith("S"))
        assert list(samr) == seeded_order(seed, "V1", "SAMR", ["S1", "S2", "S3"])
        team_counts[whole] = team_counts.get(whole, 0) + 1
        dept_counts[samr] = dept_counts.get(samr, 0) + 1
    for counts, cells in ((team_counts, 24), (dept_counts, 6)):
        assert len(counts) == cells
        e = len(seeds) / cells
        assert chi2_sf(sum((c - e) ** 2 / e for c in counts.values()), cells - 1) > 0.001, counts
    # grid exclusion and the soft rule only skip or defer: the rest keep their relative order
    order = VisitOrder(SeedDraw("u0"), "V1", "G2", ["SAMR", "FIRE"], by_dept)
    full = seeded_order("u0", "V1", "SAMR", ["S1", "S2", "S3"])
    assert [o.officer_id for o in order.dept_pool("SAMR", {full[0]})] == [o for o in full[1:] if o != "S2"] + (
        [full[0]] if full[0] != "S2" else [])


def test_work_grows_with_the_team_not_with_the_directory(monkeypatch):
    """The draw hashes about once per officer sent, however many officers each department has."""
    calls = [0]
    uniform = teams_order.SeedDraw.uniform

    def counted(self, key, m):
        calls[0] += 1
        return uniform(self, key, m)

    monkeypatch.setattr(teams_order.SeedDraw, "uniform", counted)
    inp = big_instance(n_visits=200)
    four = dataclasses.replace(inp, officers=pl.concat(
        [inp.officers.with_columns(pl.col("officer_id") + f"-r{r}") for r in range(4)]))
    for case in (inp, four):
        calls[0] = 0
        r = match_officers(case)
        assert r.status == "GREEDY" and r.unstaffed.height == 0
        assert calls[0] < 2 * r.assignments.height, (calls[0], r.assignments.height)


# --------------------------------------------------------------------------- the validator and bad input


def test_check_plan_catches_broken_rules():
    inp = _capacity_case(1)
    bad = pl.DataFrame({"visit_id": ["V1", "V1", "V2", "V2"], "officer_id": ["O1", "O2", "O1", "O2"],
                        "department": ["SAMR"] * 4})
    assert check_plan(inp, bad) == ["officer O2: 2 visits in week 2024-W10 over capacity 1"]
    grid = dataclasses.replace(inp, visits=inp.visits.with_columns(pl.lit("G1").alias("subject_grid")))
    assert "visit V1: officer O1 is from the subject's grid G1" in check_plan(grid, bad)


def test_malformed_input_says_what_is_missing():
    inp = _capacity_case(2)
    with pytest.raises(ValueError, match="officers: required column"):
        match_officers(dataclasses.replace(inp, officers=inp.officers.drop("grid")))


# --------------------------------------------------------------------------- scale


def test_700_visits_are_all_staffed_lawfully():
    """Changning-sized instance; its time is measured by benchmarks/teams_match.py, not asserted here."""
    inp = big_instance()
    r = match_officers(inp)
    assert inp.visits.height == 700 and inp.officers.height == 322
    assert r.unstaffed.height == 0 and r.assignments.height >= inp.needs["min_officers"].sum()
    lawful(inp, r)
