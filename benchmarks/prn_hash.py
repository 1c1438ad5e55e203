"""Time the per-subject PRN tickets (optimizer.draw.prn) for n ids.

Usage: python -m benchmarks.prn_hash [--n 1000000] [--repeat 3] [--seed S]

Prints the command, the machine (platform, CPU count, Python/numpy/polars
versions) and, for each stage, the best and median wall time over the
repeats: SHA-256 of n ids, the numpy stage (mod 10**19 and digit reversal),
``ticket_ints`` end to end, and ``consistent_sample_order`` (tickets + sort).
The ids are synthetic 18-character codes shaped like 统一社会信用代码.
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks.machine import print_header
from optimizer.draw import prn


def _time(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="number of ids (default 1,000,000)")
    ap.add_argument("--repeat", type=int, default=3, help="timed repeats per stage (default 3)")
    ap.add_argument("--seed", default="01382438112797316654", help="plan seed")
    args = ap.parse_args(argv)

    n = args.n
    ids = [f"91310{i:012d}X" for i in range(n)]
    seed_h = prn.seed_hex(args.seed)
    buf = prn._digests(ids, seed_h)

    stages = {
        "sha256 (hashlib, list comprehension)": lambda: prn._digests(ids, seed_h),
        "numpy mod 10**19 + digit reversal": lambda: prn._tickets_from_digests(buf, n),
        "ticket_ints end to end": lambda: prn.ticket_ints(ids, args.seed),
        "consistent_sample_order (tickets + sort)": lambda: prn.consistent_sample_order(ids, args.seed),
    }

    print_header()
    print(f"n={n:,} ids, repeat={args.repeat}")
    for name, fn in stages.items():
        ts = _time(fn, args.repeat)
        best, med = min(ts), statistics.median(ts)
        print(
            f"  {name:42s} best {best:7.3f} s  median {med:7.3f} s"
            f"  ({best / n * 1e6:6.3f} µs/id best)"
        )


if __name__ == "__main__":
    main()
