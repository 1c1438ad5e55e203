"""The app's mid-year adjustment and previous years (issue 18, item 4), under Streamlit's AppTest.

* "adjust from a date": a saved run, the loaded (updated) scenario and a date give a new saved version whose
  plan passes ``check`` and ``verify``, and the page shows its changes with names, in Chinese and English;
* "previous years" on the what-if page: a saved run chosen as last year's plan makes the new run rotate
  against it (``verify --previous`` passes, the manifest names it); a wrong first-year value is refused
  before any plan is made; an uploaded plan folder is checked before it is offered.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import polars as pl
import pytest
from app_harness import TINY, go_to, start_app
from streamlit.testing.v1 import AppTest

from optimizer.check import check_plan, read_plan
from optimizer.verify import verify_draw
from scenarios import load_scenario
from tests.test_adjust import updated_tiny
from ui.webapp import adjusting
from ui.webapp.store import runs_folder

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def _run(at: AppTest, value: str) -> AppTest:
    go_to(at, "whatif")
    at.text_input(key="keep:public_value").set_value(value)
    at.button[0].click().run()
    assert not at.error, [e.value for e in at.error]
    at.session_state["job"].future.result(timeout=120)
    at.run()
    assert not at.exception
    return at


def _load(at: AppTest, scenario) -> None:  # noqa: ANN001
    """Make ``scenario`` the loaded one, as the scenario page does after an upload."""
    at.session_state["scenario_ref"] = f"test:{scenario.content_hash}"
    at.session_state["scenario_obj"] = scenario
    at.session_state["scenario_problems"] = []


def test_adjust_a_saved_run_from_a_date(tmp_path: Path) -> None:
    at = _run(start_app(), "7")
    run = at.session_state["runs"][-1]
    updated = load_scenario(updated_tiny(tmp_path / "tiny-2"))
    _load(at, updated)
    go_to(at, "adjust")
    assert at.selectbox(key="adj:base").value == f"run:{run.id}"
    assert at.text_input(key=f"adj:value:run:{run.id}").value == "7"  # the run's own public value
    at.date_input(key="adj:as_of").set_value(dt.date(2024, 5, 1)).run()
    at.button(key="adj:go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("新增上门" in s.value for s in at.success)
    version = adjusting.saved_versions()[-1]
    assert version.as_of == dt.date(2024, 5, 1) and version.counts["added"] > 0
    assert check_plan(version.plan_dir, updated) == []
    assert verify_draw(version.plan_dir, updated, "7").ok
    # visits made before the date are the run's own, byte for byte
    before = read_plan(runs_folder() / f"run-{run.id:04d}" / "plan").visits.filter(pl.col("date") < dt.date(2024, 5, 1))
    assert read_plan(version.plan_dir).visits.filter(pl.col("date") < dt.date(2024, 5, 1)).equals(before)
    # the diff, with names not codes, in Chinese …
    tables = [d.value for d in at.dataframe]
    visits = next(t for t in tables if "变更类型" in t.columns and "检查对象名称" in t.columns)
    names = set(updated.subjects["name"].to_list())
    assert len(visits) == sum(version.counts.values()) and set(visits["检查对象名称"]) <= names
    assert "夏季餐饮卫生联合抽查" in " ".join(visits["调整后抽查任务"].dropna())
    tasks = next(t for t in tables if "变更类型" in t.columns and "说明" in t.columns)
    assert "新增抽查任务" in set(tasks["变更类型"]) and "T04（已取消）" in set(tasks["抽查任务"])
    # … and in English
    at.sidebar.radio(key="lang").set_value("en").run()
    assert not at.exception
    tables = [d.value for d in at.dataframe]
    assert any("Change" in t.columns and "visit added" in set(t["Change"]) for t in tables)
    # the version can be adjusted again: it is offered as a plan to adjust
    assert any(version.label in o for o in at.selectbox(key="adj:base").options)


def test_a_wrong_public_value_is_refused_without_a_traceback(tmp_path: Path) -> None:
    at = _run(start_app(), "7")
    run = at.session_state["runs"][-1]
    _load(at, load_scenario(updated_tiny(tmp_path / "tiny-2")))
    go_to(at, "adjust")
    at.text_input(key=f"adj:value:run:{run.id}").set_value("8").run()
    at.button(key="adj:go").click().run()
    assert not at.exception and at.error and "公开随机数 8 不能打开" in at.error[0].value
    assert "调整沿用被调整计划已承诺的随机数" in at.error[0].value  # the reason, in the page's language
    assert adjusting.saved_versions() == []


def test_previous_years_make_a_rotated_run_that_verifies() -> None:
    at = _run(start_app(), "11")
    first = at.session_state["runs"][-1]
    go_to(at, "whatif")
    at.multiselect(key="keep:prev_runs").set_value([first.id]).run()
    assert at.text_input(key="keep:prev_seed").value == "11"  # the chosen run's own public value
    at = _run(at, "12")
    second = at.session_state["runs"][-1]
    assert second.id != first.id and any("轮换" in c for c in second.changes)
    plan_dir = runs_folder() / f"run-{second.id:04d}" / "plan"
    manifest = read_plan(plan_dir).manifest
    assert manifest["rotation"]["previous"][0]["plan_id"] == "tiny"
    tiny = load_scenario(TINY)
    first_dir = runs_folder() / f"run-{first.id:04d}" / "plan"
    assert verify_draw(plan_dir, tiny, "12", previous=[first_dir], previous_seed="11").ok
    assert check_plan(plan_dir, tiny) == []
    # a rotated run is adjusted with its earlier plan found among the saved runs
    go_to(at, "adjust")
    at.selectbox(key="adj:base").set_value(f"run:{second.id}").run()
    assert at.text_input(key=f"adj:prev:run:{second.id}").value == "11"
    at.date_input(key="adj:as_of").set_value(dt.date(2024, 5, 1)).run()
    at.button(key="adj:go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    version = adjusting.saved_versions()[-1]
    assert read_plan(version.plan_dir).manifest["rotation"] == manifest["rotation"]
    assert verify_draw(version.plan_dir, tiny, "12", previous=[first_dir], previous_seed="11").ok


def test_a_wrong_first_year_value_is_refused_before_planning() -> None:
    at = _run(start_app(), "11")
    first = at.session_state["runs"][-1]
    go_to(at, "whatif")
    at.multiselect(key="keep:prev_runs").set_value([first.id]).run()
    at.text_input(key="keep:prev_seed").set_value("99").run()
    at.text_input(key="keep:public_value").set_value("12")
    at.button[0].click().run()
    assert not at.exception and at.error and "不能打开计划 tiny（链上首个计划）的随机数承诺" in at.error[0].value
    assert "job" not in at.session_state and len(at.session_state["runs"]) == 1  # no plan was started


def test_an_uploaded_plan_folder_is_checked_and_offered(tmp_path: Path) -> None:
    at = _run(start_app(), "11")
    first = at.session_state["runs"][-1]
    folder = runs_folder() / f"run-{first.id:04d}" / "plan"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in folder.iterdir():
            archive.write(path, f"plan/{path.name}")
        archive.writestr("../evil.json", "{}")  # never written outside the folder
    saved = adjusting.save_upload(buffer.getvalue(), "last-year.zip")
    assert (saved / "manifest.json").is_file() and not (saved.parent.parent / "evil.json").exists()
    assert read_plan(saved).manifest["plan_id"] == "tiny"
    with pytest.raises(ValueError, match="not a zip"):
        adjusting.save_upload(b"not a zip", "bad.zip")
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("manifest.json", "{}")
    with pytest.raises(ValueError, match="not a plan folder"):
        adjusting.save_upload(broken.getvalue(), "broken.zip")
    go_to(at, "whatif")
    assert saved.name in at.multiselect(key="keep:prev_uploads").options
    at.multiselect(key="keep:prev_uploads").set_value([saved.name]).run()
    at.text_input(key="keep:prev_seed").set_value("11").run()
    at = _run(at, "12")
    second = at.session_state["runs"][-1]
    assert read_plan(runs_folder() / f"run-{second.id:04d}" / "plan").manifest["rotation"]["previous"][0]["plan_id"] == "tiny"
