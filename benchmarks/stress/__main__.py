"""The stress districts (issue 13): expected and realised visits, bound and gap, unplaced pairs, time per
stage and peak memory, at several sizes.

Usage: python -m benchmarks.stress [--runs stress-40:20000 stress-80:30000 stress-80:120000]
                                   [--seed 1] [--cache benchmarks/.cache/scale] [--out benchmarks/results]

Each run generates the profile's scenario at that size (cached, not in git; officers repeated
ceil(n / profile size) times as in :mod:`benchmarks.scale`) and plans it end to end in a fresh process
(:func:`benchmarks.scale.run_size`). Writes ``stress.md`` and ``stress.json``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.machine import print_header, write_results
from benchmarks.scale import CACHE, GIB, RESULTS, STAGES, ensure_scenario, run_size

DEFAULT_RUNS = ["stress-40:20000", "stress-80:30000", "stress-80:120000"]


def largest_stage(run: dict) -> str:
    """The stage with the most CPU seconds and its share of the stages' CPU (the issue asks that none dominate)."""
    cpu = run["cpu_seconds_by_stage"]
    stage = max(cpu, key=cpu.get)
    total = sum(cpu.values())
    return f"{stage} {cpu[stage] / total:.0%}" if total else "—"


def table(runs: list[dict]) -> list[str]:
    head = ("| profile | subjects | tasks | drawn pairs | expected visits | lower bound | gap | all-in-one-round | "
            "visits | unplaced | align status | " + " | ".join(STAGES) + " | total s | align CPU s | bound CPU s | CPU s | largest stage (CPU) | peak RSS |")
    lines = [head, "|" + " ---: |" * (head.count("|") - 1)]
    for r in runs:
        lines.append(
            f"| {r['profile']} | {r['subjects']:,} | {r['tasks']} | {r['drawn_pairs']:,} | {r['visits_expected']:,.1f} | "
            f"{r['visits_lower_bound']:,.1f} | {r['visits_expected_gap']:.1%} | {r['visits_lower_bound_all_in_one_round']:,.1f} | "
            f"{r['visits']:,} | {r['unplaced']:,} | {r['align_status']} | "
            + " | ".join(f"{r['seconds'][s]:.1f}" for s in STAGES)
            + f" | **{r['total_seconds']:.1f}** | {r['cpu_seconds_by_stage']['align']:.1f}"
            + f" | {r['cpu_seconds_by_stage']['bound']:.1f} | {r['cpu_seconds']:.1f} | {largest_stage(r)}"
            + f" | {r['peak_rss'] / GIB:.2f} GiB |")
    return lines


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", nargs="*", default=DEFAULT_RUNS, help="profile:subjects")
    ap.add_argument("--seed", default="1", help="public seed value")
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--timeout", type=float, default=1800.0)
    args = ap.parse_args(argv)
    header = print_header()
    args.out.mkdir(parents=True, exist_ok=True)
    runs = []
    for spec in args.runs:
        profile, n = spec.split(":")
        scenario_dir, _ = ensure_scenario(profile, int(n), args.cache)
        result = run_size(scenario_dir, args.seed, args.timeout, args.out / "stress.log")
        result["profile"] = profile
        runs.append(result)
        print("\n".join(table([result])[2:]), flush=True)
    lines = [f"# Stress districts, seed {args.seed}", "", "```", header.rstrip(), "```", "",
             "`python -m benchmarks.stress --runs " + " ".join(args.runs) + "`. Expected visits Σᵢ Σᵣ maxₜ∈ᵣ πᵢₜ of "
             "the aligned calendar; lower bound: subject profiles, alone or in clusters, grouping their tasks at best "
             "(optimizer/calendar/bound.py); gap = (expected − bound) / expected. Seconds are wall-clock per stage; "
             "align CPU s (the calendar search), bound CPU s (the lower bound it is judged by, a stage of its own) and CPU s "
             "(the whole plan) are CPU seconds, the figures to compare on a shared machine; largest stage: the stage "
             "with the most CPU seconds and its share.",
             "", *table(runs), ""]
    write_results(args.out, "stress", lines, {"header": header, "runs": runs})


if __name__ == "__main__":
    main()
