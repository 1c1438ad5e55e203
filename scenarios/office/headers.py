"""The office's workbook: its sheets by their Chinese names and each column's header, with the variants found in
real templates (the national and Shanghai platforms' exports, districts' own plan tables).

A column is a :class:`Column`: the field of the project's scenario format it fills, the header the template
writes, and the other headers accepted for it. Headers are compared after :func:`header_key` (NFKC, no spaces,
no required-field marks such as ``*`` or ``（必填）``, case folded), so ``企业名称 *`` and ``企业名称`` are one header.
A ``--mapping`` file adds headers of the office's own (:func:`read_mapping`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from scenarios.errors import Problem

__all__ = ["Column", "SheetSpec", "SHEETS", "SHEET_BY_ROLE", "header_key", "read_mapping", "Mapping", "SUBJECT_EXTRAS"]


@dataclass(frozen=True)
class Column:
    """One column of a sheet: ``field`` in the scenario, ``header`` as the template writes it, ``variants`` accepted."""

    field: str
    header: str
    variants: tuple[str, ...] = ()
    required: bool = True
    help: str = ""

    def names(self) -> tuple[str, ...]:
        return (self.header, *self.variants, self.field)


@dataclass(frozen=True)
class SheetSpec:
    """A sheet of the workbook: its role (the scenario part it fills), its Chinese name and its columns."""

    role: str
    name: str
    variants: tuple[str, ...]
    columns: tuple[Column, ...]
    required: bool = True
    option: str = ""  # the import command's option that replaces it with a separate file
    help: str = ""

    def column(self, field_name: str) -> Column:
        return next(c for c in self.columns if c.field == field_name)


def _c(field_name: str, header: str, *variants: str, required: bool = True, help: str = "") -> Column:
    return Column(field_name, header, variants, required, help)


_DEPARTMENTS = SheetSpec("departments", "部门", ("部门清单", "联席会议成员单位", "成员单位", "departments"), (
    _c("id", "部门编号", "编号", "部门代码", "单位编号", "部门id", required=False,
       help="简短稳定的编号，如 SAMR；不填则以部门名称为编号"),
    _c("name", "部门名称", "名称", "单位名称", "成员单位", "部门", help="如 区市场监管局"),
), help="联席会议成员单位：其他工作表可用部门编号或部门名称指代部门。")

_TYPES = SheetSpec("object_types", "检查对象类型", ("对象类型", "检查对象类别", "object_types"), (
    _c("id", "类型编号", "编号", "类型代码", "对象类型编号", required=False, help="如 restaurant；不填则以类型名称为编号"),
    _c("name", "类型名称", "名称", "检查对象类型", "对象类型", help="如 餐饮服务单位"),
), required=False, help="可选：没有此表时，检查对象类型取自检查对象名录。")

_ITEMS = SheetSpec("items", "抽查事项清单", ("抽查事项", "事项清单", "随机抽查事项清单", "items"), (
    _c("id", "事项编号", "编号", "抽查事项编号", "事项代码", "事项序号", help="如 SAMR01"),
    _c("name", "事项名称", "抽查事项名称", "抽查事项", "检查事项", "检查事项名称"),
    _c("department", "部门", "所属部门", "实施部门", "检查部门", "部门名称", "抽查部门", help="部门编号或部门名称"),
    _c("kind", "事项类别", "类别", "事项类型", "重点/一般", "事项性质", help="重点 或 一般"),
    _c("qualification", "所需资格", "执法资格", "资格要求", "所需执法资格", "检查人员资格", required=False,
       help="检查组须有人员持有的资格，如 食品安全；可空"),
    _c("basis", "检查依据", "抽查依据", "依据", "法律依据", required=False),
    _c("object_type", "检查对象类型", "对象类型", "检查对象", required=False),
), option="--items")

_TASKS = SheetSpec("tasks", "年度抽查计划", ("抽查计划", "年度计划", "联合抽查计划", "部门联合抽查计划", "抽查任务", "tasks"), (
    _c("id", "任务编号", "编号", "序号", "任务序号", "计划编号"),
    _c("name", "抽查任务名称", "任务名称", "抽查任务", "联合抽查任务名称", "联合抽查任务", "抽查计划名称"),
    _c("lead", "牵头部门", "发起部门", "牵头单位", help="部门编号或部门名称"),
    _c("partners", "配合部门", "参与部门", "配合单位", "参与单位", "联合部门", "联合单位", required=False,
       help="可填多个，以 、 ， , ; 或换行分隔"),
    _c("items", "抽查事项", "检查事项", "抽查事项编号", "事项", "抽查内容", help="事项编号或名称，可填多个"),
    _c("object_type", "检查对象类型", "抽查对象", "检查对象", "对象类型", "抽查对象类型"),
    _c("start", "开始日期", "开始时间", "计划开始日期", "起始日期", "开始"),
    _c("end", "结束日期", "结束时间", "计划结束日期", "截止日期", "完成时限", "结束"),
    _c("ratio", "抽查比例", "比例", "抽取比例", "抽查比率", required=False, help="百分比（5%）或小数（0.05）；与抽查户数二选一"),
    _c("count", "抽查户数", "抽查数量", "抽取户数", "抽查家数", "计划抽查户数", "抽查数", required=False),
    _c("earliest", "最早开始", "最早开始日期", "可调整最早日期", required=False, help="可选：可调整范围"),
    _c("latest", "最晚结束", "最晚结束日期", "可调整最晚日期", required=False),
    *(_c(f"ratio_{k}", f"{k}类抽查比例", f"{k}类比例", f"{k}类风险抽查比例", required=False) for k in "ABCD"),
), option="--tasks")

_OFFICERS = SheetSpec("officers", "执法人员名录", ("执法检查人员名录", "执法检查人员名录库", "执法人员", "检查人员名录", "officers"), (
    _c("officer_id", "执法证号", "执法证件号", "执法证编号", "执法证件号码", "人员编号", "工号"),
    _c("name", "姓名", "执法人员姓名", "人员姓名", "检查人员姓名"),
    _c("department", "所属部门", "部门", "单位", "所属单位", "部门名称", help="部门编号或部门名称"),
    _c("qualifications", "执法资格", "资格", "执法领域", "资质", "执法门类", required=False, help="可填多个"),
    _c("grid", "所属网格", "网格", "片区", "所属街道", "街道", "街镇", required=False),
    _c("weekly_capacity", "每周可检查户次", "每周检查能力", "周检查能力", "每周户次", "每周可检查户数"),
), option="--officers")

SUBJECT_EXTRAS: tuple[Column, ...] = (
    _c("address", "经营地址", "住所", "经营场所", "地址", "注册地址", "住所（经营场所）", required=False),
    _c("contact_person", "联系人", "负责人", "法定代表人", "法定代表人（负责人）", "经营者", required=False),
    _c("contact_phone", "联系电话", "电话", "手机", "手机号码", "联系方式", required=False),
    _c("annual_report_on_time", "年报按时公示", "年报是否按时公示", required=False),
    _c("judicial_cases_3y", "近三年涉诉次数", "近三年司法案件数", required=False),
    _c("legal_rep_changes_3y", "近三年法定代表人变更次数", required=False),
    _c("equity_changes_3y", "近三年股权变更次数", required=False),
    _c("outside_investments", "对外投资数", "对外投资企业数", required=False),
    _c("risk_leads", "风险线索数", required=False),
    _c("license_status", "许可证状态", "许可状态", required=False),
    _c("last_random_result", "最近一次双随机检查结果", "上次抽查结果", required=False),
    _c("abnormal_list", "经营异常名录", "经营异常名录状态", required=False),
    _c("paid_in_ratio", "注册资本实缴比例", "实缴比例", required=False),
    _c("years_established", "存续年限", "成立年限", required=False),
    _c("risk_class_given", "原信用风险分类", required=False),
)

_SUBJECTS = SheetSpec("subjects", "检查对象名录", ("检查对象名录库", "检查对象", "市场主体名录", "企业名录", "subjects"), (
    _c("subject_id", "统一社会信用代码", "信用代码", "社会信用代码", "统一代码", "统一社会信用代码/注册号", "注册号"),
    _c("name", "企业名称", "名称", "单位名称", "市场主体名称", "检查对象名称", "企业（单位）名称", "主体名称"),
    _c("object_types", "检查对象类型", "对象类型", "类型", "检查对象类别", help="类型编号或名称，可填多个"),
    _c("risk_class", "信用风险分类", "风险分类", "信用风险等级", "风险等级", "信用风险类别", "风险类别", "信用风险分类结果",
       help="A–D、A类–D类 或 低风险/一般风险/较高风险/高风险"),
    _c("grid", "所属网格", "网格", "所属街道", "街道", "片区", "街镇", required=False),
    _c("penalized_3y", "近三年受过行政处罚", "近三年受行政处罚", "近三年行政处罚", "三年内受过行政处罚", "是否受过行政处罚",
       help="是 / 否"),
    _c("complaints_verified", "投诉举报核实次数", "经核实投诉", "经核实投诉举报次数", "投诉举报次数", "核实投诉次数"),
    *SUBJECT_EXTRAS,
), option="--subjects")

_INFO = SheetSpec("info", "场景信息", ("基本信息", "scenario"), (
    _c("key", "项目", "名称", required=True),
    _c("value", "内容", "值", required=True),
), required=False)

SHEETS: tuple[SheetSpec, ...] = (_INFO, _DEPARTMENTS, _TYPES, _ITEMS, _TASKS, _OFFICERS, _SUBJECTS)
SHEET_BY_ROLE = {s.role: s for s in SHEETS}

INFO_KEYS: dict[str, tuple[str, ...]] = {
    "name": ("场景名称", "名称"), "year": ("年度", "计划年度"), "policy": ("政策", "适用政策"), "description": ("说明", "描述"),
    "district": ("所属区", "区"), "authority": ("编制单位",), "seal_text": ("盖章文字", "印章文字"),
    "contact": ("联系方式", "联系人及电话"), "public_url": ("核验网址", "检查码核验网址"),
    "generator": ("生成参数",), "risk_scorecard": ("风险评分卡",),
    "subjects": ("检查对象名录文件",), "officers": ("执法人员名录文件",),
}

_MARKS = re.compile(r"[*＊※]|[（(](?:必填|选填|可选|必须|非必填)[)）]")


def header_key(text: object) -> str:
    """A header as compared: NFKC, no white space, no required-field marks, case folded."""
    if text is None:
        return ""
    norm = unicodedata.normalize("NFKC", str(text))
    norm = _MARKS.sub("", norm)
    return "".join(norm.split()).casefold()


@dataclass
class Mapping:
    """Headers of the office's own (``--mapping MAP.yaml``): per sheet role, header key → field; ``sheets``: role →
    the office's sheet name."""

    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    sheets: dict[str, str] = field(default_factory=dict)

    def lookup(self, role: str) -> dict[str, str]:
        """Every accepted header key of a sheet role → its field (the office's own headers win)."""
        spec = SHEET_BY_ROLE[role]
        found: dict[str, str] = {}
        for column in spec.columns:
            for name in column.names():
                found.setdefault(header_key(name), column.field)
        found.update(self.headers.get("*", {}))
        found.update(self.headers.get(role, {}))
        return found


def _role_of(name: str) -> str | None:
    key = header_key(name)
    for spec in SHEETS:
        if key in {header_key(n) for n in (spec.role, spec.name, *spec.variants)}:
            return spec.role
    return None


def read_mapping(path: Path | None) -> tuple[Mapping, list[Problem]]:
    """Read ``--mapping MAP.yaml``: ``{sheet: {header: field}}`` per sheet (a sheet by its Chinese name or role),
    ``{header: field}`` for any sheet, and ``sheets: {sheet: the office's sheet name}``. Every problem at once."""
    from scenarios.yamlmap import read_located_yaml

    mapping = Mapping()
    if path is None:
        return mapping, []
    label = path.name
    if not path.is_file():
        return mapping, [Problem.of(label, None, "", "file.not_found", path=str(path))]
    doc, problems = read_located_yaml(path.parent, path.name, "mapping")  # the loader's limits; lines kept
    if doc is None:
        return mapping, problems
    if not isinstance(doc.data, dict):
        return mapping, [Problem.of(label, 1, "", "office.mapping_shape")]
    line = doc.line
    fields = {role: {c.field for c in spec.columns} for role, spec in SHEET_BY_ROLE.items()}
    all_fields = set().union(*fields.values())
    for key, value in doc.data.items():
        if key == "sheets" and isinstance(value, dict):
            for sheet, name in value.items():
                role = _role_of(str(sheet))
                if role is None:
                    problems.append(Problem.of(label, line(("sheets", sheet)), f"sheets.{sheet}", "office.mapping_sheet",
                                               sheet=sheet))
                else:
                    mapping.sheets[role] = str(name).strip()
        elif isinstance(value, dict):
            role = _role_of(str(key))
            if role is None:
                problems.append(Problem.of(label, line((key,)), str(key), "office.mapping_sheet", sheet=key))
                continue
            for header, target in value.items():
                if str(target) not in fields[role] and not _extra_ok(role, str(target)):
                    problems.append(Problem.of(label, line((key, header)), f"{key}.{header}", "office.mapping_field", target=target,
                                               known="、".join(sorted(fields[role]))))
                else:
                    mapping.headers.setdefault(role, {})[header_key(header)] = str(target)
        elif isinstance(value, str) and (value in all_fields):
            mapping.headers.setdefault("*", {})[header_key(key)] = value
        else:
            problems.append(Problem.of(label, line((key,)), str(key), "office.mapping_field", target=value,
                                       known="、".join(sorted(all_fields))))
    return mapping, problems


def _extra_ok(role: str, target: str) -> bool:
    """A subject directory may carry an extra column of any plain name (an indicator a scorecard reads)."""
    return role == "subjects" and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", target) is not None
