"""Everything a planner reads from the command line is in Chinese (default) and English.

``check``, ``verify``, ``publish``, ``results``, ``ledger``, ``code check``, ``explain``, ``draw``, ``score`` and
the shared failures print Chinese by default (the locale unless it is English) and with ``--lang zh``, English
with ``--lang en`` or an English locale. A Chinese line holds no English word but the ids, paths, file names and
option names the planner typed or must type.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from ui.cli import app
from ui.cli.messages import MESSAGES

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "scenarios" / "tiny"
SEED = "20240301"
runner = CliRunner()
ZH_ENV = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "zh_CN.UTF-8"}
EN_ENV = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": "en_US.UTF-8"}
# words a Chinese line may hold: file and option names, formats and acronyms a planner types or reads on a form
ALLOWED = {"manifest", "manifest_sha", "json", "parquet", "csv", "SHA", "HMAC", "YYYY", "MM", "DD", "jointcheck", "plan", "publish",
           "allow", "unrecorded", "force", "out", "seed", "lang", "MiB", "p", "sd", "n", "N"}


def run(args: list[str], env: dict | None = None) -> tuple[int, str]:
    result = runner.invoke(app, args, env=env or ZH_ENV)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def english_words(text: str, *typed: object) -> list[str]:
    """The English words of ``text`` once what the planner typed (paths, ids, seeds) and hex hashes are removed."""
    for value in sorted((str(t) for t in typed), key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", text)
    text = re.sub(r"\b[0-9a-f]{16,}\b", " ", text)
    text = re.sub(r"[\w.-]+\.(parquet|json|csv|xlsx|db|key)\b", " ", text)  # file names
    text = re.sub(r"\b[A-Z]\d+\b", " ", text)  # ids of the scenario: T01, S046, V0001 …
    return [w for w in re.findall(r"[A-Za-z][A-Za-z_]+", text) if w not in ALLOWED]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A plan of scenarios/tiny recorded in its own ledger, made with its own district key."""
    root = tmp_path_factory.mktemp("lang")
    out, db = root / "plan", root / "j.db"
    key = Path(os.environ["JOINTCHECK_KEY_FILE"])  # the session's: every record of these ledgers is signed with it
    code, output = run(["plan", str(TINY), "--seed", SEED, "--out", str(out), "--ledger", str(db), "--key-file", str(key)])
    assert code == 0, output
    return out, db, key


@pytest.fixture
def own(recorded: tuple[Path, Path, Path], tmp_path: Path) -> tuple[Path, Path, Path]:
    """A copy of the recorded plan with its own ledger (the test may append to it or tamper with the plan)."""
    out, db, key = recorded
    plan, ledger = tmp_path / "plan", tmp_path / "j.db"
    shutil.copytree(out, plan)
    shutil.copy(db, ledger)
    from records.ledger import record_plan

    record_plan(ledger, plan)
    return plan, ledger, key


def test_every_message_has_both_languages_and_the_same_placeholders():
    """One table: each message in Chinese and English, with the same values filled in."""
    field = re.compile(r"{(\w+)")
    for key, (zh, en) in MESSAGES.items():
        assert zh and en, key
        assert set(field.findall(zh)) == set(field.findall(en)), key
        assert not re.search(r"[\u4e00-\u9fff]", en) or "检查码" in en or "全程留痕" in en or "动态调整" in en, key


@pytest.mark.parametrize("env,args", [(ZH_ENV, []), (EN_ENV, ["--lang", "zh"])])
def test_check_prints_chinese_by_default_and_with_lang_zh(own, env, args):
    plan, ledger, _ = own
    code, output = run(["check", str(plan), str(TINY), "--ledger", str(ledger), *args], env)
    assert code == 0, output
    assert f"结论：通过 — {plan}：全部检查通过" in output
    assert f"计划与台账 {ledger} 中的第" in output
    assert english_words(output, plan, ledger) == [], output


@pytest.mark.parametrize("env,args", [(EN_ENV, []), (ZH_ENV, ["--lang", "en"])])
def test_check_prints_english_with_lang_en_or_an_english_locale(own, env, args):
    plan, ledger, _ = own
    code, output = run(["check", str(plan), str(TINY), "--ledger", str(ledger), *args], env)
    assert code == 0, output
    assert f"verdict: PASS — {plan}: every check passed" in output
    assert not re.search(r"[\u4e00-\u9fff]", output), output


def test_a_tampered_plan_is_refused_in_chinese_naming_the_file(own):
    plan, ledger, _ = own
    visits = pl.read_parquet(plan / "visits.parquet")
    visits.head(visits.height - 1).write_parquet(plan / "visits.parquet")
    code, output = run(["check", str(plan), str(TINY), "--ledger", str(ledger)])
    assert code == 1, output
    assert f"被篡改 {plan}/visits.parquet：SHA-256 与台账第" in output
    assert f"{plan}：拒绝使用：该计划与台账 {ledger} 中的记录不符" in output
    assert english_words(output, plan, ledger) == [], output
    code, output = run(["check", str(plan), str(TINY), "--ledger", str(ledger), "--lang", "en"])
    assert code == 1 and f"tampered {plan}/visits.parquet: SHA-256 differs from ledger record" in output, output


def test_an_unrecorded_plan_is_refused_in_chinese(own, tmp_path):
    plan, _, _ = own
    empty = tmp_path / "other.db"
    code, output = run(["check", str(plan), str(TINY), "--ledger", str(empty)])
    assert code == 1, output
    assert "台账" in output and "--allow-unrecorded" in output
    assert english_words(output, plan, empty) == [], output


def test_verify_in_both_languages(own):
    plan, ledger, _ = own
    code, output = run(["verify", str(plan), str(TINY), "--seed", SEED, "--ledger", str(ledger)])
    assert code == 0, output
    for line in ("随机数承诺一致", "场景哈希一致", "结论：通过 — 全部"):
        assert line in output, output
    assert english_words(output, plan, ledger) == [], output
    code, output = run(["verify", str(plan), str(TINY), "--seed", SEED, "--ledger", str(ledger), "--lang", "en"])
    assert code == 0 and "seed commitment matches" in output and "verdict: PASS — all" in output, output
    code, output = run(["verify", str(plan), str(TINY), "--seed", "1", "--ledger", str(ledger)])
    assert code == 1, output
    assert "随机数承诺不一致" in output and f"结论：不通过 — {plan} 的抽取无法由公开随机数 1 复现" in output, output
    assert re.search(r"不一致 检查对象 \S+ 任务 \S+：公开的计划为(未)?抽中，重新计算为(未)?抽中", output), output
    assert english_words(output, plan, ledger) == [], output


def test_check_names_each_violation_in_chinese(own):
    """A plan edited by hand (a visit moved to a Sunday, the manifest's hashes redone) and recorded again: ``check``
    lists what it breaks in Chinese, and the English line stays what the manifest would list."""
    import datetime as dt
    import hashlib

    from records.ledger import record_plan

    plan, ledger, _ = own
    visits = pl.read_parquet(plan / "visits.parquet")
    first = visits["visit_id"][0]
    visits.with_columns(pl.when(pl.col("visit_id") == first).then(pl.lit(dt.date(2024, 3, 3))).otherwise(pl.col("date"))
                        .alias("date")).write_parquet(plan / "visits.parquet")
    manifest = json.loads((plan / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = {n: hashlib.sha256((plan / n).read_bytes()).hexdigest() for n in manifest["files"]}
    (plan / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    record_plan(ledger, plan)
    code, output = run(["check", str(plan), str(TINY), "--ledger", str(ledger)])
    assert code == 1, output
    assert "违反规则 manifest.json：内容与其 manifest_sha256 不符，生成后被修改" in output, output
    assert f"违反规则 检查 {first}：2024-03-03 不是工作日" in output, output
    assert re.search(r"结论：不通过 — .*：违反上述硬性规则 \d+ 处", output), output
    assert english_words(output, plan, ledger) == [], output
    code, output = run(["check", str(plan), str(TINY), "--ledger", str(ledger), "--lang", "en"])
    assert f"violation [dates] visit {first}: 2024-03-03 is not a working day" in output, output


def test_every_violation_and_mismatch_reads_in_both_languages():
    """Each entry of the checker's table fills in Chinese and English from the same values."""
    from optimizer.check import VIOLATIONS, Violation
    from optimizer.verify import Mismatch

    values = dict(name="visits.parquet", detail="x", task="T01", days=3, start="2024-01-02", end="2024-01-04",
                  lo="2024-01-01", hi="2024-02-01", stratum="A", risk_class="A", pi=0.5, drawn=2, want="exactly 1",
                  want_zh="恰好 1 户", subject="S1", n=2, u=1, visit="V1", date="2024-01-06", cap=1, officer="O1",
                  home="SAMR", department="EDU", m=2, qualification="food", week=3, why="", why_zh="")
    for key in VIOLATIONS:
        v = Violation.of(key, **values)
        assert str(v).startswith(f"[{key.split('.')[0]}] ") and v.text("en") == str(v)
        assert re.search(r"[\u4e00-\u9fff]", v.text("zh")) or key == "files.unreadable", key
        assert english_words(v.text("zh"), *values.values()) == [], (key, v.text("zh"))
    short = Violation.of("sample.task", task="T01", drawn=1, want="exactly 2", want_zh="恰好 2 户", why=" — capped",
                         why_zh="；已达上限")
    assert (str(short), short.text("zh")) == ("[sample] task T01: drew 1, lawful size exactly 2 — capped",
                                              "任务 T01：抽取 1 户，合法户数为恰好 2 户；已达上限")
    assert str(Mismatch("S1", "T1", False, True)) == "subject S1 task T1: published selected=False, recomputed True"
    assert Mismatch("S1", "T1", False, True).text("zh") == "检查对象 S1 任务 T1：公开的计划为未抽中，重新计算为抽中"


def test_publish_results_ledger_and_code_check_in_chinese(own, tmp_path):
    plan, ledger, key = own
    public = tmp_path / "public"
    code, output = run(["publish", str(plan), str(TINY), "--out", str(public), "--formed", "2024-02-01",
                        "--ledger", str(ledger)])
    assert code == 0, output
    assert f"已写出 {public}：" in output and "计划于 2024-02-01 形成，应于 " in output, output
    assert english_words(output, plan, ledger, public) == [], output

    visits = pl.read_parquet(plan / "visits.parquet")
    first = visits.row(0, named=True)
    csv = tmp_path / "results.csv"
    csv.write_text("visit_id,result_date,problems_found,problems_rectified\n"
                   f"{first['visit_id']},{first['date']},2,1\nV-NONE,2024-13-01,x,1\n", encoding="utf-8")
    code, output = run(["results", str(plan), str(csv), "--ledger", str(ledger), "--as-of", "2024-12-31"])
    assert code == 1, output
    assert "results.csv 第 3 行，字段 visit_id：“V-NONE”不是计划" in output, output
    assert "results.csv 第 3 行，字段 result_date：“2024-13-01”不是 YYYY-MM-DD 格式的日期" in output, output
    assert "未记录任何结果" in output
    csv.write_text("visit_id,result_date,problems_found,problems_rectified,published_date\n"
                   f"{first['visit_id']},{first['date']},2,1,{first['date']}\n", encoding="utf-8")
    code, output = run(["results", str(plan), str(csv), "--ledger", str(ledger), "--as-of", "2024-12-31"])
    assert code == 0, output
    assert "检查结果" in output and "已在" in output and "记录 1 项结果" in output, output

    code, output = run(["ledger", "verify", "--ledger", str(ledger)])
    assert code == 0 and "条记录，哈希链完整" in output, output
    assert english_words(output, ledger) == [], output
    code, output = run(["ledger", "show", "--ledger", str(ledger)])
    assert code == 0 and "序号" in output and "记录日期" in output and "公开" in output, output
    assert not re.search(r"\d\d:\d\d", output), "the list shows dates without times"
    code, output = run(["ledger", "show", "--ledger", str(ledger), "--json"])
    assert json.loads(output)[0]["kind"] == "plan"  # machine-readable output keeps its keys and values

    code, output = run(["code", "check", first["inspection_code"], "--plan", str(plan), "--ledger", str(ledger),
                        "--key-file", str(key), "--seed", SEED])
    assert code == 0, output
    assert output.startswith("真实：") and f"检查 {first['visit_id']}：{first['date']} 由 " in output, output
    code, output = run(["code", "check", "nonsense", "--ledger", str(ledger)])
    assert code == 1 and "不是检查码" in output, output
    code, output = run(["code", "check", "nonsense", "--ledger", str(ledger), "--lang", "en"])
    assert code == 1 and "not an inspection code" in output, output


def test_explain_follows_the_locale_and_lang():
    subject = pl.read_csv(TINY / "subjects.csv")["subject_id"][0]
    code, zh = run(["explain", str(TINY), "--subject", subject])
    assert code == 0, zh
    code, en = run(["explain", str(TINY), "--subject", subject], EN_ENV)
    assert code == 0, en
    code, en_flag = run(["explain", str(TINY), "--subject", subject, "--lang", "en"])
    assert en == en_flag and zh != en
    assert len(re.findall(r"[\u4e00-\u9fff]", zh)) > len(re.findall(r"[\u4e00-\u9fff]", en))
    code, output = run(["explain", str(TINY), "--subject", "NOPE"])
    assert code == 2 and "检查对象“NOPE”不在" in output, output


def test_shared_failures_are_chinese(tmp_path):
    code, output = run(["check", str(tmp_path / "none"), str(TINY)])
    assert code == 2 and f"{tmp_path / 'none'}：不是目录" in output, output
    code, output = run(["results", str(tmp_path), str(tmp_path / "r.csv"), "--as-of", "2024-02-30"])
    assert code == 2 and "没有 manifest.json，不是计划目录" in output, output
    code, output = run(["plan", str(TINY), "--seed", "1", "--out", str(TINY)])
    assert code == 2 and "包含场景" in output and "请另选输出位置" in output, output


def test_draw_summary_in_both_languages(tmp_path):
    out = tmp_path / "d.parquet"
    code, output = run(["draw", str(TINY), "--seed", "1", "--out", str(out)])
    assert code == 0 and f"已写出 {out}：" in output and "抽取方式：协调抽取" in output, output
    assert english_words(output, out) == [], output
    code, output = run(["draw", str(TINY), "--seed", "1", "--out", str(out), "--force", "--lang", "en"])
    assert code == 0 and f"wrote {out}:" in output and "mode coordinated" in output, output


def test_an_edited_ledger_is_reported_in_chinese(own):
    """``ledger verify`` and the plan it binds name the edited record in Chinese; the English finding is unchanged."""
    import sqlite3

    from records.ledger import verify_ledger

    plan, ledger, _ = own
    conn = sqlite3.connect(ledger)
    conn.execute("DROP TRIGGER records_no_update")
    conn.execute("UPDATE records SET plan_id = 'forged' WHERE seq = 1")
    conn.commit()
    conn.close()
    code, output = run(["ledger", "verify", "--ledger", str(ledger)])
    assert code == 1, output
    assert "被篡改 第 1 条记录（plan，forged）：内容与其哈希不符（记录被修改）" in output, output
    assert "被篡改 台账的只追加触发器被删除" in output, output
    assert english_words(output, ledger, "plan", "forged") == [], output
    assert any(p == "record 1 (plan, forged): content does not match its hash (the record was edited)"
               for p in verify_ledger(ledger).problems)
    code, output = run(["check", str(plan), str(TINY), "--ledger", str(ledger)])
    assert code == 1 and f"被篡改 {ledger}：台账未通过校验：第 1 条记录" in output, output


def test_errors_raised_below_the_command_line_are_chinese(own, tmp_path):
    """The ledger, the district key, publication and the generator raise their message in both languages."""
    plan, ledger, _ = own
    not_db = tmp_path / "not.db"
    not_db.write_text("hello", encoding="utf-8")
    code, output = run(["ledger", "verify", "--ledger", str(not_db)])
    assert code == 2 and f"无法打开台账 {not_db}：" in output, output
    code, output = run(["ledger", "verify", "--ledger", str(not_db), "--lang", "en"])
    assert code == 2 and f"ledger {not_db} cannot be opened" in output, output
    bad_key = tmp_path / "bad.key"
    bad_key.write_text("x", encoding="utf-8")
    code, output = run(["plan", str(TINY), "--seed", "1", "--out", str(tmp_path / "p"), "--key-file", str(bad_key),
                        "--ledger", str(tmp_path / "j.db")])
    assert code == 2 and f"区密钥文件 {bad_key} 应含 64 个十六进制数字" in output, output
    code, output = run(["publish", str(plan), str(TINY), "--out", str(tmp_path / "pub"), "--formed", "2024-02-01",
                        "--reveal", "wrong", "--ledger", str(ledger)])
    assert code == 2 and "公开的随机数与计划的随机数承诺不符" in output, output
    code, output = run(["generate", "atlantis", "--out", str(tmp_path / "g")])
    assert code == 2 and "没有生成配置“atlantis”" in output, output


def test_score_speaks_chinese(tmp_path):
    code, output = run(["score", str(TINY), "--card", "nope", "--out", str(tmp_path / "s")])
    assert code == 2 and "未知评分卡“nope”；已有：" in output, output
    code, output = run(["score", str(TINY), "--card", "putuo-beauty-2023", "--out", str(tmp_path / "s")])
    assert code == 2 and "评分卡 putuo-beauty-2023" in output and "判断矩阵一致性" in output, output
    assert "检查对象名录缺少列" in output, output
    code, output = run(["score", str(TINY), "--card", "nope", "--out", str(tmp_path / "s"), "--lang", "en"])
    assert code == 2 and "unknown scorecard 'nope'" in output, output


def test_plan_lists_unplaced_pairs_and_solver_notes_in_the_planners_language(tmp_path: Path) -> None:
    """区教育局 with no weekly capacity: its drawn pairs cannot be visited. ``plan`` names each one (subject and task
    by name) with the reason and says which department is short — in Chinese by default, in English on request."""
    scenario = tmp_path / "no-edu"
    shutil.copytree(TINY, scenario)
    officers = pl.read_csv(scenario / "officers.csv", infer_schema=False)
    officers = officers.with_columns(pl.when(pl.col("department") == "EDU").then(pl.lit("0"))
                                     .otherwise(pl.col("weekly_capacity")).alias("weekly_capacity"))
    officers.write_csv(scenario / "officers.csv")
    args = ["plan", str(scenario), "--seed", SEED, "--ledger", str(tmp_path / "j.db"), "--key-file", str(tmp_path / "k")]
    code, zh = run([*args, "--out", str(tmp_path / "zh")])
    assert code == 0, zh
    unplaced = pl.read_parquet(tmp_path / "zh" / "unplaced.parquet")
    assert unplaced.height > 0
    flat = " ".join(zh.split())
    assert "部门 区教育局：每周检查能力 0 人次" in flat  # the solver's note, translated, the department by name
    subjects = dict(pl.read_csv(scenario / "subjects.csv", infer_schema=False).select("subject_id", "name").iter_rows())
    for row in unplaced.head(10).iter_rows(named=True):
        assert f"检查对象 {subjects[row['subject_id']]}（{row['subject_id']}）" in flat
        assert " ".join(row["reason_zh"].split()) in flat
    assert "weekly capacity" not in flat and "left unplaced" not in flat
    code, en = run([*args, "--out", str(tmp_path / "en"), "--lang", "en"])
    flat = " ".join(en.split())
    assert code == 0 and "weekly capacity of 0 officer-visits" in flat and "区教育局" in flat
    assert all(" ".join(r.split()) in flat for r in unplaced.head(10)["reason"].to_list())


def test_a_plan_refused_for_its_violations_still_says_where_staff_ran_out(tmp_path: Path) -> None:
    """区消防救援支队 left with one officer: teams of two cannot be formed, ``plan`` exits 1 writing nothing — and
    prints, translated, the teams' notes that say which department and grid lack officers (they used to be printed
    only after a plan was written, and in English)."""
    scenario = tmp_path / "one-fire"
    shutil.copytree(TINY, scenario)
    officers = pl.read_csv(scenario / "officers.csv", infer_schema=False)
    fire = officers.filter(pl.col("department") == "FIRE")["officer_id"].to_list()
    officers.filter(~pl.col("officer_id").is_in(fire[1:])).write_csv(scenario / "officers.csv")
    code, zh = run(["plan", str(scenario), "--seed", SEED, "--out", str(tmp_path / "p"), "--ledger",
                    str(tmp_path / "j.db"), "--key-file", str(tmp_path / "k")])
    flat = " ".join(zh.split())
    assert code == 1 and not (tmp_path / "p").exists(), zh
    assert "部门 区消防救援支队 在检查对象所在网格" in flat and "以外只有" in flat, zh
    assert "未翻译" not in flat and "has only" not in flat
