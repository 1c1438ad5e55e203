"""Time ``jointcheck import`` of a large subject list exported as GB18030 "CSV" against ``validate`` of the same
directory written by the project (issue 26: import ≤ 2× validate).

Usage: python -m benchmarks.office_import [--subjects 1000000] [--profile changning-2024] [--repeat 1]

A district is generated (not timed); its subject directory is rewritten as an office exports it — Chinese headers
(统一社会信用代码, 企业名称 …), 信用风险分类 as A类–D类, 是/否, object types by name separated by 、, a title line,
GB18030 without BOM — and the rest of the district as the workbook ``jointcheck template`` writes (no subjects).
Timed: ``check_scenario`` of the project's directory, and ``import_office`` of workbook + CSV (read, convert,
write, and the loader's own check of what was written), best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from benchmarks.machine import print_header
from scenarios import Scenario, check_scenario, load_scenario
from scenarios.generate import generate_scenario
from scenarios.office import import_office, write_template
from scenarios.office.headers import SHEET_BY_ROLE

__all__ = ["OfficeFiles", "office_files", "measure", "main"]


@dataclass(frozen=True)
class OfficeFiles:
    """A generated district as the project writes it and as an office would hand it over."""

    scenario_dir: Path
    workbook: Path
    subjects_csv: Path


def _office_subjects(scenario: Scenario) -> pl.DataFrame:
    """The subject directory with the office's headers and spellings (vectorised)."""
    headers = {c.field: c.header for c in SHEET_BY_ROLE["subjects"].columns}
    names = {o.id: o.name for o in scenario.spec.object_types or []}
    frame = scenario.subjects.with_columns(
        pl.col("object_types").list.eval(pl.element().replace(names)).list.join("、"),
        (pl.col("risk_class").cast(pl.String) + "类").alias("risk_class"),
        pl.when(pl.col("penalized_3y")).then(pl.lit("是")).otherwise(pl.lit("否")).alias("penalized_3y"),
    )
    return frame.rename({c: headers[c] for c in frame.columns if c in headers})


def office_files(root: Path, profile: str, n_subjects: int, seed: int = 20261208) -> OfficeFiles:
    """Generate the district into ``root`` and write its office form beside it."""
    scenario_dir = generate_scenario(profile, root / "district", n_subjects=n_subjects, seed=seed)
    scenario = load_scenario(scenario_dir)
    workbook = root / "district.xlsx"
    write_template(workbook, scenario.model_copy(update={"subjects": scenario.subjects.head(0)}))
    subjects_csv = root / "检查对象名录.csv"
    text = "检查对象名录（自平台导出）\r\n" + _office_subjects(scenario).write_csv(line_terminator="\r\n")
    subjects_csv.write_bytes(text.encode("gb18030"))
    return OfficeFiles(scenario_dir, workbook, subjects_csv)


def measure(files: OfficeFiles, out: Path, repeat: int = 1) -> dict[str, float | int | str]:
    """Best-of-``repeat`` seconds of validate and of import; the imported scenario must equal the project's."""
    validate, imports = [], []
    original = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        original, _ = check_scenario(files.scenario_dir)
        validate.append(time.perf_counter() - t0)
    assert original is not None
    for _ in range(repeat):
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        result = import_office(files.workbook, out, files={"subjects": files.subjects_csv})
        imports.append(time.perf_counter() - t0)
        if result.scenario is None:
            raise SystemExit("\n".join(p.describe("en") for p in result.errors[:20]))
    assert result.scenario.content_hash == original.content_hash, "the import is not the project's scenario"
    return {"subjects": original.subjects.height, "csv_bytes": files.subjects_csv.stat().st_size,
            "encoding": next(iter(result.encodings.values()), ""), "validate_s": min(validate), "import_s": min(imports),
            "ratio": min(imports) / min(validate)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subjects", type=int, default=1_000_000)
    ap.add_argument("--profile", default="changning-2024")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args(argv)
    print_header()
    with tempfile.TemporaryDirectory(prefix="office-import-") as tmp:
        files = office_files(Path(tmp), args.profile, args.subjects)
        row = measure(files, Path(tmp) / "imported", args.repeat)
    print(f"{row['subjects']:,} subjects, {row['csv_bytes'] / 1e6:.0f} MB {row['encoding']} CSV | "
          f"validate {row['validate_s']:.2f} s | import {row['import_s']:.2f} s | import/validate {row['ratio']:.2f}× "
          f"(issue 26 asks ≤ 2×)")


if __name__ == "__main__":
    main()
