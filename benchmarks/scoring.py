"""Time credit-risk scoring (一企一档) of a directory: AHP card load, then score every subject.

Usage: .venv/bin/python -m benchmarks.scoring [--repeat 3]
changning-2024's 60,000 subjects (the generator gives them the cards' indicator columns,
scenarios/generate/indicators.py) are scored by each bundled card (the sector card is applied to every subject as if
all were beauty salons).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import polars as pl

from benchmarks.machine import print_header
from scenarios import load_scenario
from scoring import known_cards, load_card, score_subjects

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    print_header()
    scenario = load_scenario(REPO / "scenarios" / "changning-2024")
    subjects = scenario.subjects.with_columns(pl.lit(["beauty_salon"]).alias("object_types"))
    for name in known_cards():
        loads, scores = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            card = load_card(name)
            t1 = time.perf_counter()
            result = score_subjects(subjects, card)
            t2 = time.perf_counter()
            loads.append(t1 - t0)
            scores.append(t2 - t1)
        mix = dict(result.table.group_by("risk_class").len().sort("risk_class").rows())
        print(f"{name}: {subjects.height:,} subjects | card load best {min(loads):.3f} s | scoring best {min(scores):.3f} s "
              f"median {statistics.median(scores):.3f} s | classes {mix}")


if __name__ == "__main__":
    main()
