"""The app's tables in a real browser (Debian's headless Chromium via Playwright): what AppTest cannot drive.

* An edit of the what-if capacity table survives a change of page, its row is marked (a "原为 …" cell and a
  yellow row), the run is made with the edited capacity, and 恢复为政策规定值 brings the scenario's value back.
* On the visits table, filtered, a selected row's rule trace is that row's subject (the selection is not a
  row number carried over from the unfiltered table).

Skipped only when /usr/bin/chromium is absent; a missing Playwright is a failure. On failure a screenshot is
left in the test's temporary directory.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))

from harness import (  # noqa: E402
    CHROMIUM,
    browser,
    edit_grid_cell,
    eventually,
    go_to_page,
    grid_point,
    grid_text,
    idle,
    pixel,
    run_plan,
    served_app,
    wait_grid_still,
)

from scenarios import load_scenario  # noqa: E402
from ui.webapp.whatif import capacity_table  # noqa: E402

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)")

TINY = Path(__file__).resolve().parent.parent / "scenarios" / "tiny"
YELLOW = (0xFF, 0xF3, 0xB0)  # ui.webapp.pages.whatif.CHANGED_STYLE


@pytest.fixture
def app_home(tmp_path, monkeypatch):
    """A throwaway ledger, key and runs folder for the served app."""
    monkeypatch.setenv("JOINTCHECK_LEDGER", str(tmp_path / "jointcheck.db"))
    monkeypatch.setenv("JOINTCHECK_KEY_FILE", str(tmp_path / "jointcheck.key"))
    monkeypatch.setenv("JOINTCHECK_RUNS", str(tmp_path / "runs"))
    return tmp_path


@contextlib.contextmanager
def _shot_on_failure(page, tmp_path: Path):
    try:
        yield
    except BaseException:
        shot = tmp_path / "failure.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot of the failure: {shot}")
        raise


def _near(colour: tuple[int, int, int], target: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, target))


def test_capacity_edit_survives_pages_is_marked_used_by_the_run_and_reset(app_home):
    caps = capacity_table(load_scenario(TINY))
    departments = caps["department"].to_list()
    row = departments.index("EDU")
    law = int(caps["weekly_capacity"][row])
    new = law - 6
    name = caps["name"][row]
    with served_app() as url, browser() as page, _shot_on_failure(page, app_home):
        page.goto(url)
        idle(page, 60_000)
        go_to_page(page, "② 假设分析与运行")
        page.get_by_text("部门每周检查能力（人次）").click()
        idle(page)
        grid = page.locator("[data-testid='stDataFrame']").first
        # columns shown: name, officers, weekly capacity, changed (the department id is hidden)
        assert grid_text(grid, 2, row) == str(law)
        assert grid_text(grid, 3, row) == ""
        edit_grid_cell(page, grid, row, 2, str(new))

        def edited_and_marked() -> None:
            grid = page.locator("[data-testid='stDataFrame']").first
            assert grid_text(grid, 3, row) == f"原为 {law}"
            assert grid_text(grid, 2, row) == str(new)
            assert all(grid_text(grid, 3, r) == "" for r in range(len(departments)) if r != row)
            assert page.get_by_text(f"{name} {law} → {new}").count() == 1
            assert _near(pixel(page, *grid_point(grid, row, x=4)), YELLOW), "the changed row is not highlighted"
            assert not _near(pixel(page, *grid_point(grid, (row + 1) % len(departments), x=4)), YELLOW)

        eventually(page, edited_and_marked)
        go_to_page(page, "① 场景")
        go_to_page(page, "② 假设分析与运行")
        eventually(page, edited_and_marked)  # kept across pages; the expander opens itself when it holds an edit

        run_plan(page, 1, timeout=90_000)
        alert = page.locator("[data-testid='stAlert']").get_by_text("#1 ").first.inner_text()
        assert f"{name} = {new}" in alert
        saved = json.loads((app_home / "runs" / "run-0001" / "run.json").read_text(encoding="utf-8"))
        assert saved["whatif"]["capacities"] == {"EDU": new}

        page.get_by_role("button", name="恢复为政策规定值").click()
        idle(page)
        page.get_by_text("部门每周检查能力（人次）").click()
        idle(page)

        def back_to_law() -> None:
            grid = page.locator("[data-testid='stDataFrame']").first
            assert grid_text(grid, 2, row) == str(law)
            assert grid_text(grid, 3, row) == ""
            assert page.get_by_text(f"{name} {law} → {new}").count() == 0

        eventually(page, back_to_law)


def _rows(grid) -> int:
    """Data rows of a Streamlit table (its accessible copy counts the header too)."""
    return int(grid.locator("table[role='grid']").get_attribute("aria-rowcount")) - 1


def _drawn(grid, col: int) -> None:
    assert grid.locator(f"[data-testid='glide-cell-{col}-0']").count() == 1


def _trace_names(page, subject_id: str) -> None:
    trace = page.locator("h3").filter(has_text="规则追溯")
    assert trace.count() == 1 and trace.inner_text().strip().endswith(subject_id)


def _fewer(grid, total: int) -> None:
    assert 0 < _rows(grid) < total


def test_rule_trace_follows_the_selected_subject_of_a_filtered_table(app_home):
    with served_app() as url, browser() as page, _shot_on_failure(page, app_home):
        page.goto(url)
        idle(page, 60_000)
        go_to_page(page, "② 假设分析与运行")
        run_plan(page, 1, timeout=90_000)
        go_to_page(page, "④ 检查明细")
        grid = page.locator("[data-testid='stDataFrame']").first
        subject_col = 4  # row-selection marker, 检查编号, 检查日期, 周次, 检查对象编号
        eventually(page, lambda: _drawn(grid, subject_col))
        total = _rows(grid)
        unfiltered = [grid_text(grid, subject_col, r) for r in range(min(total, 12))]
        departments = [grid_text(grid, 8, r) for r in range(len(unfiltered))]
        # a row that stays after filtering by 区教育局 but at another row number
        first = next(r for r in range(len(unfiltered)) if "区教育局" in departments[r]
                     and sum("区教育局" in d for d in departments[:r]) != r)
        wait_grid_still(grid)
        page.mouse.click(*grid_point(grid, first, x=14))  # the row's selection box
        idle(page)
        eventually(page, lambda: _trace_names(page, unfiltered[first]))

        page.locator("[data-testid='stMultiSelect']").first.click()
        page.get_by_role("option", name="区教育局").click()
        page.keyboard.press("Escape")
        idle(page)
        grid = page.locator("[data-testid='stDataFrame']").first
        eventually(page, lambda: _fewer(grid, total))
        filtered = [grid_text(grid, subject_col, r) for r in range(_rows(grid))]
        assert filtered[first] != unfiltered[first] if first < len(filtered) else True
        eventually(page, lambda: _trace_names(page, unfiltered[first]))  # still the subject chosen, not row `first`

        row = next(r for r in range(len(filtered)) if filtered[r] != unfiltered[first])
        wait_grid_still(grid)
        page.mouse.click(*grid_point(grid, row, x=14))
        idle(page)
        eventually(page, lambda: _trace_names(page, filtered[row]))
        code = page.locator("[data-testid='stCode']").first.inner_text()
        assert filtered[row] in code
