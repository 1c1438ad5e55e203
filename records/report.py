"""The year's 抽查工作报告: what the plan found, where it looked harder, how fast results were published, how the
officers' load fell — as one JSON-ready dict (``report.json``) for analysts and the papers' tables.

Rates are **visits with problems found ÷ visits with a recorded result**, each with a 95 % Wilson score interval
(Wilson 1927; the interval the CDC and Agresti & Coull recommend for proportions of small counts):
``(p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)``, z = 1.959964. Each risk class is compared with class A by the
ratio of their rates (the question 沪府发〔2024〕6号 一(五) puts: does looking harder where risk is higher find more).

A visit counts once per risk class (its firm's class) and once for every task and every department it served, as in
the district's per-plan table (普陀, seed 000). Publication timeliness follows the policy's working-day rule
(沪府发〔2024〕6号 二(三), 20 working days) as :mod:`records.results` computed it: on time, late, missing (unpublished
after its deadline) or not yet due.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import polars as pl

__all__ = ["Z95", "wilson", "year_report"]

Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> list[float] | None:
    """The Wilson score interval of ``k`` successes in ``n`` trials (None when n = 0)."""
    if n <= 0:
        return None
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return [max(0.0, (centre - half) / scale), min(1.0, (centre + half) / scale)]


def _rates(frame: pl.DataFrame, key: str) -> dict[str, dict[str, Any]]:
    """Per value of ``key``: drawn, visits, visits with a result, with problems, problems found and rectified, rate, CI."""
    grouped = frame.group_by(key).agg(
        pl.col("subject_id").n_unique().alias("subjects_visited"),
        pl.col("visit_id").n_unique().alias("visits_made"),
        pl.col("visit_id").filter(pl.col("has_result")).n_unique().alias("visits"),
        pl.col("visit_id").filter(pl.col("problems_found") > 0).n_unique().alias("visits_with_problems"),
        pl.col("problems_found").fill_null(0).sum().alias("problems_found"),
        pl.col("problems_rectified").fill_null(0).sum().alias("problems_rectified"),
    ).sort(key)
    out = {}
    for r in grouped.iter_rows(named=True):
        n, k = int(r["visits"]), int(r["visits_with_problems"])
        out[str(r[key])] = {
            "subjects_visited": int(r["subjects_visited"]), "visits_made": int(r["visits_made"]), "visits": n,
            "visits_with_problems": k, "problems_found": int(r["problems_found"]),
            "problems_rectified": int(r["problems_rectified"]), "rate": (k / n) if n else None, "ci95": wilson(k, n),
        }
    return out


def _timeliness(frame: pl.DataFrame, as_of: dt.date) -> dict[str, dict[str, int]]:
    """Per department: results published on time, late, missing (unpublished past the deadline), not yet due."""
    state = (pl.when(pl.col("publish_by").is_null()).then(pl.lit("no_deadline"))
             .when(pl.col("published_date").is_not_null() & (pl.col("published_date") <= pl.col("publish_by"))).then(pl.lit("on_time"))
             .when(pl.col("published_date").is_not_null()).then(pl.lit("late"))
             .when(pl.lit(as_of) > pl.col("publish_by")).then(pl.lit("missing"))
             .otherwise(pl.lit("not_yet_due")))
    counted = (frame.filter("has_result").select("visit_id", "department", state.alias("state")).unique()
               .group_by("department", "state").len())
    out: dict[str, dict[str, int]] = {}
    for department, s, n in counted.sort("department", "state").iter_rows():
        out.setdefault(department, {"on_time": 0, "late": 0, "missing": 0, "not_yet_due": 0, "no_deadline": 0})[s] = int(n)
    return out


def _load(plan: Any, scenario: Any) -> dict[str, Any]:
    """Visits per officer over the whole directory (officers with none included)."""
    per = plan.assignments.group_by("officer_id").agg(pl.col("visit_id").n_unique().alias("visits"))
    every = scenario.officers.select("officer_id", "name", "department").join(per, on="officer_id", how="left") \
        .with_columns(pl.col("visits").fill_null(0)).sort("visits", "officer_id", descending=[True, False])
    counts = every["visits"].to_list()
    if not counts:
        return {"officers": 0}
    histogram = every.group_by("visits").len().sort("visits")
    return {
        "officers": len(counts), "mean": sum(counts) / len(counts),
        "sd": float(every["visits"].std() or 0.0), "max": max(counts), "min": min(counts),
        "share_with_none": sum(1 for c in counts if c == 0) / len(counts),
        "most_loaded": every.head(3).select("officer_id", "name", "visits").to_dicts(),
        "least_loaded": every.filter(pl.col("visits") > 0).tail(3).select("officer_id", "name", "visits").to_dicts(),
        "histogram": {str(v): int(n) for v, n in histogram.iter_rows()},
    }


def year_report(plan: Any, scenario: Any, results: pl.DataFrame, as_of: dt.date) -> dict[str, Any]:
    """The year's report of ``plan`` (:class:`optimizer.check.PlanFiles`) with its ``scenario`` and the results table
    (:func:`records.results.read_results`), as of ``as_of``."""
    classes = scenario.subjects.select("subject_id", pl.col("risk_class").cast(pl.String))
    visits = plan.visits.select("visit_id", "subject_id", "date", "task_ids", "departments")
    found = results.select("visit_id", "result_date", "problems_found", "problems_rectified", "published_date",
                           "publish_by")
    base = (visits.join(found, on="visit_id", how="left").join(classes, on="subject_id", how="left")
            .with_columns(pl.col("result_date").is_not_null().alias("has_result"),
                          pl.col("risk_class").fill_null("?")))
    drawn = plan.draws.filter("selected").join(classes, on="subject_id", how="left")
    by_class = _rates(base, "risk_class")
    for cls, row in by_class.items():
        row["subjects_drawn"] = int(drawn.filter(pl.col("risk_class") == cls)["subject_id"].n_unique())
    base_rate = (by_class.get("A") or {}).get("rate")
    for row in by_class.values():
        row["ratio_to_A"] = (row["rate"] / base_rate) if row["rate"] is not None and base_rate else None
    by_task = _rates(base.explode("task_ids").rename({"task_ids": "task_id"}), "task_id")
    for task, row in by_task.items():
        row["subjects_drawn"] = int(drawn.filter(pl.col("task_id") == task)["subject_id"].n_unique())
    per_department = base.explode("departments").rename({"departments": "department"})
    kpis = plan.manifest.get("kpis") or {}
    monthly = visits.group_by(pl.col("date").dt.month().alias("month")).len().sort("month")
    with_result = base.filter("has_result")
    return {
        "plan_id": plan.manifest.get("plan_id"), "year": scenario.year, "as_of": as_of.isoformat(),
        "totals": {"visits": visits.height, "visits_with_result": with_result.height,
                   "visits_with_problems": int((with_result["problems_found"] > 0).sum()),
                   "problems_found": int(with_result["problems_found"].sum()),
                   "problems_rectified": int(with_result["problems_rectified"].sum())},
        "by_risk_class": by_class, "by_task": by_task, "by_department": _rates(per_department, "department"),
        "publication": _timeliness(per_department, as_of),
        "visits_compared": {"jointcheck": kpis.get("visits", visits.height),
                            "single_department": kpis.get("subject_visits_single_department"),
                            "todays_practice": kpis.get("visits_independent_joint")},
        "officer_load": _load(plan, scenario),
        "monthly_visits": {f"{int(m):02d}": int(n) for m, n in monthly.iter_rows()},
    }
