"""Time loading and validating a scenario directory (``check_scenario``) and computing its figures.

Usage: python -m benchmarks.load_scenario [SCENARIO_DIR ...] [--repeat 3]
Default: the bundled changning-2024 (60,000 subjects). Use ``jointcheck generate changning-2024
--subjects 1000000 --out /tmp/cn-1m`` to make a larger directory to time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from benchmarks.machine import print_header
from scenarios import check_scenario
from scenarios.figures import scenario_figures

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenarios", nargs="*", type=Path, default=[REPO / "scenarios" / "changning-2024"])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    print_header()
    for root in args.scenarios:
        load, figures = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            scenario, problems = check_scenario(root)
            t1 = time.perf_counter()
            if scenario is None:
                sys.exit(f"{root}: invalid ({len(problems)} problems); run jointcheck validate")
            scenario_figures(scenario)
            t2 = time.perf_counter()
            load.append(t1 - t0)
            figures.append(t2 - t1)
        print(
            f"{root.name}: {scenario.subjects.height:,} subjects, {scenario.officers.height:,} officers | "
            f"load+validate best {min(load):.3f} s median {statistics.median(load):.3f} s | "
            f"figures best {min(figures):.3f} s"
        )


if __name__ == "__main__":
    main()
