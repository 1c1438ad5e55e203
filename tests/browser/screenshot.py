"""Screenshot of the app's main page (③ KPIs & pictures) after planning a bundled scenario.

    python tests/browser/screenshot.py changning-2024 ui/screenshots/changning-2024.png
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import browser, go_to_page, idle, run_plan, served_app  # noqa: E402


def pick_scenario(page, name: str) -> None:
    page.locator("[data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name=name).click()
    idle(page, 60_000)
    page.get_by_text(f"{name}", exact=False).first.wait_for()


def main(scenario: str, out: str) -> None:
    started = time.monotonic()
    with served_app() as url, browser(width=1600, height=1300) as page:
        page.goto(url)
        idle(page, 60_000)
        pick_scenario(page, scenario)
        go_to_page(page, "② 假设分析与运行")
        run_plan(page, 1, timeout=180_000)
        go_to_page(page, "③ 指标与图表")
        page.wait_for_selector("[data-testid='stVegaLiteChart'], .vega-embed", timeout=30_000)
        page.wait_for_timeout(1500)  # let Vega finish drawing
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=out, full_page=False)
    print(f"{out} written in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
