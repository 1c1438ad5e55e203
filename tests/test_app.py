"""The planner app under streamlit's AppTest: every page, a run, a what-if, a comparison, the languages."""

from __future__ import annotations

import pytest
from app_harness import TINY, go_to, start_app
from streamlit.testing.v1 import AppTest

from optimizer.plan import make_plan
from scenarios import load_scenario
from ui.webapp.state import PAGES

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


@pytest.fixture(scope="module")
def tiny_kpis() -> dict:
    return make_plan(load_scenario(TINY), "20240301").kpis


def _run(at: AppTest, **values) -> AppTest:
    """Set what-if widgets (by key), press 运行计划 and wait for the worker thread, as the polling fragment
    would. Values of widgets inside the form are sent with the submit, so they are set on the same tree."""
    go_to(at, "whatif")
    for key, value in values.items():
        widget = at.number_input(key=key) if "param" in key else at.selectbox(key=key)
        widget.set_value(value)
    at.button[0].click().run()
    assert not at.error, [e.value for e in at.error]
    at.session_state["job"].future.result(timeout=60)
    at.run()
    assert not at.exception
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_default_is_tiny_in_chinese():
    at = start_app()
    assert at.title[0].value == "双随机、一公开 联合抽查计划"
    assert any("tiny" in s.value for s in at.success)
    metrics = _metrics(at)
    assert metrics["抽查任务"] == "6" and metrics["检查对象"] == "48"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_before_any_run(page):
    at = go_to(start_app(), page)
    assert not at.error
    if page in ("dashboard", "tables", "export", "compare"):
        assert at.info, "a page that needs a plan says so"


def test_run_shows_headline_kpis_and_every_page_works(tiny_kpis):
    at = _run(start_app())
    assert len(at.session_state["runs"]) == 1
    run_id = at.session_state["runs"][0].id  # run ids count per server process, not per test
    assert any(f"#{run_id}" in s.value for s in at.success)
    go_to(at, "dashboard")
    metrics = _metrics(at)
    assert metrics["单部门检查户次"] == f"{tiny_kpis['subject_visits_single_department']:,}"
    assert metrics["联合检查户次"] == f"{tiny_kpis['visits']:,}"
    assert metrics["现行联合（独立抽取）"] == f"{tiny_kpis['visits_independent_joint']:,}"
    assert metrics["事项覆盖率"] == "100%"
    assert len(at.get("vega_lite_chart")) == 5  # heat-map, bars, distribution, network, gantt
    for page in PAGES:
        go_to(at, page)
        assert not at.error, (page, [e.value for e in at.error])


def test_tables_filter_and_explain_a_subject():
    at = go_to(_run(start_app()), "tables")
    assert at.code, "the first visit's subject is explained"
    subject = at.selectbox[0].value
    assert subject in at.code[0].value and "政策 shanghai-2024" in at.code[0].value  # the trace speaks Chinese by default
    at.multiselect(key="keep:f_dept").set_value(["EDU"]).run()
    caption = " ".join(c.value for c in at.caption)
    assert "显示" in caption


def test_whatif_reform_is_recorded_and_two_runs_compare():
    at = _run(start_app())
    at = _run(at, **{"keep:param:shanghai-2024:class_multiplier:D": 3.0, "keep:mode": "independent"})
    first, second = at.session_state["runs"]
    assert first.whatif.overrides == {}
    assert second.whatif.overrides == {"class_multiplier.D": 3.0}
    assert second.whatif.mode == "independent" and "独立抽取（现行做法）" in second.label
    assert "信用风险分类系数 D = 3.0" in second.label, "parameter names, not ids, in the run label"
    go_to(at, "compare")
    assert not at.info
    assert at.dataframe, "the KPI comparison table"
    assert any(m.label.endswith(" B") for m in at.metric)


def test_language_switch_to_english():
    at = start_app()
    at.sidebar.radio(key="lang").set_value("en").run()
    assert at.title[0].value.startswith("Joint inspection planner")
    go_to(at, "whatif")
    assert at.button[0].label == "Run plan"


def test_invalid_upload_shows_problem_table_not_traceback():
    from ui.webapp.scenario_io import check_upload

    yaml = (TINY / "scenario.yaml").read_bytes()
    subjects = (TINY / "subjects.csv").read_text(encoding="utf-8").replace(",B,G1,false,0", ",E,G1,false,0", 1)
    _, problems, _ = check_upload([("scenario.yaml", yaml), ("subjects.csv", subjects.encode()),
                                   ("officers.csv", (TINY / "officers.csv").read_bytes())])
    at = start_app()
    at.session_state["upload_problems"] = problems
    at.session_state["keep:source"] = "upload"
    go_to(at, "scenario")
    assert at.error and not at.exception
    table = at.dataframe[0].value
    assert list(table.columns) == ["文件", "行", "字段", "问题", "级别"]
    assert ("subjects.csv", 2, "risk_class") in set(zip(table["文件"], table["行"], table["字段"]))


def test_export_page_offers_the_documents_of_jointcheck_export():
    """The same documents as ``jointcheck export``, from the same code (ui.webapp.papers → documents)."""
    at = go_to(_run(start_app()), "export")
    # a what-if run is not the district's recorded plan: the page says so before any download
    assert any("未登记入计划台账" in w.value and "jointcheck plan" in w.value for w in at.warning)
    at.selectbox(key="keep:doc_what").set_value("plan-table").run()
    at.radio(key="keep:doc_format").set_value("xlsx").run()
    at.button(key="doc_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    run = at.session_state["runs"][-1]
    name, data, mime = at.session_state["exports"][(run.id, "doc:plan-table:xlsx:zh")]
    assert name.endswith("plan-table.xlsx") and data.startswith(b"PK") and "spreadsheet" in mime
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in sheet[3]][:3] == ["序号", "抽查方案", "抽查时间"]
    assert sheet.cell(3 + len(run.plan.scenario.tasks) + 1, 2).value == "合计"  # then the footnote and the seal line


def test_dashboard_shows_the_rules_legal_warnings_in_the_pages_language():
    """tiny's tasks T01… end before 沪府发〔2024〕6号 takes effect: the dashboard says so, in Chinese, then English."""
    at = go_to(_run(start_app()), "dashboard")
    labels = [e.label for e in at.expander]
    assert any(label.startswith("法规提示") for label in labels), labels
    assert any("施行（2024-07-01）前结束" in w.value for w in at.warning), [w.value for w in at.warning]
    at.sidebar.radio(key="lang").set_value("en").run()
    assert any("end before" in w.value and "2024-07-01" in w.value for w in at.warning)
