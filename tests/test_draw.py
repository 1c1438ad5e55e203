"""The coordinated draw on small hand-built inputs: exact, reproducible, order-free, capped, random."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from optimizer.calendar import stab_rounds
from optimizer.draw import (
    DrawInput,
    draw_subjects,
    inclusion_audit,
    plan_seed,
    seed_commitment,
    visit_audit,
)
from optimizer.draw.prn import consistent_sample_order
from scenarios.model import Task

NO_CAPS = pl.DataFrame(schema={"subject_id": pl.String, "annual_cap": pl.Int32})


def pairs_for(tasks: dict[str, tuple[float, list[str]]], stratum_of=lambda s: "B", mandatory=()) -> pl.DataFrame:
    rows = [
        {"subject_id": s, "task_id": t, "inclusion_prob": pi, "stratum": stratum_of(s), "mandatory": s in mandatory}
        for t, (pi, subjects) in tasks.items() for s in subjects
    ]
    return pl.DataFrame(rows)


def rounds_of(mapping: dict[str, int]) -> pl.DataFrame:
    return pl.DataFrame({"task_id": list(mapping), "round": list(mapping.values())})


SUBJECTS = [f"S{i:03d}" for i in range(60)]


def selected(result, task: str, seed: str | None = None) -> set[str]:
    d = result.draws.filter(pl.col("task_id") == task, pl.col("selected"))
    if seed is not None:
        d = d.filter(pl.col("seed") == seed)
    return set(d["subject_id"])


def test_same_seed_same_draw_and_other_seed_other_draw() -> None:
    inp = DrawInput(pairs_for({"T1": (0.1, SUBJECTS)}), NO_CAPS, rounds_of({"T1": 0}))
    a, b, c = (draw_subjects(inp, s).draws for s in ("seed-1", "seed-1", "seed-2"))
    assert a.equals(b)
    assert set(a.filter("selected")["subject_id"]) != set(c.filter("selected")["subject_id"])


def test_row_order_is_irrelevant() -> None:
    pairs = pairs_for({"T1": (0.1, SUBJECTS), "T2": (0.2, SUBJECTS[:40])})
    rounds = rounds_of({"T1": 0, "T2": 1})
    base = draw_subjects(DrawInput(pairs, NO_CAPS, rounds), "s").draws
    shuffled = draw_subjects(DrawInput(pairs.sample(fraction=1.0, shuffle=True, seed=3), NO_CAPS, rounds), "s").draws
    assert base.equals(shuffled)


def test_equal_pi_stratum_gives_exactly_its_count_and_is_rivest_sample() -> None:
    inp = DrawInput(pairs_for({"T1": (0.1, SUBJECTS)}), NO_CAPS, rounds_of({"T1": 0}))
    result = draw_subjects(inp, ["a", "b", "c"], "positive")
    for seed in ("a", "b", "c"):
        chosen = selected(result, "T1", seed)
        assert len(chosen) == 6  # round(0.1 × 60)
        # with no offset the sample is Rivest's consistent sample: the 6 smallest tickets
        assert chosen == set(consistent_sample_order(SUBJECTS, seed)[:6])


def test_strata_each_get_their_own_round_count() -> None:
    stratum = lambda s: "A" if int(s[1:]) < 20 else "D"  # noqa: E731
    pairs = pairs_for({"T1": (0.25, SUBJECTS)}, stratum).with_columns(
        pl.when(pl.col("stratum") == "D").then(0.5).otherwise(0.25).alias("inclusion_prob")
    )
    draws = draw_subjects(DrawInput(pairs, NO_CAPS, rounds_of({"T1": 0})), "x").draws.filter("selected")
    assert dict(draws.group_by("stratum").len().iter_rows()) == {"A": 5, "D": 20}


def test_count_task_shares_its_count_over_strata() -> None:
    stratum = lambda s: "A" if int(s[1:]) < 30 else "C"  # noqa: E731
    pairs = pairs_for({"T1": (0.1, SUBJECTS)}, stratum).with_columns(
        pl.when(pl.col("stratum") == "C").then(0.2).otherwise(0.1).alias("inclusion_prob")
    )
    seeds = [str(k) for k in range(400)]
    result = draw_subjects(DrawInput(pairs, NO_CAPS, rounds_of({"T1": 0}), task_counts={"T1": 7}), seeds)
    per_seed = result.draws.filter("selected").group_by("seed", "stratum").len()
    assert (per_seed.group_by("seed").agg(pl.col("len").sum())["len"] == 7).all()
    # quotas 7×3/9 = 2.33 and 7×6/9 = 4.67: each class draws ⌊q⌋ or ⌈q⌉, ⌈q⌉ as often as frac(q)
    sizes = dict(per_seed.group_by("stratum").agg(pl.col("len").unique().sort()).iter_rows())
    assert sizes == {"A": [2, 3], "C": [4, 5]}
    up = per_seed.filter(pl.col("stratum") == "A", pl.col("len") == 3).height / len(seeds)
    assert up == pytest.approx(1 / 3, abs=0.07)


def test_count_larger_than_population_takes_all_with_warning() -> None:
    inp = DrawInput(pairs_for({"T1": (0.5, SUBJECTS[:4])}), NO_CAPS, rounds_of({"T1": 0}), task_counts={"T1": 9})
    result = draw_subjects(inp, "x")
    assert selected(result, "T1") == set(SUBJECTS[:4])
    assert any("only 4 are eligible" in p.message for p in result.problems)


def test_mandatory_subjects_are_taken_first() -> None:
    must = {"S007", "S051"}
    inp = DrawInput(pairs_for({"T1": (0.05, SUBJECTS)}, mandatory=must), NO_CAPS, rounds_of({"T1": 0}))
    for seed in ("1", "2", "3", "4"):
        chosen = selected(draw_subjects(inp, seed), "T1")
        assert must <= chosen and len(chosen) == 3


def test_positive_coordination_nests_samples_inside_a_round() -> None:
    inp = DrawInput(pairs_for({"T1": (0.1, SUBJECTS), "T2": (0.2, SUBJECTS)}), NO_CAPS, rounds_of({"T1": 0, "T2": 0}))
    result = draw_subjects(inp, [str(s) for s in range(20)], "coordinated")
    for seed in map(str, range(20)):
        assert selected(result, "T1", seed) <= selected(result, "T2", seed)


def test_negative_coordination_separates_rounds() -> None:
    many = [f"M{i:05d}" for i in range(2000)]
    inp = DrawInput(pairs_for({"T1": (0.1, many), "T2": (0.2, many)}), NO_CAPS, rounds_of({"T1": 0, "T2": 1}))
    seeds = [str(s) for s in range(100)]

    def overlap(mode: str) -> float:
        d = draw_subjects(inp, seeds, mode).draws.filter("selected").group_by("seed", "subject_id").len()
        return d.filter(pl.col("len") > 1).height / len(seeds)

    # independent draws share 200 × 0.2 = 40 subjects per seed; with offsets the selection intervals are
    # disjoint and only the random boundary of a fixed-size sample (the 200th smallest key ≈ 0.1 ± 0.007)
    # lets a few subjects through, about 2000 × 0.4 × 0.0067 ≈ 5
    assert overlap("independent") == pytest.approx(40, rel=0.1)
    assert overlap("coordinated") < 8


def test_caps_are_never_exceeded_and_replacements_are_recorded() -> None:
    tasks = {"T1": (0.5, SUBJECTS[:10]), "T2": (0.5, SUBJECTS[:10]), "T3": (0.5, SUBJECTS[:10])}
    caps = pl.DataFrame({"subject_id": SUBJECTS[:10], "annual_cap": [1] * 10})
    inp = DrawInput(pairs_for(tasks), caps, rounds_of({"T1": 0, "T2": 1, "T3": 2}))
    result = draw_subjects(inp, [str(s) for s in range(200)], "positive")  # positive: maximal collisions
    d = result.draws
    visits = d.filter("selected").select("seed", "subject_id", "round").unique().group_by("seed", "subject_id").len()
    assert visits["len"].max() == 1
    replaced = d.filter(pl.col("replaced_by").is_not_null())
    assert replaced.height > 0
    # each replacement is a selected subject of the same task and seed, later in that task's order
    check = replaced.join(d.select("seed", "task_id", pl.col("subject_id").alias("replaced_by"),
                                   pl.col("selected").alias("r_sel"), pl.col("rank").alias("r_rank")),
                          on=["seed", "task_id", "replaced_by"])
    assert check.height == replaced.height
    assert check["r_sel"].all() and (check["r_rank"] > check["rank"]).all()
    # T3 (the third round) can only draw the subjects still free: 10 − 5 − 5 = 0
    assert d.filter(pl.col("task_id") == "T3", pl.col("selected")).height == 0


@pytest.mark.parametrize("mode", ["coordinated", "positive", "independent"])
def test_inclusion_frequencies_pass_chi_square(mode: str) -> None:
    stratum = lambda s: "A" if int(s[1:]) < 24 else "C"  # noqa: E731
    tasks = {"T1": (0.1, SUBJECTS), "T2": (0.25, SUBJECTS[10:50]), "T3": (0.2, SUBJECTS[:30])}
    pairs = pairs_for(tasks, stratum).with_columns(
        pl.when(pl.col("stratum") == "C").then(pl.col("inclusion_prob") * 2).otherwise(pl.col("inclusion_prob"))
    )
    inp = DrawInput(pairs, NO_CAPS, rounds_of({"T1": 0, "T2": 0, "T3": 1}))
    result = draw_subjects(inp, [f"audit-{k}" for k in range(2000)], mode)
    _, per_task = inclusion_audit(result)
    assert per_task["df"].min() > 10
    assert (per_task["p_value"] > 0.001).all(), per_task
    visits = visit_audit(result)
    if mode == "positive":
        assert visits["mean_distinct_subjects"] == pytest.approx(visits["bound_positive"], rel=0.02)
    if mode == "coordinated":
        assert visits["mean_visits"] == pytest.approx(visits["bound_coordinated"], rel=0.02)
    if mode == "independent":
        assert visits["mean_distinct_subjects"] == pytest.approx(visits["expected_independent"], rel=0.02)


def test_audit_detects_a_biased_draw() -> None:
    inp = DrawInput(pairs_for({"T1": (0.1, SUBJECTS)}), NO_CAPS, rounds_of({"T1": 0}))
    result = draw_subjects(inp, [str(k) for k in range(500)])
    # bias: whenever S000 was not drawn, swap it in for the last drawn subject of that seed
    d = result.draws
    last = d.filter("selected").group_by("seed").agg(pl.col("subject_id").sort_by("rank").last().alias("last"))
    lacking = d.filter((pl.col("subject_id") == "S000") & ~pl.col("selected"))["seed"]
    biased = d.join(last, on="seed").with_columns(
        pl.when(pl.col("seed").is_in(lacking.implode()) & (pl.col("subject_id") == "S000")).then(True)
        .when(pl.col("seed").is_in(lacking.implode()) & (pl.col("subject_id") == pl.col("last"))).then(False)
        .otherwise(pl.col("selected")).alias("selected")
    ).drop("last")
    _, per_task = inclusion_audit(type(result)(biased, result.substrata, []))
    assert per_task["p_value"][0] < 1e-6


def test_stab_rounds_use_fewest_rounds() -> None:
    def task(tid: str, start: str, end: str) -> Task:
        return Task(id=tid, name=tid, lead="D", items=["I"], object_type="o", count=1,
                    window={"start": dt.date.fromisoformat(start), "end": dt.date.fromisoformat(end)})

    tasks = [task("A", "2024-01-01", "2024-03-31"), task("B", "2024-03-01", "2024-05-31"),
             task("C", "2024-04-01", "2024-04-30"), task("D", "2024-06-01", "2024-06-30")]
    rounds = dict(stab_rounds(tasks).select("task_id", "round").iter_rows())
    assert rounds == {"A": 0, "B": 0, "C": 1, "D": 2} or rounds == {"A": 0, "B": 1, "C": 1, "D": 2}
    assert len(set(rounds.values())) == 3


def test_seed_is_bound_to_scenario_and_committed() -> None:
    seed = plan_seed("abc", 4711, "plan-2024")
    assert seed == plan_seed("abc", "4711", "plan-2024")
    assert seed != plan_seed("abd", 4711, "plan-2024") != plan_seed("abc", 4711, "plan-2025")
    assert len(seed) == 64 and seed_commitment(seed) != seed and len(seed_commitment(seed)) == 64
