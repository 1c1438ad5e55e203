"""Seeded random bundling instances, for tests and timing.

``python -m benchmarks.bundle_visits --subjects 3000 --tasks-per-subject 2 --tight 1.0`` prints the time
and the figures of one run. Instances look like a district plan: 27 departments, tasks with a lead and
0–2 partners, 2 officers per department, windows of 3–12 weeks between February and November; each
subject is drawn by ``tasks-per-subject`` tasks. ``tight`` scales capacity: 1.0 is just above the average
weekly demand of the stabbing plan; large values make capacity ample.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import polars as pl

from benchmarks.machine import print_header
from optimizer.bundling import BundleConfig, BundleInput, bundle_visits, check_bundle

__all__ = ["random_instance"]


def random_instance(subjects: int, tasks_per_subject: int = 2, n_tasks: int = 40, departments: int = 27,
                    tight: float = 100.0, cap: int | None = None, year: int = 2024, seed: int = 0) -> BundleInput:
    """A reproducible instance (numpy's PCG64 seeded by ``seed``)."""
    rng = np.random.default_rng(seed)
    deps = [f"D{k:02d}" for k in range(departments)]
    task_ids = [f"T{k:03d}" for k in range(n_tasks)]
    first = dt.date(year, 2, 1)
    starts = [first + dt.timedelta(days=int(rng.integers(0, 230))) for _ in task_ids]
    lengths = [int(rng.integers(21, 85)) for _ in task_ids]
    task_deps = []
    for _ in task_ids:
        k = int(rng.integers(1, 4))
        task_deps.append(sorted(rng.choice(deps, size=k, replace=False).tolist()))
    pairs = []
    for i in range(subjects):
        for t in sorted(rng.choice(n_tasks, size=tasks_per_subject, replace=False).tolist()):
            pairs.append((f"S{i:06d}", task_ids[t]))
    # capacity: tight × the fluid peak: each task's visits spread evenly over its window's weeks, summed
    # over the tasks open in a week (1.0 is about what one visit per pair needs, before bundling saves any)
    per_task = {t: 0 for t in task_ids}
    for _, t in pairs:
        per_task[t] += 1
    rate = {d: [0.0] * 54 for d in deps}
    for k, t in enumerate(task_ids):
        w0, w1 = starts[k].isocalendar()[1], (starts[k] + dt.timedelta(days=lengths[k] - 1)).isocalendar()[1]
        for d in task_deps[k]:
            for w in range(w0, w1 + 1):
                rate[d][w] += 2 * per_task[t] / (w1 - w0 + 1)
    capacity = {d: max(2, 2 * round(tight * max(rate[d]) / 2)) for d in deps}
    return BundleInput(
        selected=pl.DataFrame({"subject_id": [s for s, _ in pairs], "task_id": [t for _, t in pairs],
                               "round": pl.Series([0] * len(pairs), dtype=pl.Int32)}),
        windows=pl.DataFrame({"task_id": task_ids, "start": starts,
                              "end": [s + dt.timedelta(days=n - 1) for s, n in zip(starts, lengths)]}),
        task_departments=pl.DataFrame({"task_id": task_ids, "departments": task_deps}),
        officers_per_department=pl.DataFrame({"task_id": task_ids, "min_officers_per_department": pl.Series([2] * n_tasks, dtype=pl.Int32)}),
        capacity=pl.DataFrame({"department": deps, "weekly_capacity": pl.Series([capacity[d] for d in deps], dtype=pl.Int64)}),
        caps=pl.DataFrame({"subject_id": [f"S{i:06d}" for i in range(subjects)],
                           "annual_cap": pl.Series([cap] * subjects, dtype=pl.Int32)}),
        year=year, seed=f"{seed:064x}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subjects", type=int, default=3000)
    parser.add_argument("--tasks-per-subject", type=int, default=2)
    parser.add_argument("--tight", type=float, default=100.0)
    parser.add_argument("--cap", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--deterministic-time", type=float, default=10.0)
    args = parser.parse_args()
    print_header()
    inp = random_instance(args.subjects, args.tasks_per_subject, tight=args.tight, cap=args.cap, seed=args.seed)
    began = time.perf_counter()
    result = bundle_visits(inp, BundleConfig(deterministic_time=args.deterministic_time))
    took = time.perf_counter() - began
    print(f"pairs {inp.selected.height}, visits {result.objective}, bound {result.bound}, "
          f"stabbing bound {result.lower_bound_stabbing}, unplaced {result.unplaced.height}, status {result.status}, "
          f"re-planned subjects {result.model_subjects}, {took:.2f} s")
    for line in result.sub_models[:10]:
        print("  sub-model:", line)
    for line in result.problems[:10]:
        print("  problem:", line[:300])
    violations = check_bundle(inp, result)
    print(f"check: {len(violations)} violation(s)", *violations[:5], sep="\n  ")


if __name__ == "__main__":
    main()
