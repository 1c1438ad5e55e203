"""Time ``jointcheck export`` of every paper in every format: CPU and wall seconds per (paper, format).

Usage: python -m benchmarks.export_papers [SCENARIO_DIR] [--seed 1] [--lang zh]
Default: changning-2024 planned with public value 1 (616 visits: 616 task sheets). CPU seconds are what the
export costs on an idle machine (it is single-threaded); wall seconds include whatever else the machine runs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.machine import print_header

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    from typer.testing import CliRunner

    from documents import FORMATS, WHATS, build_document, load_context, render
    from scenarios import load_scenario
    from ui.cli import app

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", type=Path, default=REPO / "scenarios" / "changning-2024")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--lang", default="zh", choices=["zh", "en"])
    args = ap.parse_args(argv)
    print_header()
    with tempfile.TemporaryDirectory() as tmp:
        plan = Path(tmp) / "plan"
        result = CliRunner().invoke(app, ["plan", str(args.scenario), "--seed", args.seed, "--out", str(plan)])
        if result.exit_code != 0:
            raise SystemExit(result.output)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        ctx = load_context(plan, load_scenario(args.scenario))
        print(f"{'paper':<18} {'format':<6} {'cpu s':>7} {'wall s':>7}")
        for what in WHATS:
            c, w = time.process_time(), time.perf_counter()
            doc = build_document(ctx, what, args.lang)
            print(f"{what:<18} {'build':<6} {time.process_time() - c:7.2f} {time.perf_counter() - w:7.2f}")
            for fmt in FORMATS:
                c, w = time.process_time(), time.perf_counter()
                render(doc, fmt)
                print(f"{what:<18} {fmt:<6} {time.process_time() - c:7.2f} {time.perf_counter() - w:7.2f}")
        print(f"{'all papers':<18} {'all':<6} {time.process_time() - cpu0:7.2f} {time.perf_counter() - wall0:7.2f}"
              f"   ({ctx.visits.height} visits, {args.lang})")


if __name__ == "__main__":
    main()
