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

import dataclasses
import datetime as dt
import re
import unicodedata
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


HEADERS: dict[str, str] = {
    "检查编号": "visit_id", "检查任务编号": "visit_id", "结果形成日期": "result_date", "检查结果形成日期": "result_date",
    "结果日期": "result_date", "发现问题(个)": "problems_found", "发现问题数": "problems_found",
    "已整改问题(个)": "problems_rectified", "已整改问题数": "problems_rectified", "整改问题(个)": "problems_rectified",
    "结果公示日期": "published_date", "公示日期": "published_date", "备注": "note",
    "visit id": "visit_id", "result date": "result_date", "problems found": "problems_found",
    "problems rectified": "problems_rectified", "published on": "published_date",
}
"""The results template's Chinese and English headers (:mod:`documents.build`) and the common variants offices
write, read after NFKC (full-width brackets are ASCII) and case folding; the column ids read as themselves."""
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _date(text: str) -> dt.date | None:
    """A date as offices write it: 2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日, 20240301, or an Excel serial day
    number (a date cell saved as CSV without its format); None for anything else."""
    text = unicodedata.normalize("NFKC", text).strip()
    try:
        if (match := _DATE.match(text)) is not None:
            return dt.date(*map(int, match.groups()))
        if len(text) == 8 and text.isdigit():
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if text.isdigit() and 20_000 <= int(text) <= 80_000:  # 1954..2119 as Excel counts days
            return _EXCEL_EPOCH + dt.timedelta(days=int(text))
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _count(text: str) -> int | None:
    text = unicodedata.normalize("NFKC", text).strip()
    if text.endswith(".0"):  # a whole number Excel saved as a float
        text = text[:-2]
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _as_ids(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """``frame`` with its headers read as column ids (:data:`HEADERS`), and each id's header as the file wrote it."""
    shown: dict[str, str] = {}
    renames = {}
    for column in frame.columns:
        key = unicodedata.normalize("NFKC", column).strip()
        target = HEADERS.get(key) or HEADERS.get(key.lower()) or key
        if target != column and target not in frame.columns and target not in renames.values():
            renames[column] = target
        shown[target] = column
    return frame.rename(renames), shown


def read_results(path: str | Path, plan: PlanFiles, result_days: int | None, as_of: dt.date) -> ImportedResults:
    """Validate ``results.csv`` against the plan; every problem with row and field, or the checked table."""
    path = Path(path)
    label = path.name
    text, problems = read_text(path, label, gb18030=True)  # Excel's "CSV" on Chinese Windows is GB18030
    if text is None:
        return ImportedResults(None, problems)
    frame, problems = read_csv_text(text, label)
    if frame is None:
        return ImportedResults(None, problems)
    frame, shown = _as_ids(frame)
    imported = _read_rows(frame, label, plan, result_days, as_of)
    return ImportedResults(imported.table, [dataclasses.replace(p, field=shown.get(p.field, p.field))
                                             for p in imported.problems])


def _read_rows(frame: pl.DataFrame, label: str, plan: PlanFiles, result_days: int | None,
               as_of: dt.date) -> ImportedResults:
    """The rows of a results table whose headers are column ids: every problem with its row, or the table."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        return ImportedResults(None, [Problem.of(label, 1, c, "results.column_missing") for c in missing])
    problems: list[Problem] = []
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
