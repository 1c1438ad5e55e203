"""Time random officer matching on a Changning-sized instance (700 visits, 322 officers).

Usage: python benchmarks/teams_match.py [--repeat 3]
The instance is the one tests/test_teams.py checks for lawfulness (``big_instance``).
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
from optimizer.teams import match_officers

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    print_header()
    sys.path.insert(0, str(REPO / "tests"))
    from test_teams import big_instance

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
