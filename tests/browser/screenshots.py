"""Screenshots of every page of the app in both languages, as a planner sees them (1440 × 900).

Usage: .venv/bin/python tests/browser/screenshots.py [--scenario changning-2024] [--out ui/screenshots]
Starts ``streamlit run ui/app.py`` with a throwaway ledger, key and runs folder, picks the scenario, runs one plan,
then visits every page in Chinese and in English and writes ``<lang>-<n>-<page>.png``: the whole page, 1440 px
wide (Streamlit scrolls inside its own container, so the window is made as tall as the page for the shot).
The what-if page is shown with its capacity table open and one capacity changed (a marked row); a second run
with that change gives the comparison page two runs to compare.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import browser, edit_grid_cell, go_to_page, idle, run_plan, served_app  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import ui.webapp.adjusting  # noqa: E402,F401 - adds the adjust page's labels
from ui.i18n import t  # noqa: E402
from ui.webapp.state import PAGES  # noqa: E402

KEYS = list(PAGES)  # every page of the sidebar


def _labels(lang: str) -> list[str]:
    return [t(f"page_{k}", lang) for k in KEYS]


def _whole_page(page, target: Path) -> None:
    """Screenshot of the whole app, however long: the window grows to the page's height for the shot."""
    height = page.evaluate("Math.max(...[...document.querySelectorAll('[data-testid=stMain], section.main, "
                           "[data-testid=stAppViewContainer]')].map(e => e.scrollHeight), 900)")
    page.set_viewport_size({"width": 1440, "height": int(height) + 40})
    page.wait_for_timeout(800)
    page.screenshot(path=str(target), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="changning-2024")
    ap.add_argument("--out", type=Path, default=Path("ui/screenshots"))
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="jointcheck-shots-"))
    os.environ.update(JOINTCHECK_LEDGER=str(home / "jointcheck.db"), JOINTCHECK_KEY_FILE=str(home / "jointcheck.key"),
                      JOINTCHECK_RUNS=str(home / "runs"))
    with served_app() as url, browser(1440, 900) as page:
        page.goto(url)
        idle(page, 60_000)
        if args.scenario != "tiny":
            page.locator("[data-testid='stSelectbox']").first.click()
            page.get_by_role("option", name=args.scenario).click()
            idle(page, 120_000)
        go_to_page(page, _labels("zh")[1])
        run_plan(page, 1, timeout=300_000)
        page.get_by_text(t("capacities", "zh")).click()  # open the capacity table and change one capacity
        idle(page)
        grid = page.locator("[data-testid='stExpander']").first.locator("[data-testid='stDataFrame']")
        grid.locator("canvas").first.wait_for()
        page.wait_for_timeout(1000)
        edit_grid_cell(page, grid, 0, 2, "40")
        page.get_by_text("→ 40").first.wait_for(timeout=30_000)  # the change is kept and listed
        run_plan(page, 2, timeout=300_000)  # a second run, with the changed capacity, for the comparison page
        for lang in ("zh", "en"):
            if lang == "en":
                page.locator("[data-testid='stSidebar']").get_by_text("English", exact=True).click()
                idle(page)
            for n, (key, label) in enumerate(zip(KEYS, _labels(lang)), start=1):
                go_to_page(page, label)
                page.wait_for_timeout(1500)  # charts draw after the script run ends
                target = args.out / f"{lang}-{n}-{key}.png"
                _whole_page(page, target)
                print(target)


if __name__ == "__main__":
    main()
