"""Time the rules engine (``rules.evaluate``) on bundled scenarios and a synthetic 60k × 55 directory.

Usage: python -m benchmarks.rules_evaluate [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from benchmarks.machine import print_header
from rules import evaluate
from scenarios import load_scenario

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    print_header()
    from benchmarks.instances import (
        synthetic_directory as _synthetic,  # the directory the test checks too
    )

    cases = {name: load_scenario(REPO / "scenarios" / name) for name in ("tiny", "putuo-2023", "changning-2024")}
    cases["synthetic 60k × 55 tasks"] = _synthetic()
    for name, scenario in cases.items():
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            result = evaluate(scenario)
            times.append(time.perf_counter() - t0)
        print(f"{name}: {scenario.subjects.height:,} subjects, {result.pairs.height:,} eligible pairs | "
              f"evaluate best {min(times):.3f} s median {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
