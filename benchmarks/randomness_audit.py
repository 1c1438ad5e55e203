"""Randomness audit: over many seeds, inclusion frequencies vs the draw's probabilities, per task and mode.

Usage: python -m benchmarks.randomness_audit [SCENARIO_DIR] [--seeds 2000] [--modes …] [--policy P] [--rounds aligned|given]

With a policy that caps visits (e.g. ``--policy changning-2024 --rounds given``), the gaps between observed
and exact inclusion probabilities show how far caps move each task's realised probabilities.
Prints, per mode, each task's chi-square statistic, degrees of freedom and p-value, the largest gap between
observed and exact inclusion probability, and the mean distinct subjects and visits against their
theoretical values (Σ max π, Σ_r max π per round, Σ [1 − Π(1 − π)]).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from benchmarks.machine import print_header
from optimizer.draw import inclusion_audit, run_draw, visit_audit
from rules import evaluate
from scenarios import load_scenario

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", type=Path, default=REPO / "scenarios" / "tiny")
    ap.add_argument("--seeds", type=int, default=2000)
    ap.add_argument("--modes", nargs="+", default=["coordinated", "positive", "independent"])
    ap.add_argument("--policy", default=None, help="evaluate under this policy instead of the scenario's")
    ap.add_argument("--rounds", default="aligned", choices=["aligned", "given"])
    args = ap.parse_args(argv)
    print_header()
    scenario = load_scenario(args.scenario)
    results = evaluate(scenario, args.policy) if args.policy else None
    for mode in args.modes:
        t0 = time.perf_counter()
        run = run_draw(scenario, [str(k) for k in range(args.seeds)], mode, rounds=args.rounds, results=results)
        _, per_task = inclusion_audit(run.draw)
        visits = visit_audit(run.draw)
        replaced = run.draw.draws["replaced_by"].is_not_null().sum() / args.seeds
        print(f"\nmode {mode}: {args.seeds} seeds on {scenario.name} (policy {args.policy or scenario.policy}, "
              f"rounds {args.rounds}) in {time.perf_counter() - t0:.1f} s; {replaced:.2f} cap replacements per seed")
        print(f"{'task':6} {'subjects':>8} {'chi2':>9} {'df':>4} {'p':>8} {'max|obs-p|':>10}")
        for row in per_task.iter_rows(named=True):
            print(f"{row['task_id']:6} {row['subjects']:8d} {row['chi2']:9.2f} {row['df']:4d} {row['p_value']:8.4f} {row['max_abs_dev']:10.4f}")
        print(
            f"mean distinct subjects {visits['mean_distinct_subjects']:.2f} (Σ max π = {visits['bound_positive']:.2f}; "
            f"independent Σ[1-Π(1-π)] = {visits['expected_independent']:.2f}); mean visits {visits['mean_visits']:.2f} "
            f"(Σ_r max π = {visits['bound_coordinated']:.2f})"
        )


if __name__ == "__main__":
    main()
