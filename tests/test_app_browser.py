"""End to end in a real browser: `streamlit run ui/app.py`, Debian's headless Chromium driven by Playwright.

Load tiny, run a plan, see the KPI numbers, download the Excel workbook and open it. On failure a screenshot
is left in the test's temporary directory (its path is in the failure message). Skipped only when
/usr/bin/chromium is absent (.ci/run installs Debian's chromium); a missing Playwright is a failure.
"""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))

from harness import CHROMIUM, browser, go_to_page, idle, run_plan, served_app  # noqa: E402

from optimizer.plan import make_plan  # noqa: E402
from scenarios import load_scenario  # noqa: E402

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium)")


def test_plan_tiny_in_the_browser_and_download_excel(tmp_path):
    kpis = make_plan(load_scenario(Path(__file__).resolve().parent.parent / "scenarios" / "tiny"), "20240301").kpis
    with served_app() as url, browser() as page:
        try:
            page.goto(url)
            idle(page, 60_000)
            page.get_by_text("场景已加载").first.wait_for()
            assert "tiny" in page.locator("[data-testid='stAlert']").first.inner_text()

            go_to_page(page, "② 假设分析与运行")
            run_plan(page, 1, timeout=60_000)

            go_to_page(page, "③ 指标与图表")
            metrics = dict(zip(page.locator("[data-testid='stMetricLabel']").all_inner_texts(),
                               page.locator("[data-testid='stMetricValue']").all_inner_texts()))
            assert metrics["单部门检查户次"].strip() == f"{kpis['subject_visits_single_department']:,}"
            assert metrics["联合检查户次"].strip() == f"{kpis['visits']:,}"
            assert metrics["事项覆盖率"].strip() == "100%"
            page.locator("[data-testid='stVegaLiteChart']").first.wait_for()

            go_to_page(page, "⑥ 导出与公开")
            with page.expect_download(timeout=30_000) as info:
                page.get_by_role("button", name="下载 Excel（每表一页，中文表头）").click()
            target = tmp_path / "plan.xlsx"
            info.value.save_as(target)
            book = openpyxl.load_workbook(target)
            assert "检查计划" in book.sheetnames
            sheet = book["检查计划"]
            assert sheet["A1"].value == "检查编号"
            assert sheet.max_row == kpis["visits"] + 1
        except BaseException:
            shot = tmp_path / "failure.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failure: {shot}")
            raise
