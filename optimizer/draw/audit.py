"""Randomness audit against the law: over many seeds, is every subject drawn with the rules' π?

The target is the probability the rules state (``inclusion_prob``; mandatory 1), never the draw's own
view of itself. Over R independent seeds a subject's number of selections O_i is Binomial(R, π_i) under
*any* design with those marginals, whatever the sizes or the coordination; so the tests below hold for
every lawful draw and fail on a draw whose real chance differs from π (R's ``sampling``/``sps`` test
their designs the same way: realised frequencies over replications against the target π).

* **chi-square per task**: in each cell (task, stratum, π) of N subjects with 0 < π < 1,
  S = c·Σ_i (O_i − Rπ)² / (Rπ(1 − π)) with c = (N − 1)/N and N − 1 degrees of freedom when N ≥ 2 (a
  fixed-size sample makes the O_i exchangeable with a constant sum; with randomised sizes E[S] is still
  N − 1 exactly), c = 1 and 1 degree of freedom when N = 1; cells add their S and degrees of freedom.
* **z per (task, risk class)**: Σ O_i against RΣπ, in standard deviations √(RΣπ(1 − π)) — the
  variance of independent draws, which a fixed-size design only lowers, so the test is conservative;
  a cell fails beyond 4.5.
* **never drawn**: a subject with R·π ≥ 20 that no seed drew (chance e^-20 at most for a lawful draw).
* **certain**: a subject with π = 1 drawn in every seed, with π = 0 in none.
* **sizes**: a count task draws exactly round(Σπ) (its count, or every eligible subject) in every seed;
  a ratio task, and every risk class of any task, draws within one of its Σπ (⌊Σπ⌋ or ⌈Σπ⌉).

Caps (the annual visit limit) legitimately move frequencies: replacements are counted so a failure on a
capped scenario can be read for what it is. Visits are compared with the bounds of the domain notes:
Σ_i max_t π_it (positive coordination), Σ_i Σ_r max_{t∈r} π_it (coordinated), Σ_i [1 − Π_t (1 − π_it)]
(independent draws).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import polars as pl

from optimizer.draw.coordinated import DrawResult
from optimizer.stats import chi2_sf

__all__ = ["Z_LIMIT", "NEVER_DRAWN", "P_LIMIT", "LawAudit", "law_audit", "inclusion_audit", "visit_audit",
           "exact_probabilities"]

Z_LIMIT = 4.5
"""A (task, risk class) cell fails when its total is further than this many standard deviations from RΣπ."""
NEVER_DRAWN = 20.0
"""A subject expected to be drawn at least this many times over the seeds must be drawn at least once."""
P_LIMIT = 0.001
"""A task fails the chi-square test below this p-value."""
_TOL = 1e-6  # Σπ of the rules is a sum of 12-decimal floats


def _risk_class(stratum: pl.Expr) -> pl.Expr:
    return stratum.str.split(":").list.first()


def exact_probabilities(result: DrawResult) -> pl.DataFrame:
    """Per (subject, task): round, stratum, the rules' π and the draw's probability p of drawing the pair.

    p is π clipped to [0, 1] (mandatory: 1) — what the design guarantees; ``p_draw`` = E[n]/N of the pair's
    cell as the draw computed it (null when the result does not carry it), equal to π to 10⁻⁹.
    """
    first = result.draws["seed"].first()
    one = result.draws.filter(pl.col("seed") == first)
    p = pl.when(pl.col("mandatory")).then(1.0).otherwise(pl.col("inclusion_prob").clip(0.0, 1.0))
    if "expected" in result.substrata.columns and "pi_units" in one.columns:
        cells = result.substrata.filter(pl.col("seed") == first).select("task_id", "stratum", "pi_units", "expected")
        one = one.join(cells, on=["task_id", "stratum", "pi_units"], how="left")
        p_draw = pl.when(pl.col("mandatory")).then(1.0).otherwise(pl.col("expected") / pl.col("N"))
    else:
        p_draw = pl.lit(None, pl.Float64)
    return one.select("subject_id", "task_id", "round", "stratum", "inclusion_prob", "N", p.alias("p"),
                      p_draw.alias("p_draw"))


def inclusion_audit(result: DrawResult) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per-pair frequencies and per-task chi-square tests of them against the rules' π, over all seeds.

    Every float sum is over sorted values: a group's rows arrive in an order that varies from run to run (joins,
    group_by), and a float sum in another order can differ in its last bit — enough to print Σπ 23.65 one run and
    23.66 the next. The same draws give the same audit, byte for byte."""
    seeds = result.draws["seed"].n_unique()
    observed = result.draws.group_by("subject_id", "task_id").agg(
        pl.col("selected").sum().alias("O"), pl.col("replaced_by").is_not_null().sum().alias("replaced"))
    pairs = exact_probabilities(result).join(observed, on=["subject_id", "task_id"]).with_columns(
        (pl.col("O") / seeds).alias("observed"), pl.col("inclusion_prob").clip(0.0, 1.0).alias("pi"))
    random_part = pairs.filter((pl.col("pi") > 0) & (pl.col("pi") < 1))
    expected = seeds * pl.col("pi")
    per_cell = (
        random_part.with_columns(((pl.col("O") - expected) ** 2 / (expected * (1 - pl.col("pi")))).alias("term"))
        .group_by("task_id", "stratum", "pi")
        .agg(pl.col("term").sort().sum(), pl.len().alias("size"))
        .with_columns(
            pl.when(pl.col("size") > 1).then((pl.col("size") - 1) / pl.col("size") * pl.col("term"))
            .otherwise(pl.col("term")).alias("S"),
            pl.when(pl.col("size") > 1).then(pl.col("size") - 1).otherwise(1).alias("df"),
        )
    )
    certain = (pl.col("pi") >= 1) & (pl.col("O") < seeds) | (pl.col("pi") <= 0) & (pl.col("O") > 0)
    per_task = (
        per_cell.group_by("task_id").agg(pl.col("S").sort().sum().alias("chi2"), pl.col("df").sum())
        .join(pairs.group_by("task_id").agg(
            pl.len().alias("subjects"),
            pl.col("pi").sort().sum().alias("sum_pi"),
            (pl.col("observed") - pl.col("pi")).abs().max().alias("max_abs_dev"),
            (pl.col("p_draw") - pl.col("pi")).abs().max().alias("max_rounding_gap"),
            ((seeds * pl.col("pi") >= NEVER_DRAWN) & (pl.col("O") == 0)).sum().alias("never_drawn"),
            certain.sum().alias("certain_missed"),
            pl.col("replaced").sum().alias("replacements"),
        ), on="task_id", how="right")
        .with_columns(pl.col("chi2").fill_null(0.0), pl.col("df").fill_null(0).cast(pl.Int64))
    )
    p_values = [chi2_sf(s, int(df)) if df > 0 else 1.0 for s, df in per_task.select("chi2", "df").iter_rows()]
    per_task = per_task.with_columns(pl.Series("p_value", p_values, dtype=pl.Float64)).sort("task_id")
    return pairs.sort("task_id", "subject_id"), per_task


def _class_audit(result: DrawResult, pairs: pl.DataFrame) -> pl.DataFrame:
    """Per (task, risk class): observed total against RΣπ, as a z-score, and the sizes drawn per seed."""
    seeds = result.draws["seed"].n_unique()
    totals = pairs.with_columns(_risk_class(pl.col("stratum")).alias("risk_class")).group_by("task_id", "risk_class").agg(
        pl.len().alias("subjects"), pl.col("pi").sort().sum().alias("sum_pi"),
        (pl.col("pi") * (1 - pl.col("pi"))).sort().sum().alias("var1"), pl.col("O").sum().alias("O"))
    sizes = (
        result.draws.with_columns(_risk_class(pl.col("stratum")).alias("risk_class"))
        .group_by("seed", "task_id", "risk_class").agg(pl.col("selected").sum().alias("size"))
        .group_by("task_id", "risk_class").agg(pl.col("size").min().alias("min_size"), pl.col("size").max().alias("max_size"))
    )
    expected = seeds * pl.col("sum_pi")
    sd = (seeds * pl.col("var1")).sqrt()
    z = pl.when(sd > 0).then((pl.col("O") - expected) / sd).when((pl.col("O") - expected).abs() < 0.5).then(0.0) \
        .otherwise(pl.lit(math.inf) * (pl.col("O") - expected).sign())
    return (
        totals.join(sizes, on=["task_id", "risk_class"])
        .with_columns(expected.alias("expected"), z.alias("z"))
        .with_columns(
            ((pl.col("min_size") > pl.col("sum_pi") - 1 + _TOL) & (pl.col("max_size") < pl.col("sum_pi") + 1 - _TOL)
             | (pl.col("min_size") == pl.col("max_size")) & ((pl.col("min_size") - pl.col("sum_pi")).abs() < _TOL))
            .alias("size_ok"),
            (pl.col("z").abs() <= Z_LIMIT).alias("z_ok"),
        )
        .select("task_id", "risk_class", "subjects", "sum_pi", "expected", "O", "z", "min_size", "max_size",
                "z_ok", "size_ok")
        .sort("task_id", "risk_class")
    )


def _task_sizes(result: DrawResult, sum_pi: pl.DataFrame, task_counts: dict[str, int]) -> pl.DataFrame:
    """Per task: the smallest and largest sample over the seeds, and whether each seed drew a lawful size."""
    sizes = result.draws.group_by("seed", "task_id").agg(pl.col("selected").sum().alias("size")).group_by("task_id") \
        .agg(pl.col("size").min().alias("min_size"), pl.col("size").max().alias("max_size"))
    counted = pl.DataFrame({"task_id": list(task_counts), "count": list(task_counts.values())},
                           schema={"task_id": pl.String, "count": pl.Int64})
    frame = sum_pi.join(sizes, on="task_id").join(counted, on="task_id", how="left")
    within_one = (pl.col("min_size") > pl.col("sum_pi") - 1 + _TOL) & (pl.col("max_size") < pl.col("sum_pi") + 1 - _TOL)
    exact = (pl.col("min_size") == pl.col("max_size")) & ((pl.col("min_size") - pl.col("sum_pi")).abs() < _TOL)
    return frame.with_columns(
        pl.when(pl.col("count").is_not_null()).then(pl.lit("count")).otherwise(pl.lit("ratio")).alias("kind"),
        pl.when(pl.col("count").is_not_null()).then(exact).otherwise(within_one | exact).alias("size_ok"),
    ).select("task_id", "kind", "count", "min_size", "max_size", "size_ok")


@dataclass(frozen=True)
class LawAudit:
    """The audit of a many-seed draw against the rules' π (see the module docstring for each test)."""

    seeds: int
    tasks: pl.DataFrame     # per task: chi-square, sizes, never drawn, replacements, ok
    classes: pl.DataFrame   # per (task, risk class): z-score and sizes
    pairs: pl.DataFrame     # per (subject, task): π, O, observed frequency
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def law_audit(result: DrawResult, task_counts: dict[str, int] | None = None) -> LawAudit:
    """Test a draw over many seeds against the law: every test of the module docstring, with failures named."""
    seeds = result.draws["seed"].n_unique()
    pairs, per_task = inclusion_audit(result)
    classes = _class_audit(result, pairs)
    sizes = _task_sizes(result, per_task.select("task_id", "sum_pi"), task_counts or {})
    tasks = per_task.join(sizes, on="task_id").with_columns(
        (pl.col("p_value") > P_LIMIT).alias("chi2_ok"),
    ).with_columns(
        (pl.col("chi2_ok") & pl.col("size_ok") & (pl.col("never_drawn") == 0) & (pl.col("certain_missed") == 0)).alias("ok"),
    ).sort("task_id")
    failures: list[str] = []
    for r in tasks.iter_rows(named=True):
        t = r["task_id"]
        if not r["chi2_ok"]:
            failures.append(f"task {t}: chi-square {r['chi2']:.1f} on {r['df']} df, p = {r['p_value']:.2e} ≤ {P_LIMIT}")
        if not r["size_ok"]:
            want = f"exactly {round(r['sum_pi'])}" if r["kind"] == "count" else f"within one of Σπ = {r['sum_pi']:.3f}"
            failures.append(f"task {t}: drew {r['min_size']}..{r['max_size']} subjects, {want}")
        if r["never_drawn"]:
            failures.append(f"task {t}: {r['never_drawn']} subject(s) never drawn although seeds·π ≥ {NEVER_DRAWN:g}")
        if r["certain_missed"]:
            failures.append(f"task {t}: {r['certain_missed']} subject(s) with π = 1 not always drawn (or π = 0 drawn)")
    for r in classes.iter_rows(named=True):
        where = f"task {r['task_id']} class {r['risk_class']}"
        if not r["z_ok"]:
            failures.append(f"{where}: drawn {r['O']} times, expected {r['expected']:.1f} (z = {r['z']:.1f})")
        if not r["size_ok"]:
            failures.append(f"{where}: drew {r['min_size']}..{r['max_size']} per seed, Σπ = {r['sum_pi']:.3f}")
    return LawAudit(seeds, tasks, classes, pairs, failures)


def visit_audit(result: DrawResult) -> dict[str, float]:
    """Mean distinct subjects and visits per seed against their theoretical values."""
    seeds = result.draws["seed"].n_unique()
    chosen = result.draws.filter("selected")
    p = exact_probabilities(result)
    return {
        "seeds": seeds,
        "mean_distinct_subjects": chosen.select("seed", "subject_id").unique().height / seeds,
        "mean_visits": chosen.select("seed", "subject_id", "round").unique().height / seeds,
        "bound_positive": float(p.group_by("subject_id").agg(pl.col("p").max())["p"].sort().sum()),
        "bound_coordinated": float(p.group_by("subject_id", "round").agg(pl.col("p").max())["p"].sort().sum()),
        "expected_independent": float(
            p.group_by("subject_id").agg((1 - (1 - pl.col("p")).sort().product()).alias("q"))["q"].sort().sum()
        ),
    }
