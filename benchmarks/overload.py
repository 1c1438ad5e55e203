"""What the alignment's overload penalty trades (AlignConfig.overload_weight, λ), per scenario and λ.

Usage: python -m benchmarks.overload [--runs changning stress-40:20000 stress-80:30000]
                                     [--weights 0 0.1 0.25 0.5 1 2] [--out benchmarks/results]

For each scenario the rules are evaluated once; then the calendar is aligned at each λ (with the
scenario's weekly capacity) and reported: expected visits, the visits paid for capacity, expected
officer-visits over capacity (optimizer/calendar/load.py, per department-week) before and after the
penalty, and the alignment's wall and CPU seconds. Writes ``calendar-overload.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import polars as pl

from benchmarks.machine import print_header, write_results
from benchmarks.scale import CACHE, RESULTS, ensure_scenario
from optimizer.calendar import (
    AlignConfig,
    align_calendar,
    calendar_load,
    staffing_from,
    subject_profiles,
)
from rules import evaluate
from scenarios import load_scenario

REPO = Path(__file__).resolve().parents[1]
DEFAULT_RUNS = ["changning", "stress-40:20000", "stress-80:30000"]
DEFAULT_WEIGHTS = [0.0, 0.1, 0.25, 0.5, 1.0, 2.0]


def _scenario(spec: str):
    if spec == "changning":
        return load_scenario(REPO / "scenarios" / "changning-2024")
    profile, n = spec.split(":")
    return load_scenario(ensure_scenario(profile, int(n), CACHE)[0])


def measure(spec: str, weights: list[float]) -> list[dict]:
    scenario = _scenario(spec)
    results = evaluate(scenario)
    staffing = staffing_from(scenario.officers, results.tasks)
    profiles = subject_profiles(results.pairs.filter(pl.col("eligible")))
    deps = results.tasks.select("task_id", pl.col("required_departments").alias("department"),
                                pl.col("min_officers_per_department").alias("officers")).explode("department")
    capacity = scenario.officers.group_by("department").agg(pl.col("weekly_capacity").sum())
    rows = []
    for weight in weights:
        wall, cpu = time.perf_counter(), time.process_time()
        found = align_calendar(scenario.tasks, results.pairs, scenario.year, AlignConfig(overload_weight=weight), staffing)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        over = float(calendar_load(profiles, found.tasks, deps, capacity)["over"].sum())
        trade = found.capacity_trade or {}
        rows.append({"scenario": spec, "overload_weight": weight, "expected_visits": round(found.expected_visits, 2),
                     "lower_bound": round(found.bound, 2), "gap": round(found.gap, 4),
                     "visits_paid_for_capacity": trade.get("visits_paid_for_capacity"),
                     "overload_without_penalty": trade.get("expected_overload_without_penalty"),
                     "overload": round(over, 2), "rounds": found.tasks["round"].n_unique(),
                     "wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2)})
        print(rows[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", nargs="*", default=DEFAULT_RUNS)
    ap.add_argument("--weights", nargs="*", type=float, default=DEFAULT_WEIGHTS)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    header = print_header()
    rows = [row for spec in args.runs for row in measure(spec, args.weights)]
    fmt = lambda v, f: "—" if v is None else format(v, f)  # noqa: E731
    lines = ["# Calendar alignment: visits against overload (λ = AlignConfig.overload_weight)", "", "```",
             header.rstrip(), "```", "",
             "Expected visits of the aligned calendar; *paid*: expected visits above the visits-only calendar; "
             "overload: expected officer-visits over weekly capacity summed over department-weeks "
             "(optimizer/calendar/load.py), of the visits-only calendar dated where it adds least overload "
             "(*before*) and of the calendar chosen (*after*, calendar_load on its placed windows). λ = 0: "
             "visits only, rounds dated afterwards.", "",
             "| scenario | λ | expected visits | bound | gap | paid | overload before | overload after | rounds | wall s | CPU s |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['scenario']} | {r['overload_weight']:g} | {r['expected_visits']:,.2f} | {r['lower_bound']:,.2f} | "
                     f"{r['gap']:.1%} | {fmt(r['visits_paid_for_capacity'], ',.2f')} | "
                     f"{fmt(r['overload_without_penalty'], ',.1f')} | {r['overload']:,.1f} | {r['rounds']} | "
                     f"{r['wall_seconds']:.1f} | {r['cpu_seconds']:.1f} |")
    write_results(args.out, "calendar-overload", lines, {"header": header, "rows": rows})


if __name__ == "__main__":
    main()
