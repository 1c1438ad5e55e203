"""Randomness audit: over many seeds, inclusion frequencies vs the rules' π, per task and draw mode.

Usage: python -m benchmarks.randomness_audit [SCENARIO_DIR] [--seeds 2000] [--modes …] [--policy P] [--rounds aligned|given]

The same tests as ``jointcheck audit`` (:func:`optimizer.draw.law_audit`): the target is the probability the
rules state, not the draw's own n/N. With a policy that caps visits (e.g. ``--policy changning-2024 --rounds
given``), the gaps between observed frequencies and π show how far caps move each task's realised
probabilities. Prints, per mode, each task's chi-square statistic, degrees of freedom and p-value, the
sizes drawn, the largest gap between observed frequency and π, the verdict, and the mean distinct subjects
and visits against their theoretical values (Σ max π, Σ_r max π per round, Σ [1 − Π(1 − π)]).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from benchmarks.machine import print_header
from optimizer.draw import law_audit, run_draw, task_counts, visit_audit
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
        audit = law_audit(run.draw, task_counts(scenario))
        visits = visit_audit(run.draw)
        replaced = run.draw.draws["replaced_by"].is_not_null().sum() / args.seeds
        print(f"\nmode {mode}: {args.seeds} seeds on {scenario.name} (policy {args.policy or scenario.policy}, "
              f"rounds {args.rounds}) in {time.perf_counter() - t0:.1f} s; {replaced:.2f} cap replacements per seed")
        print(f"{'task':6} {'subjects':>8} {'chi2':>9} {'df':>4} {'p':>8} {'sizes':>7} {'max|obs-π|':>10} ok")
        for row in audit.tasks.iter_rows(named=True):
            sizes = f"{row['min_size']}-{row['max_size']}"
            print(f"{row['task_id']:6} {row['subjects']:8d} {row['chi2']:9.2f} {row['df']:4d} {row['p_value']:8.4f} "
                  f"{sizes:>7} {row['max_abs_dev']:10.4f} {'yes' if row['ok'] else 'NO'}")
        for line in audit.failures:
            print(f"  failure: {line}")
        print(
            f"mean distinct subjects {visits['mean_distinct_subjects']:.2f} (Σ max π = {visits['bound_positive']:.2f}; "
            f"independent Σ[1-Π(1-π)] = {visits['expected_independent']:.2f}); mean visits {visits['mean_visits']:.2f} "
            f"(Σ_r max π = {visits['bound_coordinated']:.2f})"
        )


if __name__ == "__main__":
    main()
