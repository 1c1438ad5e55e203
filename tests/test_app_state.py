"""The app's state follows the scenario and never shows a problem out of view (issue: app state defects).

Each test reproduces one defect a planner met: a policy carried over to another district, a green "loaded"
under a failed upload, uploads where the last workbook silently won, the sidebar one step behind, a comparison
of runs of different scenarios.
"""

from __future__ import annotations

import dataclasses
import io

import pytest
from app_harness import TINY, go_to, start_app
from openpyxl import Workbook
from streamlit.testing.v1 import AppTest

from ui.webapp.scenario_io import check_upload

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def _run(at: AppTest) -> AppTest:
    go_to(at, "whatif")
    at.button[0].click().run()
    assert not at.error, [e.value for e in at.error]
    at.session_state["job"].future.result(timeout=60)
    at.run()
    return at


def test_switching_scenario_starts_from_its_own_policy():
    """tiny under another district's policy, then putuo-2023: the what-if is made under putuo's own policy."""
    at = go_to(start_app(), "whatif")
    at.selectbox(key="keep:policy").set_value("changning-2024").run()
    assert at.selectbox(key="keep:policy").value == "changning-2024"
    go_to(at, "scenario")
    at.selectbox(key="keep:bundled").set_value("putuo-2023").run()
    go_to(at, "whatif")
    assert at.session_state["scenario_obj"].name == "putuo-2023"
    assert at.selectbox(key="keep:policy").value == "shanghai-2024"


def test_sidebar_names_the_scenario_just_chosen():
    at = start_app()
    at.selectbox(key="keep:bundled").set_value("putuo-2023").run()
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "putuo-2023" in sidebar and "tiny" not in sidebar


def test_failed_upload_is_never_shown_as_loaded():
    subjects = (TINY / "subjects.csv").read_text(encoding="utf-8").replace(",B,G1,false,0", ",E,G1,false,0", 1)
    _, problems, _ = check_upload([("scenario.yaml", (TINY / "scenario.yaml").read_bytes()),
                                   ("subjects.csv", subjects.encode()),
                                   ("officers.csv", (TINY / "officers.csv").read_bytes())])
    at = start_app()
    at.session_state["upload_problems"] = problems
    at.session_state["keep:source"] = "upload"
    go_to(at, "scenario")
    assert at.error
    assert not any("场景已加载" in s.value for s in at.success)
    assert any("tiny" in w.value and "未加载" in w.value for w in at.warning)


def _workbook(subjects_csv: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "subjects"
    for line in subjects_csv.splitlines():
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_two_uploads_for_one_file_are_an_error_not_a_silent_choice():
    subjects = (TINY / "subjects.csv").read_text(encoding="utf-8")
    fewer = "\n".join(subjects.splitlines()[:10])
    scenario, problems, _ = check_upload([
        ("scenario.yaml", (TINY / "scenario.yaml").read_bytes()), ("officers.csv", (TINY / "officers.csv").read_bytes()),
        ("a.xlsx", _workbook(subjects)), ("b.xlsx", _workbook(fewer))])
    assert scenario is None
    clash = [p for p in problems if p.field == "subjects.csv"]
    assert clash and "a.xlsx" in clash[0].file and "b.xlsx" in clash[0].file


def test_comparing_runs_of_different_scenarios_is_refused():
    at = _run(_run(start_app()))
    first, second = at.session_state["runs"]
    at.session_state["runs"] = [first, dataclasses.replace(second, scenario_name="other", scenario_hash="f" * 64)]
    go_to(at, "compare")
    assert at.error and "other" in at.error[0].value
    assert not at.metric


def test_score_in_the_app_then_plan_with_scored_and_given_classes_and_compare(tmp_path):
    """一企一档 in the app: class the directory by a card, see given vs scored, run both, compare them."""
    import polars as pl

    from scenarios import load_scenario
    from scenarios.generate.indicators import indicator_columns

    target = tmp_path / "tiny-ind"
    import shutil

    shutil.copytree(TINY, target)
    raw = pl.read_csv(target / "subjects.csv", infer_schema=False)
    pl.concat([raw, indicator_columns(raw["risk_class"], 7)], how="horizontal").write_csv(target / "subjects.csv")
    at = start_app()
    at.session_state["scenario_ref"] = "upload:tiny-ind"
    at.session_state["scenario_obj"] = load_scenario(target)
    at.session_state["scenario_problems"] = []
    at.session_state["keep:source"] = "upload"  # as after an upload: the bundled picker would load tiny
    go_to(at, "scenario")
    at.selectbox(key="keep:card").set_value("enterprise-disclosure").run()
    at.button(key="score_now").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    scored = at.session_state["scenario_obj"]
    assert scored.spec.risk_scorecard == "enterprise-disclosure" and "risk_class_given" in scored.subjects.columns
    assert any("CR" in c.value for c in at.caption)
    _run(at)
    go_to(at, "whatif")
    at.radio(key="keep:classes").set_value("given")
    at.button[0].click().run()
    at.session_state["job"].future.result(timeout=60)
    at.run()
    first, second = at.session_state["runs"]
    assert first.whatif.classes == "scored" and second.whatif.classes == "given" and "原分类" in second.label
    assert first.scenario_hash == second.scenario_hash
    def classes(run) -> list[str]:
        return run.plan.scenario.subjects["risk_class"].cast(pl.String).to_list()

    given = scored.subjects["risk_class_given"].to_list()
    assert classes(second) == given and classes(first) == scored.subjects["risk_class"].cast(pl.String).to_list()
    assert classes(first) != given, "the card changes some classes, so the two runs plan different strata"
    go_to(at, "compare")
    assert not at.error and at.dataframe


# ---- runs that last --------------------------------------------------------------------------------------

def test_a_run_survives_a_reload_and_its_plan_directory_checks(tmp_path):
    from typer.testing import CliRunner

    from ui.cli import app
    from ui.webapp.store import runs_folder

    first = _run(start_app())
    run = first.session_state["runs"][0]
    reloaded = start_app()  # a new browser session of the same server: nothing in its session state yet
    again = reloaded.session_state["runs"]
    assert [r.id for r in again] == [run.id] and again[0].plan.kpis == run.plan.kpis
    go_to(reloaded, "dashboard")
    assert not reloaded.info and reloaded.metric
    plan_dir = runs_folder() / f"run-{run.id:04d}" / "plan"
    checked = CliRunner().invoke(app, ["check", str(plan_dir), str(TINY), "--allow-unrecorded"])  # the app keeps runs unrecorded
    assert checked.exit_code == 0, checked.output


def test_runs_can_be_renamed_and_deleted():
    from ui.webapp.store import load_runs

    at = _run(start_app())
    run_id = at.session_state["runs"][0].id
    at.text_input(key=f"rename_text:{run_id}").set_value("春季方案 A")
    at.button(key="rename_run").click().run()
    assert [r.label for r in load_runs()] == ["春季方案 A"]
    assert start_app().session_state["runs"][0].label == "春季方案 A"
    go_to(at, "whatif")
    at.button(key="delete_run").click().run()
    assert load_runs() == [] and at.session_state["runs"] == []


def test_a_running_job_is_found_again_after_a_reload(monkeypatch):
    import threading

    import ui.webapp.jobs as jobs

    release = threading.Event()
    real = jobs.make_plan

    def held(*args, **kwargs):  # still running when the page reloads, however busy the machine
        release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs, "make_plan", held)
    at = go_to(start_app(), "whatif")
    at.button[0].click().run()
    job = at.session_state["job"]
    reloaded = start_app()
    assert reloaded.session_state["job"] is job, "the reloaded page follows the same job"
    release.set()
    job.future.result(timeout=60)
    reloaded.run()
    assert [r.id for r in reloaded.session_state["runs"]] == [job.id]


def test_a_cancelled_run_is_not_saved(monkeypatch):
    import threading

    import ui.webapp.jobs as jobs
    from ui.webapp.store import load_runs

    release = threading.Event()
    real = jobs.make_plan

    def held(*args, **kwargs):  # the plan waits until the test has pressed cancel
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs, "make_plan", held)
    at = go_to(start_app(), "whatif")
    at.button[0].click().run()
    job = at.session_state["job"]
    at.button(key="cancel_job").click().run()
    assert job.stop.is_set()
    release.set()
    with pytest.raises(Exception):
        job.future.result(timeout=60)
    at.run()
    assert "job" not in at.session_state and not at.error
    assert load_runs() == [] and at.session_state["runs"] == []


def test_every_headline_figure_is_explained_in_the_page_language():
    at = go_to(_run(start_app()), "dashboard")
    helps = {m.label: m.proto.help for m in at.metric[:5]}
    assert all(helps.values()), helps
    assert "期望值" in helps["期望户次下界"]
    at.sidebar.radio(key="lang").set_value("en").run()
    helps = {m.label: m.proto.help for m in at.metric[:5]}
    assert "expectation" in helps["Expected-visits floor"]


def test_policy_parameters_are_named_and_explained_in_the_page_language():
    import re

    at = go_to(start_app(), "whatif")
    labels = [n.label for n in at.number_input if n.key.startswith("keep:param:") and not n.key[-2:] in (":A", ":B", ":C", ":D")]
    assert labels and not any(re.fullmatch(r"[a-z_]+", label) for label in labels), labels
    assert "一般事项抽查比例上限" in labels
    general = next(n for n in at.number_input if n.key == "keep:param:shanghai-2024:general_item_cap")
    assert "一般检查事项" in general.help and "沪府发〔2024〕6号" in general.help
    at.sidebar.radio(key="lang").set_value("en").run()
    general = next(n for n in at.number_input if n.key == "keep:param:shanghai-2024:general_item_cap")
    assert general.label == "General-item ratio cap" and "Upper limit" in general.help


def test_dashboard_stage_times_and_filters_speak_the_page_language():
    at = go_to(_run(start_app()), "dashboard")
    assert not at.json, "stage timings are a table, not raw JSON"
    texts = [str(v) for df in at.dataframe for v in df.value.iloc[:, 0].tolist()]
    assert "日历对齐与抽取" in texts and "合计" in texts
    delta = at.metric[2].proto.delta
    assert "较单部门" in delta and "减少" not in delta
    go_to(at, "tables")
    dept = at.multiselect(key="keep:f_dept")
    assert dept.placeholder == "请选择"
    names = {d.id: d.name for d in at.session_state["runs"][0].plan.scenario.spec.departments}
    assert dept.format_func(sorted(names)[0]) == names[sorted(names)[0]]


def test_gantt_months_and_rounds_in_the_page_language():
    import json

    at = go_to(_run(start_app()), "dashboard")
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    gantt = next(s for s in specs if "x2" in s.get("encoding", {}))
    assert gantt["encoding"]["x"]["axis"]["format"] == "%-m月"
    color = json.dumps(gantt["encoding"]["color"], ensure_ascii=False)
    assert '"title": "轮次"' in color and "tableau20" in color


def test_unplaced_pairs_are_listed_in_chinese_with_names_and_a_fix(tiny_copy):
    """With SAMR's capacity cut to nothing, the dashboard lists the pairs left without a visit, in Chinese, with
    the department's name and what would fix it (never a bare count beside "sample sizes met")."""
    import polars as pl

    from scenarios import load_scenario

    officers = pl.read_csv(tiny_copy / "officers.csv", infer_schema=False)
    officers.with_columns(pl.when(pl.col("department") == "SAMR").then(pl.lit("0")).otherwise("weekly_capacity")
                          .alias("weekly_capacity")).write_csv(tiny_copy / "officers.csv")
    at = start_app()
    at.session_state["scenario_ref"] = "upload:tiny-no-samr"
    at.session_state["scenario_obj"] = load_scenario(tiny_copy)
    at.session_state["scenario_problems"] = []
    at.session_state["keep:source"] = "upload"
    go_to(at, "scenario")
    go_to(_run(at), "dashboard")
    assert any("未能安排上门" in e.value for e in at.error)
    table = next(df.value for df in [*at.dataframe, *at.table] if "原因与解决办法" in df.value.columns)
    reasons = " ".join(table["原因与解决办法"].tolist())
    assert "区市场监管局" in reasons and "SAMR" not in reasons and "解决办法" in reasons
