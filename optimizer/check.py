"""The plan checker: re-verifies every hard rule on the written files, independent of any solver.

It is the executable specification of a plan; ``jointcheck check`` and the tests use it. Each check is a
plain function over the files and the rules' results, returning violations that name the rule, the
place and what was expected.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from optimizer.draw import CELL, PI_SCALE, allocate, pi_units, task_counts
from optimizer.export import manifest_digest
from optimizer.hard_rules import (
    duplicate_assignments,
    missing_qualifications,
    not_working_days,
    officer_away,
    officer_over_capacity,
    outside_windows,
    over_annual_cap,
    own_grid,
    pair_coverage,
    short_departments,
    small_teams,
    unknown_officers,
    visit_id_problems,
    wrong_department,
)
from optimizer.progress import step, within
from rules import RuleResults, evaluate, load_policy
from scenarios.availability import away_days, officer_weeks
from scenarios.model import Scenario

__all__ = ["Violation", "VIOLATIONS", "PlanFiles", "PlanFileError", "read_plan", "check_plan", "CHECKS", "PLAN_FILES"]


ADJUSTMENT_FILES = ("offset_basis.parquet", "changes.csv", "changes.json")
"""What an adjusted plan (:mod:`optimizer.adjust`, ``adjustment`` in its manifest) writes besides the plan files."""


class PlanFileError(ValueError):
    """A plan folder whose files cannot be what ``jointcheck plan`` wrote: the message names file and field."""


PLAN_FILES: dict[str, tuple[dict[str, Any], frozenset[str]]] = {
    "draws.parquet": ({"subject_id": pl.String, "task_id": pl.String, "round": pl.Int32, "stratum": pl.String,
                       "inclusion_prob": pl.Float64, "selected": pl.Boolean, "mandatory": pl.Boolean,
                       "rules": pl.List(pl.String), "replaced_by": pl.String}, frozenset({"replaced_by"})),
    "visits.parquet": ({"visit_id": pl.String, "subject_id": pl.String, "date": pl.Date, "task_ids": pl.List(pl.String),
                        "departments": pl.List(pl.String), "items": pl.List(pl.String), "inspection_code": pl.String,
                        "round": pl.Int32, "week": pl.Int32}, frozenset()),
    "assignments.parquet": ({"visit_id": pl.String, "officer_id": pl.String, "department": pl.String}, frozenset()),
    "unplaced.parquet": ({"subject_id": pl.String, "task_id": pl.String}, frozenset()),
}
"""Each plan file: the columns the checker reads with their types, and those that may hold nulls."""

_HEX64 = frozenset("0123456789abcdef")


VIOLATIONS: dict[str, tuple[str, str, str]] = {
    # code: (where, English message, Chinese line) — ``str`` (manifests, logs) is English, :meth:`Violation.text` either
    "files.no_digest": ("manifest.json", "has no manifest_sha256: not a manifest jointcheck wrote",
                        "manifest.json：没有 manifest_sha256，不是 jointcheck 写出的 manifest"),
    "files.edited": ("manifest.json", "its content differs from its manifest_sha256: edited after planning",
                     "manifest.json：内容与其 manifest_sha256 不符，生成后被修改"),
    "files.unknown": ("manifest.json", "lists a file jointcheck does not write: {name!r}",
                      "manifest.json：列出了 jointcheck 不会写出的文件“{name}”"),
    "files.unreadable": ("{name}", "{detail}", "{name}：{detail}"),
    "files.changed": ("{name}", "SHA-256 differs from the manifest: the file was changed", "{name}：SHA-256 与 manifest 不符，文件被修改"),
    "files.other_scenario": ("manifest.json", "the plan was made from a different scenario (hash differs)",
                             "manifest.json：计划由另一场景生成（场景哈希不同）"),
    "windows.missing": ("task {task}", "missing from the manifest", "任务 {task}：manifest 中没有该任务"),
    "windows.length": ("task {task}", "window length changed to {days} days", "任务 {task}：时间窗口长度变为 {days} 天"),
    "windows.outside_flex": ("task {task}", "window {start}..{end} leaves {lo}..{hi}",
                             "任务 {task}：时间窗口 {start}..{end} 超出可调整范围 {lo}..{hi}"),
    "sample.cell": ("task {task} stratum {stratum} (π = {pi:g})", "drew {drawn}, lawful size {want}{why}",
                    "任务 {task} 分层 {stratum}（π = {pi:g}）：抽取 {drawn} 户，合法户数为{want}{why}"),
    "sample.class": ("task {task} class {risk_class}", "drew {drawn}, lawful size {want}{why}",
                     "任务 {task} 信用风险分类 {risk_class}：抽取 {drawn} 户，合法户数为{want}{why}"),
    "sample.task": ("task {task}", "drew {drawn}, lawful size {want}{why}", "任务 {task}：抽取 {drawn} 户，合法户数为{want}{why}"),
    "coverage.not_drawn_visited": ("subject {subject} task {task}", "visited but not drawn",
                                   "检查对象 {subject} 任务 {task}：未被抽中却安排了上门"),
    "coverage.not_drawn_unplaced": ("subject {subject} task {task}", "listed as unplaced but not drawn",
                                    "检查对象 {subject} 任务 {task}：未被抽中却列为未安排"),
    "coverage.missing": ("subject {subject} task {task}", "drawn but in no visit and not listed as unplaced",
                         "检查对象 {subject} 任务 {task}：已抽中，但没有安排上门，也未列为未安排"),
    "coverage.repeated": ("subject {subject} task {task}", "served by {n} visits", "检查对象 {subject} 任务 {task}：由 {n} 次上门完成"),
    "coverage.both": ("subject {subject} task {task}", "served by {n} visit(s) and listed {u} time(s) as unplaced",
                      "检查对象 {subject} 任务 {task}：由 {n} 次上门完成，又 {u} 次列为未安排"),
    "dates.outside": ("visit {visit}", "{date} is outside task {task}'s window {start}..{end}",
                      "检查 {visit}：{date} 不在任务 {task} 的时间窗口 {start}..{end} 内"),
    "dates.not_working": ("visit {visit}", "{date} is not a working day", "检查 {visit}：{date} 不是工作日"),
    "cap.over": ("subject {subject}", "{n} visits, cap {cap}", "检查对象 {subject}：上门 {n} 次，上限 {cap} 次"),
    "visits.id": ("visit {visit}", "{detail}", "检查 {visit}：{detail}"),
    "teams.unknown_officer": ("visit {visit}", "officer {officer} is not in the officer directory",
                              "检查 {visit}：执法人员 {officer} 不在执法检查人员名录中"),
    "teams.duplicate": ("visit {visit}", "officer {officer} is listed {n} times", "检查 {visit}：执法人员 {officer} 重复列出 {n} 次"),
    "teams.wrong_department": ("visit {visit}", "officer {officer} is of {home}, assigned for {department}",
                               "检查 {visit}：执法人员 {officer} 属于 {home}，却被派为 {department} 检查"),
    "teams.short_department": ("visit {visit}", "{department}: {n} officer(s), at least {m} needed (行政处罚法 art. 42){why}",
                               "检查 {visit}：{department} 只有 {n} 名执法人员，至少需要 {m} 名（行政处罚法第四十二条）{why}"),
    "teams.small": ("visit {visit}", "{n} officer(s) in all, at least {m} needed", "检查 {visit}：共 {n} 名执法人员，至少需要 {m} 名"),
    "teams.own_grid": ("visit {visit}", "officer {officer} is from the subject's own grid",
                       "检查 {visit}：执法人员 {officer} 来自检查对象所在网格"),
    "teams.qualification": ("visit {visit}", "no officer of {department} holds {qualification}",
                            "检查 {visit}：{department} 没有持有 {qualification} 资格的执法人员"),
    "capacity.over": ("officer {officer} week {week}", "{n} visits, capacity {cap}",
                      "执法人员 {officer} 第 {week} 周：{n} 户次，能力 {cap} 户次"),
    "availability.away": ("visit {visit}", "officer {officer} is away on {date} ({start}..{end}, availability)",
                          "检查 {visit}：执法人员 {officer} 在 {date} 不在岗（{start}..{end}，人员可用时间）"),
}
"""Every violation the checker reports, where and what, in English and Chinese (one place per message)."""


@dataclass(frozen=True)
class Violation:
    """One hard rule a written plan breaks: the check (files, teams …), where, and what (English).
    ``code`` and ``params`` name its entry in :data:`VIOLATIONS`; :meth:`text` gives it in Chinese or English."""

    check: str
    where: str
    message: str
    code: str = field(default="", compare=False)
    params: tuple[tuple[str, Any], ...] = field(default=(), compare=False)

    @classmethod
    def of(cls, code: str, **params: Any) -> Violation:
        where, message, _ = VIOLATIONS[code]
        return cls(code.split(".")[0], where.format(**params), message.format(**params), code, tuple(params.items()))

    def text(self, lang: str = "zh") -> str:
        """The violation as a planner reads it in ``lang`` (zh or en); English is :meth:`__str__`."""
        if lang == "en" or not self.code:
            return str(self)
        params = dict(self.params)  # a value ``x_zh`` is the Chinese of ``x`` (a reason in both languages)
        params.update({k[:-3]: v for k, v in params.items() if k.endswith("_zh")})
        return VIOLATIONS[self.code][2].format(**params)

    def __str__(self) -> str:
        return f"[{self.check}] {self.where}: {self.message}"


@dataclass(frozen=True)
class PlanFiles:
    root: Path
    manifest: dict[str, Any]
    draws: pl.DataFrame
    visits: pl.DataFrame
    assignments: pl.DataFrame
    unplaced: pl.DataFrame


def _regular(root: Path, name: str) -> Path:
    path = root / name
    if path.is_symlink() or not path.is_file():
        what = "a symbolic link" if path.is_symlink() else "missing" if not path.exists() else "not a regular file"
        raise PlanFileError(f"{path}: {what}; a plan folder holds the regular files jointcheck plan wrote")
    return path


def _need(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise PlanFileError(f"manifest.json, {where}: {what}")


def _check_manifest(m: Any) -> None:
    _need(isinstance(m, dict), "top level", "is not a JSON object")
    _need(isinstance(m.get("plan_id"), str), "plan_id", "missing or not text")
    _need(isinstance(m.get("seed_commitment"), str), "seed_commitment", "missing or not text")
    for key, fields in (("scenario", ("name", "hash")), ("policy", ("id", "as_of"))):
        _need(isinstance(m.get(key), dict), key, "missing or not an object")
        for f in fields:
            _need(isinstance(m[key].get(f), str), f"{key}.{f}", "missing or not text")
    try:
        dt.date.fromisoformat(m["policy"]["as_of"])
    except ValueError:
        raise PlanFileError(f"manifest.json, policy.as_of: {m['policy']['as_of']!r} is not a date") from None
    files = m.get("files")
    _need(isinstance(files, dict), "files", "missing: the plan's files are not hashed, so the plan cannot be trusted")
    extra = sorted(set(files) - set(PLAN_FILES) - (set(ADJUSTMENT_FILES) if m.get("adjustment") else set()))
    _need(not extra, "files", f"names files jointcheck does not write: {', '.join(map(repr, extra))}")
    for name in PLAN_FILES:
        digest = files.get(name)
        _need(isinstance(digest, str) and len(digest) == 64 and set(digest) <= _HEX64, f"files.{name}",
              "missing or not a SHA-256")
    _need(isinstance(m.get("tasks"), list), "tasks", "missing or not a list")
    for k, t in enumerate(m["tasks"]):
        where = f"tasks[{k}]"
        _need(isinstance(t, dict) and isinstance(t.get("id"), str), where, "not a task with an id")
        window = t.get("window")
        _need(isinstance(window, dict), f"{where}.window", "missing")
        for end in ("start", "end"):
            try:
                dt.date.fromisoformat(window.get(end))
            except (TypeError, ValueError):
                raise PlanFileError(f"manifest.json, {where}.window.{end}: {window.get(end)!r} is not a date") from None


def _read_frame(root: Path, name: str) -> pl.DataFrame:
    schema, nullable = PLAN_FILES[name]
    path = _regular(root, name)
    try:
        with open(path, "rb") as handle:  # a handle, not a path: polars would read "[" or "*" in a name as a glob
            frame = pl.read_parquet(handle)
    except Exception as exc:  # noqa: BLE001 - polars raises many kinds on a damaged file
        raise PlanFileError(f"{path}: not a readable parquet file ({type(exc).__name__})") from None
    for col, dtype in schema.items():
        if col not in frame.columns:
            raise PlanFileError(f"{path}: column {col} is missing")
        if frame[col].dtype != dtype:
            raise PlanFileError(f"{path}, {col}: type {frame[col].dtype}, expected {dtype}")
        if col not in nullable and frame[col].null_count():
            row = frame.with_row_index("row").filter(pl.col(col).is_null())["row"][0]
            raise PlanFileError(f"{path} row {row + 1}, {col}: empty (null)")
    return frame


def read_plan(root: str | Path) -> PlanFiles:
    """The plan's files, checked for shape: :class:`PlanFileError` naming file, row and field otherwise."""
    root = Path(root)
    path = _regular(root, "manifest.json")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise PlanFileError(f"{path}: not valid JSON ({exc})") from None
    _check_manifest(manifest)
    return PlanFiles(root, manifest, *(_read_frame(root, name) for name in PLAN_FILES))


def _windows(plan: PlanFiles) -> pl.DataFrame:
    return pl.DataFrame(
        [(t["id"], dt.date.fromisoformat(t["window"]["start"]), dt.date.fromisoformat(t["window"]["end"]))
         for t in plan.manifest["tasks"]],
        schema={"task_id": pl.String, "start": pl.Date, "end": pl.Date}, orient="row",
    )


def check_files(plan: PlanFiles, scenario: Scenario, results: RuleResults) -> list[Violation]:
    """The manifest is as written (its own digest); every file is the one it hashed; the plan was made from this
    scenario."""
    out = []
    stated = plan.manifest.get("manifest_sha256")
    if stated is None:
        out.append(Violation.of("files.no_digest"))
    elif stated != manifest_digest(plan.manifest):
        out.append(Violation.of("files.edited"))
    for name, digest in plan.manifest["files"].items():
        if name not in PLAN_FILES and not (plan.manifest.get("adjustment") and name in ADJUSTMENT_FILES):
            out.append(Violation.of("files.unknown", name=name))
            continue
        try:
            actual = hashlib.sha256(_regular(plan.root, name).read_bytes()).hexdigest()
        except PlanFileError as exc:
            out.append(Violation.of("files.unreadable", name=name, detail=str(exc)))
            continue
        if actual != digest:
            out.append(Violation.of("files.changed", name=name))
    if plan.manifest["scenario"]["hash"] != scenario.content_hash:
        out.append(Violation.of("files.other_scenario"))
    return out


def check_windows(plan: PlanFiles, scenario: Scenario, results: RuleResults) -> list[Violation]:
    """Each aligned window keeps its length and stays inside its window_flex (or is unchanged)."""
    out = []
    aligned = {t: (s, e) for t, s, e in _windows(plan).iter_rows()}
    for task in scenario.tasks:
        if task.id not in aligned:
            out.append(Violation.of("windows.missing", task=task.id))
            continue
        start, end = aligned[task.id]
        if (end - start).days + 1 != task.window.days:
            out.append(Violation.of("windows.length", task=task.id, days=(end - start).days + 1))
        lo, hi = (task.window_flex.earliest, task.window_flex.latest) if task.window_flex else (task.window.start, task.window.end)
        if start < lo or end > hi:
            out.append(Violation.of("windows.outside_flex", task=task.id, start=start, end=end, lo=lo, hi=hi))
    return out


def _at_annual_cap(plan: PlanFiles, results: RuleResults | None) -> list[str]:
    """Subjects whose visits in the plan reach their annual cap: why a sample can fall short (the draw skips them,
    reserve and all). Empty without the rules' results or the plan's visits (a draw table checked alone)."""
    if results is None or "subject_id" not in plan.visits.columns:
        return []
    visits = plan.visits.group_by("subject_id").agg(pl.len().cast(pl.Int64).alias("visits"))
    return visits.join(results.subjects.select("subject_id", "annual_cap"), on="subject_id").filter(
        pl.col("annual_cap").is_not_null() & (pl.col("visits") >= pl.col("annual_cap")))["subject_id"].sort().to_list()


def check_sample_sizes(plan: PlanFiles, scenario: Scenario, results: RuleResults) -> list[Violation]:
    """Every sample has a lawful size under randomised rounding (:mod:`optimizer.draw.allocation`).

    A cell (task, stratum, π) draws ⌊e⌋ or ⌈e⌉ of its expectation e = N·π (its share of a count); each risk
    class of a task and each ratio task draws ⌊Σe⌋ or ⌈Σe⌉; a count task exactly its count (every eligible
    subject when the count is larger). More mandatory (定向) subjects than that are all drawn, and pass. A sample
    short because its other members are at their annual cap says so (the caps and the sample conflict).
    """
    draws = plan.draws.with_columns(pi_units(pl.col("inclusion_prob")).alias("pi_units"))
    cells, _ = allocate(draws.group_by(CELL).agg(pl.len().cast(pl.Int64).alias("N")), task_counts(scenario))
    draws = draws.with_columns(pl.col("subject_id").is_in(_at_annual_cap(plan, results)).alias("at_cap"))
    got = draws.group_by(CELL).agg(
        pl.col("selected").sum().cast(pl.Int64).alias("drawn"),
        (pl.col("selected") & pl.col("mandatory")).sum().cast(pl.Int64).alias("forced"),
        (~pl.col("selected") & pl.col("at_cap")).sum().cast(pl.Int64).alias("capped"))
    cells = cells.join(got, on=CELL).with_columns(pl.col("stratum").str.split(":").list.first().alias("risk_class"))
    out = []
    overflow = (pl.col("forced") > pl.col("high")) & (pl.col("drawn") == pl.col("forced"))
    lawful = (pl.col("drawn") >= pl.col("low")) & (pl.col("drawn") <= pl.col("high")) | overflow

    def bounds(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
        # a run of one task's cells shares its denominator: Σe = Σlo + Σfrac/den, exactly
        agg = frame.group_by(by).agg(pl.col("lo").sum(), pl.col("frac").sum(), pl.col("den").first(),
                                     pl.col("drawn").sum(), pl.col("forced").sum(), pl.col("capped").sum())
        low = pl.col("lo") + pl.col("frac") // pl.col("den")
        return agg.with_columns(low.alias("low"), (low + (pl.col("frac") % pl.col("den") > 0).cast(pl.Int64)).alias("high"))

    levels = [(["task_id", "stratum", "pi_units"], "sample.cell"), (["task_id", "risk_class"], "sample.class"),
              (["task_id"], "sample.task")]
    for by, code in levels:
        bad = bounds(cells, by).filter(~lawful).sort(by)
        for row in bad.iter_rows(named=True):
            exact = row["low"] == row["high"]
            want = f"exactly {row['low']}" if exact else f"{row['low']} or {row['high']}"
            want_zh = f"恰好 {row['low']} 户" if exact else f"{row['low']} 或 {row['high']} 户"
            capped = row["drawn"] < row["low"] and row["capped"]
            why = (f" — not drawn: {row['capped']} eligible subject(s) at their annual cap of visits; the caps and "
                   "this sample cannot both hold" if capped else "")
            why_zh = f"；{row['capped']} 个符合条件的对象已达年度上门上限而未抽取：上限与该样本无法同时满足" if capped else ""
            out.append(Violation.of(code, task=row["task_id"], stratum=row.get("stratum"), risk_class=row.get("risk_class"),
                                    pi=row.get("pi_units", 0) / PI_SCALE, drawn=row["drawn"], want=want, want_zh=want_zh,
                                    why=why, why_zh=why_zh))
    return out


def check_coverage(plan: PlanFiles, scenario: Scenario, results: RuleResults) -> list[Violation]:
    """Each drawn (subject, task) is in exactly one visit of that subject, or listed as unplaced."""
    served = plan.visits.select("subject_id", pl.col("task_ids").alias("task_id")).explode("task_id")
    drawn = plan.draws.filter("selected")
    as_of = _adjusted_on(plan)
    if as_of is not None:  # an adjusted plan: a visit made before the adjustment was drawn by the plan it adjusts
        made = plan.visits.filter(pl.col("date") < as_of).select("subject_id", pl.col("task_ids").alias("task_id")).explode("task_id")
        extra = made.join(drawn.select("subject_id", "task_id"), on=["subject_id", "task_id"], how="anti")
        served = served.join(extra, on=["subject_id", "task_id"], how="anti")
    bad = pair_coverage(served, drawn, plan.unplaced)
    out = []
    for s, t, n, u, drawn in bad.select("subject_id", "task_id", "served", "unplaced", "drawn").iter_rows():
        if not drawn:
            code = "coverage.not_drawn_visited" if n else "coverage.not_drawn_unplaced"
        elif n + u == 0:
            code = "coverage.missing"
        elif n > 1:
            code = "coverage.repeated"
        else:
            code = "coverage.both"
        out.append(Violation.of(code, subject=s, task=t, n=n, u=u))
    return out


def _adjusted_on(plan: PlanFiles) -> dt.date | None:
    """The adjustment date of an adjusted plan (:mod:`optimizer.adjust`), None for a plan made at once."""
    adjustment = plan.manifest.get("adjustment")
    return dt.date.fromisoformat(adjustment["as_of"]) if adjustment else None


def check_dates(plan: PlanFiles, scenario: Scenario, results: RuleResults) -> list[Violation]:
    """A visit is on a working day inside the (aligned) window of every task it serves (in an adjusted plan,
    every visit on or after the adjustment date: the earlier ones were made under the plan it adjusts)."""
    visits = plan.visits
    as_of = _adjusted_on(plan)
    if as_of is not None:
        visits = visits.filter(pl.col("date") >= as_of)
    per_task = visits.select("visit_id", "date", pl.col("task_ids").alias("task_id")).explode("task_id")
    out = [Violation.of("dates.outside", visit=v, date=d, task=t, start=s, end=e)
           for v, d, t, s, e in outside_windows(per_task, _windows(plan)).iter_rows()]
    out += [Violation.of("dates.not_working", visit=v, date=day) for v, day in not_working_days(visits).iter_rows()]
    return out


def check_caps(plan: PlanFiles, scenario: Scenario, results: RuleResults) -> list[Violation]:
    """No subject gets more visits than its annual cap."""
    return [Violation.of("cap.over", subject=s, n=n, cap=c)
            for s, n, c in over_annual_cap(plan.visits, results.subjects).iter_rows()]


def _too_few_in_directory(short: pl.DataFrame, visits: pl.DataFrame, scenario: Scenario,
                         visit_min: pl.DataFrame) -> dict[tuple[str, str], tuple[str, str]]:
    """Why a department is short on a visit when no plan could fill it: the directory holds fewer of its officers
    than the minimum (outside the subject's grid where the visit excludes it — 所所交叉). ``(visit, department)``
    → the words to add to the violation (English, Chinese); absent where the directory would have sufficed."""
    rows = short.join(visits.select("visit_id", "subject_id"), on="visit_id").join(
        scenario.subjects.select("subject_id", pl.col("grid").alias("subject_grid")), on="subject_id", how="left").join(
        visit_min.select("visit_id", "exclude_own_grid"), on="visit_id", how="left")
    officers = scenario.officers.select("department", "grid")
    out = {}
    for v, d, m, grid, exclude in rows.select("visit_id", "department", "min_officers", "subject_grid",
                                              "exclude_own_grid").iter_rows():
        own = bool(exclude) and bool(grid)
        mine = officers.filter(pl.col("department") == d)
        n = mine.filter(pl.col("grid") != grid).height if own else mine.height
        if n < m:
            out[(v, d)] = (f" — the officer directory has only {n} officer(s) of {d}"
                           + (f" outside the subject's grid {grid} (所所交叉)" if own else ""),
                           f"；执法检查人员名录中 {d} 只有 {n} 名执法人员"
                           + (f"（检查对象所在网格 {grid} 以外，所所交叉）" if own else ""))
    return out


def check_teams(plan: PlanFiles, scenario: Scenario, results: RuleResults) -> list[Violation]:
    """Officers exist and go once per visit for their own department; team size per department and visit,
    qualifications, own grid, weekly capacity.

    In an adjusted plan (动态调整) a visit made before the adjustment date was checked against the directories of
    the version that made it: the rules that read today's directories (the officer is listed, of that department,
    qualified, not of the subject's grid; the weeks before the date's week for capacity) apply to the later
    visits only — an officer who has since left, or moved, does not unmake a visit made."""
    out = []
    assignments = plan.assignments
    directory = scenario.officers
    as_of = _adjusted_on(plan)
    made = plan.visits.filter(pl.col("date") < as_of)["visit_id"] if as_of else pl.Series("visit_id", [], pl.String)
    current = ~pl.col("visit_id").is_in(made.implode())
    out += [Violation.of("visits.id", visit=v, detail=problem) for v, problem in visit_id_problems(plan.visits, assignments)]
    out += [Violation.of("teams.unknown_officer", visit=v, officer=o)
            for v, o in unknown_officers(assignments.filter(current), directory).iter_rows()]
    out += [Violation.of("teams.duplicate", visit=v, officer=o, n=n)
            for v, o, n in duplicate_assignments(assignments).iter_rows()]
    out += [Violation.of("teams.wrong_department", visit=v, officer=o, home=h, department=d)
            for v, o, d, h in wrong_department(assignments.filter(current), directory).iter_rows()]
    tasks = results.tasks.select("task_id", "required_departments", "min_officers_per_department",
                                 "min_officers_per_visit", "exclude_own_grid")
    per_task = plan.visits.select("visit_id", "subject_id", "date", pl.col("task_ids").alias("task_id"), "departments") \
        .explode("task_id").join(tasks, on="task_id")
    need = per_task.select("visit_id", pl.col("required_departments").alias("department"), "min_officers_per_department") \
        .explode("department").group_by("visit_id", "department").agg(pl.col("min_officers_per_department").max().alias("min_officers"))
    visit_min = per_task.group_by("visit_id").agg(pl.col("min_officers_per_visit").max(), pl.col("exclude_own_grid").any())
    short = short_departments(need, assignments)
    why = _too_few_in_directory(short, plan.visits.filter(current), scenario, visit_min)
    out += [Violation.of("teams.short_department", visit=v, department=d, n=n, m=m, why=why.get((v, d), ("", ""))[0],
                         why_zh=why.get((v, d), ("", ""))[1])
            for v, d, m, n in short.iter_rows()]
    out += [Violation.of("teams.small", visit=v, n=n, m=m)
            for v, m, n in small_teams(visit_min.select("visit_id", "min_officers_per_visit"), assignments).iter_rows()]
    officers = directory.select("officer_id", "qualifications", pl.col("grid").alias("officer_grid"), "weekly_capacity")
    # a visit made before an adjustment may be to a subject since removed from the directory (动态调整): its team
    # still counts (qualifications, capacity); with no grid on record it has no own-grid conflict to check
    team = assignments.join(officers, on="officer_id").join(plan.visits.select("visit_id", "subject_id", "week"), on="visit_id") \
        .join(scenario.subjects.select("subject_id", pl.col("grid").alias("subject_grid")), on="subject_id", how="left") \
        .with_columns(pl.col("subject_grid").fill_null("")) \
        .join(visit_min.select("visit_id", "exclude_own_grid"), on="visit_id")
    out += [Violation.of("teams.own_grid", visit=v, officer=o)
            for v, o in own_grid(team.filter(current)).select("visit_id", "officer_id").iter_rows()]
    required = per_task.select("visit_id", "task_id").unique().join(scenario.task_qualifications(), on="task_id")
    held = team.select("visit_id", "department", pl.col("qualifications").alias("qualification")).explode("qualification").drop_nulls()
    out += [Violation.of("teams.qualification", visit=v, department=d, qualification=q)
            for v, d, q in missing_qualifications(required.filter(current), held).iter_rows()]
    # availability: an officer's capacity in the weeks it changes, and the days they are away
    team = team.join(plan.visits.select("visit_id", "date"), on="visit_id").with_columns(
        pl.col("date").dt.truncate("1w").alias("monday"))
    team = team.join(officer_weeks(scenario.availability).select(
        "officer_id", pl.col("week").alias("monday"), pl.col("weekly_capacity").alias("available")),
        on=["officer_id", "monday"], how="left").with_columns(
        pl.coalesce(pl.col("available").cast(pl.Int32), pl.col("weekly_capacity").cast(pl.Int32)).alias("weekly_capacity"))
    out += [Violation.of("availability.away", visit=v, officer=o, date=str(d), start=str(a), end=str(b))
            for v, o, d, a, b in officer_away(team.filter(current), away_days(scenario.availability)).iter_rows()]
    if as_of is not None:  # the adjustment date's week shares capacity with the visits made in it: counted whole
        monday = as_of - dt.timedelta(days=as_of.weekday())
        team = team.filter(pl.col("date") >= monday)
    out += [Violation.of("capacity.over", officer=o, week=w, n=n, cap=c)
            for o, w, c, n in officer_over_capacity(team.select("officer_id", "week", "weekly_capacity")).iter_rows()]
    return out


CHECKS = (check_files, check_windows, check_sample_sizes, check_coverage, check_dates, check_caps, check_teams)


def check_plan(plan_dir: str | Path, scenario: Scenario) -> list[Violation]:
    """Every violation of a hard rule in the written plan (empty: the plan is lawful as far as rules go)."""
    plan = read_plan(plan_dir)
    policy = plan.manifest["policy"]
    law = load_policy(policy["id"], policy.get("overrides") or None)
    total = len(CHECKS) + 3  # progress (optimizer.progress): the rules re-evaluated count as three checks
    with within(0, total, parts=3):
        results = evaluate(scenario, law, as_of=dt.date.fromisoformat(policy["as_of"]))
    violations: list[Violation] = []
    for k, check in enumerate(CHECKS):
        violations += check(plan, scenario, results)
        step(3 + k + 1, total)
    return violations
