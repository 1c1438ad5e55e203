"""Visits the plan saves: today's practice, coordinated draws, ours, and the lower bounds, over many seeds.

Usage: python -m benchmarks.visits [SCENARIO_DIR] [--seeds 20240301 20240302 ...] [--n-seeds 5] [--out DIR]
Default: the bundled changning-2024 with seeds 20240301..20240305. Writes ``visits-<scenario>.md``,
``visits-<scenario>.png`` and ``visits-<scenario>.csv`` (one row per seed and method) into
benchmarks/results/ and prints the command and machine that made them.

Every method reads the same scenario, the same rule results and the same public seed values:

* ``single_department``: every department of every task draws and visits on its own —
  Σ_t |departments of t| × drawn_t (长宁's 2518 单部门户次), counted on the independent draw;
* ``independent_unmerged``: joint tasks, independent draws, one visit per drawn (subject, task);
* ``independent_merged``: the same draw, merged where one subject's tasks have overlapping windows as
  planned (per subject, the fewest dates stabbing its windows) — today's best practice;
* ``coordinated_bundled``: coordinated draw on the rounds of the windows as given (greedy stabbing),
  then visit bundling on the given windows (capacities and caps hold);
* ``ours``: :func:`optimizer.plan.make_plan` — calendar alignment, coordinated draw, bundling, teams.

Bounds (expected values, the same for every seed): Σ_i max_t π_it (all tasks in one round, the least any
design with these inclusion probabilities can reach), the best calendar the flexible windows allow
(alignment optimum and its CP-SAT bound) and Σ_i Σ_r max_{t∈r} π_it with the calendar as given.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from benchmarks.machine import print_header
from optimizer.baselines import single_department_visits, stabbing_visits
from optimizer.bundling import BundleInput, bundle_visits
from optimizer.draw import run_draw
from optimizer.plan import PlanSettings, make_plan
from rules import RuleResults, evaluate, load_policy
from scenarios import load_scenario
from scenarios.model import Scenario

__all__ = ["METHODS", "BOUNDS", "VisitMeasure", "measure_visits", "summarise", "check_targets", "gap_to_bound",
           "write_markdown", "write_chart", "main"]

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"

METHODS: dict[str, str] = {
    "single_department": "single-department (each department draws and visits alone)",
    "independent_unmerged": "joint, independent draws, no merging",
    "independent_merged": "joint, independent draws, merged where windows overlap (today's best practice)",
    "coordinated_bundled": "coordinated draws + bundling, calendar as given",
    "ours": "coordinated + calendar alignment + bundling (ours)",
}
BOUNDS: dict[str, str] = {
    "bound_one_round": "lower bound Σ_i max_t π_it (all tasks in one round)",
    "bound_flexible": "best calendar the flexible windows allow (alignment CP-SAT bound)",
    "expected_aligned": "expected visits of the aligned calendar Σ_i Σ_r max π",
    "bound_as_given": "bound with the calendar as given Σ_i Σ_r max π",
}
TODAY = "independent_merged"
OURS = "ours"
# 长宁 2024 (seed 002): 2518 single-department subject-visits → 630 joint visits (−74.98%).
CHANGNING_SINGLE, CHANGNING_JOINT = 2518, 630


@dataclass(frozen=True)
class VisitMeasure:
    """``per_seed``: seed, method, visits, pairs (drawn subject-task pairs), subjects (distinct), subject_rounds
    (distinct subject-round pairs of coordinated draws: the fewest visits its rounds allow), unplaced, seconds. ``bounds``: the expected-value bounds of :data:`BOUNDS`."""

    scenario: str
    seeds: list[str]
    per_seed: pl.DataFrame
    bounds: dict[str, float]


def _bundle_inputs(scenario: Scenario, results: RuleResults) -> dict:
    """The seed-independent frames bundling reads, built as :func:`optimizer.plan.make_plan` builds them."""
    tasks = results.tasks
    return {
        "windows": pl.DataFrame(
            {"task_id": [t.id for t in scenario.tasks], "start": [t.window.start for t in scenario.tasks],
             "end": [t.window.end for t in scenario.tasks]},
            schema={"task_id": pl.String, "start": pl.Date, "end": pl.Date},
        ),
        "task_departments": tasks.select("task_id", pl.col("required_departments").alias("departments")),
        "officers_per_department": tasks.select("task_id", "min_officers_per_department"),
        "capacity": scenario.officers.group_by("department").agg(
            pl.col("weekly_capacity").sum().cast(pl.Int64)).sort("department"),
        "caps": results.subjects.select("subject_id", "annual_cap"),
        "year": scenario.year,
    }


def _row(seed: str, method: str, visits: int, selected: pl.DataFrame, unplaced: int, seconds: float) -> dict:
    rounds = selected.select("subject_id", "round").unique().height if "round" in selected.columns else None
    return {"seed": seed, "method": method, "visits": int(visits), "pairs": selected.height,
            "subjects": selected["subject_id"].n_unique(), "subject_rounds": rounds, "unplaced": int(unplaced),
            "seconds": round(seconds, 3)}


def measure_visits(
    scenario: Scenario, seeds: list[str], settings: PlanSettings | None = None,
    progress=None,
) -> VisitMeasure:
    """Every method of :data:`METHODS` on every public seed value; see the module docstring."""
    settings = settings or PlanSettings()
    say = progress or (lambda _: None)
    seeds = [str(s) for s in seeds]
    results = evaluate(scenario, load_policy(settings.policy or scenario.policy, settings.overrides or None))
    common = _bundle_inputs(scenario, results)
    departments = common["task_departments"]
    rows: list[dict] = []

    # Today's practice: each task draws with its own numbers on the windows as planned.
    t0 = time.perf_counter()
    independent = run_draw(scenario, seeds, "independent", plan_id=settings.plan_id, rounds="given", results=results)
    per_seed_draw = (time.perf_counter() - t0) / len(seeds)
    by_value = {value: plan_seed for plan_seed, value in independent.public_values.items()}
    for value in seeds:
        t0 = time.perf_counter()
        chosen = independent.draw.draws.filter(pl.col("selected") & (pl.col("seed") == by_value[value])) \
            .select("subject_id", "task_id")
        single = single_department_visits(chosen, departments)
        t1 = time.perf_counter()
        merged = stabbing_visits(chosen.join(common["windows"], on="task_id"))
        t2 = time.perf_counter()
        rows.append(_row(value, "single_department", single, chosen, 0, per_seed_draw + t1 - t0))
        rows.append(_row(value, "independent_unmerged", chosen.height, chosen, 0, per_seed_draw + t1 - t0))
        rows.append(_row(value, "independent_merged", merged, chosen, 0, per_seed_draw + t2 - t0))
    say(f"independent draws: {len(seeds)} seeds")

    # Coordinated draw on the calendar as given, then bundling on the given windows.
    t0 = time.perf_counter()
    given = run_draw(scenario, seeds, "coordinated", plan_id=settings.plan_id, rounds="given", results=results)
    per_seed_draw = (time.perf_counter() - t0) / len(seeds)
    by_value = {value: plan_seed for plan_seed, value in given.public_values.items()}
    for value in seeds:
        t0 = time.perf_counter()
        seed = by_value[value]
        selected = given.draw.draws.filter(pl.col("selected") & (pl.col("seed") == seed)) \
            .select("subject_id", "task_id", "round")
        bundle = bundle_visits(BundleInput(selected=selected, seed=seed, **common), settings.bundle)
        rows.append(_row(value, "coordinated_bundled", bundle.visits.height, selected, bundle.unplaced.height,
                         per_seed_draw + time.perf_counter() - t0))
    say(f"coordinated draws on the given calendar: {len(seeds)} seeds")

    # Ours: the whole plan.
    alignment = None
    for value in seeds:
        t0 = time.perf_counter()
        plan = make_plan(scenario, value, settings)
        selected = plan.run.draw.draws.filter("selected").select("subject_id", "task_id", "round")
        rows.append(_row(value, "ours", plan.visits.height, selected, plan.bundle.unplaced.height,
                         time.perf_counter() - t0))
        alignment = plan.run.alignment
        say(f"ours, seed {value}: {plan.visits.height} visits")

    bounds = {
        "bound_one_round": alignment.all_in_one_round,
        "bound_flexible": alignment.bound,
        "expected_aligned": alignment.expected_visits,
        "bound_as_given": alignment.calendar_as_given,
    }
    return VisitMeasure(scenario.name, seeds, pl.DataFrame(rows, infer_schema_length=None), bounds)


def summarise(measure: VisitMeasure) -> pl.DataFrame:
    """One row per method (in :data:`METHODS` order) and per bound: mean, sd, min, max over seeds,
    change against single-department and against today's best practice (%, negative = fewer visits), and
    ratio to Σ_i max_t π_it."""
    stats = measure.per_seed.group_by("method").agg(
        pl.col("visits").mean().alias("mean"), pl.col("visits").std().alias("sd"),
        pl.col("visits").min().cast(pl.Float64).alias("min"), pl.col("visits").max().cast(pl.Float64).alias("max"),
        pl.col("pairs").mean().alias("pairs"), pl.col("subject_rounds").mean().alias("subject_rounds"),
        pl.col("unplaced").mean().alias("unplaced"),
        pl.col("seconds").mean().alias("seconds"),
    )
    order = pl.DataFrame({"method": [*METHODS, *BOUNDS], "label": [*METHODS.values(), *BOUNDS.values()]}) \
        .with_row_index("order")
    bounds = pl.DataFrame({"method": list(measure.bounds), "mean": [float(v) for v in measure.bounds.values()]})
    table = pl.concat([stats, bounds], how="diagonal_relaxed")
    mean = dict(zip(table["method"], table["mean"]))
    single, today, low = mean["single_department"], mean[TODAY], measure.bounds["bound_one_round"]
    return order.join(table, on="method", how="left").sort("order").drop("order").with_columns(
        (100 * (pl.col("mean") / single - 1)).alias("vs_single_pct"),
        (100 * (pl.col("mean") / today - 1)).alias("vs_today_pct"),
        (pl.col("mean") / low).alias("ratio_to_bound"),
    )


def check_targets(summary: pl.DataFrame, scenario_name: str) -> list[tuple[str, str, bool]]:
    """The issue's targets: (target, measured, met). Measured on seed means; never asserted in tests."""
    mean = dict(zip(summary["method"], summary["mean"]))
    ours, single, today = mean[OURS], mean["single_department"], mean[TODAY]
    out = []
    if scenario_name == "changning-2024":
        out.append((f"ours ≤ {CHANGNING_JOINT} visits (长宁 reported {CHANGNING_SINGLE} → {CHANGNING_JOINT})",
                    f"{ours:.1f}", ours <= CHANGNING_JOINT))
    share = CHANGNING_JOINT / CHANGNING_SINGLE
    out.append((f"ours ≤ {100 * share:.2f}% of single-department (−{100 * (1 - share):.2f}%)",
                f"{100 * ours / single:.2f}% (−{100 * (1 - ours / single):.2f}%)", ours <= share * single))
    out.append(("ours ≥ 30% fewer visits than today's best practice",
                f"−{100 * (1 - ours / today):.1f}%", ours <= 0.7 * today))
    low, flexible = mean["bound_one_round"], mean["bound_flexible"]
    out.append(("ours within 5% of the lower bound Σ_i max_t π_it",
                _pct(100 * (ours / low - 1)), ours <= 1.05 * low))
    out.append(("ours within 5% of the best calendar the flexible windows allow (alignment bound)",
                _pct(100 * (ours / flexible - 1)), ours <= 1.05 * flexible))
    return out


def gap_to_bound(summary: pl.DataFrame) -> list[tuple[str, float]]:
    """Where ours exceeds Σ_i max_t π_it: the calendar (the flexible windows cannot put every task in one
    round), the draw (realised distinct subject-rounds against their expectation) and bundling (visits
    beyond one per subject and round: capacities, caps, windows)."""
    row = {r["method"]: r for r in summary.iter_rows(named=True)}
    ours, low, aligned = row[OURS], row["bound_one_round"]["mean"], row["expected_aligned"]["mean"]
    return [
        ("calendar: expected visits of the aligned rounds − Σ_i max_t π_it", aligned - low),
        ("draw: distinct (subject, round) drawn − their expectation", ours["subject_rounds"] - aligned),
        ("bundling: visits − distinct (subject, round) drawn", ours["mean"] - ours["subject_rounds"]),
        ("total: ours − Σ_i max_t π_it", ours["mean"] - low),
    ]


def _pct(value: float) -> str:
    value = round(value, 1) + 0.0  # no "-0.0%"
    return f"{value:+.1f}%".replace("-", "−") if value else "0.0%"


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def markdown_table(summary: pl.DataFrame) -> str:
    lines = ["| method | visits (mean) | sd | min–max | drawn pairs | unplaced | vs single-dept | vs today's best | ÷ Σᵢ maxₜ πᵢₜ |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in summary.iter_rows(named=True):
        is_bound = r["method"] in BOUNDS
        spread = "—" if is_bound else f"{r['min']:,.0f}–{r['max']:,.0f}"
        name = f"*{r['label']}*" if is_bound else r["label"]
        lines.append(
            f"| {name} | {_fmt(r['mean'])} | {'—' if is_bound else _fmt(r['sd'])} | {spread} | "
            f"{'—' if is_bound else _fmt(r['pairs'], 0)} | {'—' if is_bound else _fmt(r['unplaced'], 0)} | "
            f"{_pct(r['vs_single_pct'])} | {_pct(r['vs_today_pct'])} | {r['ratio_to_bound']:.3f} |"
        )
    return "\n".join(lines)


def write_markdown(measure: VisitMeasure, summary: pl.DataFrame, header: str, path: Path, chart: Path | None) -> Path:
    targets = check_targets(summary, measure.scenario)
    per_seed = measure.per_seed.pivot(on="method", index="seed", values="visits").select("seed", *METHODS)
    seed_lines = ["| seed | " + " | ".join(METHODS) + " |", "| --- |" + " ---: |" * len(METHODS)]
    seed_lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in per_seed.iter_rows()]
    text = [
        f"# Visits: {measure.scenario}, {len(measure.seeds)} seeds",
        "",
        "```", header.rstrip(), "```",
        "",
        f"Public seed values: {', '.join(measure.seeds)} — the same for every method. Visits of bundled methods are "
        "counted after bundling; methods without merging count drawn (subject, task) pairs. Reductions are of "
        "the seed means; bounds are expected values and do not depend on the seed.",
        "",
        markdown_table(summary),
        "",
        "## Targets (measured on the seed means)",
        "",
        "| target | measured | |",
        "| --- | ---: | --- |",
        *[f"| {t} | {m} | {'met' if ok else '**MISSED**'} |" for t, m, ok in targets],
        "",
        "## Gap between ours and the lower bound (seed means)",
        "",
        "| part | visits | share of Σᵢ maxₜ πᵢₜ |",
        "| --- | ---: | ---: |",
        *[f"| {part} | {value + 0.0:+.1f} | {_pct(100 * value / measure.bounds['bound_one_round'])} |"
          for part, value in gap_to_bound(summary)],
        "",
        "## Visits per seed",
        "",
        *seed_lines,
        "",
    ]
    if chart is not None:
        text += [f"![visits]({chart.name})", ""]
    path.write_text("\n".join(text), encoding="utf-8")
    return path


def write_chart(measure: VisitMeasure, summary: pl.DataFrame, path: Path) -> Path:
    """Horizontal bars (mean, whiskers min–max over seeds) with the bounds as vertical lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    short = {
        "single_department": "single-department",
        "independent_unmerged": "joint, independent,\nno merging",
        "independent_merged": "joint, independent, merged\n(today's best practice)",
        "coordinated_bundled": "coordinated + bundling\n(calendar as given)",
        "ours": "coordinated + alignment\n+ bundling (ours)",
    }
    rows = summary.filter(pl.col("method").is_in(list(METHODS)))
    means = rows["mean"].to_list()
    lows = [m - lo for m, lo in zip(means, rows["min"].to_list())]
    highs = [hi - m for m, hi in zip(means, rows["max"].to_list())]
    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=120)
    y = list(range(len(means)))[::-1]
    colors = ["#9e9e9e", "#bdbdbd", "#f4a261", "#8ab17d", "#2a9d8f"]
    ax.barh(y, means, xerr=[lows, highs], color=colors, capsize=4)
    for yy, m, pct in zip(y, means, rows["vs_single_pct"].to_list()):
        ax.text(m + max(means) * 0.01, yy + 0.18, f"{m:,.0f}" + (f"  ({pct:+.0f}%)" if round(pct) else ""), va="center", fontsize=9)
    ax.set_yticks(y, [short[m] for m in rows["method"]], fontsize=9)
    styles = {"bound_one_round": ("k", "--", "Σᵢ maxₜ πᵢₜ"), "bound_flexible": ("#264653", ":", "flexible-window bound"),
              "bound_as_given": ("#e76f51", "-.", "calendar-as-given bound")}
    for key, (color, style, label) in styles.items():
        value = measure.bounds[key]
        ax.axvline(value, color=color, linestyle=style, linewidth=1.2, label=f"{label}: {value:,.0f}")
    ax.set_xlabel(f"visits (mean over {len(measure.seeds)} seeds, whiskers min–max)")
    ax.set_title(f"{measure.scenario}: visits by method")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_xlim(0, max(means) * 1.18)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", type=Path, default=REPO / "scenarios" / "changning-2024")
    ap.add_argument("--seeds", nargs="*", default=None, help="public seed values (default: 20240301 onwards)")
    ap.add_argument("--n-seeds", type=int, default=5, help="how many seeds from 20240301 when --seeds is absent")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--no-chart", action="store_true")
    args = ap.parse_args(argv)
    seeds = args.seeds or [str(20240301 + k) for k in range(args.n_seeds)]

    header = print_header()
    scenario = load_scenario(args.scenario)
    t0 = time.perf_counter()
    measure = measure_visits(scenario, seeds, progress=lambda m: print(f"  {m}", flush=True))
    summary = summarise(measure)
    print(f"measured in {time.perf_counter() - t0:.1f} s\n")
    print(markdown_table(summary))
    print()
    for target, measured, ok in check_targets(summary, measure.scenario):
        print(f"TARGET {'met   ' if ok else 'MISSED'} {target}: {measured}")
    print("gap of ours to Σ_i max_t π_it:")
    for part, value in gap_to_bound(summary):
        print(f"  {part}: {value:+.1f}")

    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"visits-{measure.scenario}"
    measure.per_seed.write_csv(stem.with_suffix(".csv"))
    chart = None if args.no_chart else write_chart(measure, summary, stem.with_suffix(".png"))
    md = write_markdown(measure, summary, header, stem.with_suffix(".md"), chart)
    print(f"\nwrote {md}" + (f", {chart}" if chart else "") + f", {stem.with_suffix('.csv')}")


if __name__ == "__main__":
    main()
