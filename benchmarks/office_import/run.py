"""Timing ``validate`` and ``import`` of one district (see the package docstring); ``main`` is the command."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.machine import print_header, write_results
from benchmarks.office_import.inputs import OfficeFiles, office_files
from scenarios import check_scenario
from scenarios.office import import_office

__all__ = ["measure", "main"]


def _timed(fn):  # noqa: ANN001, ANN202 - a thunk and its result
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def measure(files: OfficeFiles, out: Path, repeat: int = 1) -> dict[str, float | int | str]:
    """Best-of-``repeat`` wall and CPU seconds of validate and of import, the two alternating (a shared machine's
    load falls on both alike); the imported scenario must equal the project's."""
    times: dict[str, list[float]] = {"validate_s": [], "import_s": [], "validate_cpu_s": [], "import_cpu_s": []}
    for _ in range(repeat):
        (original, _), wall, cpu = _timed(lambda: check_scenario(files.scenario_dir))
        times["validate_s"].append(wall)
        times["validate_cpu_s"].append(cpu)
        assert original is not None
        shutil.rmtree(out, ignore_errors=True)
        result, wall, cpu = _timed(lambda: import_office(files.workbook, out, files={"subjects": files.subjects_csv}))
        times["import_s"].append(wall)
        times["import_cpu_s"].append(cpu)
        if result.scenario is None:
            raise SystemExit("\n".join(p.describe("en") for p in result.errors[:20]))
        assert result.scenario.content_hash == original.content_hash, "the import is not the project's scenario"
    best = {k: min(v) for k, v in times.items()}
    return {"subjects": original.subjects.height, "csv_bytes": files.subjects_csv.stat().st_size,
            "encoding": next(iter(result.encodings.values()), ""), **best,
            "ratio": best["import_s"] / best["validate_s"], "cpu_ratio": best["import_cpu_s"] / best["validate_cpu_s"]}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Time jointcheck import of a GB18030 subject export against validate")
    ap.add_argument("--subjects", type=int, default=1_000_000)
    ap.add_argument("--profile", default="changning-2024")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="write office-import.md/.json here (e.g. benchmarks/results)")
    args = ap.parse_args(argv)
    header = print_header()
    with tempfile.TemporaryDirectory(prefix="office-import-") as tmp:
        files = office_files(Path(tmp), args.profile, args.subjects)
        row = measure(files, Path(tmp) / "imported", args.repeat)
    line = (f"{row['subjects']:,} subjects, {row['csv_bytes'] / 1e6:.0f} MB {row['encoding']} CSV | "
            f"validate {row['validate_s']:.2f} s ({row['validate_cpu_s']:.2f} CPU s) | import {row['import_s']:.2f} s "
            f"({row['import_cpu_s']:.2f} CPU s) | import/validate {row['ratio']:.2f}× wall, {row['cpu_ratio']:.2f}× CPU "
            f"(issue 26 asks ≤ 2×)")
    print(line)
    if args.out is not None:
        write_results(args.out, "office-import", ["```", header.rstrip(), line, "```"], row)
