"""The coordinated random draw (随机抽取检查对象): permanent random numbers, exact samples, caps.

Every subject i gets one ticket u_i from the plan seed (:mod:`optimizer.draw.prn`, Rivest's consistent
sampler). Tasks are grouped in rounds (:mod:`optimizer.calendar.rounds`). A task t in round r ranks its eligible
subjects, inside each substratum of equal π (:mod:`optimizer.draw.allocation`), by

    key_it = frac(u_i − a_ir),   a_ir = Σ over earlier rounds r' of max_{t'∈r'} π_it'

and takes the n smallest (sequential Poisson sampling, Ohlsson 1998; with equal π it is an exact simple
random sample because frac(u − a) is uniform for any fixed a). n is the cell's randomised size
(:mod:`optimizer.draw.allocation`): ⌊N·π⌋ or ⌈N·π⌉ with expectation N·π, decided from the cell's own
order statistics, so every subject is drawn with probability exactly π however small its cell — a
3 % task on a 40-subject type draws 1.2 subjects on average, not round(0.03·N) = 0 per class. Subjects
the policy makes mandatory (定向抽查, π = 1) are taken first.

* ``coordinated`` (default): as above. Inside a round all tasks read the same number, so their samples
  overlap as much as their probabilities allow (one visit serves them); between rounds the offsets
  keep a subject's selection intervals on the unit circle apart, so it falls in at most one round
  while its Σ_r max π ≤ 1. Expected visits: Σ_i Σ_r max_{t∈r} π_it.
* ``positive``: one number for all tasks, no offsets. Expected distinct subjects: Σ_i max_t π_it.
* ``independent``: a separate ticket per task (seed "<seed>/<task id>"), today's practice. Expected
  distinct subjects: Σ_i [1 − Π_t (1 − π_it)].

Caps (the per-subject annual number of visits, from the rules) are applied round by round in date
order: a subject that has used its cap in earlier rounds is skipped and its place goes to the next
subject in the same task's order (备选名单); the replacement is recorded on the displaced row.

Everything is integer arithmetic: tickets are integers over 10¹⁹, π is carried in 10⁻⁹ units, and
ranking compares integers, so no float rounding can change a draw between machines. Ties (two equal
19-digit keys) fall to the subject id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import polars as pl

from optimizer.draw.allocation import CELL, PI_SCALE, allocate, cell_sizes, pi_units
from optimizer.draw.prn import TICKET_DENOMINATOR, ticket_ints
from optimizer.progress import step
from scenarios.errors import Problem

__all__ = ["DrawMode", "DrawInput", "DrawResult", "draw_subjects", "DRAW_COLUMNS"]

_OFFSET_TO_TICKET = TICKET_DENOMINATOR // PI_SCALE  # 10¹⁰: one π unit in ticket units

ROTATION_GUARD = (1, 8)
"""Rotation across years (:mod:`optimizer.rotation`): a year's arc starts after the last year's one by this share
(1/8) of the circle the two leave free, a guard against the random end of fixed-size samples."""

DRAW_COLUMNS = [
    "subject_id", "task_id", "round", "stratum", "inclusion_prob", "prn", "selected", "replaced_by", "rules",
]


class DrawMode(StrEnum):
    coordinated = "coordinated"
    positive = "positive"
    independent = "independent"


@dataclass(frozen=True)
class DrawInput:
    """Everything the draw reads, prepared by the rules engine and the calendar.

    ``pairs``: one row per eligible (subject, task): ``subject_id, task_id, inclusion_prob, stratum,
    mandatory`` and optionally ``rules`` (list of rule ids). ``caps``: ``subject_id, annual_cap``
    (null = no cap). ``rounds``: ``task_id, round``. ``task_counts``: the tasks given as a count.
    """

    pairs: pl.DataFrame
    caps: pl.DataFrame
    rounds: pl.DataFrame
    task_counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DrawResult:
    """``draws``: one row per eligible pair and seed, columns :data:`DRAW_COLUMNS` plus ``seed``,
    ``ticket`` (exact), ``key``, ``rank``, ``mandatory``, ``n`` (the cell's size in that seed) and ``N``.
    ``substrata``: one row per seed and cell (``seed, task_id, stratum, pi_units, N, expected, n_low,
    n_high, n``; :func:`~optimizer.draw.allocation.cell_sizes`). ``problems``: warnings about the draw."""

    draws: pl.DataFrame
    substrata: pl.DataFrame
    problems: list[Problem]


def _tickets(pairs: pl.DataFrame, seeds: list[str], mode: DrawMode) -> pl.DataFrame:
    """Ticket per (seed, subject) — or per (seed, task, subject) in independent mode."""
    frames = []
    if mode is DrawMode.independent:
        by_task = pairs.select("task_id", "subject_id").unique().sort("task_id", "subject_id").partition_by(
            "task_id", as_dict=True
        )
        for seed in seeds:
            for (task_id,), group in by_task.items():
                ids = group["subject_id"]
                frames.append(pl.DataFrame({"seed": seed, "task_id": task_id, "subject_id": ids,
                                            "ticket": ticket_ints(ids, f"{seed}/{task_id}")}))
    else:
        ids = pairs["subject_id"].unique().sort()
        for seed in seeds:
            frames.append(pl.DataFrame({"seed": seed, "subject_id": ids, "ticket": ticket_ints(ids, seed)}))
    return pl.concat(frames)


def _offsets(pairs: pl.DataFrame, mode: DrawMode, basis: pl.DataFrame | None = None,
             shift: pl.DataFrame | None = None) -> pl.DataFrame:
    """a_ir in π units modulo 1 (only the fractional part of an offset moves a point on the circle).

    ``basis`` (``subject_id, round, pi_units``), when given, defines the rounds' maxima instead of ``pairs``
    (an adjusted plan keeps the offsets of the plan it adjusts); a (subject, round) the basis does not hold — a
    task added in a round where the subject had no arc — starts after all the subject's arcs. ``shift`` (``subject_id, shift`` in π units)
    is added to every round's offset of the subject (rotation across years); with both, the year's arc the shift
    guards against is the basis's. Both are fixed before the tickets are read, so frac(u − a) stays uniform
    and every sample stays exactly at π.
    """
    per_round = pairs.group_by("subject_id", "round").agg(pl.col("pi_units").max().alias("top"))
    if mode is not DrawMode.coordinated:
        return per_round.select("subject_id", "round", pl.lit(0, pl.Int64).alias("offset"))
    if basis is None:
        out = per_round.sort("subject_id", "round").with_columns(
            ((pl.col("top").cum_sum().over("subject_id") - pl.col("top")) % PI_SCALE).alias("offset")
        ).select("subject_id", "round", "offset")
    else:
        # a round in which the basis gives the subject no arc (a task added there) goes after all its arcs
        tops = basis.group_by("subject_id", pl.col("round").cast(pl.Int32)).agg(pl.col("pi_units").max().alias("top"))
        total = tops.group_by("subject_id").agg(pl.col("top").sum().alias("total"))
        frames = []
        for rnd in sorted(per_round["round"].unique().to_list()):
            earlier = tops.filter(pl.col("round") < rnd).group_by("subject_id").agg(pl.col("top").sum().alias("a"))
            here = tops.filter(pl.col("round") == rnd).select("subject_id", pl.lit(True).alias("has_arc"))
            frames.append(
                per_round.filter(pl.col("round") == rnd).join(earlier, on="subject_id", how="left")
                .join(here, on="subject_id", how="left").join(total, on="subject_id", how="left")
                .select("subject_id", "round", (pl.when(pl.col("has_arc")).then(pl.col("a").fill_null(0))
                                                .otherwise(pl.col("total").fill_null(0)) % PI_SCALE).cast(pl.Int64)
                        .alias("offset")))
        out = pl.concat(frames)
    if shift is not None:
        if "end" in shift.columns:  # an arc of the circle after the last year's one (optimizer.rotation.shift_after)
            # this year's arc: an adjusted plan's is the one of the plan it adjusts (its basis), so an adjustment
            # of a rotated plan keeps every subject's shift, and unchanged tasks their keys
            arcs = per_round if basis is None else basis.group_by("subject_id", "round").agg(
                pl.col("pi_units").max().alias("top"))
            this_year = arcs.group_by("subject_id").agg(pl.col("top").sum().cast(pl.Int64).alias("length"))
            shift = shift.join(this_year, on="subject_id", how="full", coalesce=True).select(
                "subject_id", (pl.col("end").fill_null(0) + (PI_SCALE - pl.col("last").fill_null(0)
                               - pl.col("length").fill_null(0)).clip(lower_bound=0) * ROTATION_GUARD[0]
                               // ROTATION_GUARD[1]).alias("shift"))
        out = out.join(shift.select("subject_id", pl.col("shift").cast(pl.Int64)), on="subject_id", how="left").select(
            "subject_id", "round", ((pl.col("offset") + pl.col("shift").fill_null(0)) % PI_SCALE).alias("offset"))
    return out


def _keys(ticket: pl.Series, offset: pl.Series) -> pl.Series:
    """frac(u − a) in ticket units: (ticket − offset·10¹⁰) mod 10¹⁹, exact in uint64."""
    t = ticket.to_numpy().astype(np.uint64)
    a = offset.to_numpy().astype(np.uint64) * np.uint64(_OFFSET_TO_TICKET)  # < 10¹⁹
    with np.errstate(over="ignore"):
        key = np.where(t >= a, t - a, t + (np.uint64(TICKET_DENOMINATOR) - a))
    return pl.Series("key", key, dtype=pl.UInt64)


def _kth_keys(cand: pl.DataFrame, cells: pl.DataFrame) -> pl.DataFrame:
    """The (⌊e⌋ + 1)-th smallest key of every cell that rounds at random, per seed (ties: subject id)."""
    rounding = cells.filter(pl.col("frac") > 0).select(*CELL, "lo")
    return (
        cand.select("seed", *CELL, "key", "subject_id").join(rounding, on=CELL)
        .sort("seed", *CELL, "key", "subject_id")
        .filter(pl.int_range(pl.len()).over("seed", *CELL) == pl.col("lo"))
        .select("seed", *CELL, pl.col("key").alias("kth"))
    )


def _after_last_year(pairs: pl.DataFrame, offsets: pl.DataFrame, shift: pl.DataFrame, last: pl.DataFrame,
                     seeds: list[str], basis: pl.DataFrame | None = None) -> pl.DataFrame:
    """``seed, subject_id, task_id, order``: the order of a cell that follows last year's sample (rotation).

    Rule (the cell C of task t this year): when every member of C was, last year, in one cell D of task t and in
    no other round, has the same rows of last year's draw, the same shift and the same offset this year, one
    round this year and π < 1, the members are ranked by their rank in D cyclically, starting after the last
    member of C that D selected — this year's sample takes the members that follow last year's (rank rotation,
    as statistical offices rotate small strata), and meets it only when the two sizes exceed |C|.

    Why P(drawn) stays exactly π: under these conditions the members of C are interchangeable in everything
    fixed (offsets, rows, shift), so swapping their tickets swaps their outcomes last year and this year; the
    order is a function of the tickets that commutes with such swaps, and the cell's size n still comes from
    the order statistics of this year's keys (:func:`optimizer.draw.allocation.cell_sizes`), which swaps do not
    change. So every member has the same chance, E[n]/|C| = π. The conditions are read from published files
    (last year's draw table, the probabilities), never from this year's tickets. In an adjusted plan
    (``basis``: the offsets of the plan adjusted) "one round this year" is read from the basis, so a task added or
    moved does not change which cells follow, and unchanged tasks keep their samples.
    """
    empty = pl.DataFrame(schema={"seed": pl.String, "subject_id": pl.String, "task_id": pl.String, "order": pl.Int64})
    if last.height == 0 or "end" not in shift.columns:
        return empty
    one = last if "seed" not in last.columns else last.filter(pl.col("seed") == last["seed"].first())
    profile = (one.sort("task_id", "stratum", "pi_units", "round")
               .group_by("subject_id").agg(
                   pl.concat_str("task_id", "stratum", pl.col("pi_units").cast(pl.String), pl.col("round").cast(pl.String),
                                 separator="|").str.join(",").alias("profile"),
                   pl.col("round").n_unique().alias("rounds_before")))
    here = pairs.group_by("subject_id").agg(pl.col("round").n_unique().alias("rounds_now"))
    if basis is not None:  # an adjustment: the rounds of the plan adjusted
        planned = basis.group_by("subject_id").agg(pl.col("round").n_unique().alias("planned"))
        here = here.join(planned, on="subject_id", how="left").select(
            "subject_id", pl.coalesce("planned", "rounds_now").alias("rounds_now"))
    facts = (pairs.select("subject_id", "task_id", "stratum", "pi_units", "round", "mandatory")
             .join(profile, on="subject_id", how="left").join(here, on="subject_id")
             .join(offsets, on=["subject_id", "round"])
             .join(shift.select("subject_id", pl.concat_str(pl.col("end").cast(pl.String), pl.col("last").cast(pl.String),
                                                           separator="/").alias("arc")), on="subject_id", how="left")
             .join(one.select("subject_id", "task_id", pl.col("stratum").alias("d_stratum"),
                              pl.col("pi_units").alias("d_pi")), on=["subject_id", "task_id"], how="left"))
    cell = ["task_id", "stratum", "pi_units"]
    ok = facts.group_by(cell).agg(
        (pl.col("profile").is_not_null().all() & (pl.col("profile").n_unique() == 1)
         & (pl.col("rounds_before") == 1).all() & (pl.col("rounds_now") == 1).all()
         & pl.col("arc").is_not_null().all() & (pl.col("arc").n_unique() == 1)
         & (pl.col("offset").n_unique() == 1) & pl.col("d_stratum").is_not_null().all()
         & ~pl.col("mandatory").any() & (pl.col("pi_units") < PI_SCALE).all()).alias("ok"))
    members = facts.join(ok.filter("ok").select(cell), on=cell).select("subject_id", *cell)
    if members.height == 0:
        return empty
    if "seed" in last.columns:
        before = last.select("seed", "subject_id", "task_id", "rank", "selected")
    else:
        before = pl.DataFrame({"seed": seeds}).join(last.select("subject_id", "task_id", "rank", "selected"), how="cross")
    ranked = members.join(before, on=["subject_id", "task_id"])
    top = ranked.group_by("seed", *cell).agg(
        pl.col("rank").filter(pl.col("selected")).max().fill_null(0).alias("q"), pl.col("rank").max().alias("m"))
    return ranked.join(top, on=["seed", *cell]).select(
        "seed", "subject_id", "task_id",
        pl.when(pl.col("rank") > pl.col("q")).then(pl.col("rank") - pl.col("q"))
        .otherwise(pl.col("rank") - pl.col("q") + pl.col("m")).cast(pl.Int64).alias("order"))


def _draw_round(cand: pl.DataFrame) -> pl.DataFrame:
    """Select inside one round: rank by (mandatory first, key, id) per (seed, substratum) — a cell that follows
    last year's sample by its ``order`` first (:func:`_after_last_year`) —; skip blocked."""
    group = ["seed", "task_id", "stratum", "pi_units"]
    cand = cand.sort([*group, "mandatory", "order", "key", "subject_id"], descending=[False] * 4 + [True, False, False, False])
    cand = cand.with_columns(
        pl.int_range(1, pl.len() + 1).over(group).alias("rank"),
        (pl.col("blocked").not_().cast(pl.Int64).cum_sum().over(group)).alias("rank_open"),
    )
    would = pl.col("rank") <= pl.col("n")
    chosen = pl.col("blocked").not_() & ((pl.col("rank_open") <= pl.col("n")) | pl.col("mandatory"))
    cand = cand.with_columns(chosen.alias("selected"), would.alias("would"))
    displaced = (
        cand.filter(pl.col("blocked") & pl.col("would"))
        .with_columns(pl.int_range(pl.len()).over(group).alias("slot"))
        .select(*group, "slot", "subject_id")
    )
    replacing = (
        cand.filter(pl.col("selected") & ~pl.col("would") & ~pl.col("mandatory"))
        .with_columns(pl.int_range(pl.len()).over(group).alias("slot"))
        .select(*group, "slot", pl.col("subject_id").alias("replaced_by"))
    )
    pairs = displaced.join(replacing, on=[*group, "slot"], how="left").drop("slot")
    return cand.join(pairs, on=[*group, "subject_id"], how="left").drop("rank_open", "would")


def draw_subjects(inp: DrawInput, seeds: list[str] | str, mode: DrawMode | str = DrawMode.coordinated, *,
                  offset_basis: pl.DataFrame | None = None, shift: pl.DataFrame | None = None,
                  done: pl.DataFrame | None = None, last: pl.DataFrame | None = None) -> DrawResult:
    """Draw every task's sample for each seed; see the module docstring for the method and guarantees.

    Optional, for plans that live through the year and across years (:mod:`optimizer.adjust`,
    :mod:`optimizer.rotation`): ``offset_basis`` and ``shift`` fix the offsets (:func:`_offsets`);
    ``done`` (``subject_id, round``, optionally ``seed``): visits already made, counted in the caps of later rounds;
    ``last`` (with ``shift``): last year's draw table (``subject_id, task_id, round, stratum, inclusion_prob,
    selected, rank``, optionally ``seed``) — cells that meet its conditions follow last year's sample
    (:func:`_after_last_year`).
    """
    mode = DrawMode(mode)
    seeds = [seeds] if isinstance(seeds, str) else list(seeds)
    if "rules" not in inp.pairs.columns:
        inp = DrawInput(inp.pairs.with_columns(pl.lit([], pl.List(pl.String)).alias("rules")),
                        inp.caps, inp.rounds, inp.task_counts)
    pairs = (
        inp.pairs.select("subject_id", "task_id", "inclusion_prob", "stratum", "mandatory", "rules")
        .with_columns(pl.col("stratum").cast(pl.String), pi_units(pl.col("inclusion_prob")).alias("pi_units"),
                      pl.col("mandatory").fill_null(False))
        .join(inp.rounds.select("task_id", pl.col("round").cast(pl.Int32)), on="task_id", how="left")
    )
    missing = pairs.filter(pl.col("round").is_null())["task_id"].unique().to_list()
    if missing:
        raise ValueError(f"tasks without a round: {sorted(missing)}")

    round_list = sorted(pairs["round"].unique().to_list())
    steps = 5 + 2 * len(round_list)  # progress (optimizer.progress): the phases below, then each round twice as long
    cells = pairs.group_by(CELL).agg(pl.len().cast(pl.Int64).alias("N"))
    cells, problems = allocate(cells, inp.task_counts)
    step(1, steps)
    offsets = _offsets(pairs, mode, offset_basis, shift)
    pairs = pairs.join(offsets, on=["subject_id", "round"])
    step(2, steps)
    tickets = _tickets(pairs, seeds, mode)
    step(3, steps)
    on = ["task_id", "subject_id"] if mode is DrawMode.independent else ["subject_id"]
    cand_all = pairs.join(tickets, on=on)
    if last is not None and shift is not None and mode is DrawMode.coordinated:
        last = last.with_columns(pi_units(pl.col("inclusion_prob")).alias("pi_units"), pl.col("stratum").cast(pl.String),
                                 pl.col("round").cast(pl.Int32), pl.col("rank").cast(pl.Int64))
        follow = _after_last_year(pairs, offsets, shift, last, seeds, offset_basis)
        cand_all = cand_all.join(follow, on=["seed", "subject_id", "task_id"], how="left")
        cand_all = cand_all.with_columns(pl.col("order").fill_null(0))
    else:
        cand_all = cand_all.with_columns(pl.lit(0, pl.Int64).alias("order"))
    cand_all = cand_all.with_columns(_keys(cand_all["ticket"], cand_all["offset"]))
    substrata = cell_sizes(cells, _kth_keys(cand_all, cells), seeds)
    cand_all = cand_all.join(substrata.select("seed", *CELL, "N", "n"), on=["seed", *CELL])
    step(4, steps)
    caps = inp.caps.select("subject_id", pl.col("annual_cap").cast(pl.Int64))

    used = pl.DataFrame(schema={"seed": pl.String, "subject_id": pl.String, "used": pl.Int64})
    rounds_out = []
    for k, round_index in enumerate(round_list):
        step(4 + 2 * k, steps)
        cand = (
            cand_all.filter(pl.col("round") == round_index)
            .join(used, on=["seed", "subject_id"], how="left")
            .join(caps, on="subject_id", how="left")
            .with_columns((pl.col("annual_cap").is_not_null() & (pl.col("used").fill_null(0) >= pl.col("annual_cap")))
                          .alias("blocked"))
        )
        drawn = _draw_round(cand)
        rounds_out.append(drawn)
        visited = drawn.filter("selected").select("seed", "subject_id")
        if done is not None:  # a visit already made in this round counts once, drawn again or not
            made = done.filter(pl.col("round") == round_index)
            if "seed" not in made.columns:  # the same visits in every seed (one plan adjusted)
                made = pl.DataFrame({"seed": seeds}).join(made.select("subject_id").unique(), how="cross")
            visited = pl.concat([visited, made.select("seed", "subject_id")])
        visited = visited.unique().with_columns(pl.lit(1, pl.Int64).alias("visit"))
        used = (
            pl.concat([used, visited.rename({"visit": "used"})])
            .group_by("seed", "subject_id").agg(pl.col("used").sum())
        )
    step(steps - 1, steps)
    draws = pl.concat(rounds_out).sort("seed", "task_id", "stratum", "pi_units", "rank")
    draws = draws.with_columns(
        (pl.col("ticket").cast(pl.Float64) / TICKET_DENOMINATOR).clip(upper_bound=np.nextafter(1.0, 0.0)).alias("prn"),
    ).select(
        "seed", *DRAW_COLUMNS, "ticket", "key", "rank", "mandatory", "blocked", "pi_units", "n", "N",
    )
    problems += _mandatory_overflow(draws)
    return DrawResult(draws=draws, substrata=substrata, problems=problems)


def _mandatory_overflow(draws: pl.DataFrame) -> list[Problem]:
    over = (
        draws.filter(pl.col("selected"))
        .group_by("seed", *CELL).agg(pl.len().alias("taken"), pl.col("n").first())
        .filter(pl.col("taken") > pl.col("n"))
        .select("task_id", "stratum").unique().sort("task_id", "stratum")
    )
    return [
        Problem.of("scenario.yaml", None, f"tasks[{task}]", "task.mandatory_over_count", "warning", stratum=stratum)
        for task, stratum in over.iter_rows()
    ]
