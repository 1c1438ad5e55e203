"""The one table of validation messages: each problem code with its Chinese and English template.

A :class:`scenarios.errors.Problem` carries a code and its parameters; :func:`render` fills the template in the
planner's language (Chinese by default, English second, STYLE.md). Parameters are the planner's own values
(ids, file names, numbers, dates) — the words around them come from here. ``{x!r}`` in an English template
quotes a value as Python does; Chinese templates quote with “”.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MESSAGES", "render", "describe_error", "PYDANTIC_CODES", "LANGS", "Message"]

LANGS = ("zh", "en")

MESSAGES: dict[str, tuple[str, str]] = {
    # reading a file
    "file.dangling_link": ("是指向不存在文件的符号链接（或链接循环）：{path}", "is a symbolic link to nothing (or a link loop): {path}"),
    "file.not_found": ("文件不存在：{path}", "file not found: {path}"),
    "file.link_outside": ("是指向目录外（{target}）的符号链接；场景的文件须在场景目录内",
                          "is a symbolic link out of the directory ({target}); a scenario's files must be inside it"),
    "file.not_regular": ("不是普通文件：{path}", "not a regular file: {path}"),
    "file.too_big": ("文件有 {size:,} 字节，最多读取 {limit:,} 字节", "is {size:,} bytes; at most {limit:,} are read"),
    "file.unreadable": ("无法读取：{reason}", "cannot be read: {reason}"),
    "file.not_utf8": ("不是 UTF-8 编码（字节 0x{byte}），请另存为“CSV UTF-8”（带或不带 BOM 的 UTF-8）",
                      "is not UTF-8 (byte 0x{byte}). Save it as 'CSV UTF-8' (UTF-8 with or without BOM)"),
    "file.looks_gbk": ("不是 UTF-8 编码（字节 0x{byte}），看起来是 GBK/GB18030（如 Excel 另存的“CSV”）。请另存为“CSV UTF-8”（带或不带 BOM 的 UTF-8）",
                       "is not UTF-8 (byte 0x{byte}). It looks like GBK/GB18030 (e.g. saved by Excel as 'CSV'): "
                       "save it as 'CSV UTF-8' (UTF-8 with or without BOM)"),
    "file.nul": ("含有 NUL 字节，不是文本文件", "contains a NUL byte; not a text file"),
    "file.bad_name": ("“{name}”必须是场景目录内可用的文件名", "{name!r} must be a usable file name inside the scenario directory"),
    "dir.scenario_missing": ("场景目录不存在", "scenario directory not found"),
    "dir.city_missing": ("城市目录不存在", "city directory not found"),
    "file.gb18030": ("按 GB18030（GBK）编码读取，不是 UTF-8；建议另存为“CSV UTF-8”",
                     "read as GB18030 (GBK), not UTF-8; consider saving it as 'CSV UTF-8'"),
    # the office's workbooks and CSV exports (scenarios.office: jointcheck import)
    "office.bad_bytes": ("不是有效的 {encoding}（字节 0x{byte}）", "is not valid {encoding} (byte 0x{byte})"),
    "office.utf16": ("是 UTF-16 编码（Excel 的“Unicode 文本”）：请另存为“CSV UTF-8”或 .xlsx",
                     "is UTF-16 (Excel's 'Unicode text'): save it as 'CSV UTF-8' or .xlsx"),
    "office.unknown_encoding": ("既不是 UTF-8（第 {utf8_line} 行，字节 0x{byte}）也不是 GB18030：请另存为“CSV UTF-8”",
                                "is neither UTF-8 (line {utf8_line}, byte 0x{byte}) nor GB18030: save it as 'CSV UTF-8'"),
    "office.no_header": ("前 {rows} 行中没有表头；应有：{expected}", "no header in the first {rows} rows; expected: {expected}"),
    "office.column_twice": ("与“{first}”列是同一项（{target}），只能保留一列",
                            "is the same column as {first!r} ({target}); keep one of them"),
    "office.blank_header": ("此列没有表头，但有数据（“{value}”）", "this column has no header but holds data ({value!r})"),
    "office.excel_error": ("单元格是 Excel 错误值“{value}”（公式出错）", "the cell is Excel's error value {value!r} (a failed formula)"),
    "office.formula_no_value": ("单元格是公式，但文件没有保存计算结果（不是由 Excel 保存的）：请用 Excel 打开并保存，或将公式改为数值",
                                "the cell is a formula whose result the file does not hold (not saved by Excel): open and "
                                "save it in Excel, or replace the formula by its value"),
    "office.xls": ("是 Excel 97–2003 工作簿（.xls）：请在 Excel 中另存为 .xlsx", "is an Excel 97–2003 workbook (.xls): save it as .xlsx in Excel"),
    "office.not_xlsx": ("不是可读取的 .xlsx 工作簿：{reason}", "is not a readable .xlsx workbook: {reason}"),
    "office.not_table": ("不是 .xlsx 或 .csv 文件", "is neither an .xlsx nor a .csv file"),
    "office.sheet_empty": ("工作表为空", "the sheet is empty"),
    "office.sheet_missing": ("工作簿没有“{sheet}”工作表（现有：{found}）；可另用 {option} 给出文件",
                             "the workbook has no sheet {sheet!r} (it has: {found}); or give the file with {option}"),
    "office.sheet_missing_fixed": ("工作簿没有“{sheet}”工作表（现有：{found}）", "the workbook has no sheet {sheet!r} (it has: {found})"),
    "office.columns_missing": ("缺少必需的列；表头现有：{found}", "required column(s) missing; the header has: {found}"),
    "office.column_unused": ("此列不属于场景格式，未导入", "not a column of the scenario format; not imported"),
    "office.duplicate": ("“{value}”重复（首次出现在第 {first} 行）", "{value!r} is given twice (first at row {first})"),
    "office.unknown_department": ("“{value}”不是“部门”表中的部门编号或部门名称", "{value!r} is not a department's 编号 or 名称 on sheet 部门"),
    "office.unknown_type": ("“{value}”不是“检查对象类型”表中的类型编号或名称",
                            "{value!r} is not an object type's 编号 or 名称 on sheet 检查对象类型"),
    "office.unknown_types": ("“{value}”中有不在“检查对象类型”表中的类型", "{value!r} names a type that is not on sheet 检查对象类型"),
    "office.unknown_item": ("“{value}”不是“抽查事项清单”中的事项编号或事项名称", "{value!r} is not an item's 编号 or 名称 on sheet 抽查事项清单"),
    "office.ambiguous_name": ("名称“{value}”对应多项（{ids}）：请改填编号", "the name {value!r} fits several ({ids}): write the 编号 instead"),
    "office.kind": ("“{value}”不是“重点”或“一般”", "{value!r} is neither 重点 (key) nor 一般 (general)"),
    "office.ratio": ("“{value}”不是比例（如 5% 或 0.05）", "{value!r} is not a ratio (such as 5% or 0.05)"),
    "office.ratio_over_one": ("“{value}”大于 1；如指百分比，请写作 {percent}", "{value!r} is above 1; for a percentage write {percent}"),
    "office.sampling_one": ("抽查比例、抽查户数、A类…D类抽查比例须且只须填一种（现有：{given}）",
                            "fill in exactly one of 抽查比例 (ratio), 抽查户数 (count) or the A类…D类 ratios (got: {given})"),
    "office.count": ("“{value}”不是 ≥ 1 的整数", "{value!r} is not a whole number ≥ 1"),
    "office.date": ("“{value}”不是日期（如 2024-03-01、2024/3/1、2024年3月1日 或 Excel 日期单元格）",
                    "{value!r} is not a date (such as 2024-03-01, 2024/3/1, 2024年3月1日 or an Excel date cell)"),
    "office.no_such_day": ("“{value}”这一天不存在", "{value!r}: no such day"),
    "office.id_as_number": ("“{value}”是 Excel 按数字保存的编号，超过 15 位的数字已丢失精度：请把此列设为“文本”后重新填入",
                            "{value!r} is an id Excel kept as a number, which loses digits past 15: format the column as "
                            "Text and enter the ids again"),
    "office.risk_class": ("“{value}”不是 A–D、A类–D类或低/一般/较高/高风险之一",
                          "{value!r} is not one of A–D, A类–D类 or 低/一般/较高/高风险 (low, general, relatively high, high)"),
    "office.boolean": ("“{value}”不是“是”或“否”", "{value!r} is neither 是 (yes) nor 否 (no)"),
    "office.info_unknown": ("“{value}”不是场景信息的项目（场景名称、年度、政策、说明……），未使用",
                            "{value!r} is not an item of the scenario information (场景名称, 年度, 政策, 说明 …); not used"),
    "office.info_json": ("“{value}”不是 JSON", "{value!r} is not JSON"),
    "office.setting_missing": ("没有给出{what}：请加 {option}，或在工作簿的“场景信息”表填写“{key}”",
                               "no {what} given: pass {option}, or fill in {key} on the workbook's sheet 场景信息"),
    "office.setting_missing_app": ("没有给出{what}：请在工作簿的“场景信息”表填写“{key}”（{option}）",
                                   "no {what} given: fill in {key} on the workbook's sheet 场景信息 ({option})"),
    "office.mapping_shape": ("应为映射：{{工作表: {{表头: 字段}}}} 或 {{表头: 字段}}",
                             "expected a mapping: {{sheet: {{header: field}}}} or {{header: field}}"),
    "office.mapping_sheet": ("“{sheet}”不是工作簿的工作表（部门、检查对象类型、抽查事项清单、年度抽查计划、执法人员名录、检查对象名录）",
                             "{sheet!r} is not a sheet of the workbook (部门, 检查对象类型, 抽查事项清单, 年度抽查计划, 执法人员名录, 检查对象名录)"),
    "office.mapping_field": ("“{target}”不是此表的字段；可用：{known}", "{target!r} is not a field of this sheet; known: {known}"),
    "office.upload_unused": ("未使用：文件名应为所替换的工作表名（检查对象名录、执法人员名录、抽查事项清单或年度抽查计划）",
                             "not used: name the file after the sheet it replaces (检查对象名录, 执法人员名录, 抽查事项清单 or 年度抽查计划)"),
    # CSV structure
    "csv.empty": ("文件为空，应有表头行", "is empty; expected a header row"),
    "csv.bad_header": ("CSV 表头格式错误：{reason}", "malformed CSV header: {reason}"),
    "csv.repeated_column": ("第 {k} 列与第 {first} 列（“{name}”）同名，每个列名只能出现一次",
                            "column {k} repeats the name of column {first} ({name!r}); each column name may appear once"),
    "csv.blank_rows": ("空行超过 {limit:,} 行，不是名录文件", "more than {limit:,} empty rows; not a directory"),
    "csv.width": ("CSV 格式错误：本行有 {fields} 个字段，表头有 {width} 个", "malformed CSV: {fields} fields, the header has {width}"),
    "csv.malformed": ("CSV 格式错误：{reason}", "malformed CSV: {reason}"),
    "csv.blank_header": ("表头有空白或重复的列名（第 {columns} 列）", "header has empty or repeated column names (columns {columns})"),
    # CSV columns and cells
    "columns.missing": ("缺少必需的列；表头现有：{found}", "required column(s) missing; header has: {found}"),
    "cell.empty": ("“{value}”不能为空", "{value!r} must not be empty"),
    "cell.empty_list": ("“{value}”至少应列出一个值，多个值用“;”分隔", "{value!r} must list at least one value, separated by ';'"),
    "cell.risk_class": ("“{value}”不是 A、B、C、D 之一", "{value!r} is not one of A, B, C, D"),
    "cell.boolean": ("“{value}”不是 true 或 false（是/否）", "{value!r} is not true or false"),
    "cell.phone": ("“{value}”不像电话号码（数字，可含 + - ( ) 空格与“转”分机号）；任务单照印",
                   "{value!r} does not look like a telephone number (digits, + - ( ) spaces, an extension); printed as given"),
    "cell.count": ("“{value}”不是 ≥ 0 的整数", "{value!r} is not a whole number ≥ 0"),
    "cell.date": ("“{value}”不是 YYYY-MM-DD 格式的日期", "{value!r} is not a date written YYYY-MM-DD"),
    "availability.reversed": ("结束日期 {end} 早于开始日期 {start}", "end {end} is before start {start}"),
    "availability.out_of_year": ("日期 {value} 不在计划年度 {year} 内", "date {value} is outside the plan year {year}"),
    "availability.unknown_officer": ("执法检查人员“{value}”不在执法检查人员名录中",
                                     "officer {value!r} is not in the officer directory"),
    "rows.more": ("另有 {count} 行存在同样的问题（首个在第 {first} 行）", "{count} more rows with the same problem (the first at row {first})"),
    "id.duplicate_row": ("编号“{value}”重复（首次出现在第 {first} 行）", "duplicate id {value!r} (first at row {first})"),
    "id.lookalike_clash": ("编号“{value}”与第 {first_row} 行的“{first_id}”读起来相同（仅大小写、全角/半角、Unicode 规范化或不可见字符不同）",
                           "id {value!r} reads the same as {first_id!r} (row {first_row}): they differ only by case, "
                           "full-width forms, Unicode normalization or invisible characters"),
    "id.normalised": ("“{value}”含有不可见字符、全角字符或未规范化的 Unicode，按“{fixed}”读取",
                      "{value!r} holds invisible, full-width or non-normalized Unicode characters; read as {fixed!r}"),
    "id.case_unified": ("“{value}”与别处的“{fixed}”仅大小写不同，按“{fixed}”读取",
                        "{value!r} differs from {fixed!r} elsewhere only by case; read as {fixed!r}"),
    "subjects.unknown_object_type": ("检查对象类型“{value}”未在 scenario.yaml 的 object_types 中声明",
                                     "unknown object type(s) {value!r}: not in scenario.yaml object_types"),
    "officers.unknown_department": ("未知部门“{value}”", "unknown department {value!r}"),
    "officers.none": ("没有执法检查人员", "has no officers"),
    "subjects.none": ("没有检查对象", "has no subjects"),
    "officers.department_unstaffed": ("部门“{department}”参与任务 {task}，但 {officers_file} 中没有该部门的执法检查人员",
                                      "department {department!r} takes part in task {task} but has no officers in {officers_file}"),
    "officers.qualification_missing": ("“{department}”没有执法检查人员持有“{qualification}”资格，而事项 {item} 需要",
                                       "no officer of {department!r} holds {qualification!r}, needed by item {item}"),
    "subjects.none_of_type": ("任务 {task} 抽查“{object_type}”，但 {subjects_file} 中没有该类型的检查对象：该任务不会抽取任何对象",
                              "task {task} inspects {object_type!r} but {subjects_file} has no subject of that type: it draws nobody"),
    "subjects.too_few": ("任务 {task} 要抽取 {count} 户“{object_type}”，但 {subjects_file} 只有 {size} 户：将全部抽取",
                         "task {task} asks for {count} subjects of {object_type!r} but {subjects_file} has {size}: all will be drawn"),
    "credit.bad_code": ("“{value}”像统一社会信用代码，但{reason}（GB 32100-2015）",
                        "{value!r} looks like a 统一社会信用代码 but {reason} (GB 32100-2015)"),
    "credit.length": ("有 {length} 位，不是 18 位", "has {length} characters, not 18"),
    "credit.characters": ("含有不允许的字符“{bad}”（允许：{charset}）", "has {bad!r}, not allowed ({charset})"),
    "credit.authority": ("登记管理部门码“{got}”不是 {authorities} 之一", "registration-authority code {got!r} is not one of {authorities}"),
    "credit.org_check": ("组织机构代码校验码为“{got}”，应为“{expected}”", "organisation-code check character is {got!r}, should be {expected!r}"),
    "credit.check": ("校验码为“{got}”，应为“{expected}”", "check character is {got!r}, should be {expected!r}"),
    "credit.more": ("另有 {count} 个编号存在同样的问题（首个在第 {first} 行）", "{count} more ids with the same problem (the first at row {first})"),
    # YAML
    "yaml.too_big": ("文件有 {size:,} 字节，scenario.yaml 最多 {limit:,} 字节", "is {size:,} bytes; a scenario.yaml may hold at most {limit:,}"),
    "yaml.too_deep": ("嵌套超过 {limit} 层", "nested more than {limit} levels deep"),
    "yaml.alias_bomb": ("别名展开后超过 {limit:,} 个值，拒绝展开", "aliases expand to more than {limit:,} values; refusing to expand them"),
    "yaml.recursive_alias": ("别名引用了包含它自身的值（递归别名）", "an alias refers to the value that contains it (recursive alias)"),
    "yaml.duplicate_key": ("键重复（首次出现在第 {first} 行）", "duplicate key (first at line {first})"),
    "yaml.invalid": ("不是有效的 YAML：{reason}", "not valid YAML: {reason}"),
    "yaml.not_scenario_mapping": ("应为包含 name、year、policy、departments、items、tasks 的映射",
                                  "expected a mapping with name, year, policy, departments, items, tasks"),
    "yaml.not_city_mapping": ("应为包含 name、year、policy、districts、tasks 的映射",
                              "expected a mapping with name, year, policy, districts, tasks"),
    "yaml.unknown_field": ("未知的顶层字段（保留但不使用）", "unknown top-level field (kept, but not used)"),
    "list.missing": ("缺失，应为列表", "is missing; expected a list"),
    "list.not_list": ("应为列表，实际为 {kind}", "expected a list, got {kind}"),
    "list.empty": ("为空", "is empty"),
    "id.duplicate_yaml": ("编号重复（首次出现在第 {first} 行）", "duplicate id (first at line {first})"),
    # references inside scenario.yaml
    "policy.unknown": ("未知政策“{policy}”；可用：{known}", "unknown policy {policy!r}; known: {known}"),
    "ref.unknown_department": ("未知部门“{department}”", "unknown department {department!r}"),
    "task.partner_is_lead": ("“{partner}”已是牵头部门", "{partner!r} is already the lead"),
    "task.partner_twice": ("“{partner}”重复列出", "{partner!r} is listed twice"),
    "task.unknown_item": ("未知抽查事项“{item}”：只能抽查清单内的事项", "unknown item {item!r}: only items on the list may be inspected"),
    "task.item_department": ("事项“{item}”属于“{department}”，该部门既不是牵头部门也不是参与部门",
                             "item {item!r} belongs to {department!r}, which is neither lead nor partner"),
    "task.item_twice": ("有事项重复列出", "an item is listed twice"),
    "task.unknown_object_type_declared": ("未知检查对象类型“{object_type}”：不在声明的 object_types 中",
                                          "unknown object type {object_type!r}: not in the declared object_types"),
    "task.unknown_object_type_subjects": ("未知检查对象类型“{object_type}”：不在 subjects.csv 的 object_types 中",
                                          "unknown object type {object_type!r}: not in the subjects.csv object_types"),
    "date.outside_year": ("{day} 不在场景年度 {year} 内", "{day} is outside the scenario year {year}"),
    "task.no_working_day": ("{start}..{end} 内没有法定工作日：该任务的检查对象无法安排检查",
                            "{start}..{end} holds no statutory working day: none of the task's subjects could be visited"),
    "task.window_outside_flex": ("时间窗口 {start}..{end} 不在可调整范围 window_flex {earliest}..{latest} 内",
                                 "window {start}..{end} is not inside window_flex {earliest}..{latest}"),
    "task.count_above_eligible": ("要抽取 {count} 户，但只有 {eligible} 户符合条件：将全部抽取",
                                  "asks for {count} subjects but only {eligible} are eligible: all are drawn"),
    "task.mandatory_over_count": ("抽样层 {stratum}：必抽（定向）对象多于该层应抽数量，将全部抽取",
                                  "stratum {stratum}: more mandatory (定向) subjects than the stratum's count; all are drawn"),
    # validators of scenario.yaml elements (pydantic), by error type
    "value.missing": ("缺少此字段", "field required"),
    "value.not_text": ("“{given}”：应为文字", "{given!r}: should be text"),
    "value.not_integer": ("“{given}”：应为整数", "{given!r}: should be a whole number"),
    "value.not_number": ("“{given}”：应为数字", "{given!r}: should be a number"),
    "value.not_bool": ("“{given}”：应为 true 或 false", "{given!r}: should be true or false"),
    "value.not_date": ("“{given}”：应为日期（YYYY-MM-DD）", "{given!r}: should be a date (YYYY-MM-DD)"),
    "value.not_list": ("“{given}”：应为列表", "{given!r}: should be a list"),
    "value.not_mapping": ("应为映射（键: 值）", "should be a mapping (key: value)"),
    "value.too_short": ("“{given}”：至少需要 {min_length} 个字符或元素", "{given!r}: should have at least {min_length} character(s) or element(s)"),
    "value.too_long": ("“{given}”：最多 {max_length} 个字符或元素", "{given!r}: should have at most {max_length} character(s) or element(s)"),
    "value.pattern": ("“{given}”：编号不能含空格、“;”或“,”", "{given!r}: an id may not hold spaces, ';' or ','"),
    "value.gt": ("“{given}”：应大于 {gt}", "{given!r}: should be greater than {gt}"),
    "value.ge": ("“{given}”：应不小于 {ge}", "{given!r}: should be at least {ge}"),
    "value.lt": ("“{given}”：应小于 {lt}", "{given!r}: should be less than {lt}"),
    "value.le": ("“{given}”：应不大于 {le}", "{given!r}: should be at most {le}"),
    "value.choice": ("“{given}”：应为以下之一：{expected}", "{given!r}: should be one of {expected}"),
    "value.unknown_field": ("未知字段", "unknown field"),
    "value.invalid": ("“{given}”：取值无效", "{given!r}: not a valid value"),
    "window.end_before_start": ("结束日期 {end} 早于开始日期 {start}", "end {end} is before start {start}"),
    "flex.latest_before_earliest": ("最晚日期 {latest} 早于最早日期 {earliest}", "latest {latest} is before earliest {earliest}"),
    "task.sampling_one": ("ratio、count、ratio_by_class 须且只须给出一个（现有：{given}）",
                          "give exactly one of ratio, count or ratio_by_class (got {given})"),
    # city
    "city.districts_missing": ("应为非空的区目录列表", "expected a non-empty list of district directories"),
    "city.district_not_name": ("“{entry}”：应为目录名", "{entry!r}: expected a directory name"),
    "city.district_twice": ("“{entry}”重复列出（首次出现在第 {first} 行）", "{entry!r} is listed twice (first at line {first})"),
    "city.district_missing_dir": ("“{entry}”：城市目录内没有该区的场景目录（含 {scenario_file}）",
                                  "{entry!r}: no district scenario (a directory inside the city directory holding {scenario_file})"),
    "city.window_outside_year": ("{start}..{end} 不在年度 {year} 内", "{start}..{end} is not inside the year {year}"),
    "city.year_differs": ("城市年度为 {year}，但区“{district}”（{district}/{scenario_file}）的年度为 {district_year}",
                          "{year}, but district {district!r} ({district}/{scenario_file}) has year {district_year}"),
    "city.task_id_clash": ("“{task}”也是区“{district}”（{district}/{scenario_file}）的任务编号", "{task!r} is also a task id of district {district!r} ({district}/{scenario_file})"),
    "city.unknown_department": ("部门“{department}”不在区“{district}”（{district}/{scenario_file}）中", "department {department!r} is not in district {district!r} ({district}/{scenario_file})"),
    "city.unknown_item": ("事项“{item}”不在区“{district}”（{district}/{scenario_file}）中", "item {item!r} is not in district {district!r} ({district}/{scenario_file})"),
    "city.item_department": ("事项“{item}”在区“{district}”（{district}/{scenario_file}）中属于“{department}”，该部门不参与此任务",
                             "item {item!r} belongs to {department} in district {district!r} ({district}/{scenario_file}), which does not take part in the task"),
    "city.unknown_object_type": ("检查对象类型“{object_type}”不在区“{district}”（{district}/{scenario_file}）中", "object type {object_type!r} is not in district {district!r} ({district}/{scenario_file})"),
    # what-ifs of the app (ui.webapp.whatif)
    "whatif.capacity_negative": ("部门 {department}：每周能力 {value} 为负数", "department {department}: weekly capacity {value} is negative"),
    "whatif.department_no_officers": ("部门 {department} 没有执法检查人员，无法设置能力", "department {department} has no officers; capacity cannot be set"),
    "whatif.unknown_tasks": ("未知任务：{tasks}", "unknown task(s): {tasks}"),
    "whatif.task_invalid": ("任务 {task}：{reason}", "task {task}: {reason}"),
    "whatif.window_year": ("任务 {task}：时间窗口和可调整范围必须在场景年度 {year} 内",
                           "task {task}: window and flex must fall in the scenario year {year}"),
    "whatif.window_outside_flex": ("任务 {task}：时间窗口 {start}..{end} 不在可调整范围 {earliest}..{latest} 内",
                                   "task {task}: window {start}..{end} is not inside its flex {earliest}..{latest}"),
    "whatif.window_missing": ("任务 {task}：开始和结束日期都必须填写", "task {task}: both start and end dates are needed"),
    # the app's upload and the command line
    "upload.clash": ("上传的 {n} 个文件都对应 {target}；只保留其中一个后重新上传",
                     "{n} uploaded files give {target}; keep one of them and upload again"),
    # a plan folder against its ledger record (records.binding)
    "binding.unreadable": ("无法读取计划文件：{reason}", "cannot read the plan files: {reason}"),
    "binding.no_manifest": ("没有 manifest.json", "no manifest.json"),
    "binding.ledger_broken": ("台账未通过校验：{reason}", "the ledger does not verify: {reason}"),
    "binding.manifest_edited": ("与本文件夹的台账第 {seq} 条记录不符：计划在生成后被修改",
                                "differs from ledger record {seq} of this folder: the plan was edited after planning"),
    "binding.missing": ("缺失；台账第 {seq} 条记录中有该文件", "missing; ledger record {seq} has it"),
    "binding.changed": ("SHA-256 与台账第 {seq} 条记录不符：生成后被修改", "SHA-256 differs from ledger record {seq}: changed after planning"),
    # a plan against the public notice that published it (records.publish.notice_problems)
    "notice.unreadable": ("不是由公示命令写出的公示（缺少计划摘要）",
                          "not a public notice written by jointcheck publish (no plan_digest)"),
    "notice.missing": ("缺失；公示中有该文件", "missing; the public notice lists it"),
    "notice.changed": ("SHA-256 与公示中的不符：公示后被替换或修改", "SHA-256 differs from the public notice: swapped or changed after publication"),
    "notice.added": ("不在公示中：公示后被添加", "not in the public notice: added after publication"),
    # the one gate of every reader of a plan (records.gate)
    "gate.not_a_folder": ("{path}：不是目录", "{path}: not a directory"),
    "gate.no_manifest": ("{path}：没有 manifest.json，不是计划目录", "{path}: no manifest.json; not a plan directory"),
    "gate.damaged": ("{path}：计划文件已损坏：{detail}", "{path}: damaged plan: {detail}"),
    "gate.unreadable": ("{path}：无法读取计划：{detail}", "{path}: cannot read the plan: {detail}"),
    "gate.differs_from_record": ("{path}：拒绝使用：该计划与台账 {db} 中的记录不符（只认经区密钥签名的记录）",
                                 "{path}: refused: the plan is not the one recorded in the ledger {db} (by a record "
                                 "signed with the district key)"),
    "gate.unrecorded": ("{path}：台账 {db} 中没有该计划的记录（生成计划时会记录写出的每个计划）；如仍要使用，请加 --allow-unrecorded",
                        "{path}: no record of this plan in the ledger {db} (jointcheck plan records every plan it writes); "
                        "pass --allow-unrecorded to accept it anyway"),
    "gate.differs_from_manifest_refused": ("{path}：拒绝使用：文件与 manifest 不符", "{path}: refused: the files differ from the manifest"),
    "gate.accepted_unrecorded": ("{path}：台账 {db} 中没有记录；因 --allow-unrecorded 仍予使用，由此生成的文书均注明“未登记”",
                                 "{path}: not recorded in the ledger {db}; accepted because of --allow-unrecorded, and every "
                                 "paper made from it says so"),
    "gate.differs_from_notice": ("{path}：不是公示 {notice} 所公布的计划", "{path}: not the plan the public notice {notice} published"),
    "gate.matches_notice": ("{path} 与公示 {notice} 所公布的计划完全一致（manifest 及每个文件的 SHA-256）",
                            "{path} is exactly the plan the public notice {notice} published (SHA-256 of the manifest and every file)"),
    "gate.not_city_plan": ("{path}：不是全市计划目录", "{path}: not a city plan directory"),
    "gate.other_scenario": ("{path} 由另一场景生成，不是 {scenario}（场景哈希不同）",
                            "{path} was made from a different scenario than {scenario} (scenario hash differs)"),
    "gate.breaks_rules": ("{path}：拒绝使用：计划违反 {n} 条硬性规则（检查命令可列出全部）",
                          "{path}: refused: the plan breaks {n} hard rule(s) (jointcheck check lists them)"),
    "gate.manifest_own_hash": ("与其自身记录的 SHA-256 不符：生成后被修改", "differs from its own manifest_sha256: edited after planning"),
    "gate.missing_from_manifest": ("缺失；manifest 中有该文件", "missing; the manifest lists it"),
    "gate.differs_from_manifest": ("SHA-256 与 manifest 不符", "SHA-256 differs from the manifest"),
    "gate.not_in_manifest": ("不在 manifest 中：生成后被添加", "not in the manifest: added after planning"),
    "binding.record_untrusted": ("台账第 {seq} 条记录描述该计划，但没有区密钥的有效签名：不是由持有区密钥的本系统写入的",
                                 "ledger record {seq} describes this plan but carries no valid signature of the district "
                                 "key: not written by jointcheck holding the district key"),
    "binding.added_folder": ("计划文件夹中不应有子文件夹或链接：生成后被添加", "a plan folder holds no sub-folder or link: added after planning"),
    "binding.added_unrecorded": ("台账中没有记录该文件的“{kind}”记录：不是本系统添加的",
                                 "no '{kind}' record of the ledger describes this file: not added by jointcheck"),
    "binding.added": ("不在台账第 {seq} 条记录中：生成后被添加", "not in ledger record {seq}: added after planning"),
    # a mid-year adjustment (optimizer.adjust; jointcheck adjust, the app's page ⑦)
    "adjust.no_rotation": ("{plan} 抽取时未做跨年负担轮换：不接受 --previous", "{plan} was not drawn with rotation across "
                           "years: it takes no --previous"),
    "adjust.needs_rotation": ("{plan} 抽取时做了跨年负担轮换：请给出它所轮换的往年计划（--previous 目录，可重复）和链上首年的"
                              "公开随机数（--previous-seed）",
                              "{plan} was drawn with rotation across years: pass the earlier plans it was rotated against "
                              "(--previous DIR, repeated) and the chain's first public value (--previous-seed)"),
    "adjust.chain_not_saved": ("该计划抽取时做了跨年负担轮换，而其往年计划未全部保存在此：请先作为往年计划上传",
                               "the plan was drawn with rotation across years and its earlier plans are not all saved "
                               "here: upload them as previous years first"),
    "adjust.breaks_rules": ("调整后的计划违反硬性规则，未保存：{violations}",
                            "the adjusted plan breaks hard rules and was not saved: {violations}"),
    "adjust.other_year": ("更新后的场景是 {year} 年的，计划是 {plan_year} 年的", "the updated scenario is for {year}, the plan for {plan_year}"),
    "adjust.as_of_year": ("--as-of {as_of} 不在计划年度 {year} 内", "--as-of {as_of} is not in the plan's year {year}"),
    "adjust.as_of_before": ("--as-of {as_of} 早于被调整版本的调整日期 {before}：该版本已把 {before} 前的检查记为已完成，新版本不能撤销；"
                            "请从 {before} 或之后调整",
                            "--as-of {as_of} is before {before}, the date of the version it adjusts: that version records "
                            "the visits before {before} as made, and a new version cannot undo them; adjust as of {before} "
                            "or later"),
    "adjust.seed": ("公开随机数 {value} 不能打开 {plan} 的随机数承诺：调整沿用被调整计划已承诺的随机数",
                    "public value {value!r} does not open the seed commitment of {plan}: an adjustment draws from the "
                    "committed seed of the plan it adjusts"),
    # rotation across years against earlier plans (optimizer.rotation; plan --previous)
    "rotation.none": ("负担轮换至少需要一个往年计划目录", "rotation needs at least one previous plan directory"),
    "rotation.first_value": ("请给出首年计划的公开随机数（整条链的永久随机数由它而来）",
                             "give the public value of the first year's plan (the chain's permanent numbers)"),
    "rotation.unreadable": ("{root}：不是可读取的计划目录（{reason}）", "{root}: not a readable plan directory ({reason})"),
    "rotation.one_per_year": ("每年只给一个计划（其最新版本）：{years}", "one plan per year, its latest version: {years}"),
    "rotation.year_twice": ("{year} 年给了 {n} 个计划（{dirs}）", "{n} plans of {year} given ({dirs})"),
    "rotation.chains": ("往年计划来自不同的永久随机数（不同的首个计划）；只能对一条链轮换：首个计划及以 --previous 由它生成的计划",
                        "the previous plans were drawn from different permanent numbers (different first plans); rotate "
                        "only against one chain: the first plan and the plans made with --previous from it"),
    "rotation.seed": ("--previous-seed {value} 不能打开计划 {plan_id}（链上首个计划）的随机数承诺",
                      "--previous-seed {value!r} does not open the seed commitment of plan {plan_id} (the chain's first plan)"),
    "rotation.whole_chain": ("计划 {plan_id}（{year}）：请用 --previous 给出整条链——首个计划及由它轮换生成的每个计划，"
                             "每个都只对其之前的计划轮换",
                             "plan {plan_id} ({year}): give the whole chain with --previous — the first plan and every plan "
                             "rotated from it, each against exactly those before it"),
    "rotation.not_these": ("给出的往年计划不是本计划轮换时所用的计划（draws.parquet 的 SHA-256 与 manifest 所记录的不符）",
                           "the previous plans given are not the ones this plan was rotated against "
                           "(draws.parquet SHA-256 differs from the manifest's rotation.previous)"),
    "rotation.no_ranks": ("{path}：没有可沿用的排序（{reason}）", "{path}: no ranks to follow ({reason})"),
    "rotation.later_year": ("--previous：{plans}的年度晚于本场景（{year}）；负担轮换是把往年计划的负担分摊到今年",
                            "--previous: {plans} is of a later year than this scenario ({year}); rotation spreads burden "
                            "from earlier years' plans onto this one"),
    "rotation.other_district": ("--previous：往年计划（{plans}）与本名录库（{n} 个检查对象）没有共同的检查对象：其他区的计划"
                                "不能轮换本区的负担",
                                "--previous: the earlier plans ({plans}) share no subject with this directory ({n} "
                                "subjects): plans of another district cannot rotate this one's burden"),
    # inspection results imported by jointcheck results (records.results)
    "results.column_missing": ("缺少必填列", "required column is missing"),
    "results.unknown_visit": ("“{visit}”不是计划 {plan_id} 中的检查", "{visit!r} is not a visit of plan {plan_id}"),
    "results.repeated_visit": ("“{visit}”已在第 {row} 行填报结果", "{visit!r} already has a result on row {row}"),
    "results.not_a_date": ("“{value}”不是 YYYY-MM-DD 格式的日期", "{value!r} is not a date YYYY-MM-DD"),
    "results.before_visit": ("{date} 早于检查日期 {visit_date}", "{date} is before the visit's date {visit_date}"),
    "results.not_a_count": ("“{value}”不是大于等于 0 的整数", "{value!r} is not a whole number ≥ 0"),
    "results.rectified_more": ("已整改 {fixed} 个，但只发现 {found} 个", "{fixed} rectified but only {found} found"),
    "results.published_before": ("{date} 早于结果形成日期 {result_date}", "{date} is before the result date {result_date}"),
    # a city-wide task in one district (optimizer.city.district)
    "city.task_rule_error": ("在区“{district}”：{rule_id}（{source}）：{reason}", "in district {district!r}: {rule_id} ({source}): {reason}"),
    # the ledger's hash chain (records.ledger.verify_ledger)
    "ledger.gap": ("第 {first}..{last} 条记录缺失：第 {seq} 条之前的记录被删除",
                   "record {first}..{last} missing: record(s) were deleted before seq {seq}"),
    "ledger.broken_link": ("第 {seq} 条记录（{kind}，{plan_id}）：与前一条记录的链接断开（之前的记录被修改、删除或插入）",
                           "record {seq} ({kind}, {plan_id}): link to the previous record is broken "
                           "(a record before it was edited, deleted or inserted)"),
    "ledger.edited": ("第 {seq} 条记录（{kind}，{plan_id}）：内容与其哈希不符（记录被修改）",
                      "record {seq} ({kind}, {plan_id}): content does not match its hash (the record was edited)"),
    "ledger.anchor_unreadable": ("链头锚点 {anchor} 无法读取", "head anchor {anchor} is unreadable"),
    "ledger.anchor_ahead": ("链头锚点指向第 {mark} 条记录，但台账止于第 {last} 条：最后的记录被删除",
                            "the head anchor names record {mark} but the ledger ends at {last}: the last record(s) were deleted"),
    "ledger.anchor_rewritten": ("链头锚点的第 {mark} 条记录哈希不同：历史被改写",
                                "the head anchor's record {mark} has a different hash: history was rewritten"),
    "ledger.anchor_behind": ("链头锚点在第 {mark} 条记录，台账在第 {last} 条（追加记录时在写入锚点前中断）",
                             "head anchor is at record {mark}, the ledger at {last} "
                             "(an append was interrupted before the anchor was written)"),
    "ledger.anchor_missing": ("台账有 {n} 条记录，但链头锚点 {anchor} 缺失：它被删除，可能连同最后的记录一起",
                              "the head anchor {anchor} is missing although the ledger holds {n} records: "
                              "it was deleted, perhaps with the last record(s)"),
    "ledger.no_anchor": ("没有链头锚点 {anchor}；本地无法发现被删除的末尾记录",
                         "no head anchor {anchor}; deleted trailing records cannot be detected locally"),
    "ledger.head_not_found": ("预期的链头 {head}… 不在台账中：历史被改写或截断",
                              "the expected head {head}… is not in the ledger: history was rewritten or cut"),
    "ledger.triggers_removed": ("台账的只追加触发器被删除", "the append-only triggers were removed from the ledger"),
    "ledger.triggers_replaced": ("台账的只追加触发器被同名的其他触发器替换", "the append-only triggers were replaced by others of the same name"),
    # the ledger file, the district key, publication, generator profiles (errors that reach the planner)
    "ledger.unsigned": ("{n} 条记录没有区密钥签名（第 {seqs} 条）：不是由持有区密钥的本系统写入",
                        "{n} record(s) carry no signature of the district key (seq {seqs}): not written by jointcheck "
                        "holding the district key"),
    "ledger.other_key": ("{n} 条记录的签名不是本区密钥所签（第 {seqs} 条）：由持有其他密钥者写入，或区密钥已被替换",
                         "{n} record(s) are signed with another key than the district key (seq {seqs}): written by "
                         "someone holding another key, or the district key was replaced"),
    "ledger.key_needed": ("台账记录须以区密钥签名和核验，但无法读取区密钥：{reason}",
                          "ledger records are signed and checked with the district key, which cannot be read: {reason}"),
    "ledger.not_found": ("台账 {db} 不存在", "ledger {db} not found"),
    "ledger.cannot_open": ("无法打开台账 {db}：{reason}", "ledger {db} cannot be opened: {reason}"),
    "ledger.cannot_append": ("台账 {db}：无法追加记录：{reason}", "ledger {db}: cannot append: {reason}"),
    "ledger.cannot_read": ("无法读取台账 {db}：{reason}", "ledger {db} cannot be read: {reason}"),
    "key.not_found": ("区密钥文件 {path} 不存在", "district key file {path} not found"),
    "key.unreadable": ("区密钥文件 {path} 无法读取：{reason}", "district key file {path} is unreadable: {reason}"),
    "key.malformed": ("区密钥文件 {path} 应含 {digits} 个十六进制数字", "district key file {path} must hold {digits} hex digits"),
    "key.symlink": ("区密钥文件 {path} 是符号链接（指向 {target}）；请将密钥保存在普通文件中",
                    "district key file {path} is a symbolic link (to {target}); keep the key in a regular file"),
    "key.readable": ("区密钥文件 {path} 可被其他用户读取（权限 {mode}）；请运行 chmod 600 {path}",
                     "district key file {path} can be read by other users (mode {mode}); run chmod 600 {path}"),
    "publish.other_scenario": ("{plan} 由另一场景生成，不是 {scenario}（场景哈希不同）",
                               "{plan} was made from a different scenario than {scenario} (hash differs)"),
    "publish.reveal_mismatch": ("公开的随机数与计划的随机数承诺不符", "the revealed public value does not match the plan's seed commitment"),
    "profile.unknown": ("没有生成配置“{name}”；内置：{bundled}", "no generator profile {name!r}; bundled: {bundled}"),
    "city.shares_mismatch": ("全市任务 {task}：公开的分配为 {published}，重新计算为 {recomputed}",
                             "city-wide task {task}: shares {published} published, {recomputed} recomputed"),
    # scorecards (一企一档, scoring)
    "card.missing_columns": ("评分卡 {card}：检查对象名录缺少列 {columns}（指标 {indicators} 需要）",
                             "scorecard {card}: the subject directory has no column {columns} (needed by indicator(s) {indicators})"),
    "card.reread": ("{source}：无法重新读取检查对象名录：{reason}", "{source}: cannot re-read the subject directory: {reason}"),
    "card.no_subject": ("评分卡 {card} 适用于对象类型 {types}；{scenario} 中没有这类检查对象",
                        "scorecard {card} applies to object types {types}; no subject of {scenario} has one"),
    "card.comparisons": ("{where} 的判断矩阵：{reason}", "comparisons of {where}: {reason}"),
    "card.inconsistent": ("{where} 的判断矩阵不一致：CR = {cr:.3f}（λ_max {lambda_max:.3f}，n {n}）；Saaty 的界限为 CR < {limit:.2f}",
                          "comparisons of {where} are inconsistent: CR = {cr:.3f} (λ_max {lambda_max:.3f}, n {n}); "
                          "Saaty's limit is CR < {limit:.2f}"),
    "card.duplicate_id": ("节点编号“{name}”重复；评分卡中的编号必须唯一", "node id {name!r} is used twice; ids must be unique in a card"),
    "card.unknown": ("未知评分卡“{name}”；已有：{known}", "unknown scorecard {name!r}; known: {known}"),
    "card.not_yaml": ("{file}：不是有效的 YAML：{reason}", "{file}: not valid YAML: {reason}"),
    "card.invalid": ("{file}，位置 {where}：{reason}", "{file}, {where}: {reason}"),
    "card.root_group": ("{file}：根节点必须是一组准则", "{file}: root must be a group of criteria"),
    "output.busy": ("另一个进程正在写出 {target}；请等待其完成后重试",
                    "{target} is being written by another process right now; wait for it and try again"),
    # where a command may write (scenarios.outputs)
    "output.name_too_long": ("--out {out}：名称过长（最多 200 字节）", "--out {out}: the name is too long (at most 200 bytes)"),
    "output.parent_not_dir": ("--out {out}：{parent} 不是文件夹", "--out {out}: {parent} is not a folder"),
    "output.holds": ("--out {out} 包含{what}（{path}）；该位置绝不会被写入，请另选输出位置",
                     "--out {out} holds {what} ({path}), which is never written over; choose another output"),
    "output.exists": ("{out} 已存在；如要替换本系统先前写出的同类输出，请加 --force",
                      "{out} exists; pass --force to replace an output of the same kind that jointcheck wrote"),
    "output.not_own": ("--force 只替换本系统写出、且只含其自身文件的{kind}；{out} 不是，未作任何改动",
                       "--force replaces only {kind} that jointcheck wrote and that holds nothing else; {out} is not "
                       "one — nothing was changed"),
    "output.holds_foreign": ("{out} 中有 {n} 项不是本系统写出的（或写出后被修改）：{files}；为保护这些内容，--force 未作任何改动",
                             "{out} holds {n} entries jointcheck did not write (or that changed since): {files}; "
                             "to keep them, --force changed nothing"),
    "output.kind.plan": ("计划文件夹", "a plan folder"),
    "output.kind.papers": ("文书文件夹", "a folder of papers"),
    "output.kind.notice": ("公示文件夹", "a public notice folder"),
    "output.kind.scenario": ("场景文件夹", "a scenario folder"),
    "output.kind.draw": ("抽取结果文件", "a draw file"),
    "output.kind.report": ("报告文件夹", "a report folder"),
    "guard.scenario": ("场景", "the scenario"),
    "guard.plan": ("所读取的计划", "the plan read"),
    "guard.cwd": ("当前目录", "the current directory"),
    "guard.home": ("主目录", "the home directory"),
    "guard.ledger": ("台账", "the ledger"),
    "guard.key": ("区密钥", "the district key"),
    "guard.input": ("输入文件", "an input file"),
    "year.no_calendar": ("chinese-calendar {version} 中没有 {year} 年的法定节假日安排，无法安排检查日期；国务院公布该年安排后请升级该软件包",
                         "the Chinese statutory calendar for {year} is not in chinese-calendar {version}: no visit can be "
                         "dated; upgrade the package once the State Council publishes that year's holiday arrangement"),
}

# pydantic error type → problem code (the validators' own errors carry their code as their type)
PYDANTIC_CODES: dict[str, str] = {
    "missing": "value.missing",
    "string_type": "value.not_text", "string_sub_type": "value.not_text", "string_unicode": "value.not_text",
    "int_type": "value.not_integer", "int_parsing": "value.not_integer", "int_from_float": "value.not_integer",
    "float_type": "value.not_number", "float_parsing": "value.not_number",
    "bool_type": "value.not_bool", "bool_parsing": "value.not_bool",
    "date_type": "value.not_date", "date_parsing": "value.not_date", "date_from_datetime_parsing": "value.not_date",
    "date_from_datetime_inexact": "value.not_date",
    "list_type": "value.not_list", "model_type": "value.not_mapping", "dict_type": "value.not_mapping",
    "model_attributes_type": "value.not_mapping",
    "string_too_short": "value.too_short", "too_short": "value.too_short",
    "string_too_long": "value.too_long", "too_long": "value.too_long",
    "string_pattern_mismatch": "value.pattern",
    "greater_than": "value.gt", "greater_than_equal": "value.ge", "less_than": "value.lt", "less_than_equal": "value.le",
    "enum": "value.choice", "literal_error": "value.choice",
    "extra_forbidden": "value.unknown_field",
}


class Message(str):
    """A message of the table that is also its English text (a ``str``: logs, tests, JSON); :meth:`text` gives it in
    Chinese or English. For findings that have no file, row or field (the ledger's chain)."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, **params: Any) -> Message:
        made = super().__new__(cls, render(code, params, "en"))
        made.code, made.params = code, params
        return made

    def text(self, lang: str = "zh") -> str:
        return render(self.code, self.params, lang)

    def __reduce__(self):  # noqa: ANN204 - pickled as the code and its parameters
        return (_message, (self.code, self.params))


def _message(code: str, params: dict[str, Any]) -> Message:
    return Message(code, **params)


def render(code: str, params: dict[str, Any], lang: str = "zh") -> str:
    """The message of ``code`` in ``lang`` with its parameters filled in (KeyError for an unknown code).
    An ``issue`` parameter names a nested message, rendered in the same language as ``reason``; a parameter
    ``x_zh`` is the Chinese text of parameter ``x`` (a rule's finding in both languages), used for ``zh``."""
    zh, en = MESSAGES[code]
    params = {k: (v.text(lang) if isinstance(v, Message) else v) for k, v in params.items()}
    if lang != "en":
        params = {**params, **{k[:-3]: v for k, v in params.items() if k.endswith("_zh")}}
    if "issue" in params:
        inner = {k: v for k, v in params.items() if k not in ("issue", "value")}
        params = {**params, "reason": render(params["issue"], inner, lang)}
    return (en if lang == "en" else zh).format(**params)


def _given(value: Any) -> str:
    text = str(value)
    return text[:60] + ("…" if len(text) > 60 else "")


def describe_error(error: dict[str, Any]) -> dict[str, Any]:
    """``code`` and parameters of the problem for one pydantic error (a validator of ours raises a
    ``PydanticCustomError`` whose type is its code and whose context its parameters)."""
    kind = error["type"]
    ctx = dict(error.get("ctx") or {})
    given = error.get("input")
    given = "" if isinstance(given, (dict, list)) else _given(given)
    if kind in MESSAGES:
        return {"code": kind, **{k: v for k, v in ctx.items()}}
    code = PYDANTIC_CODES.get(kind, "value.invalid")
    params: dict[str, Any] = {"given": given}
    if code in ("value.too_short", "value.too_long"):
        key = "min_length" if code == "value.too_short" else "max_length"
        params[key] = ctx.get(key, "")
    elif code in ("value.gt", "value.ge", "value.lt", "value.le"):
        key = code.split(".")[1]
        params[key] = ctx.get(key, "")
    elif code == "value.choice":
        params["expected"] = str(ctx.get("expected", "")).replace("'", "")
    return {"code": code, **params}
