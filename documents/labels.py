"""Every word a document prints, in Chinese (default) and English. Headers follow 普陀's table (seed 000)."""

from __future__ import annotations

__all__ = ["WORDS", "word", "LANGS"]

LANGS = ("zh", "en")

WORDS: dict[str, tuple[str, str]] = {
    # titles
    "plan-table": ("{year}年度“双随机、一公开”部门联合抽查计划表", "{year} joint 双随机、一公开 inspection plan"),
    "task-sheets": ("“双随机、一公开”联合检查任务单", "Joint inspection task sheets (检查任务单)"),
    "task-sheet": ("“双随机、一公开”联合检查任务单", "Joint inspection task sheet (检查任务单)"),
    "calendar": ("{year}年度联合检查日程表（按部门、按周）", "{year} inspection calendar by department and ISO week"),
    "visits": ("{year}年度联合检查户次明细", "{year} joint visits"),
    "results-template": ("检查结果填报表", "Inspection results template"),
    "subtitle": ("编制单位：{authority}　　区域：{district}", "Issued by {authority}, {district}"),
    "subtitle_basis": ("抽查依据：{basis}", "Legal basis: {basis}"),
    "issuer": ("编制单位（盖章）：{authority}　　编制日期：　　年　　月　　日　　公布日期：　　年　　月　　日",
               "Issued by (seal): {authority}    Drawn up on: ____-__-__    Published on: ____-__-__"),
    "issuer_sheet": ("派出单位（盖章）：{authority}　　日期：　　年　　月　　日",
                     "Issued by (seal): {authority}    Date: ____-__-__"),
    "page_of": ("第 {n} 页", "page {n}"),
    "area": ("区域", "District"),
    "city_counts": ("{districts} 个区，全市统一联合抽查任务 {tasks} 项；各区计划见各区文书", "{districts} districts, {tasks} city-wide joint tasks; each district's plan in its own papers"),
    "continued": ("（续页 {k}/{n}）", " (continued, page {k} of {n})"),
    "subtitle_counts": ("抽查任务 {tasks} 项，联合检查 {visits} 户次，出动执法人员 {officers} 人次",
                        "{tasks} tasks, {visits} joint visits, {officers} officer-visits"),
    "results_note": ("每行一户次：请填写结果形成日期（YYYY-MM-DD）、发现问题（个）、已整改问题（个），公示后填写公示日期；"
                     "保存后用 jointcheck results 导入。",
                     "One row per visit: fill in the result date (YYYY-MM-DD), problems found and rectified, and the "
                     "publication date once published; then import with jointcheck results."),
    "total": ("合计", "Total"),
    # plan table (seed 000 columns)
    "no": ("序号", "No."),
    "plan_name": ("抽查方案", "Inspection plan"),
    "period": ("抽查时间", "Period"),
    "lead": ("牵头部门", "Lead department"),
    "partners": ("参与部门", "Partner departments"),
    "main_items": ("主要检查事项", "Main items"),
    "scope": ("对象范围", "Subjects in scope"),
    "targeted": ("定向/不定向", "Targeted or not"),
    "targeted_yes": ("定向", "targeted"),
    "untargeted": ("不定向", "untargeted"),
    "ratio": ("抽查比例", "Sampling ratio"),
    "basis_column": ("抽查依据", "Legal basis"),
    "class_word": ("类", "-class"),
    "fixed_count": ("{n} 户", "{n} subjects"),
    "count_note": ("注：合计行按任务逐项相加（{rows} 户、{officer_rows} 人次）：一次上门同时完成几项任务的，在每项任务下各计一次；"
                   "实际上门 {visits} 户次（{subjects} 户），出动执法人员 {officers} 人次。",
                   "Note: the total adds the tasks up ({rows} subjects, {officer_rows} officer-visits): a visit serving "
                   "several tasks counts under each; the plan makes {visits} visits ({subjects} subjects) with "
                   "{officers} officer-visits."),
    "subjects": ("抽查市场主体(户)", "Subjects inspected"),
    "officer_visits": ("出动执法人员(人次)", "Officer-visits"),
    "subjects_with_problems": ("发现问题市场主体(户)", "Subjects with problems"),
    "problems_found": ("发现问题(个)", "Problems found"),
    "problems_rectified": ("已整改问题(个)", "Problems rectified"),
    "start": ("开始日期", "Start"),
    "end": ("结束日期", "End"),
    "task_id": ("任务编号", "Task id"),
    # visits, calendar, sheets
    "visit_id": ("检查编号", "Visit id"),
    "date": ("检查日期", "Date"),
    "week": ("周次", "ISO week"),
    "week_span": ("周起止", "Week"),
    "subject_id": ("检查对象编号", "Subject id"),
    "subject_name": ("检查对象名称", "Subject"),
    "grid": ("网格", "Grid"),
    "tasks": ("抽查任务", "Tasks"),
    "departments": ("检查部门", "Departments"),
    "department": ("部门", "Department"),
    "items": ("抽查事项", "Items"),
    "officers": ("执法检查人员", "Officers"),
    "own_officers": ("本部门执法人员", "Officers of the department"),
    "with_departments": ("联合部门", "Together with"),
    "inspection_code": ("检查码", "Inspection code"),
    "item": ("检查事项", "Item"),
    "item_kind": ("类别", "Kind"),
    "kind_key": ("重点", "key (重点)"),
    "kind_general": ("一般", "general (一般)"),
    "basis": ("检查依据", "Legal basis"),
    "officer_id": ("执法证号/编号", "Officer id"),
    "officer_name": ("姓名", "Name"),
    "signature": ("签名及日期", "Signature, date"),
    "code_help": ("被检查单位可凭检查码向区联席会议办公室核验本次检查的真实性（jointcheck code check）。",
                  "The inspected firm can confirm this inspection is genuine with the code (jointcheck code check)."),
    "found_box": ("发现问题（个）：＿＿＿＿　问题描述：", "Problems found: ____  Description:"),
    "fixed_box": ("已整改（个）：＿＿＿＿　整改情况：", "Rectified: ____  How:"),
    "sign_officers": ("检查人员签名：＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿　　日期：　　年　　月　　日",
                      "Inspectors' signatures: ______________________________    Date: ____-__-__"),
    "sign_subject": ("被检查单位负责人签字（盖章）：＿＿＿＿＿＿＿＿＿＿＿　　日期：　　年　　月　　日",
                     "For the inspected firm (signature, stamp): ____________________    Date: ____-__-__"),
    "address": ("地址", "Address"),
    "contact_person": ("负责人", "Person in charge"),
    "contact_phone": ("联系电话", "Telephone"),
    "sheet_of": ("任务单 第 {n} 份，共 {total} 份", "task sheet {n} of {total}"),
    # results template
    "visit_date": ("检查日期", "Visit date"),
    "result_date": ("结果形成日期", "Result date"),
    "published_date": ("结果公示日期", "Published on"),
    "note": ("备注", "Note"),
    # changes of an adjusted plan (动态调整, documents.changes)
    "changes": ("{year}年度联合抽查计划调整情况", "{year} joint inspection plan: adjustment"),
    "changes_line": ("第 {version} 版，自 {as_of} 起调整；此前已实施的 {done} 户次不变",
                     "version {version}, adjusted as of {as_of}; the {done} visit(s) made before it are unchanged"),
    "changes_counts": ("新增上门 {added} 户次，取消上门 {removed} 户次，改期 {moved} 户次，检查任务变更 {tasks_changed} 户次，"
                       "检查人员变更 {team_changed} 户次",
                       "{added} visit(s) added, {removed} removed, {moved} moved, {tasks_changed} with tasks changed, "
                       "{team_changed} with the team changed"),
    "change_kind": ("变更类型", "Change"),
    "detail": ("说明", "Detail"),
    "change_added": ("新增上门", "visit added"),
    "change_removed": ("取消上门", "visit removed"),
    "change_moved": ("改期", "visit moved"),
    "change_tasks_changed": ("检查任务变更", "tasks changed"),
    "change_team_changed": ("检查人员变更", "team changed"),
    "task_added": ("新增抽查任务", "task added"),
    "task_cancelled": ("取消抽查任务", "task cancelled"),
    "task_moved": ("调整抽查时间", "task window moved"),
    "forced_cap": ("抽取名单变动（年度上限）", "sample moved (annual cap)"),
    "forced_directory": ("抽取名单变动（名录或概率变化）", "sample moved (directory or probabilities changed)"),
    "forced_detail": ("移出：{out}；补入：{came}", "out: {out}; in: {came}"),
    "cancelled_mark": ("（已取消）", " (cancelled)"),
    "date_before": ("原检查日期", "Date before"),
    "date_after": ("调整后检查日期", "Date after"),
    "tasks_before": ("原抽查任务", "Tasks before"),
    "tasks_after": ("调整后抽查任务", "Tasks after"),
    "officers_before": ("原执法检查人员", "Officers before"),
    "officers_after": ("调整后执法检查人员", "Officers after"),
    "new_visit_id": ("新检查编号", "New visit id"),
}


PAPERS: dict[str, tuple[str, str]] = {
    "plan-table": ("抽查计划表", "plan table"), "task-sheets": ("检查任务单", "task sheets"),
    "calendar": ("日程表", "calendar"), "visits": ("户次明细", "visits"),
    "results-template": ("检查结果填报表", "results template"), "changes": ("计划调整情况", "changes"),
}


def paper_name(what: str, lang: str = "zh") -> str:
    """A paper's name as a planner says it (progress lines)."""
    prefix, _, what = what.rpartition("·")  # "长宁区·plan-table": a district's paper of a city plan
    zh, en = PAPERS.get(what, (what, what))
    return (f"{prefix} " if prefix else "") + (en if lang == "en" else zh)


def word(key: str, lang: str = "zh", **values: object) -> str:
    zh, en = WORDS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text
