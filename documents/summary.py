"""The few lines ``jointcheck plan`` ends with: the plan's figures as a planner names them, each with what it means.

Labels explain themselves (单部门户次, 独立抽取后合并, 联合检查户次, 理论下界 …), and the lines that differ from
what ``validate`` printed say why: ``validate`` counts the sizes the tasks *declare*, ``plan`` the subjects
actually *drawn*; a draw is a (subject, task) pair, a 户次 is one subject visited once.
"""

from __future__ import annotations

from typing import Any

__all__ = ["plan_summary", "SUMMARY_LINES"]

# key → (zh label, zh meaning, en label, en meaning); shown in this order when the KPI is present
SUMMARY_LINES: dict[str, tuple[str, str, str, str]] = {
    "subjects_drawn": ("抽中（对象×任务）", "实际抽中的对象与任务配对数；validate 显示的是任务申报的规模",
                       "drawn (subject × task)", "pairs actually drawn; validate shows the sizes the tasks declare"),
    "subject_visits_single_department": ("单部门户次", "各部门各自上门：每个抽中配对的每个部门各计一次",
                                         "single-department 户次", "each department goes on its own: every drawn pair counts once per department"),
    "visits_independent_joint": ("独立抽取后合并", "现行做法：各任务独立抽取，同一对象时间窗口重叠的合并为一次上门",
                                 "independent draws, then merged", "today's practice: tasks draw on their own, a subject's overlapping visits are merged"),
    "visits": ("联合检查户次", "本计划：协调抽取、日历对齐、进一次门查多项事后的实际上门次数",
               "joint visits (户次)", "this plan: coordinated draw, aligned calendar, one visit for many items"),
    "visits_expected": ("期望户次", "对齐后日历下的期望上门次数（Σ 每轮最大入样概率）",
                        "expected visits", "expected visits of the aligned calendar (Σ per round of the largest π)"),
    "visits_lower_bound": ("理论下界", "每组相同对象（或任务被另一组包含的几组对象一起）各自选择最优分轮时的期望户次：任何日历都不会更少",
                           "lower bound", "expected visits if every group of identical subjects (or a few groups together, where one group's tasks hold "
                           "the others') chose its own best rounds: "
                           "no calendar does better"),
    "visits_expected_gap": ("与下界之差", "期望户次高出理论下界的比例", "gap to the bound",
                            "how far the expected visits are above the lower bound"),
    "visits_lower_bound_all_in_one_round": ("全部同轮下界", "全部任务同一轮时的期望户次（Σ 最大入样概率）",
                                            "all-in-one-round bound", "expected visits if every task were in one round (Σ max π)"),
    "subjects_visited": ("被检查对象（户）", "至少上门一次的不同对象数", "subjects visited", "distinct subjects visited at least once"),
    "sample_sizes_met": ("样本全部到位任务", "抽足应抽数量且每个抽中对象都已安排上门的任务", "tasks with their sample carried out",
                         "tasks that drew the number they must and visit every subject drawn"),
    "item_coverage": ("事项覆盖率", "清单中至少检查一次的事项比例", "item coverage", "share of listed items inspected at least once"),
    "joint_inspection_rate": ("联合抽查率", "两个及以上部门同去的户次比例", "joint-inspection rate",
                              "share of visits made by two or more departments"),
    "share_of_firms_inspected": ("抽查企业占比", "被检查对象占名录库的比例", "share of the directory inspected",
                                 "subjects visited over all subjects in the directory"),
    "unplaced_pairs": ("未安排（对象×任务）", "抽中但未能安排上门的配对；应为 0", "unplaced (subject × task)",
                       "drawn pairs no visit serves; should be 0"),
}

_PERCENT = {"item_coverage", "joint_inspection_rate", "share_of_firms_inspected", "visits_expected_gap"}


def _value(key: str, value: Any, kpis: dict[str, Any], lang: str) -> str:
    if value is None:
        return "—"
    if key in _PERCENT:
        return f"{float(value):.1%}" if key != "share_of_firms_inspected" else f"{float(value):.2%}"
    if key == "sample_sizes_met" and kpis.get("tasks") is not None:
        return f"{value} / {kpis['tasks']}"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}" if isinstance(value, float) else str(value)


def _reduction(kpis: dict[str, Any], lang: str) -> str:
    """How far below single-department work and today's practice the plan's visits are."""
    visits = kpis.get("visits")
    parts = []
    for base, zh, en in (("subject_visits_single_department", "较单部门", "vs single-department"),
                         ("visits_independent_joint", "较现行做法", "vs today's practice")):
        b = kpis.get(base)
        if isinstance(visits, int) and isinstance(b, (int, float)) and b:
            parts.append(f"{zh if lang == 'zh' else en} {visits / b - 1:+.1%}")
    if not parts:
        return ""
    return "（" + "，".join(parts) + "）" if lang == "zh" else " (" + ", ".join(parts) + ")"


def plan_summary(kpis: dict[str, Any], lang: str = "zh") -> list[tuple[str, str, str]]:
    """(label, value, what it means) for each figure a planner reads, in ``lang`` (zh or en)."""
    rows = []
    for key, (zh, zh_note, en, en_note) in SUMMARY_LINES.items():
        if key not in kpis:
            continue
        label, note = (en, en_note) if lang == "en" else (zh, zh_note)
        if key == "visits":
            note += _reduction(kpis, lang)
        rows.append((label, _value(key, kpis[key], kpis, lang), note))
    return rows
