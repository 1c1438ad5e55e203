"""Time the rules engine (``rules.evaluate``) on bundled scenarios and a synthetic 60k × 55 directory.

Usage: python benchmarks/rules_evaluate.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import print_header
from rules import evaluate
from scenarios import load_scenario

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    print_header()
    sys.path.insert(0, str(REPO / "tests"))
    from test_rules_perf import _synthetic  # the same synthetic directory the test checks

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
