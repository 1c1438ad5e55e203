"""Every line the command line prints for a planner, in Chinese (default) and English: the one table of CLI messages.

A command chooses its language once (:func:`use_lang`, from ``--lang`` or the locale: :func:`default_lang`), then
:func:`say` fills a template of :data:`MESSAGES` in it. Parameters are the planner's own values (ids, paths, numbers,
dates YYYY-MM-DD); the words around them come from here. Problems in the planner's files keep their own table
(:mod:`scenarios.messages`); the webapp's labels are :mod:`ui.i18n`; document words :mod:`documents.labels`.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["MESSAGES", "say", "use_lang", "current_lang", "default_lang"]

MESSAGES: dict[str, tuple[str, str]] = {
    # line heads (the word before a line, coloured)
    "head.warning": ("警告", "warning"),
    "head.note": ("提示", "note"),
    "head.error": ("错误", "error  "),
    "head.violation": ("违反规则", "violation"),
    "head.mismatch": ("不一致", "mismatch"),
    "head.tampered": ("被篡改", "tampered"),
    "head.failure": ("不通过", "failure"),
    "head.overdue": ("逾期", "overdue"),
    "head.genuine": ("真实", "genuine"),
    "head.sample_moved": ("抽取名单变动", "sample moved"),
    "head.new_key": ("已新建区密钥", "new district key"),
    # verdicts
    "verdict.pass": ("结论：通过 — {what}", "verdict: PASS — {what}"),
    "verdict.fail": ("结论：不通过 — {what}", "verdict: FAIL — {what}"),
    "matches": ("{what}一致", "{what} matches"),
    "differs": ("{what}不一致", "{what} does NOT match"),
    # shared failures (ui.cli.common, ui.cli.__init__)
    "scenario_invalid": ("{path}：场景无效，见上方问题", "{path}: invalid; see the problems above"),
    "not_a_date": ("--{name}：“{text}”不是 YYYY-MM-DD 格式的日期", "--{name}: {text!r} is not a date YYYY-MM-DD"),
    "not_a_directory": ("{path}：不是目录", "{path}: not a directory"),
    "no_manifest": ("{path}：没有 manifest.json，不是计划目录", "{path}: no manifest.json; not a plan directory"),
    "damaged_plan": ("计划文件已损坏：{detail}", "damaged plan: {detail}"),
    "plan_unreadable": ("{path}：无法读取计划：{detail}", "{path}: cannot read the plan: {detail}"),
    "plan_matches_record": ("计划与台账 {db} 中的第 {seq} 条记录一致", "plan matches ledger record {seq} in {db}"),
    "out_exists": ("{out} 已存在；如要替换，请加 --force", "{out} exists; pass --force to replace it"),
    "exists_force_plan": ("{detail}；如要替换计划文件夹，请加 --force", "{detail}; pass --force to replace a plan folder"),
    "what.plan": ("计划", "plan"),
    "what.city_plan": ("全市计划", "city plan"),
    "what.draw": ("抽取结果", "draw"),
    "what.scenario": ("场景", "scenario"),
    "public_url_bad": ("--public-url “{url}” 不是 http:// 或 https:// 开头的网址", "--public-url {url!r} is not an http:// or https:// address"),
    "report_no_results": ("{path} 中还没有检查结果：请先用结果录入命令记录，或加 --results 指定结果文件",
                          "{path} holds no results yet: record them with jointcheck results, or name a file with --results"),
    "report_wrote": ("已写出年度报告 {path}：检查 {visits} 户次，已录结果 {results} 户次，发现问题 {problems} 户次",
                     "wrote the year's report {path}: {visits} visits, {results} with a result, {problems} with problems"),
    "report_no_charts": ("未安装 matplotlib：图表只在 report.html 中（矢量图），未另存 PNG",
                         "matplotlib is not installed: the charts are in report.html (vector) only, no PNG files"),
    "serve_pairs": ("应成对给出“计划目录 场景目录”，现有 {n} 个路径", "give PLAN_DIR SCENARIO_DIR pairs; got {n} path(s)"),
    "serve_ready": ("核验服务：{plans} 个计划、{codes} 个检查码，地址 http://{host}:{port}/（按 Ctrl+C 停止）",
                    "verification service: {plans} plan(s), {codes} code(s) at http://{host}:{port}/ (Ctrl+C stops it)"),
    "ledger_after_publication": ("最近一次公示的台账链头（第 {seq} 条）之后又追加了 {n} 条记录；公示之后追加的计划记录不改变已公示的内容"
                                 "（核验计划时对照公示即可发现）",
                                 "{n} record(s) appended after the last published ledger head (seq {seq}); a plan record "
                                 "appended after publication does not change what was published (jointcheck verify --notice "
                                 "checks it)"),
    "ledger_after_line": ("第 {seq} 条：{kind}，{day}", "seq {seq}: {kind}, {day}"),
    "not_written_ledger": ("{what}未写出：{detail}", "the {what} was not written: {detail}"),
    "cannot_write": ("{out}：无法写出{what}：{detail}", "{out}: cannot write the {what}: {detail}"),
    "rule_engine": ("规则引擎：{detail}", "rule engine: {detail}"),
    "too_large": ("输入嵌套过深或过大（{kind}）", "input too deeply nested or too large ({kind})"),
    "internal_error": ("内部错误：{kind}：{detail} — 请连同引发它的命令一起报告",
                       "internal error: {kind}: {detail} — please report it with the command that caused it"),
    "wrote": ("已写出 {path}", "wrote {path}"),
    "unplaced_pair": ("检查对象 {subject} · 任务 {task}：{reason}", "subject {subject} · task {task}: {reason}"),
    "unplaced_more": ("……另有 {n} 个未安排的（对象×任务），见 unplaced.parquet",
                      "… and {n} more unplaced (subject × task) pairs: see unplaced.parquet"),
    # draw, audit
    "mode.coordinated": ("协调抽取", "coordinated"),
    "mode.positive": ("仅正协调", "positive"),
    "mode.independent": ("独立抽取（现行做法）", "independent"),
    "kind.count": ("定量", "count"),
    "kind.ratio": ("定比", "ratio"),
    "repeat_needs_integer": ("--repeat 需要整数 --seed，收到“{seed}”", "--repeat needs an integer --seed, got {seed!r}"),
    "rounds_value": ("--rounds 只能是 aligned 或 given，不能是“{rounds}”", "--rounds must be aligned or given, not {rounds!r}"),
    "drawing": ("正在计算规则、对齐日历、抽取…", "evaluating rules, aligning rounds, drawing…"),
    "draw_wrote": ("已写出 {path}：{pairs:,} 个符合条件的（对象×任务），抽中 {drawn:,} 个（{distinct:,} 个不同的对象抽取），"
                   "因上限替补 {replaced:,} 个，公开随机数 {seeds} 个，抽取方式：{mode}",
                   "wrote {path}: {pairs:,} eligible pairs, {drawn:,} drawn ({distinct:,} distinct subject-draws), "
                   "{replaced:,} replaced for caps, {seeds} seed(s), mode {mode}"),
    "audit_drawing": ("正在用 {seeds} 个随机数抽取…", "drawing {seeds} seeds…"),
    "audit_title": ("{name}：{seeds} 个随机数（{first}..{last}），抽取方式：{mode}，政策：{policy}；抽中频率与规则的 π 对比",
                    "{name}: {seeds} seeds ({first}..{last}), mode {mode}, policy {policy}: frequencies against the rules' π"),
    "audit_columns": ("任务,类型,N,Σπ,n,χ²/df,p,|z|,从未,替补,结果", "task,kind,N,Σπ,n,χ²/df,p,|z|,never,repl,ok"),
    "audit_ok": ("通过", "ok"),
    "audit_no": ("不通过", "NO"),
    "audit_legend": ("N：符合条件的对象数；n：抽取户数；|z|：该任务各风险分类中最大者；从未：随机数个数×π ≥ 20 却从未抽中的对象；"
                     "替补：因上限替补",
                     "N eligible subjects, n sizes drawn, |z| the largest over the task's risk classes, "
                     "never: subjects never drawn although seeds·π ≥ 20, repl: cap replacements"),
    "audit_failures": ("{n} 项不通过", "{n} failure(s)"),
    "audit_pass": ("每个任务均通过（卡方检验 p > {p:g}，每个风险分类偏离不超过 {z:g} 个标准差，没有从未抽中的对象，"
                   "每次抽取户数合法）",
                   "every task passes (chi-square p > {p:g}, every class within {z:g} sd, "
                   "no subject never drawn, every sample of a lawful size)"),
    # plan, adjust
    "city_only_district_options": ("--plan-id、--policy 和 --previous 用于区；全市各区使用区名和 city.yaml 的政策",
                                   "--plan-id, --policy and --previous are for a district; a city's districts use their "
                                   "names and city.yaml's policy"),
    "engine_for_city": ("--engine 和 --address 用于全市目录（含 city.yaml）；这是一个区",
                        "--engine and --address are for a city directory (holding city.yaml); this is a district"),
    "previous_seed_needs_previous": ("--previous-seed 需要同时给出 --previous PLAN_DIR", "--previous-seed needs --previous PLAN_DIR"),
    "previous_needs_seed": ("--previous 需要 --previous-seed：该链第一个计划的公开随机数（其永久随机号）",
                            "--previous needs --previous-seed: the public value of the chain's first plan (its permanent numbers)"),
    "rotation": ("轮换：{n} 个往年计划；其弧段平均止于单位圆的 {mean:.4f}",
                 "rotation: {n} earlier plan(s); their arcs end on average at {mean:.4f} of the unit circle"),
    "adjust_out_new": ("--out 必须是新目录：被调整的计划保持原样（全程留痕）",
                       "--out must be a new directory: the plan adjusted stays as it was (全程留痕)"),
    "adjusted_breaks": ("调整后的计划违反 {n} 条硬性规则（见上），未写出",
                        "the adjusted plan breaks {n} hard rule(s) (listed above) and was not written"),
    "adjusted_not_written": ("调整后的计划未写出：{detail}", "the adjusted plan was not written: {detail}"),
    "ledger_record": ("台账：第 {seq} 条记录（{hash}…），{db}", "ledger: record {seq} ({hash}…) in {db}"),
    "adjust_line": ("自 {as_of} 起调整：新增任务 {added}；取消任务 {cancelled}；调整时间 {moved}；此前已实施的 {done} 户次保留",
                    "adjustment as of {as_of}: added {added}; cancelled {cancelled}; moved {moved}; "
                    "{done} visit(s) made before it kept"),
    "adjust_visits": ("上门户次：新增 {added}，取消 {removed}，改期 {moved}，任务变更 {tasks_changed}，人员变更 {team_changed}"
                      "（changes.csv、changes.json）",
                      "visits: added {added}, removed {removed}, moved {moved}, tasks changed {tasks_changed}, "
                      "teams changed {team_changed} (changes.csv, changes.json)"),
    "sample_moved": ("任务 {task}（{reason}）：移出 {out}；补入 {came} — {why}", "task {task} ({reason}): out {out}; in {came} — {why}"),
    "adjust_wrote": ("已写出 {path}：计划 {plan_id} 第 {version} 版；请在其自身的公开期限内公开（jointcheck publish）",
                     "wrote {path}: version {version} of plan {plan_id}; publish it within its own deadline (jointcheck publish)"),
    "key_needed": ("需要签发该计划检查码的区密钥：{detail}", "the district key that signed the plan's 检查码 is needed: {detail}"),
    "plan_breaks": ("计划违反 {n} 条硬性规则（见上），未写入 {out}；如要写出并标注，请加 --allow-violations",
                    "the plan breaks {n} hard rule(s) (listed above) and was not written to {out}; "
                    "pass --allow-violations to write it marked as such"),
    "written_with_violations": ("因 --allow-violations 写出，含 {n} 处违规；manifest 中已列出",
                                "written with {n} violation(s) because of --allow-violations; the manifest lists them"),
    "new_key": ("已在 {path} 新建 — 它签发每个检查码；请妥善保密并备份（切勿放入计划目录）",
                "created in {path} — it signs every 检查码; keep it private and backed up (never in a plan directory)"),
    # check, verify
    "check_pass": ("{path}：全部检查通过", "{path}: every check passed"),
    "check_fail": ("{path}：违反上述硬性规则 {n} 处", "{path}: {n} violation(s) of the hard rules above"),
    "other_scenario": ("{path} 由另一场景生成，不是 {scenario}（场景哈希不同）；其余未检查",
                       "{path} was made from a different scenario than {scenario} (scenario hash differs); nothing else was checked"),
    "seed_commitment": ("随机数承诺", "seed commitment"),
    "scenario_hash": ("场景哈希", "scenario hash"),
    "verify_pass": ("全部 {pairs:,} 个抽取结果一致", "all {pairs:,} draws match"),
    "verify_fail": ("{path} 的抽取无法由公开随机数 {seed} 复现{more}", "the draw of {path} cannot be reproduced from public value {seed}{more}"),
    "verify_mismatches": ("（{n} 处不一致）", " ({n} mismatch(es))"),
    # city
    "city_invalid": ("{path}：全市目录无效，见上方问题", "{path}: invalid city; see the problems above"),
    "city_errors_nothing": ("{path}：{n} 个错误；未写出任何文件", "{path}: {n} error(s); nothing was written"),
    "city_nothing": ("{path}：未写出任何文件", "{path}: nothing was written"),
    "city_ledger_record": ("台账：第 {seq} 条记录（{hash}…）{path}", "ledger: record {seq} ({hash}…) {path}"),
    "city_plan_title": ("全市计划 {name}（公开随机数 {seed}，引擎 {engine}）", "City plan {name} (seed value {seed}, engine {engine})"),
    "city_columns": ("区,检查对象,户次,抽中,未安排,用时（秒）,内存峰值 MiB", "district,subjects,visits,drawn,unplaced,seconds,peak RSS MiB"),
    "city_task_line": ("全市任务 {task}：抽取 {total} 户（期望 {expected:.2f}）：{shares}",
                       "city-wide {task}: {total} drawn (expected {expected:.2f}): {shares}"),
    "city_stage.census": ("普查", "census"),
    "city_stage.split": ("分配", "split"),
    "city_stage.plan": ("各区计划", "plan"),
    "city_stage.gather": ("汇总", "gather"),
    "stage_seconds": ("各阶段用时（秒）：{stages}", "stage seconds: {stages}"),
    "city_wrote": ("已写出 {out}（每个区一个计划目录，在 {out}/districts/ 中）", "wrote {out} (one plan directory per district in {out}/districts/)"),
    "generating_city": ("正在生成含 {n} 个区的城市…", "generating a city of {n} districts…"),
    "city_generated": ("已写出 {out}：{n} 个区 × {subjects:,} 个检查对象，{tasks} 项全市任务",
                       "wrote {out}: {n} districts × {subjects:,} subjects, {tasks} city-wide task(s)"),
    "checking_districts": ("正在检查各区…", "checking the districts…"),
    "not_city_plan": ("{path}：不是全市计划目录（应有 manifest.json 和 districts/）", "{path}: not a city plan directory (manifest.json and districts/)"),
    "city_check_pass": ("{path}：全部 {n} 个区的检查均通过", "{path}: every check passed in all {n} districts"),
    "city_redoing": ("正在重做普查、分配和各区抽取…", "re-doing the census, the split and every district's draw…"),
    "city_hash": ("全市哈希", "city hash"),
    "split_commitment": ("分配随机数承诺", "split seed commitment"),
    "city_shares": ("全市任务分配", "city-wide task shares"),
    "district_draws_ok": ("{district}：{pairs:,} 个抽取结果，全部一致", "{district}: {pairs:,} draws, all match"),
    "district_draws_bad": ("{district}：{pairs:,} 个抽取结果，{n} 处不一致", "{district}: {pairs:,} draws, {n} mismatch(es)"),
    "city_verify_fail": ("全市计划 {path} 无法由公开随机数 {seed} 复现", "the city plan {path} cannot be reproduced from public value {seed}"),
    "city_verify_pass": ("全市哈希、分配和全部 {n} 个区的抽取均一致", "city hash, split and all {n} districts' draws match"),
    "district_error": ("区“{district}”：{detail}", "district {district!r}: {detail}"),
    # publish
    "publish_adjusted": ("调整后的计划（动态调整）：以调整日期 {day} 为形成日期", "adjusted plan (动态调整): formed on its adjustment date {day}"),
    "publish_wrote": ("已写出 {path}：{tasks} 项任务，{visits} 户次", "wrote {path}: {tasks} tasks, {visits} visits"),
    "publish_deadline": ("计划于 {formed} 形成，应于 {by} 前公开（{days} 个工作日）；公开日期 {published}{late}",
                         "plan formed {formed}, to be published by {by} ({days} working days); published {published}{late}"),
    "publish_overdue": (" — 已逾期", " — OVERDUE"),
    "publish_no_deadline": ("政策 {policy} 未规定计划公开期限", "policy {policy} sets no plan publication deadline"),
    "publish_made_late": ("计划于 {formed} 形成，晚于 {due}（应制定月份的月末）", "the plan was made on {formed}, after {due} (end of the due month)"),
    "publish_result_days": ("每项检查结果：自形成之日起 {days} 个工作日内公示", "each result: publish within {days} working days of being formed"),
    "publish_written_but": ("公开计划已写入 {out}，但{detail}", "the public plan was written to {out} but {detail}"),
    "formed_default": ("未给出 --formed：计划按今天 {day} 形成计算；上述期限自该日起算（如需更正，请加 --formed YYYY-MM-DD）",
                       "--formed not given: the plan is taken as formed today, {day}; the deadlines above count from that "
                       "day (pass --formed YYYY-MM-DD to fix them)"),
    "visits_before_formed": ("{n} 户次的检查日期早于计划形成日期 {day}（最早 {earliest}）：检查不能早于计划公开",
                             "{n} visit(s) are dated before the plan was formed on {day} (earliest {earliest}): "
                             "a visit cannot precede its published plan"),
    # results
    "results_problems": ("{path}：{n} 个问题；未记录任何结果", "{path}: {n} problem(s); nothing recorded"),
    "results_title": ("计划 {plan_id} 检查结果（截至 {day}）", "Results of plan {plan_id} as of {day}"),
    "results_columns": ("任务,抽查市场主体(户),出动执法人员(人次),发现问题市场主体(户),发现问题(个),已整改问题(个)",
                        "task,subjects inspected,officer-visits,subjects with problems,problems found,problems rectified"),
    "results_no_deadline": ("该计划的政策未规定检查结果公示期限", "the plan's policy sets no result publication deadline"),
    "results_overdue": ("检查 {visit}：{result} 形成的结果应于 {by} 前公示，{what}", "visit {visit}: result of {result} due by {by}, {what}"),
    "published_on": ("已于 {day} 公示", "published {day}"),
    "not_published": ("尚未公示", "not published"),
    "results_recorded": ("已在 {path} 记录 {n} 项结果；逾期公示 {overdue} 项", "recorded {n} result(s) in {path}; {overdue} overdue publication(s)"),
    "ledger_record_short": ("台账：第 {seq} 条记录（{hash}…）", "ledger: record {seq} ({hash}…)"),
    # ledger
    "ledger_problems": ("{db}：{records} 条记录中有 {n} 个问题", "{db}: {n} problem(s) in {records} record(s)"),
    "ledger_intact": ("{db}：{records} 条记录，哈希链完整；链头 {head}", "{db}: {records} record(s), chain intact; head {head}"),
    "no_record": ("没有第 {seq} 条记录", "no record {seq}"),
    "ledger_columns": ("序号,类型,计划,记录日期,哈希", "seq,kind,plan,recorded on,hash"),
    "kind.plan": ("计划", "plan"),
    "kind.verify": ("验证", "verify"),
    "kind.publish": ("公开", "publish"),
    "kind.results": ("检查结果", "results"),
    # code check
    "not_a_code": ("不是检查码：应为 10 个字母或数字，如 ABCDE-FGH23", "not an inspection code: expected 10 letters/digits like ABCDE-FGH23"),
    "no_plan_to_search": ("没有可查找的计划：请加 --plan，或先在台账 {db} 中记录计划",
                          "no plan to search: pass --plan or record plans in the ledger {db}"),
    "code_untrusted_differs": ("{path}：计划与其台账记录不符；不予采信", "{path}: the plan differs from its ledger record; not trusted"),
    "code_forged": ("检查码 {code} 在 {path} 中，但不是区密钥 {key} 下该次检查的 HMAC：计划文件被伪造或密钥不同；请致电区联席会议办公室",
                    "code {code} is in {path} but is NOT the HMAC of its visit under the district key {key}: the plan "
                    "file was forged or the key is another; call the district office"),
    "code_untrusted_unrecorded": ("{path} 含检查码 {code}，但台账中没有记录，且无法重算其 HMAC（随机数尚未公开）；不予采信",
                                  "{path} holds code {code} but is not recorded in the ledger and its HMAC cannot be "
                                  "recomputed (seed not revealed); not trusted"),
    "code_how_hmac": ("已用区密钥重算 HMAC", "HMAC recomputed with the district key"),
    "code_how_file": ("计划文件已记入台账；随机数尚未公开，未重算 HMAC",
                      "plan file recorded in the ledger; HMAC not recomputed: the seed is not revealed yet"),
    "code_how_record": ("；与台账第 {seq} 条记录一致", "; matches ledger record {seq} (recorded in the ledger)"),
    "code_genuine": ("检查 {visit}：{date} 由 {departments} 对检查对象 {subject} 上门检查（{how}）",
                     "visit {visit} to subject {subject} on {date} by {departments} ({how})"),
    "code_unknown": ("没有任何计划中的检查使用检查码 {code}；该检查可能不真实 — 请致电区联席会议办公室",
                     "no planned visit has code {code}; the inspection may not be genuine — call the district office"),
    # score
    "score_is_scenario": ("--out {out} 就是场景本身；请将评分后的场景写到别处", "--out {out} is the scenario itself; write the scored scenario elsewhere"),
    "scorecard": ("评分卡 {id}：{name} — {document}", "scorecard {id}: {name} — {document}"),
    "score_matrices": ("判断矩阵一致性", "consistency of each comparison matrix"),
    "score_matrix_columns": ("矩阵,n,λ_max,CI,CR", "matrix,n,λ_max,CI,CR"),
    "score_weights": ("指标权重", "indicator weights"),
    "score_weight_columns": ("指标,字段,权重", "indicator,column,weight"),
    "score_cross": ("原分类 → 评分卡分类（户）", "given class → scored class (subjects)"),
    "score_given": ("原分类", "given"),
    "score_missing": ("{n:,} 个检查对象的 {column} 无法读取；按 {value:g} 计分", "{n:,} subject(s) have no readable {column}; scored {value:g} there"),
    "score_skipped": ("{n:,} 个检查对象不属于 {types}，保留原分类", "{n:,} subject(s) are not of {types} and keep their class"),
    "score_wrote": ("已写出 {path}：{n:,} 个检查对象已评分", "wrote {path}: {n:,} subjects scored"),
    # scenario commands
    "generating": ("正在生成 {name}…", "generating {name}…"),
    "unknown_subject": ("检查对象“{subject}”不在 {path} 中", "subject {subject!r} is not in {path}"),
    "unknown_task": ("任务“{task}”不在 {path} 中", "task {task!r} is not in {path}"),
    # import and template (ui.cli.office)
    "import_encoding": ("{file}：按 {encoding} 编码读取", "{file}: read as {encoding}"),
    "import_reading": ("正在读取 {path}…", "reading {path}…"),
    "import_done": ("已导入 {name}（{year} 年，政策 {policy}）：{subjects:,} 个检查对象、{officers:,} 名执法检查人员、{tasks} 项抽查任务 → {out}",
                    "imported {name} ({year}, policy {policy}): {subjects:,} subjects, {officers:,} officers, {tasks} tasks → {out}"),
    "import_refused": ("{n} 个错误：未写出任何文件（{out} 未改动）", "{n} error(s): nothing was written ({out} is unchanged)"),
    "import_next": ("下一步：jointcheck plan {out} --seed 公开随机数 --out 计划目录",
                    "next: jointcheck plan {out} --seed PUBLIC_VALUE --out PLAN_DIR"),
    "template_force_own": ("--force 只替换 jointcheck template 写出的工作簿；{out} 不是，未作改动",
                           "--force replaces only a workbook jointcheck template wrote; {out} is not one, so it was left untouched"),
    "template_not_xlsx": ("--out {out}：模板应写成 .xlsx 文件", "--out {out}: the template is written as an .xlsx file"),
    "template_wrote": ("已写出模板 {path}（{what}）", "wrote the template {path} ({what})"),
    "template_blank": ("空白模板", "blank"),
    "template_of": ("含场景 {name} 的数据", "with the data of scenario {name}"),
    # export
    "writing_documents": ("正在写出文书…", "writing documents…"),
    "making_document": ("正在生成文书 {n}/{total}：{what}（{fmt}）…", "making paper {n} of {total}: {what} ({fmt})…"),
    "documents_wrote": ("已写出 {n} 个文件到 {path}", "wrote {n} file(s) into {path}"),
}

_state = {"lang": ""}


def default_lang() -> str:
    """zh unless the locale (LC_ALL, LC_MESSAGES or LANG) starts with en."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"


def use_lang(lang: Any = None) -> str:
    """Set the language of what this command prints: ``--lang`` (zh, en, or its enum) or else the locale; returns it."""
    value = getattr(lang, "value", lang) or default_lang()
    _state["lang"] = "en" if value == "en" else "zh"
    return _state["lang"]


def current_lang() -> str:
    """The language chosen by :func:`use_lang`, or the locale's when no command chose one."""
    return _state["lang"] or default_lang()


def say(key: str, lang: str | None = None, /, **values: Any) -> str:
    """Message ``key`` in ``lang`` (default :func:`current_lang`), its ``{placeholders}`` filled from ``values``."""
    zh, en = MESSAGES[key]
    text = en if (lang or current_lang()) == "en" else zh
    return text.format(**values) if values else text
