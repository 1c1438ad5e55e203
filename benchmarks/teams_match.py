"""Time random officer matching on a Changning-sized instance (700 visits, 322 officers).

Usage: python -m benchmarks.teams_match [--repeat 3]
The instance is the one tests/test_teams.py checks for lawfulness (``big_instance``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from benchmarks.machine import print_header
from optimizer.teams import match_officers

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    print_header()
    from benchmarks.instances import (
        teams_instance as big_instance,  # the instance the test checks too
    )

    inp = big_instance()
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = match_officers(inp)
        times.append(time.perf_counter() - t0)
    print(f"{inp.visits.height} visits, {inp.needs.height} needs, {inp.officers.height} officers: status {result.status}, "
          f"unstaffed {result.unstaffed.height} | best {min(times):.3f} s median {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
