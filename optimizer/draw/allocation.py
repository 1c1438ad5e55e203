"""How many subjects each task draws from each cell: randomised, controlled rounding of N·π.

A task's eligible subjects fall into cells: its policy stratum (risk class by default, with the
targeted/mandatory labels of :mod:`rules.probability`) split further by inclusion probability π, so
that π is equal inside every cell and the draw there is a simple random sample of n subjects.

**The rule.** The law gives every eligible subject its probability π (沪府发〔2024〕6号 一(二), 一(五)); a
draw is lawful only if P(subject drawn) = π. A fixed n = round(N·π) makes that chance n/N instead —
zero whenever N·π < 0.5 — so each cell draws a *random* size with the right expectation:

* the expectation is e = N·π (ratio and ratio_by_class tasks), or the cell's share
  q = C'·N·π / Σ N·π of a count task's C' free places (the count less the cells with π = 1 —
  mandatory 定向 subjects — which draw all their N; a share at or above N takes the whole cell and the
  rest is spread again, as the rules spread π);
* the cell draws ⌊e⌋ or ⌈e⌉ subjects, ⌈e⌉ with probability frac(e) exactly, by **ordered pivotal
  rounding** of the fractional parts (:func:`_pivotal`): inside a risk class the cells meet in turn, at
  each meeting one of the two is settled and the other carries the rest; then the classes' carried
  cells meet the same way. Every cell, every risk class and the whole task end within one of their
  expectations (⌊Σe⌋ or ⌈Σe⌉); a count task draws exactly its count, because its shares add up to
  an integer. Ordered pivotal sampling is the sequential form of Deville's systematic sampling
  (Deville & Tillé, "Unequal probability sampling without replacement through a splitting method",
  Biometrika 85 (1998) 89–101; Chauvet, "On a characterization of ordered pivotal sampling",
  Bernoulli 18 (2012) 1320–1340); rounding a table's cells to neighbouring integers with the right
  expectations and controlled totals is Cox's unbiased controlled rounding (JASA 82 (1987) 520–524).

**Where its randomness comes from.** Each meeting is decided by a uniform number that belongs to one
cell: V = F(x₍ₖ₎), the Beta(k, N − k + 1) distribution function (:func:`binomial_tail`) at the k-th
smallest coordinated key of the cell, k = ⌊e⌋ + 1 — the key of the subject that rounding up would add.
V is uniform and depends only on the cell's order statistics, which are independent of *which*
subject holds which rank (the keys are independent and identically distributed); cells are disjoint,
so the uniforms are independent of each other and of every cell's order. Hence the draw inside a cell,
the n smallest keys (:mod:`optimizer.draw.coordinated`), is a simple random sample whatever n is, and

    P(i drawn) = E[n] / N = e / N = π   exactly, for any N (to the 10⁻⁹ at which π is read).

A cell rounds up when its marginal subject's key is small — when x₍ₖ₎ < π would admit it under
sequential Poisson sampling — so tasks of one round, which read the same keys, round up together and
their samples keep overlapping (one visit serves them). Nothing but the plan seed enters: anyone with
the revealed seed recomputes every size (``jointcheck verify``).

Arithmetic: π is carried in 10⁻⁹ units, e in 10⁻⁹ units (a count task's shares as exact fractions over
Σ N·π), pivotal sums are exact integers; the one floating-point step is V (absolute error about 1e-15),
compared with a ratio of integers, so a machine-dependent last bit could change a size only when a key
falls within ~10⁻¹⁵ of a threshold.
"""

from __future__ import annotations

import math

import polars as pl

from scenarios.errors import Problem

__all__ = ["PI_SCALE", "CELL", "allocate", "binomial_tail", "cell_sizes", "pi_units"]

PI_SCALE = 10**9
"""π is carried as an integer number of 10⁻⁹ units, so offsets, cells and expectations are exact integers."""

CELL = ["task_id", "stratum", "pi_units"]
"""The columns naming a cell: one task, one stratum, one π."""


def pi_units(pi: pl.Expr) -> pl.Expr:
    """π ∈ [0, 1] as an Int64 count of 10⁻⁹ units (π = 0 stays 0: such a subject is never drawn)."""
    return (pi * PI_SCALE).round().cast(pl.Int64).clip(0, PI_SCALE)


def _count_shares(count: int, cells: list[dict]) -> None:
    """Set ``lo, frac, den`` on a count task's cells: shares C'·w/W of the free places (see module doc).

    All the task's cells get the same ``den``, so a run of them adds its fractional parts exactly.
    """
    fixed = [c for c in cells if c["pi_units"] >= PI_SCALE]
    free = [c for c in cells if 0 < c["pi_units"] < PI_SCALE]
    for c in cells:
        c.update(lo=c["N"] if c in fixed else 0, frac=0)
    left, den = count - sum(c["N"] for c in fixed), 1
    while left > 0 and free:
        weight = sum(c["N"] * c["pi_units"] for c in free)
        full = [c for c in free if left * c["pi_units"] >= weight]
        if not full:
            for c in free:
                c["lo"], c["frac"] = divmod(left * c["N"] * c["pi_units"], weight)
            den = weight
            break
        for c in full:
            c["lo"] = c["N"]
            left -= c["N"]
        free = [c for c in free if c not in full]
    for c in cells:
        c["den"] = den


def allocate(substrata: pl.DataFrame, task_counts: dict[str, int]) -> tuple[pl.DataFrame, list[Problem]]:
    """The rounding plan of a frame of cells ``task_id, stratum, pi_units, N`` (one row per cell).

    Adds, all exact integers: ``lo`` = ⌊e⌋, ``frac`` and ``den`` (frac(e) = frac/den; one ``den`` for all
    of a task's cells), ``n_low``/``n_high`` (the two sizes the cell may draw) and ``expected`` = e as a
    float. Seed-independent; :func:`cell_sizes` draws n.
    A count above the eligible subjects takes them all, with a warning.
    """
    problems: list[Problem] = []
    frame = substrata.sort(CELL)
    rows = frame.select(*CELL, "N").to_dicts()
    for row in rows:  # ratio tasks: e = N·π in 10⁻⁹ units
        row["lo"], row["frac"] = divmod(row["N"] * row["pi_units"], PI_SCALE)
        row["den"] = PI_SCALE
    by_task: dict[str, list[dict]] = {}
    for row in rows:
        by_task.setdefault(row["task_id"], []).append(row)
    for task_id, count in task_counts.items():
        cells = by_task.get(task_id)
        if not cells:
            continue
        eligible = sum(c["N"] for c in cells)
        if count >= eligible:
            for c in cells:
                c.update(lo=c["N"], frac=0, den=1)
            if count > eligible:
                problems.append(Problem.of("scenario.yaml", None, f"tasks[{task_id}].count", "task.count_above_eligible",
                                           "warning", count=count, eligible=eligible))
        else:
            _count_shares(count, cells)
    out = pl.DataFrame(rows, schema={"task_id": pl.String, "stratum": pl.String, "pi_units": pl.Int64,
                                     "N": pl.Int64, "lo": pl.Int64, "frac": pl.Int64, "den": pl.Int64})
    out = out.with_columns(
        pl.col("lo").alias("n_low"),
        (pl.col("lo") + (pl.col("frac") > 0).cast(pl.Int64)).alias("n_high"),
        (pl.col("lo") + pl.col("frac") / pl.col("den")).alias("expected"),
    )
    return out, problems


def binomial_tail(n: int, k: int, x: float) -> float:
    """P(Binomial(n, x) ≥ k) = P(k-th smallest of n uniforms ≤ x): the CDF of the Beta(k, n − k + 1) law.

    Summed from the shorter side in log space (``math.lgamma``); absolute accuracy about 1e-15.
    """
    if k <= 0 or x >= 1.0:
        return 1.0
    if k > n or x <= 0.0:
        return 0.0
    log_x, log_1x, log_n = math.log(x), math.log1p(-x), math.lgamma(n + 1)

    def pmf(j: int) -> float:
        return math.exp(log_n - math.lgamma(j + 1) - math.lgamma(n - j + 1) + j * log_x + (n - j) * log_1x)

    if k <= n - k:
        return min(1.0, max(0.0, 1.0 - math.fsum(pmf(j) for j in range(k))))
    return min(1.0, max(0.0, math.fsum(pmf(j) for j in range(k, n + 1))))


def _pivotal(cells: list[dict]) -> None:
    """Ordered pivotal rounding of one task's cells (in order), setting ``up`` ∈ {0, 1} on each.

    Each cell brings its fraction ``frac`` (over the task's common ``den``) and its uniform ``v``. Within a
    risk class the cells meet in order: the carried cell p (fraction r) and the next cell c (fraction f)
    leave one of them settled and the other carrying the rest — if r + f < den, c carries r + f with
    probability f/(r + f), else c is settled up with probability (den − r)/(2·den − r − f) — the choice
    made by v_c < that probability, so a cell whose keys are small keeps or takes the place. Then the
    classes' carried cells meet the same way, each step using the unused uniform of its class's first
    cell, and the last carried cell rounds up when the first class's spare uniform is below r/den.
    Every step keeps each cell's expected rounding (a martingale), so E[up] = frac/den; each class and
    the task end within one of their expected totals (Deville & Tillé 1998; Chauvet 2012).
    """

    def meet(p: dict, r: int, c: dict, f: int, v: float, den: int) -> tuple[dict, int]:
        if r + f < den:
            if v * (r + f) < f:
                p["up"] = 0
                return c, r + f
            c["up"] = 0
            return p, r + f
        if v * (2 * den - r - f) < den - r:
            c["up"] = 1
            return p, r + f - den
        p["up"] = 1
        return c, r + f - den

    live = [c for c in cells if c["frac"] > 0]
    for c in cells:
        c["up"] = 0
    if not live:
        return
    den = live[0]["den"]
    carried: list[tuple[dict, int, float]] = []  # per class: carried cell, its fraction, the class's spare uniform
    for risk_class in dict.fromkeys(c["risk_class"] for c in live):
        members = [c for c in live if c["risk_class"] == risk_class]
        p, r = members[0], members[0]["frac"]
        for c in members[1:]:
            p, r = meet(p, r, c, c["frac"], c["v"], den)
        carried.append((p, r, members[0]["v"]))
    p, r, spare = carried[0]
    for q, f, v in carried[1:]:
        if r == 0:
            p, r = q, f
        elif f > 0:
            p, r = meet(p, r, q, f, v, den)
    if r > 0:
        p["up"] = int(spare * den < r)


def cell_sizes(cells: pl.DataFrame, kth_keys: pl.DataFrame, seeds: list[str]) -> pl.DataFrame:
    """n per (seed, cell): ⌊e⌋ plus the cell's pivotal rounding (:func:`_pivotal`), from the cells' own keys.

    ``kth_keys``: ``seed, task_id, stratum, pi_units, kth`` — the (⌊e⌋ + 1)-th smallest key of every cell
    with a fractional part, in ticket units over ``denominator``. Its Beta CDF is a uniform that depends
    on the cell's order statistics only, which are independent of which subject holds which rank; so the
    size is independent of the order inside the cell and P(i drawn) = E[n]/N = π.
    """
    from optimizer.draw.prn import TICKET_DENOMINATOR

    meta = cells.with_columns(pl.col("stratum").str.split(":").list.first().alias("risk_class"))
    uniforms = kth_keys.join(meta.select(*CELL, "N", "lo"), on=CELL).select(
        "seed", *CELL,
        pl.struct("N", "lo", "kth").map_elements(
            lambda r: binomial_tail(r["N"], r["lo"] + 1, r["kth"] / TICKET_DENOMINATOR), return_dtype=pl.Float64,
        ).alias("v"),
    )
    v = {(seed, t, s, p): x for seed, t, s, p, x in uniforms.iter_rows()}
    rows = meta.filter(pl.col("frac") > 0).select(*CELL, "risk_class", "lo", "frac", "den").to_dicts()
    by_task: dict[str, list[dict]] = {}
    for row in rows:
        by_task.setdefault(row["task_id"], []).append(row)
    ups = []
    for seed in seeds:
        for task_cells in by_task.values():
            todo = [dict(c, v=v[(seed, c["task_id"], c["stratum"], c["pi_units"])]) for c in task_cells]
            _pivotal(todo)
            ups += [(seed, c["task_id"], c["stratum"], c["pi_units"], 1) for c in todo if c["up"]]
    up = pl.DataFrame(ups, schema={"seed": pl.String, "task_id": pl.String, "stratum": pl.String,
                                   "pi_units": pl.Int64, "up": pl.Int64}, orient="row")
    grid = pl.DataFrame({"seed": seeds}, schema={"seed": pl.String}).join(cells, how="cross")
    return (
        grid.join(up, on=["seed", *CELL], how="left")
        .with_columns((pl.col("lo") + pl.col("up").fill_null(0)).alias("n"))
        .select("seed", *CELL, "N", "expected", "n_low", "n_high", "n")
        .sort("seed", *CELL)
    )
