"""Inspection results (检查结果): import findings per visit, summarise per task, report overdue publications.

``results.csv`` has one row per visit: ``visit_id, result_date, problems_found, problems_rectified`` and
optionally ``published_date`` (when the result was published) and ``note``. A row of a plan's visit whose
result columns are all empty is pending and skipped, so the results template of ``jointcheck export`` (every
visit pre-filled) is read as it is filled in. The summary has the columns
of 普陀's published table (seed 000): 抽查市场主体(户), 出动执法人员(人次), 发现问题市场主体(户), 发现问题(个),
已整改问题(个). A visit that serves several tasks counts for each, as in the district's per-plan table.

Each result must be published within the policy's working days of its ``result_date`` (沪府发〔2024〕6号
二(三), 20 working days); a result is *overdue* when unpublished after its deadline as of the report day,
or published after it. Every problem in the file is reported at once with its row, as for scenarios.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from optimizer.calendar import add_working_days, working_days
from optimizer.check import PlanFiles
from scenarios.errors import Problem
from scenarios.files import read_csv_text, read_text

__all__ = ["REQUIRED", "ImportedResults", "read_results", "summarise", "RESULTS_FILE"]

REQUIRED = ("visit_id", "result_date", "problems_found", "problems_rectified")
RESULTS_FILE = "results.parquet"
MAX_PROBLEMS = 200
_RESULT_FIELDS = ("result_date", "problems_found", "problems_rectified", "published_date")


@dataclass(frozen=True)
class ImportedResults:
    table: pl.DataFrame | None          # visit_id, subject_id, visit_date, result_date, problems_found, …
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.table is not None


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def _count(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def read_results(path: str | Path, plan: PlanFiles, result_days: int | None, as_of: dt.date) -> ImportedResults:
    """Validate ``results.csv`` against the plan; every problem with row and field, or the checked table."""
    path = Path(path)
    label = path.name
    text, problems = read_text(path, label)
    if text is None:
        return ImportedResults(None, problems)
    frame, problems = read_csv_text(text, label)
    if frame is None:
        return ImportedResults(None, problems)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        return ImportedResults(None, [Problem.of(label, 1, c, "results.column_missing") for c in missing])
    visits = {v: (s, d) for v, s, d in plan.visits.select("visit_id", "subject_id", "date").iter_rows()}
    has_published = "published_date" in frame.columns
    rows = []
    seen: dict[str, int] = {}
    for record in frame.iter_rows(named=True):
        row = record["__row"]
        if len(problems) >= MAX_PROBLEMS:
            break
        bad = len(problems)
        visit_id = (record["visit_id"] or "").strip()
        if visit_id in visits and not any((record.get(c) or "").strip() for c in _RESULT_FIELDS):
            continue  # a row of the results template not filled in yet: the visit's result is pending
        if visit_id not in visits:
            problems.append(Problem.of(label, row, "visit_id", "results.unknown_visit", visit=visit_id[:64],
                                       plan_id=plan.manifest["plan_id"]))
        elif visit_id in seen:
            problems.append(Problem.of(label, row, "visit_id", "results.repeated_visit", visit=visit_id, row=seen[visit_id]))
        else:
            seen[visit_id] = row
        result_date = _date(record["result_date"] or "")
        if result_date is None:
            problems.append(Problem.of(label, row, "result_date", "results.not_a_date", value=(record["result_date"] or "")[:32]))
        elif visit_id in visits and result_date < visits[visit_id][1]:
            problems.append(Problem.of(label, row, "result_date", "results.before_visit", date=result_date,
                                       visit_date=visits[visit_id][1]))
        found = _count(record["problems_found"] or "")
        fixed = _count(record["problems_rectified"] or "")
        if found is None:
            problems.append(Problem.of(label, row, "problems_found", "results.not_a_count", value=(record["problems_found"] or "")[:32]))
        if fixed is None:
            problems.append(Problem.of(label, row, "problems_rectified", "results.not_a_count",
                                       value=(record["problems_rectified"] or "")[:32]))
        elif found is not None and fixed > found:
            problems.append(Problem.of(label, row, "problems_rectified", "results.rectified_more", fixed=fixed, found=found))
        published = None
        if has_published and (record["published_date"] or "").strip():
            published = _date(record["published_date"])
            if published is None:
                problems.append(Problem.of(label, row, "published_date", "results.not_a_date", value=record["published_date"][:32]))
            elif result_date is not None and published < result_date:
                problems.append(Problem.of(label, row, "published_date", "results.published_before", date=published,
                                       result_date=result_date))
        if len(problems) == bad:
            rows.append((visit_id, visits[visit_id][0], visits[visit_id][1], result_date, found, fixed, published,
                         (record.get("note") or "")[:1000]))
    if problems:
        return ImportedResults(None, problems)
    for year in sorted({r[3].year for r in rows}):
        working_days(year)  # CalendarError, clearly, before any deadline is computed
    table = pl.DataFrame(rows, orient="row", schema={
        "visit_id": pl.String, "subject_id": pl.String, "visit_date": pl.Date, "result_date": pl.Date,
        "problems_found": pl.Int64, "problems_rectified": pl.Int64, "published_date": pl.Date, "note": pl.String,
    })
    deadline = [add_working_days(d, result_days) if result_days is not None else None for d in table["result_date"]]
    table = table.with_columns(pl.Series("publish_by", deadline, dtype=pl.Date)).with_columns(
        (pl.col("publish_by").is_not_null()
         & pl.when(pl.col("published_date").is_null()).then(pl.lit(as_of) > pl.col("publish_by"))
         .otherwise(pl.col("published_date") > pl.col("publish_by"))).alias("overdue")
    ).sort("visit_date", "subject_id", "visit_id")
    return ImportedResults(table, [])


def summarise(results: pl.DataFrame, plan: PlanFiles) -> pl.DataFrame:
    """Per task, the 普陀 table: subjects inspected, officer-visits, subjects with problems, problems, rectified."""
    served = plan.visits.select("visit_id", "subject_id", pl.col("task_ids").alias("task_id")).explode("task_id")
    officers = plan.assignments.group_by("visit_id").len("officer_visits")
    done = served.join(results.select("visit_id", "problems_found", "problems_rectified"), on="visit_id", how="inner") \
        .join(officers, on="visit_id", how="left")
    planned = served.group_by("task_id").agg(pl.col("subject_id").n_unique().alias("subjects_planned"))
    got = done.group_by("task_id").agg(
        pl.col("subject_id").n_unique().alias("subjects_inspected"),
        pl.col("officer_visits").fill_null(0).sum().alias("officer_visits"),
        pl.col("subject_id").filter(pl.col("problems_found") > 0).n_unique().alias("subjects_with_problems"),
        pl.col("problems_found").sum(),
        pl.col("problems_rectified").sum(),
    )
    return planned.join(got, on="task_id", how="left").fill_null(0).sort("task_id")
