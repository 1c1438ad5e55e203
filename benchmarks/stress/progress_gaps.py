"""How often a long plan shows progress (issue 14 item 9): seconds to the first report and the longest silence.

Usage: python -m benchmarks.stress.progress_gaps SCENARIO_DIR [--seed 1] [--out results.md]
Runs the steps of ``jointcheck plan`` (load, make_plan, write to a temporary folder and check it) with a
progress callback that records every report the stages send (at most four a second; the CLI's plain lines
show at most one every 5 s of them), and prints, per stage, its seconds, its reports and its longest gap between
two reports.
Make a large scenario with ``jointcheck generate stress-80 --subjects 1000000 --out /tmp/s1m``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.machine import print_header
from optimizer.progress import RUN_STAGES, overall, reporting, stage


def measure(scenario_dir: Path, seed: str) -> tuple[list[tuple[float, str, float]], float]:
    """Every report as (seconds since start, stage, overall fraction), and the total seconds."""
    from optimizer.check import check_plan
    from optimizer.export import write_plan
    from optimizer.plan import make_plan
    from scenarios import load_scenario

    start = time.monotonic()
    seen: list[tuple[float, str, float]] = []

    def record(name: str, done: float, total: float) -> None:
        seen.append((time.monotonic() - start, name, overall(name, done, total, RUN_STAGES)))

    with reporting(record), tempfile.TemporaryDirectory() as tmp:
        with stage("load"):
            scenario = load_scenario(scenario_dir)
        made = make_plan(scenario, seed)
        out = Path(tmp) / "plan"

        def check(staging: Path) -> None:
            with stage("check"):
                check_plan(staging, scenario)

        write_plan(made, out, before_rename=check)
    return seen, time.monotonic() - start


def report(seen: list[tuple[float, str, float]], total: float) -> str:
    lines = ["| stage | seconds | reports | longest gap s |", "| --- | ---: | ---: | ---: |"]
    for name in RUN_STAGES:
        times = [t for t, s, _ in seen if s == name]
        if not times:
            continue
        gaps = [b - a for a, b in zip(times, times[1:])]
        lines.append(f"| {name} | {times[-1] - times[0]:.1f} | {len(times)} | {max(gaps, default=0.0):.1f} |")
    gaps = [b[0] - a[0] for a, b in zip(seen, seen[1:])]
    fractions = [f for _, _, f in seen]
    lines.append("")
    lines.append(f"first report after {seen[0][0]:.2f} s; longest silence {max(gaps, default=0.0):.1f} s; "
                 f"{len(seen)} reports in {total:.0f} s; overall fraction monotone: {fractions == sorted(fractions)}, "
                 f"last {fractions[-1]:.3f}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--out", type=Path, default=None, help="Also write the header and table to this Markdown file")
    args = ap.parse_args(argv)
    header = print_header()
    seen, total = measure(args.scenario, args.seed)
    text = report(seen, total)
    print(text, end="")
    if args.out:
        args.out.write_text(f"# Progress gaps: {args.scenario.name}\n\n```\n{header}```\n\n{text}", encoding="utf-8")


if __name__ == "__main__":
    main()
