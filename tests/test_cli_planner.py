"""The terminal speaks to a planner (issue 15): plan's summary in Chinese or English with labels that explain
themselves, legal warnings printed, a new district key announced, --version, flags shown as flags, and
publish saying which day it took as the plan's formation and warning of visits dated before it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ui.cli import app

REPO = Path(__file__).resolve().parent.parent
PUTUO = REPO / "scenarios" / "putuo-2023"
runner = CliRunner()
NO_LOCALE = {"LC_ALL": None, "LC_MESSAGES": None}


def _flat(text: str) -> str:
    """Output without table borders and line breaks, so a wrapped cell reads as one string."""
    return "".join(ch for ch in text if ch not in "│┃ \n")


@pytest.fixture(scope="module")
def putuo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("putuo") / "plan"
    result = runner.invoke(app, ["plan", str(PUTUO), "--seed", "7", "--out", str(out)], env={**NO_LOCALE, "LANG": "zh_CN.UTF-8"})
    assert result.exit_code == 0, result.output
    pytest.putuo_output = result.output
    return out


def test_plan_summary_in_chinese_explains_its_labels_and_prints_legal_warnings(putuo: Path) -> None:
    out = _flat(pytest.putuo_output)
    for label in ("单部门户次", "独立抽取后合并", "联合检查户次", "理论下界", "抽中（对象×任务）"):
        assert label in out, label
    assert "validate显示的是任务申报的规模" in out  # why plan's figure differs from validate's
    assert "法规提示" in out and "2024-07-01" in out  # 沪府发〔2024〕6号 is not in force for a 2023 plan
    assert "起施行" in out and "takes effect" not in out  # the warning itself in Chinese
    assert "各阶段用时（秒）：规则计算" in out  # stage names too
    assert "visitsindependentjoint" not in out  # no internal names


def test_plan_summary_in_english_from_the_locale(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", str(PUTUO), "--seed", "7", "--out", str(tmp_path / "p")],
                           env={**NO_LOCALE, "LANG": "en_US.UTF-8"})
    assert result.exit_code == 0, result.output
    for label in ("single-department户次", "independentdraws,thenmerged", "jointvisits", "lowerbound",
                  "legalwarning"):
        assert label in _flat(result.output), label
    forced = runner.invoke(app, ["plan", str(PUTUO), "--seed", "7", "--out", str(tmp_path / "p"), "--force",
                                 "--lang", "zh"], env={**NO_LOCALE, "LANG": "en_US.UTF-8"})
    assert "理论下界" in _flat(forced.output)


def test_a_new_district_key_says_so_and_where(tmp_path: Path) -> None:
    key = tmp_path / "keys" / "district.key"
    result = runner.invoke(app, ["plan", str(PUTUO), "--seed", "7", "--out", str(tmp_path / "p"), "--key-file", str(key), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "new district key" in result.output and str(key.resolve()) in _flat(result.output)
    again = runner.invoke(app, ["plan", str(PUTUO), "--seed", "7", "--out", str(tmp_path / "p"), "--force",
                                "--key-file", str(key), "--lang", "en"])
    assert "new district key" not in again.output


def test_version_and_flags_shown_as_flags() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("jointcheck ")
    for command in ("plan", "publish", "export", "results"):
        shown = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"}).output
        assert "<bool>" not in shown and "--force" in shown or "--no-ledger" in shown, command
    top = runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    assert "export" in top and "publish" in top and "<bool>" not in top


def test_publish_says_which_formed_day_it_used_and_warns_of_earlier_visits(putuo: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["publish", str(putuo), str(PUTUO), "--out", str(tmp_path / "a"), "--no-ledger", "--lang", "en"])
    assert "--formednotgiven" in _flat(result.output) and "today" in result.output
    result = runner.invoke(app, ["publish", str(putuo), str(PUTUO), "--out", str(tmp_path / "b"), "--no-ledger",
                                 "--formed", "2023-03-01", "--lang", "en"])
    assert "--formed not given" not in result.output
    assert "datedbeforetheplanwasformedon2023-03-01" in _flat(result.output)
    result = runner.invoke(app, ["publish", str(putuo), str(PUTUO), "--out", str(tmp_path / "c"), "--no-ledger",
                                 "--formed", "2023-01-10", "--lang", "en"])
    assert "dated before" not in result.output


def test_check_and_verify_end_with_a_verdict_and_stop_at_another_scenario(putuo: Path, tmp_path: Path) -> None:
    tiny = REPO / "scenarios" / "tiny"
    ok = runner.invoke(app, ["check", str(putuo), str(PUTUO), "--lang", "en"])
    assert ok.exit_code == 0 and ok.output.strip().splitlines()[-1].startswith("verdict: PASS"), ok.output
    for args in (["check", str(putuo), str(tiny), "--lang", "en"], ["verify", str(putuo), str(tiny), "--seed", "7", "--lang", "en"]):
        other = runner.invoke(app, args)
        assert other.exit_code == 1, other.output
        assert _flat(other.output).count("verdict") == 1 and "differentscenario" in _flat(other.output)
        assert "violation" not in other.output and "mismatch" not in other.output, "that one error only"
    good = runner.invoke(app, ["verify", str(putuo), str(PUTUO), "--seed", "7", "--ledger", str(tmp_path / "j.db"),
                                "--allow-unrecorded", "--lang", "en"])  # a fresh ledger: the plan is recorded in the session's
    assert good.exit_code == 0 and "verdict: PASS" in good.output, good.output
    bad = runner.invoke(app, ["verify", str(putuo), str(PUTUO), "--seed", "8", "--ledger", str(tmp_path / "j.db"),
                                "--allow-unrecorded", "--lang", "en"])  # a fresh ledger: the plan is recorded in the session's
    assert bad.exit_code == 1 and "verdict:FAIL" in _flat(bad.output)
