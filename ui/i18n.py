"""Labels of the planner app in Chinese (default) and English.

``t(key)`` returns the label in the language chosen in the sidebar (``st.session_state["lang"]``);
``header(column)`` gives the Chinese header of a plan column, used for Excel exports and Chinese tables.
Domain terms keep their Chinese name in English labels too (户次, 联合抽查 …): that is how planners say them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LANGS", "t", "kpi_label", "header", "headers", "current_lang", "LABELS", "COLUMNS_ZH", "KPI_LABELS",
           "QUALIFICATIONS", "qualification_label"]

LANGS = {"zh": "中文", "en": "English"}

LABELS: dict[str, tuple[str, str]] = {
    "app_title": ("双随机、一公开 联合抽查计划", "Joint inspection planner (双随机、一公开)"),
    "language": ("语言 Language", "Language 语言"),
    "page": ("页面", "Page"),
    "page_scenario": ("① 场景", "① Scenario"),
    "page_whatif": ("② 假设分析与运行", "② What-if & run"),
    "page_dashboard": ("③ 指标与图表", "③ KPIs & pictures"),
    "page_tables": ("④ 检查明细", "④ Visits & teams"),
    "page_compare": ("⑤ 方案对比", "⑤ Compare runs"),
    "page_export": ("⑥ 导出与公开", "⑥ Export & publish"),
    "current_scenario": ("当前场景", "Current scenario"),
    "current_run": ("当前方案", "Current run"),
    "no_run": ("尚无方案：请在“② 假设分析与运行”中运行计划。", "No plan yet: run one on “② What-if & run”."),
    "no_scenario": ("尚未加载场景。", "No scenario loaded."),
    # scenario page
    "source": ("场景来源", "Source"),
    "bundled": ("内置场景", "Bundled scenario"),
    "upload": ("上传文件", "Upload files"),
    "pick_bundled": ("选择内置场景", "Pick a bundled scenario"),
    "upload_help": ("上传本单位的工作簿（jointcheck template 的格式：部门、抽查事项清单、年度抽查计划、执法人员名录、检查对象名录，"
                    "名录也可另附 CSV，UTF-8 或 GB18030），或 scenario.yaml + subjects.csv + officers.csv",
                    "Upload the office's workbook (as jointcheck template writes it: 部门, 抽查事项清单, 年度抽查计划, 执法人员名录, "
                    "检查对象名录; directories may come as CSV, UTF-8 or GB18030), or scenario.yaml + subjects.csv + officers.csv"),
    "validate_load": ("校验并加载", "Validate and load"),
    "problems": ("校验问题", "Validation problems"),
    "scenario_invalid": ("场景有错误，未加载。请按下表逐项修改。", "The scenario has errors and was not loaded. Fix each row below."),
    "scenario_ok": ("场景已加载", "Scenario loaded"),
    "warnings": ("警告", "Warnings"),
    "file": ("文件", "File"),
    "row": ("行", "Row"),
    "field": ("字段", "Field"),
    "message": ("问题", "Message"),
    "severity": ("级别", "Severity"),
    "departments": ("部门", "Departments"),
    "tasks": ("抽查任务", "Tasks (抽查任务)"),
    "items": ("抽查事项", "Items (抽查事项)"),
    "subjects": ("检查对象", "Subjects (检查对象)"),
    "officers": ("执法检查人员", "Officers (执法检查人员)"),
    "risk_mix": ("信用风险分类分布", "Credit-risk classes (信用风险分类)"),
    # what-if page
    "policy": ("政策", "Policy"),
    "policy_params": ("政策参数（改革试算，不修改政策文件）", "Policy parameters (a reform; the law file is not edited)"),
    "class_multiplier": ("风险分类抽查比例系数", "Ratio multiplier by risk class"),
    "other_params": ("其他参数", "Other parameters"),
    "mode": ("协调方式", "Coordination mode"),
    "mode_coordinated": ("协调抽取（推荐）", "coordinated (recommended)"),
    "mode_positive": ("仅正协调", "positive only"),
    "mode_independent": ("独立抽取（现行做法）", "independent (today's practice)"),
    "public_value": ("公开随机数", "Public random value"),
    "capacities": ("部门每周检查能力（人次）", "Department weekly capacity (officer-visits)"),
    "windows": ("任务时间窗口", "Task windows"),
    "run_plan": ("运行计划", "Run plan"),
    "running": ("正在计算", "Planning"),
    "stage_queued": ("排队中", "queued"),
    "stage_rules": ("规则计算", "rules"),
    "stage_align + draw": ("日历对齐与抽取", "calendar alignment + draw"),
    "stage_bundle": ("合并上门", "bundling visits"),
    "stage_teams": ("随机匹配人员", "matching officers"),
    "stage_done": ("完成", "done"),
    "stage_align+draw": ("日历对齐与抽取", "calendar alignment + draw"),
    "stage_kpis": ("指标计算", "indicators"),
    "stage_total": ("合计", "total"),
    "run_done": ("方案 {label} 已完成，用时 {seconds:.1f} 秒", "Run {label} finished in {seconds:.1f} s"),
    "run_failed": ("计算失败", "Planning failed"),
    "whatif_invalid": ("假设条件无效", "Invalid what-if"),
    "busy": ("已有计算在进行，请稍候。", "A plan is already running; please wait."),
    "runs": ("已运行方案", "Runs"),
    "changed": ("改动", "Changes"),
    "was": ("原为 {value}", "was {value}"),
    "run_name": ("方案名称", "Run"),
    "edited_cells": ("已修改（换页后保留，直至恢复）：", "Changed (kept across pages until reset): "),
    "reset_to_law": ("恢复为政策规定值", "Reset to the law"),
    "reset_to_law_help": ("政策参数恢复为所选政策的规定值，能力与时间窗口恢复为场景中的数值。",
                          "Parameters back to the chosen policy's values; capacities and windows back to the scenario's."),
    # dashboard
    "headline": ("核心指标", "Headline"),
    "kpi_single": ("单部门检查户次", "Single-department 户次"),
    "kpi_today": ("现行联合（独立抽取）", "Today's practice"),  # short: a metric label is cut at its column's width
    "kpi_visits": ("联合检查户次", "Joint visits (户次)"),
    "kpi_bound": ("期望户次下界", "Expected-visits floor"),
    "kpi_expected": ("期望户次", "Expected visits"),
    "help_single": ("每个任务的每个部门各自抽取、各自上门的户次之和（长宁口径：2518）。",
                    "Each department of each task drawing and visiting on its own, summed (长宁's 2518)."),
    "help_today": ("现行做法：各任务独立随机抽取，同一对象时间窗重叠时合并上门。",
                   "Today's practice: each task drawn independently, merged where one subject's windows overlap."),
    "help_visits": ("本方案实际上门户次：协调抽取 + 日历对齐 + 合并上门，箭头为较单部门的变化。",
                    "Visits of this plan: coordinated draw + aligned calendar + bundling; the arrow is the change vs single-department."),
    "help_bound": ("每组相同对象（或任务被另一组包含的几组对象一起）各自选择最优分轮时的期望户次：任何日历都不可能更低（下方：期望户次与它之差，以及全部任务同在一轮时的下界 Σ 每个对象的最大抽中概率）。它是期望值，单次抽取的户次可能略低。",
                   "Expected visits if every group of identical subjects (or a few groups together, where one group's tasks hold the others') chose its own best rounds: no calendar can expect fewer (below: the gap of the expected visits to it, and the all-in-one-round bound Σ over subjects of their largest probability). It is an expectation; one draw may fall slightly below it."),
    "help_expected": ("按对齐后的日历，各轮 Σ 最大抽中概率之和：本方案户次的期望值。",
                      "Σ over rounds of each subject's largest probability in the round, for the aligned calendar: what this plan's visits are expected to be."),
    "solver_notes": ("求解器说明", "Solver notes"),
    "unplaced_pairs_title": ("{n} 个已抽中的（对象×任务）未能安排上门：抽样未能执行到位。原因与解决办法如下。",
                             "{n} drawn (subject × task) pair(s) have no visit: the sample is not carried out. Causes and fixes below."),
    "unplaced_subject": ("检查对象", "Subject"),
    "unplaced_task": ("抽查任务", "Task"),
    "unplaced_reason": ("原因与解决办法", "Cause and fix"),
    "kpi_reduction": ("较单部门", "vs single-dept."),
    "kpi_item_coverage": ("事项覆盖率", "Item coverage"),
    "kpi_joint_rate": ("联合抽查率", "Joint-inspection rate"),
    "kpi_firm_share": ("抽查企业占比", "Share of firms inspected"),
    "kpi_capped": ("封顶对象", "Capped subjects"),
    "kpi_replaced": ("替补抽取", "Replacements"),
    "kpi_unplaced": ("未安排", "Unplaced pairs"),
    "kpi_drawn": ("抽中(对象×任务)", "Drawn (subject×task)"),
    "kpi_subjects_visited": ("被检查对象", "Subjects visited"),
    "kpi_sample_met": ("样本全部检查到位的任务", "Tasks whose whole sample was visited"),
    "visits_compare": ("户次对比", "Visits compared"),
    "heatmap": ("部门每周检查负荷（相对能力）", "Weekly load per department against capacity"),
    "network": ("部门联合网络", "Department pairing network"),
    "gantt": ("任务时间窗口：对齐前后", "Task windows before / after alignment"),
    "distribution": ("各风险分类对象的检查次数分布", "Visits per subject by risk class"),
    "as_planned": ("原计划", "as planned"),
    "aligned": ("对齐后", "aligned"),
    "week": ("周", "Week"),
    "utilisation": ("负荷率", "Utilisation"),
    "visits": ("户次", "Visits"),
    "officer_visits": ("人次", "Officer-visits"),
    "capacity": ("能力", "Capacity"),
    "n_visits": ("检查次数", "Visits per subject"),
    "risk_class": ("信用风险分类", "Risk class"),
    "stage_seconds": ("各阶段用时（秒）", "Seconds per stage"),
    "legal_warnings": ("法规提示", "Legal warnings"),
    # tables
    "filter_department": ("按部门筛选", "Filter by department"),
    "filter_week": ("按周筛选", "Filter by week"),
    "filter_grid": ("按网格筛选", "Filter by grid"),
    "visits_table": ("检查明细（含检查组）", "Visits with teams"),
    "rows_shown": ("显示 {n} / {total} 条", "{n} of {total} rows"),
    "click_subject": ("点击表格中一行，或在此选择检查对象，查看规则追溯", "Click a row, or pick a subject here, for its rule trace"),
    "explain": ("规则追溯", "Rule trace"),
    "draw_rows": ("该对象的抽取记录", "This subject's draw rows"),
    # compare
    "run_a": ("方案 A", "Run A"),
    "run_b": ("方案 B", "Run B"),
    "need_two_runs": ("至少运行两次方案后可对比。", "Run at least two plans to compare."),
    "cancel": ("取消", "Cancel"),
    "choose": ("请选择", "Choose"),
    "task": ("任务", "Task"),
    "round_legend": ("轮次", "Round"),
    "capacity_of": ("每周容量", "weekly capacity of"),
    "window_of": ("时间窗", "window of"),
    "col_task_id": ("任务", "Task"),
    "col_task_name": ("任务名称", "Task name"),
    "col_start": ("开始", "Start"),
    "col_end": ("结束", "End"),
    "col_flex_earliest": ("最早可移至", "Earliest (flex)"),
    "col_flex_latest": ("最晚可移至", "Latest (flex)"),
    "stage": ("阶段", "Stage"),
    "seconds": ("秒", "Seconds"),
    "empty_no_cap": ("（留空 = 不设上限）", " (empty = no cap)"),
    "cancelling": ("正在取消…", "cancelling…"),
    "run_cancelled": ("已取消：{label}", "Cancelled: {label}"),
    "manage_runs": ("管理已保存的运行", "Manage saved runs"),
    "runs_folder": ("运行保存在", "Runs are saved in"),
    "rename": ("重命名", "Rename"),
    "new_name": ("新名称", "New name"),
    "delete_run": ("删除此运行", "Delete this run"),
    "scoring": ("一企一档信用风险评分", "一企一档 credit-risk scoring"),
    "scorecard": ("评分卡", "Scorecard"),
    "score_now": ("按评分卡分类", "Class by the card"),
    "score_failed": ("无法评分", "Cannot score"),
    "scored_by": ("风险分类来自评分卡", "Risk classes from the scorecard"),
    "given_vs_scored": ("原分类＼评分卡分类（户）", "given \\ scored class (subjects)"),
    "risk_classes": ("信用风险分类", "Credit-risk classes"),
    "classes_scored": ("评分卡分类", "scored by the card"),
    "classes_given": ("原分类", "as given"),
    "compare_other_scenario": ("A（{a}）与 B（{b}）来自不同场景，数字不可比。请选择同一场景的两次运行。",
                               "A ({a}) and B ({b}) come from different scenarios; their figures are not comparable. "
                               "Choose two runs of the same scenario."),
    "upload_failed_kept": ("上传的场景有错误，未加载；仍在使用的场景：{name}", "The uploaded scenario has errors and was not loaded; still using: {name}"),
    "delta": ("差值 B−A", "Δ B−A"),
    "indicator": ("指标", "Indicator"),
    "settings": ("设置", "Settings"),
    # export
    "excel": ("下载 Excel（每表一页，中文表头）", "Download Excel (one sheet per table, Chinese headers)"),
    "csv": ("下载 CSV（zip）", "Download CSV (zip)"),
    "plan_dir": ("下载计划目录（parquet + manifest，zip）", "Download plan directory (parquet + manifest, zip)"),
    "unrecorded_run": ("本页文件来自应用内的试算，未登记入计划台账（全程留痕），不能据以公示或发放。正式计划请用命令 "
                       "jointcheck plan 生成并登记（同一场景、同一公开随机数），再用 jointcheck publish 公示、"
                       "jointcheck export 打印文件。",
                       "These files come from a what-if run in the app, not recorded in the plan ledger (全程留痕): do "
                       "not publish or hand them out. Make the district's plan with jointcheck plan (same scenario, same "
                       "public seed value), which records it, then jointcheck publish and jointcheck export."),
    "announcement": ("公开公告（一公开）", "Public announcement (一公开)"),
    "announcement_md": ("下载公告 Markdown", "Download announcement (Markdown)"),
    "announcement_html": ("下载公告 HTML", "Download announcement (HTML)"),
    "announcement_note": ("公告只含任务、时间窗口和部门，不含执法人员姓名和检查对象名单。",
                          "The announcement lists tasks, windows and departments; no officer names, no subject list."),
    "documents": ("打印文件：计划表、任务单、日程表", "Documents to print: plan table, task sheets, calendar"),
    "documents_note": ("与命令 jointcheck export 相同：计划表为官方格式；任务单每户次一页，含检查码及二维码；日程表按部门、按周。",
                       "The same files as jointcheck export: the plan table in the official form; one task sheet per "
                       "visit with its 检查码 and QR code; the calendar by department and ISO week."),
    "document": ("文件", "Document"),
    "format": ("格式", "Format"),
    "make_document": ("生成文件", "Make the file"),
    "making_document": ("正在生成", "Making the file"),
    "download": ("下载", "Download"),
    "doc_plan-table": ("联合抽查计划表（官方格式）", "Joint plan table (official form)"),
    "doc_task-sheets": ("检查任务单（每户次一页）", "Task sheets (one per visit)"),
    "doc_calendar": ("日程表（按部门、按周）", "Calendar (department × ISO week)"),
    "doc_visits": ("户次明细", "Visits"),
    "doc_results-template": ("检查结果填报表", "Results template"),
}

COLUMNS_ZH: dict[str, str] = {
    "visit_id": "检查编号", "subject_id": "检查对象编号", "subject_name": "检查对象名称", "date": "检查日期",
    "week": "周次", "round": "轮次", "task_ids": "抽查任务", "departments": "检查部门", "items": "抽查事项",
    "inspection_code": "检查码", "team": "检查组", "officer_id": "执法人员编号", "officer_name": "执法人员姓名",
    "department": "部门", "department_name": "部门名称", "risk_class": "信用风险分类", "grid": "网格",
    "task_id": "任务编号", "task_name": "任务名称", "lead": "牵头部门", "partners": "参与部门",
    "object_type": "检查对象类型", "start": "开始日期", "end": "结束日期", "planned_start": "原计划开始",
    "planned_end": "原计划结束", "sampling": "抽查比例/数量", "stratum": "抽样层", "inclusion_prob": "入样概率",
    "selected": "是否抽中", "replaced_by": "替补对象", "reason": "原因", "indicator": "指标", "value": "数值",
    "key": "指标代码", "officers": "人员数", "weekly_capacity": "每周能力", "name": "名称",
    "rules": "适用规则", "prn": "永久随机数", "mandatory": "必抽",
}

# officers' qualifications (the item catalogue's, scenarios/generate/catalogue.yaml); a scenario's own are shown as written
QUALIFICATIONS: dict[str, tuple[str, str]] = {
    "food_safety": ("食品安全检查", "food safety"),
    "special_equipment": ("特种设备检验", "special equipment"),
    "drug_device": ("药品医疗器械检查", "drugs and medical devices"),
    "metrology": ("计量检定", "metrology"),
    "public_health": ("公共卫生监督", "public health"),
    "radiation": ("放射卫生监督", "radiation"),
    "fire_inspection": ("消防监督检查", "fire inspection"),
    "hazardous_chemicals": ("危险化学品检查", "hazardous chemicals"),
    "environmental_monitoring": ("环境监测执法", "environmental monitoring"),
    "construction_safety": ("建设工程安全监督", "construction safety"),
}


def qualification_label(qualification: str, lang: str = "zh") -> str:
    """A qualification's name in ``lang`` (its id when it is not one of the catalogue's)."""
    pair = QUALIFICATIONS.get(qualification)
    return qualification if pair is None else pair[0 if lang == "zh" else 1]


KPI_LABELS: dict[str, tuple[str, str]] = {
    "visits": ("联合检查户次", "Joint visits"),
    "subject_visits_single_department": ("单部门检查户次", "Single-department subject-visits"),
    "visits_independent_joint": ("现行联合户次（独立抽取）", "Today's practice (independent draws)"),
    "visits_expected": ("期望户次", "Expected visits"),
    "visits_lower_bound": ("理论下界（各对象组各自最优分轮）", "Lower bound (each subject profile at its best rounds)"),
    "visits_expected_gap": ("期望户次与下界之差（比例）", "Gap of expected visits to the bound"),
    "visits_lower_bound_all_in_one_round": ("理论下界（全部同轮）", "Lower bound (all in one round)"),
    "visits_calendar_as_given": ("按原日历期望户次", "Expected visits, calendar as given"),
    "subjects_drawn": ("抽中（对象×任务）", "Drawn (subject × task)"),
    "subjects_visited": ("被检查对象数", "Subjects visited"),
    "sample_sizes_met": ("样本量达标任务数", "Tasks with sample size met"),
    "tasks": ("任务数", "Tasks"),
    "item_coverage": ("事项覆盖率", "Item coverage"),
    "joint_inspection_rate": ("联合抽查率", "Joint-inspection rate"),
    "share_of_firms_inspected": ("抽查企业占比", "Share of firms inspected"),
    "capped_subjects": ("封顶对象数", "Capped subjects"),
    "replacements": ("替补抽取数", "Replacements"),
    "unplaced_pairs": ("未安排（对象×任务）", "Unplaced (subject × task)"),
    "calendar_department_weeks_over_capacity": ("日历预期超出能力的部门周数", "Department-weeks the calendar expects over capacity"),
    "calendar_visits_paid_for_capacity": ("日历为不超出能力多付的预期检查户次", "Expected visits the calendar paid to stay within capacity"),
    "calendar_expected_shortfall": ("日历下任何周次安排都无法承担的预期人次（检查人员）",
                                    "Expected officer-visits no assignment to weeks can serve under the calendar"),
}


def current_lang() -> str:
    """The language chosen in the sidebar; Chinese unless the planner switched."""
    try:
        import streamlit as st

        return st.session_state.get("lang", "zh")
    except Exception:  # outside a Streamlit run
        return "zh"


def t(key: str, lang: str | None = None, **values: Any) -> str:
    """The label ``key`` in ``lang`` (default: the current language), formatted with ``values``."""
    zh, en = LABELS.get(key, (key, key))
    text = en if (lang or current_lang()) == "en" else zh
    return text.format(**values) if values else text


def error_text(exc: BaseException | str, lang: str | None = None) -> str:
    """A refusal's reason in ``lang`` (default: the page's): errors that carry both languages (a what-if's, the rules'
    PlanBlocked) through their ``text(lang)``, one whose message is a :class:`scenarios.messages.Message`
    (adjustment, rotation, ledger, generator) — or such a message itself — through the message; anything else as
    its English text. The command line uses it with its own language (``ui.cli.common.err_text``)."""
    from scenarios.messages import Message

    lang = lang or current_lang()
    text = getattr(exc, "text", None)
    if isinstance(exc, BaseException) and callable(text):
        return text(lang)
    arg = exc.args[0] if isinstance(exc, BaseException) and len(exc.args) == 1 else exc
    return arg.text(lang) if isinstance(arg, Message) else str(exc)


def kpi_label(key: str, lang: str | None = None) -> str:
    zh, en = KPI_LABELS.get(key, (key, key))
    return en if (lang or current_lang()) == "en" else zh



def header(column: str, lang: str = "zh") -> str:
    """Header of a plan column: Chinese by default, the column id itself in English."""
    return COLUMNS_ZH.get(column, column) if lang == "zh" else column.replace("_", " ")


def headers(columns: list[str], lang: str = "zh") -> dict[str, str]:
    return {c: header(c, lang) for c in columns}
