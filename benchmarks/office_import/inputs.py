"""The inputs of the office-import benchmark: a generated district, and the same district as an office hands it
over — the workbook ``jointcheck template`` writes (without subjects) and the subject list exported as GB18030 "CSV"
with Chinese headers, A类–D类, 是/否, object types by name separated by 、 and a title line above the header."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scenarios import Scenario, load_scenario
from scenarios.generate import generate_scenario
from scenarios.office import write_template
from scenarios.office.headers import SHEET_BY_ROLE

__all__ = ["OfficeFiles", "office_files"]


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
