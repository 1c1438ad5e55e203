"""Plans that live through the year and across years, in the app: adjust a saved run from a date (动态调整) and
choose earlier years' plans for rotation (负担轮换). No Streamlit here: the page (:mod:`ui.webapp.pages.adjust`)
and the what-if page call these functions, and the tests call them directly.

* **Adjusted versions** are saved in the runs folder beside the runs, as ``adj-NNNN`` (never listed as a run:
  the pages of a run draw from an in-memory plan an adjustment does not make): ``plan/`` — the adjusted plan
  directory exactly as ``jointcheck adjust`` writes it (``check``, ``verify`` and ``export`` read it, the
  changes included) —, ``version.json`` (name, the plan adjusted, the date, the counts of changes) and
  ``scenario.pickle`` (the updated scenario, so the diff keeps its names). Written under a temporary name and
  renamed into place. A version can itself be adjusted again.
* **Previous years** are saved runs or uploaded plan folders (a zip of a plan directory, unpacked into
  ``uploaded-plans/`` of the runs folder after :func:`optimizer.check.read_plan` accepts it).
  :func:`rotation_for` checks them with :func:`optimizer.rotation.load_rotation` (one chain, the chain's first
  public value opens its commitment) before any plan is made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import pickle
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from scenarios import Scenario
from ui.i18n import LABELS
from ui.webapp.store import Run, runs_folder

__all__ = ["Version", "Base", "bases", "saved_versions", "adjust_saved", "changes_frames", "changes_download",
           "save_upload", "uploaded_plans", "rotation_for", "chain_dirs", "first_value", "plan_zip", "ADJUST_LABELS"]

_VERSION = re.compile(r"^adj-(\d{4,})$")
_UPLOADS = "uploaded-plans"
_PLAN_FILE = re.compile(r"^[A-Za-z0-9_.-]+\.(json|parquet|csv)$")
_MAX_UPLOAD = 200 * 1024 * 1024

ADJUST_LABELS: dict[str, tuple[str, str]] = {
    "page_adjust": ("⑦ 动态调整与往年计划", "⑦ Adjust & previous years"),
    "adj_intro": ("从某一日期起调整已保存的计划（沪府发〔2024〕6号 二(一)“动态调整”）：此前已实施的检查保持不变，"
                  "未变更任务的抽取对象不变，新增任务用原计划已承诺的随机数抽取。调整后的计划按当前载入的场景制定。",
                  "Adjust a saved plan from a date (动态调整, 沪府发〔2024〕6号 二(一)): visits before the date stay as made, "
                  "unchanged tasks keep their subjects, added tasks are drawn from the plan's committed seed. The "
                  "updated scenario is the one loaded now."),
    "adj_base": ("要调整的计划", "Plan to adjust"),
    "adj_as_of": ("调整日期（此前的检查视为已实施）", "Adjust as of (visits before it are done)"),
    "adj_value": ("原计划的公开随机数", "Public value of the plan adjusted"),
    "adj_previous_seed": ("往年计划链第一年的公开随机数（轮换计划）", "Public value of the chain's first year (rotated plan)"),
    "adj_button": ("生成调整后的计划", "Make the adjusted plan"),
    "adj_working": ("正在调整……", "Adjusting…"),
    "adj_done": ("已保存调整后的计划 {label}：新增上门 {added}，取消上门 {removed}，改期 {moved}，任务变更 {tasks_changed}，"
                 "人员变更 {team_changed}",
                 "Saved the adjusted plan {label}: {added} visit(s) added, {removed} removed, {moved} moved, "
                 "{tasks_changed} with tasks changed, {team_changed} with the team changed"),
    "adj_failed": ("无法调整", "Cannot adjust"),
    "adj_versions": ("已保存的调整版本", "Saved adjusted versions"),
    "adj_show": ("查看调整版本", "Show version"),
    "adj_changes": ("调整情况", "Changes"),
    "adj_task_changes": ("任务调整", "Task changes"),
    "adj_visit_changes": ("户次变更", "Visit changes"),
    "adj_download": ("下载调整情况（Excel）", "Download the changes (Excel)"),
    "adj_download_plan": ("下载调整后的计划文件夹（zip）", "Download the adjusted plan folder (zip)"),
    "adj_no_base": ("尚无已保存的计划：请先在“② 假设分析与运行”中运行计划。", "No saved plan yet: run one on “② What-if & run”."),
    "adj_run": ("运行", "run"),
    "adj_version": ("调整版本", "adjusted version"),
    "adj_col_name": ("名称", "Name"),
    "adj_col_base": ("调整自", "Adjusts"),
    "adj_col_as_of": ("调整日期", "As of"),
    "adj_col_visits": ("户次", "Visits"),
    "prev_title": ("往年计划（负担轮换）", "Previous years (burden rotation)"),
    "prev_help": ("选择往年的计划（已保存的运行或上传的计划文件夹），本年度抽取将避开往年已抽中的对象，"
                  "每个对象被抽中的概率仍严格等于法定概率。请给出往年计划链第一年的公开随机数。",
                  "Choose earlier years' plans (saved runs or uploaded plan folders): this year's draw avoids the "
                  "subjects drawn then, each still at exactly its lawful probability. Give the public value of the "
                  "chain's first year."),
    "prev_runs": ("往年计划（已保存的运行）", "Previous years (saved runs)"),
    "prev_upload": ("上传往年计划文件夹（zip）", "Upload a previous plan folder (zip)"),
    "prev_uploaded": ("往年计划（已上传）", "Previous years (uploaded)"),
    "prev_seed": ("第一年计划的公开随机数", "Public value of the first year's plan"),
    "prev_bad": ("往年计划无法用于轮换", "The previous plans cannot be rotated against"),
    "prev_saved": ("已保存上传的计划：{name}", "Saved the uploaded plan: {name}"),
    "prev_change": ("轮换：往年计划 {n} 份", "rotation: {n} previous plan(s)"),
}
"""The labels of the adjustment page and the previous-years picker, added to :data:`ui.i18n.LABELS` on import
(kept here so the shared label file changes only by this one line of the sidebar's page name)."""
for _key, _value in ADJUST_LABELS.items():
    LABELS.setdefault(_key, _value)


@dataclass(frozen=True)
class Version:
    """An adjusted plan version saved in the runs folder."""

    id: int
    label: str
    base: str              # the label of the plan it adjusts
    as_of: dt.date
    root: Path             # adj-NNNN
    counts: dict[str, int]
    visits: int

    @property
    def plan_dir(self) -> Path:
        return self.root / "plan"

    @property
    def scenario(self) -> Scenario:
        return pickle.loads((self.root / "scenario.pickle").read_bytes())


@dataclass(frozen=True)
class Base:
    """A plan that can be adjusted: a saved run or an adjusted version."""

    key: str               # run:N or adj:N
    label: str
    plan_dir: Path
    public_value: str


def saved_versions() -> list[Version]:
    """Every complete adjusted version in the runs folder, oldest first (a damaged one is not listed)."""
    root = runs_folder()
    out: list[Version] = []
    if not root.is_dir():
        return out
    for path in sorted(p for p in root.iterdir() if _VERSION.match(p.name)):
        try:
            body = json.loads((path / "version.json").read_text(encoding="utf-8"))
            out.append(Version(int(body["id"]), str(body["name"]), str(body["base"]),
                               dt.date.fromisoformat(body["as_of"]), path, dict(body["changes"]), int(body["visits"])))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


def bases(runs: list[Run]) -> list[Base]:
    """Saved runs and adjusted versions, newest first, with the public value each was made with."""
    out = [Base(f"adj:{v.id}", v.label, v.plan_dir, _version_value(v)) for v in reversed(saved_versions())]
    out += [Base(f"run:{r.id}", r.label, runs_folder() / f"run-{r.id:04d}" / "plan", r.whatif.public_value)
            for r in reversed(runs)]
    return [b for b in out if (b.plan_dir / "manifest.json").is_file()]


def _version_value(v: Version) -> str:
    try:
        return str(json.loads((v.root / "version.json").read_text(encoding="utf-8")).get("public_value", ""))
    except (OSError, ValueError):
        return ""


def _next_version_id() -> int:
    root = runs_folder()
    ids = [int(m.group(1)) for p in root.glob("adj-*") if (m := _VERSION.match(p.name))] if root.is_dir() else []
    return max(ids, default=0) + 1


def chain_dirs(manifest: dict[str, Any], runs: list[Run]) -> list[Path]:
    """The plan folders a rotated plan was rotated against, found among the saved runs and uploaded plans by
    the SHA-256 of their draws (its manifest's ``rotation.previous``); empty for a plan without rotation."""
    wanted = {e["draws_sha256"] for e in (manifest.get("rotation") or {}).get("previous", [])}
    if not wanted:
        return []
    found: dict[str, Path] = {}
    candidates = [runs_folder() / f"run-{r.id:04d}" / "plan" for r in runs] + uploaded_plans()
    candidates += [v.plan_dir for v in saved_versions()]
    for d in candidates:
        draws = d / "draws.parquet"
        if draws.is_file():
            digest = hashlib.sha256(draws.read_bytes()).hexdigest()
            if digest in wanted:
                found.setdefault(digest, d)
    return [found[k] for k in sorted(found)]


def first_value(manifest: dict[str, Any], runs: list[Run]) -> str:
    """The public value of the chain's first plan when it is a saved run of this app ('' when unknown)."""
    from optimizer.draw import seed_commitment

    prn = (manifest.get("rotation") or {}).get("prn") or {}
    for r in runs:
        if seed_commitment(r.plan.seed) == prn.get("seed_commitment"):
            return r.whatif.public_value
    return ""


def adjust_saved(base: Base, scenario: Scenario, public_value: str, as_of: dt.date, runs: list[Run],
                 previous_seed: str | None = None) -> Version:
    """Adjust ``base`` to ``scenario`` as of ``as_of`` (:func:`optimizer.adjust.adjust_plan`, with the district key
    the app seals codes with) and save the new version; ``AdjustError``/``PlanBlocked``/``ValueError`` say why not.
    A rotated plan finds its earlier plans among the saved runs and uploads (:func:`chain_dirs`)."""
    from optimizer.adjust import AdjustError, adjust_plan, write_adjusted
    from optimizer.check import check_plan, read_plan
    from records.codes import default_key_path, load_or_create_key
    from scenarios.messages import Message

    manifest = read_plan(base.plan_dir).manifest
    previous = chain_dirs(manifest, runs) or None
    if manifest.get("rotation") and (previous is None or len(previous) != len(manifest["rotation"]["previous"])):
        raise AdjustError(Message("adjust.chain_not_saved"))
    key = load_or_create_key(default_key_path())
    made = adjust_plan(base.plan_dir, scenario, public_value, as_of, district_key=key, previous=previous,
                       previous_seed=(previous_seed or None) if manifest.get("rotation") else None)
    number = _next_version_id()
    root = runs_folder()
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"adj-{number:04d}"
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=root))
    try:
        write_adjusted(made, staging / "plan")
        found = check_plan(staging / "plan", scenario)
        if found:
            raise AdjustError(Message("adjust.breaks_rules", violations="; ".join(map(str, found[:5])),
                                      violations_zh="；".join(v.text("zh") for v in found[:5])))
        (staging / "scenario.pickle").write_bytes(pickle.dumps(scenario, protocol=pickle.HIGHEST_PROTOCOL))
        a = made.manifest["adjustment"]
        label = f"#{number} {base.label.split(' · ')[0]} · {as_of.isoformat()}"
        body = {"id": number, "name": label[:120], "base": base.label, "base_key": base.key, "as_of": as_of.isoformat(),
                "public_value": public_value, "changes": a["changes"], "visits": made.visits.height,
                "added": a["added"], "cancelled": a["cancelled"], "moved": a["moved"]}
        (staging / "version.json").write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return next(v for v in saved_versions() if v.id == number)


def changes_frames(version: Version, lang: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The task changes and the visit changes of ``version`` as the export's changes paper prints them
    (:mod:`documents.changes`: names not codes, dates without times), headers in ``lang``."""
    from documents.changes import changes_document
    from documents.context import load_context

    doc = changes_document(load_context(version.plan_dir, version.scenario), lang)
    frames = []
    for table in doc.tables:
        columns = [c for c in table.columns if c.printed]
        at = [table.columns.index(c) for c in columns]
        frames.append(pl.DataFrame([[row[k] for k in at] for row in table.rows],
                                   schema=[(c.label, pl.Date if c.kind == "date" else pl.String) for c in columns],
                                   orient="row"))
    return frames[0], frames[1]


def changes_download(version: Version, lang: str) -> bytes:
    """The changes paper of ``version`` as Excel bytes (the same file as ``jointcheck export --what changes``)."""
    from documents import make_documents

    return make_documents(version.plan_dir, version.scenario, ["changes"], ["xlsx"], lang)["changes.xlsx"]


def plan_zip(version: Version) -> bytes:
    """The adjusted plan folder as a zip (fixed timestamps: same folder, same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(version.plan_dir.iterdir()):
            archive.writestr(zipfile.ZipInfo(f"plan/{path.name}", date_time=(2000, 1, 1, 0, 0, 0)), path.read_bytes())
    return buffer.getvalue()


def uploaded_plans() -> list[Path]:
    """The plan folders uploaded as previous years, oldest name first."""
    root = runs_folder() / _UPLOADS
    return sorted(p for p in root.iterdir() if (p / "manifest.json").is_file()) if root.is_dir() else []


def save_upload(data: bytes, name: str) -> Path:
    """Unpack a zip of a plan directory into ``uploaded-plans/`` and check it is one (``ValueError`` naming the
    file and the problem otherwise; nothing is kept then). The plan's files may sit at the zip's top or in one
    folder; only the files a plan folder holds are taken, never a path outside it."""
    from optimizer.check import PlanFileError, read_plan

    if len(data) > _MAX_UPLOAD:
        raise ValueError(f"{name}: larger than {_MAX_UPLOAD // 2**20} MB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ValueError(f"{name}: not a zip file") from None
    files: dict[str, bytes] = {}
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            base = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
            if not _PLAN_FILE.match(base) or base in files:
                continue
            if info.file_size > _MAX_UPLOAD:
                raise ValueError(f"{name}: {info.filename} is too large")
            files[base] = archive.read(info)
    if "manifest.json" not in files:
        raise ValueError(f"{name}: no manifest.json — zip the folder jointcheck plan wrote")
    digest = hashlib.sha256(files["manifest.json"]).hexdigest()[:12]
    root = runs_folder() / _UPLOADS
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"plan-{digest}"
    if target.exists():
        return target
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=root))
    try:
        for base, body in files.items():
            (staging / base).write_bytes(body)
        try:
            read_plan(staging)
        except (PlanFileError, OSError, ValueError) as exc:
            raise ValueError(f"{name}: not a plan folder ({exc})") from None
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def rotation_for(dirs: list[Path], previous_seed: str):  # noqa: ANN201 - optimizer.rotation.Rotation
    """The rotation against ``dirs`` (earlier years' plan folders) opened by the chain's first public value;
    ``RotationError`` says what is wrong (other chains, a value that does not open the commitment…)."""
    from optimizer.rotation import RotationError, load_rotation
    from scenarios.messages import Message

    if not previous_seed.strip():
        raise RotationError(Message("rotation.first_value"))
    return load_rotation(list(dirs), previous_seed.strip())
