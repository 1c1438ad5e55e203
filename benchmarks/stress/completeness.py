"""Completeness first (issue 25): drawn pairs left unvisited, expected visits against the bound, and the time, on
stress districts generated with several seeds (the generator's seed changes the district, not the plan's).

Usage: python -m benchmarks.stress.completeness [--runs stress-40:20000:1 stress-40:20000:2 stress-40:20000:3 stress-80:30000:1]
                                         [--seed 1] [--out benchmarks/results]

Each run generates ``profile`` at ``subjects`` with generator seed ``g`` (cached under /tmp, not in git), plans
it end to end in this process and reports: drawn pairs, unplaced pairs (drawn, never visited), visits, expected
visits, lower bound and gap, the calendar's expected shortfall (officer-visits no assignment of visits to weeks
can serve, before and after completeness-first), the expected visits that paid for it (and for λ · overload), and
CPU seconds of the plan and of loading the scenario. Writes ``completeness.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.machine import print_header, write_results
from benchmarks.scale import RESULTS
from optimizer.plan import make_plan
from scenarios import load_scenario
from scenarios.generate import generate_scenario

DEFAULT_RUNS = ["stress-40:20000:1", "stress-40:20000:2", "stress-40:20000:3", "stress-80:30000:1"]
CACHE = Path(tempfile.gettempdir()) / "jointcheck-completeness"


def measure(spec: str, seed: str) -> dict:
    profile, n, g = spec.split(":")
    root = CACHE / f"{profile}-n{n}-g{g}"
    if not (root / "scenario.yaml").exists():
        generate_scenario(profile, root, n_subjects=int(n), seed=int(g), overwrite=True)
    cpu = time.process_time()
    scenario = load_scenario(root)
    loading = time.process_time() - cpu
    cpu, wall = time.process_time(), time.perf_counter()
    plan = make_plan(scenario, seed)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    k = plan.kpis
    trade = plan.run.alignment.capacity_trade or {}
    return {
        "run": spec, "drawn_pairs": k["subjects_drawn"], "unplaced": k["unplaced_pairs"], "visits": k["visits"],
        "expected": k["visits_expected"], "bound": k["visits_lower_bound"], "gap": k["visits_expected_gap"],
        "shortfall_before": trade.get("expected_shortfall_without_penalty"), "shortfall": trade.get("expected_shortfall"),
        "paid": trade.get("visits_paid_for_capacity"), "plan_cpu": round(cpu, 1), "plan_wall": round(wall, 1),
        "load_cpu": round(loading, 1),
        "unplaced_tasks": sorted(set(plan.bundle.unplaced["task_id"].to_list())),
    }


def table(rows: list[dict]) -> list[str]:
    lines = ["| run (profile:subjects:generator seed) | drawn pairs | unplaced | visits | expected | bound | gap | "
             "shortfall before → after | paid | plan CPU s | plan wall s | load CPU s | tasks unplaced |",
             "| --- |" + " ---: |" * 11 + " --- |"]
    for r in rows:
        lines.append(f"| {r['run']} | {r['drawn_pairs']:,} | {r['unplaced']} | {r['visits']:,} | {r['expected']:,.1f} | "
                     f"{r['bound']:,.1f} | {r['gap']:.1%} | {r['shortfall_before']:.1f} → {r['shortfall']:.1f} | "
                     f"{r['paid']:.1f} | {r['plan_cpu']} | {r['plan_wall']} | {r['load_cpu']} | "
                     f"{', '.join(r['unplaced_tasks']) or '—'} |")
    return lines


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", nargs="*", default=DEFAULT_RUNS, help="profile:subjects:generator seed")
    ap.add_argument("--seed", default="1", help="public seed value of the plans")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    header = print_header()
    rows = [measure(spec, args.seed) for spec in args.runs]
    lines = table(rows)
    print("\n".join(lines))
    doc = ["# Completeness first: drawn pairs left unvisited on stress districts", "", "```", header, "```", "",
           "Generated districts (benchmarks/stress/completeness.py): `unplaced` = drawn (subject, task) pairs never visited; "
           "shortfall = the calendar's expected officer-visits no assignment of visits to weeks can serve "
           "(optimizer/calendar/complete.py), at the visits-only calendar (before) and the one chosen (after); "
           "paid = expected visits it cost. A pair left unplaced where the shortfall stays above 0 is one no calendar "
           "within the task's range could serve (see the reasons in unplaced.parquet).", "", *lines]
    write_results(args.out, "completeness", doc, {"header": header, "runs": rows})


if __name__ == "__main__":
    main()
