"""Randomness audit: over many seeds, does every subject enter every task as often as it should?

For each (subject, task) the observed inclusion frequency over R seeds is compared with the draw's exact
probability p = (n − m) / (N − m) in its substratum (N subjects, n drawn, m of them mandatory; p = 1 for
a mandatory subject) and with the policy's declared π. Per task, a chi-square goodness-of-fit test: in a
substratum drawn by simple random sampling, with O_i selections of subject i,

    S = (N − 1)/N · Σ_i (O_i − R p)² / (R p (1 − p))  ~  χ²(N − 1),

because fixed-size samples make the O_i exchangeable with a constant sum; substrata add their S and
degrees of freedom. Visits are compared with the bounds of the domain notes: Σ_i max_t p_it (positive
coordination, distinct subjects), Σ_i Σ_r max_{t∈r} p_it (coordinated, visits = distinct (subject, round)),
Σ_i [1 − Π_t (1 − p_it)] (independent draws, distinct subjects).
"""

from __future__ import annotations

import polars as pl

from optimizer.draw.coordinated import DrawResult
from optimizer.stats import chi2_sf

__all__ = ["inclusion_audit", "visit_audit", "exact_probabilities"]


def exact_probabilities(result: DrawResult) -> pl.DataFrame:
    """Per (subject, task): round, declared π and the draw's exact inclusion probability p (one seed's view)."""
    first = result.draws["seed"].first()
    one = result.draws.filter(pl.col("seed") == first)
    group = ["task_id", "stratum", "n", "N"]
    mandatory = one.group_by(*group, "inclusion_prob").agg(pl.col("mandatory").sum().alias("m"))
    one = one.join(mandatory, on=[*group, "inclusion_prob"])
    free = (pl.col("n") - pl.col("m")).clip(lower_bound=0) / (pl.col("N") - pl.col("m"))
    p = pl.when(pl.col("mandatory")).then(1.0).otherwise(free.fill_nan(0.0).clip(0.0, 1.0))
    return one.select("subject_id", "task_id", "round", "stratum", "inclusion_prob", "n", "N", "m", p.alias("p"))


def inclusion_audit(result: DrawResult) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per-pair frequencies and per-task chi-square tests over all seeds in ``result``."""
    seeds = result.draws["seed"].n_unique()
    observed = result.draws.group_by("subject_id", "task_id").agg(pl.col("selected").sum().alias("O"))
    pairs = exact_probabilities(result).join(observed, on=["subject_id", "task_id"]).with_columns(
        (pl.col("O") / seeds).alias("observed")
    )
    random_part = pairs.filter(~pl.col("p").is_in([0.0, 1.0]))
    expected = seeds * pl.col("p")
    per_sub = (
        random_part.with_columns(((pl.col("O") - expected) ** 2 / (expected * (1 - pl.col("p")))).alias("term"))
        .group_by("task_id", "stratum", "n", "N", "m")
        .agg(pl.col("term").sum(), pl.len().alias("size"))
        .with_columns(((pl.col("size") - 1) / pl.col("size") * pl.col("term")).alias("S"), (pl.col("size") - 1).alias("df"))
    )
    per_task = (
        per_sub.group_by("task_id").agg(pl.col("S").sum().alias("chi2"), pl.col("df").sum())
        .join(pairs.group_by("task_id").agg(
            pl.len().alias("subjects"),
            (pl.col("observed") - pl.col("p")).abs().max().alias("max_abs_dev"),
            (pl.col("p") - pl.col("inclusion_prob")).abs().max().alias("max_rounding_gap"),
        ), on="task_id", how="right")
        .with_columns(pl.col("chi2").fill_null(0.0), pl.col("df").fill_null(0))
    )
    p_values = [chi2_sf(s, int(df)) for s, df in per_task.select("chi2", "df").iter_rows()]
    per_task = per_task.with_columns(pl.Series("p_value", p_values)).sort("task_id")
    return pairs.sort("task_id", "subject_id"), per_task


def visit_audit(result: DrawResult) -> dict[str, float]:
    """Mean distinct subjects and visits per seed against their theoretical values."""
    seeds = result.draws["seed"].n_unique()
    chosen = result.draws.filter("selected")
    p = exact_probabilities(result)
    return {
        "seeds": seeds,
        "mean_distinct_subjects": chosen.select("seed", "subject_id").unique().height / seeds,
        "mean_visits": chosen.select("seed", "subject_id", "round").unique().height / seeds,
        "bound_positive": float(p.group_by("subject_id").agg(pl.col("p").max())["p"].sum()),
        "bound_coordinated": float(p.group_by("subject_id", "round").agg(pl.col("p").max())["p"].sum()),
        "expected_independent": float(
            p.group_by("subject_id").agg((1 - (1 - pl.col("p")).product()).alias("q"))["q"].sum()
        ),
    }
