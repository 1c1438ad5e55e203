"""The solvers' notes (optimizer: bundling, officer matching, the stages' time limits) in the planner's language.

The optimizer writes its notes in English (the logs and manifests keep them so); the command line and the app
show them in the planner's language by matching each known form and filling a Chinese template with its values
(department, week, counts, ids), with names for ids. A note of an unknown form is shown as written, marked as not translated — the test on a capacity-starved
plan (tests/test_app_notes.py) keeps this table complete for the notes a real plan gives.
"""

from __future__ import annotations

import re

__all__ = ["note_text", "NOTES", "translated", "plan_names", "Names"]

_N = r"(?P<{}>\d+)"

# (English form, Chinese template); groups are the values carried over
NOTES: list[tuple[str, str]] = [
    (r"subject (?P<s>\S+): annual cap (?P<cap>\d+) is below the (?P<n>\d+) visits its tasks' windows need; "
     r"left unplaced: (?P<tasks>.+)",
     "检查对象 {s}：年度检查次数上限 {cap} 次，少于其任务时间窗口所需的 {n} 次；未能安排：{tasks}"),
    (r"subject (?P<s>\S+): annual cap (?P<cap>\d+) used by visits that capacity kept apart; left unplaced: (?P<tasks>.+)",
     "检查对象 {s}：全年 {cap} 次检查已被因检查能力不足而无法合并的上门用完；未能安排：{tasks}"),
    (r"department (?P<d>\S+): weekly capacity of (?P<cap>\d+) officer-visits short by (?P<need>\d+) officer-visits "
     r"for (?P<n>\d+) unplaced pair\(s\) \((?P<pairs>.*)\); full in (?P<weeks>.+)",
     "部门 {d}：每周检查能力 {cap} 人次，还缺 {need} 人次，{n} 个（对象×任务）未能安排（{pairs}）；已满的周：{weeks}"),
    (r"calendar capacity: department (?P<d>\S+) in weeks (?P<weeks>\S+) needs (?P<need>[\d.]+) expected officer-visits "
     r"and has (?P<has>[\d.]+) \(teams of distinct officers, availability and working days counted\) in the best "
     r"calendar found within the tasks' allowed ranges; least change: (?P<add>\d+) more officer-visits in those weeks, "
     r"or wider windows for the tasks there",
     "日历检查能力：部门 {d} 在 {weeks} 周需要预期 {need} 人次，只有 {has} 人次（已计入须由不同执法人员组队、人员可用时间和工作日），"
     "这是在各任务允许的时间范围内找到的最佳日历；最小调整：这些周再增加 {add} 人次检查能力，或放宽这些任务的时间窗口"),
    (r"(?P<n>\d+) pair\(s\) have a task window with no working day: (?P<pairs>.+)",
     "{n} 个（对象×任务）的任务时间窗口内没有工作日：{pairs}"),
    (r"(?P<n>\d+) drawn pair\(s\) left by the solvers within their time limit were placed afterwards .*",
     "{n} 个求解器在时间限制内未安排的（对象×任务）已在之后补排（并入已有上门、在上限内单独上门或重新安排该对象）"),
    (r"bundling not proven optimal within the deterministic time limit: (?P<n>\d+) visits, proven lower bound (?P<b>\d+)",
     "合并上门未在确定性时间限制内证明最优：{n} 次上门，已证明下界 {b}"),
    (r"calendar alignment stopped at its deterministic time limit \((?P<limit>[^)]*)\) or when its search stopped "
     r"improving: kept the best calendar found — expected visits (?P<e>[\d.]+), lower bound (?P<b>[\d.]+) "
     r"\([^)]*\), gap (?P<gap>[\d.]+%)",
     "日历对齐在确定性时间限制（{limit}）内或搜索不再改进时停止：保留找到的最佳日历——期望户次 {e}，"
     "下界 {b}（各对象组单独或成簇地各取最优分轮），差距 {gap}"),
    (r"visit bundling stopped at its deterministic time limit \((?P<limit>[^)]*)\): kept the best bundles found — "
     r"(?P<n>\d+) visits, proven bound (?P<b>\d+)",
     "合并上门在确定性时间限制（{limit}）内停止：保留找到的最佳合并方案——{n} 次上门，已证明下界 {b}"),
    (r"officer matching repair stopped at its deterministic time limit \((?P<limit>[^)]*)\) with status (?P<st>\S+): "
     r"kept the best teams found; see unstaffed needs",
     "执法人员匹配修复在确定性时间限制（{limit}）内停止（状态 {st}）：保留找到的最佳检查组；见未配足的需求"),
]

# the reason of an unmet officer need (optimizer.teams), followed by ": N visit(s) (ids)"
REASONS: list[tuple[str, str]] = [
    (r"department (?P<d>\S+) capacity in week (?P<w>\S+) exhausted \(needs (?P<need>\d+), has (?P<has>\d+)\)",
     "部门 {d} 第 {w} 周检查能力已用完（需要 {need}，现有 {has}）"),
    (r"holders of (?P<q>\S+) in department (?P<d>\S+): capacity in week (?P<w>\S+) exhausted "
     r"\(needs (?P<need>\d+), has (?P<has>\d+)\)",
     "部门 {d} 持有“{q}”资质的人员：第 {w} 周检查能力已用完（需要 {need}，现有 {has}）"),
    (r"department (?P<d>\S+): no eligible officer with capacity left in week (?P<w>\S+) "
     r"\(department needs (?P<need>\d+), has (?P<has>\d+)\)",
     "部门 {d}：第 {w} 周没有尚有余量且符合条件的执法人员（部门需要 {need}，现有 {has}）"),
    (r"team below (?P<n>\d+) per visit: capacity of departments (?P<ds>.+) in week (?P<w>\S+) exhausted",
     "检查组不足每次 {n} 人：部门 {ds} 第 {w} 周检查能力已用完"),
    # needs no capacity can meet: too few officers in the directory (optimizer.teams.candidates), with or without
    # the subject's own grid left out (所所交叉)
    (r"department (?P<d>\S+) has only (?P<has>\d+) officers outside grid (?P<g>\S+) \(needs (?P<need>\d+)\)",
     "部门 {d} 在检查对象所在网格 {g} 以外只有 {has} 名执法人员（需要 {need} 名，所所交叉）"),
    (r"department (?P<d>\S+) has only (?P<has>\d+) officers \(needs (?P<need>\d+)\)",
     "部门 {d} 只有 {has} 名执法人员（需要 {need} 名）"),
    (r"department (?P<d>\S+) has only 0 officers outside grid (?P<g>\S+) holding (?P<q>\S+)",
     "部门 {d} 在检查对象所在网格 {g} 以外没有持有“{q}”资质的执法人员（所所交叉）"),
    (r"department (?P<d>\S+) has only 0 officers holding (?P<q>\S+)",
     "部门 {d} 没有持有“{q}”资质的执法人员"),
    (r"departments (?P<ds>.+) have only (?P<has>\d+) officers outside grid (?P<g>\S+) in all "
     r"\(needs (?P<n>\d+) per visit\)",
     "部门 {ds} 在检查对象所在网格 {g} 以外合计只有 {has} 名执法人员（每次检查需要 {n} 名，所所交叉）"),
    (r"departments (?P<ds>.+) have only (?P<has>\d+) officers in all \(needs (?P<n>\d+) per visit\)",
     "部门 {ds} 合计只有 {has} 名执法人员（每次检查需要 {n} 名）"),
]
_VISITS = re.compile(r"(?P<reason>.+): (?P<n>\d+) visit\(s\) \((?P<ids>.*)\)")


# which values of a note are ids a planner knows by name: department(s), qualification, subject
Names = dict[str, dict[str, str]]  # "department" | "qualification" | "subject" → id → name
_KIND = {"d": "department", "ds": "department", "q": "qualification", "s": "subject"}


def _named(key: str, value: str, names: Names | None) -> str:
    kind = _KIND.get(key)
    if names is None or kind is None:
        return value
    table = names.get(kind, {})
    if key == "ds":
        return "、".join(table.get(v, v) for v in value.split(", "))
    return table.get(value, value)


def _match(table: list[tuple[str, str]], line: str, names: Names | None = None, lang: str = "zh") -> str | None:
    for pattern, template in table:
        found = re.fullmatch(pattern, line)
        if found is None:
            continue
        if lang == "en":  # the line as written, its ids replaced by names
            out, at = [], 0
            for key in found.groupdict():
                if key in _KIND and found.start(key) >= at:
                    out += [line[at:found.start(key)], _named(key, found[key], names)]
                    at = found.end(key)
            return "".join(out) + line[at:]
        values = {k: v.replace(" used)", " 已用)") if k == "weeks" else _named(k, v, names)
                  for k, v in found.groupdict().items()}
        return template.format(**values)
    return None


def translated(line: str, names: Names | None = None, lang: str = "zh") -> str | None:
    """The text of a solver note in ``lang`` with names for ids (``names``), or None when its form is not in the
    table (Chinese: the template with the note's values; English: the note as written)."""
    text = _match(NOTES, line, names, lang)
    if text is not None:
        return text
    visits = _VISITS.fullmatch(line)
    if visits:
        reason = _match(REASONS, visits["reason"], names, lang)
        if reason is not None:
            return (f"{reason}: {visits['n']} visit(s) ({visits['ids']})" if lang == "en"
                    else f"{reason}：{visits['n']} 次上门（{visits['ids']}）")
    return None


def note_text(line: str, lang: str = "zh", names: Names | None = None) -> str:
    """A solver note in ``lang`` with departments, qualifications and subjects by name (``names``): English as
    written; Chinese from the table (a note of an unknown form: as written, marked untranslated)."""
    text = translated(line, names, lang)
    if text is not None:
        return text
    return line if lang == "en" else f"（未翻译的求解器说明）{line}"


def plan_names(scenario, notes: list[str], lang: str = "zh") -> Names:  # noqa: ANN001 - scenarios.model.Scenario
    """The names a plan's notes need: its departments, the catalogue's qualifications, the subjects they name."""
    import polars as pl

    from ui.i18n import QUALIFICATIONS, qualification_label

    ids = set(re.findall(r"subject (\S+):", "\n".join(notes)))
    subjects = scenario.subjects.filter(pl.col("subject_id").is_in(sorted(ids))).select("subject_id", "name")
    return {"department": {d.id: d.name for d in scenario.spec.departments},
            "qualification": {q: qualification_label(q, lang) for q in QUALIFICATIONS},
            "subject": dict(subjects.iter_rows())}
