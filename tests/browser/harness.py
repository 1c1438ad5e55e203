"""Drive the Streamlit app in Debian's headless Chromium with Playwright (its own browser download does not
work on these machines, so ``executable_path=/usr/bin/chromium``).

``served_app()`` starts ``streamlit run ui/app.py`` on a free localhost port and waits for /_stcore/health;
``browser()`` opens a persistent context in a new empty profile with the flags this machine needs;
``idle(page)`` waits until the script run is over. Used by ``test_app_browser.py``, ``screenshots.py`` and the document screenshots.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"

__all__ = ["REPO", "CHROMIUM", "served_app", "serving", "free_port", "browser", "idle", "go_to_page", "run_plan", "grid_text", "grid_point",
           "edit_grid_cell", "pixel", "eventually", "wait_grid_still"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(command: list[str], probe: str, port: int, timeout: float = 40.0,
            env: dict[str, str] | None = None) -> Iterator[str]:
    """``command`` (a server listening on ``port`` of localhost) started from the repository; yields its URL once
    ``probe`` answers 200; stops the server (by its pid) afterwards. A server that exits first raises with its output."""
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"{' '.join(command[2:4])} exited with {proc.returncode}:\n{log.read().decode(errors='replace')}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{url}{probe}", timeout=2) as answer:
                    if answer.status == 200:
                        break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{' '.join(command[2:4])} did not answer {probe} within {timeout} s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()


@contextlib.contextmanager
def served_app(timeout: float = 40.0) -> Iterator[str]:
    """``streamlit run ui/app.py`` on localhost; yields its URL; stops the server afterwards."""
    port = free_port()
    with serving([sys.executable, "-m", "streamlit", "run", str(REPO / "ui" / "app.py"), "--server.headless", "true",
                  "--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none",
                  "--browser.gatherUsageStats", "false"], "/_stcore/health", port, timeout) as url:
        yield url


@contextlib.contextmanager
def browser(width: int = 1500, height: int = 1000):
    """A Playwright page in Debian's Chromium, in a new empty profile; downloads accepted."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="jointcheck-chromium-") as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=FLAGS, accept_downloads=True,
            viewport={"width": width, "height": height}, locale="zh-CN",
        )
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def idle(page, timeout: float = 30_000) -> None:
    """Wait for the script run an action started to finish (the app marks itself notRunning)."""
    page.wait_for_timeout(250)  # let the click's rerun begin
    page.wait_for_selector(IDLE, timeout=timeout)


def go_to_page(page, label: str) -> None:
    """Click a page of the sidebar radio by its label."""
    page.locator("[data-testid='stSidebar']").get_by_text(label, exact=True).click()
    idle(page)


def run_plan(page, number: int = 1, timeout: float = 120_000) -> None:
    """On the what-if page: press 运行计划 and wait until the page reports run ``#number`` done."""
    page.get_by_role("button", name="运行计划").click()
    page.locator("[data-testid='stAlert']").get_by_text(f"#{number} ").first.wait_for(timeout=timeout)
    idle(page, timeout)


# Streamlit's tables (glide-data-grid) draw on a canvas; the grid keeps an accessible copy of the cells shown
# (<td data-testid="glide-cell-COL-ROW">) that can be read, not clicked. Rows are 35 px, the header one row.
ROW_PX = 35
EDITOR_SETTLE_MS = 400


def grid_text(grid, col: int, row: int) -> str:
    """The text of a cell of a Streamlit table (``grid`` is its stDataFrame locator), from the accessible copy."""
    return grid.locator(f"[data-testid='glide-cell-{col}-{row}']").inner_text().strip()


def grid_point(grid, row: int, x: float = 12) -> tuple[float, float]:
    """Page coordinates ``x`` px into data row ``row`` of the table's canvas."""
    box = grid.locator("canvas").first.bounding_box()
    return box["x"] + x, box["y"] + ROW_PX * (row + 1) + ROW_PX / 2


def wait_grid_still(grid, timeout: float = 10_000) -> None:
    """Wait until the grid stops moving (an expander opening animates it)."""
    canvas = grid.locator("canvas").first
    canvas.wait_for(timeout=timeout)
    last, waited = None, 0.0
    while waited < timeout:
        box = canvas.bounding_box()
        if box is not None and box == last:
            return
        last = box
        grid.page.wait_for_timeout(200)
        waited += 200


def edit_grid_cell(page, grid, row: int, col: int, value: str, attempts: int = 3) -> None:
    """Type ``value`` into cell (row, col) of an st.data_editor as a planner does (click the row, arrow
    across, Enter opens the editor, Enter commits) and wait for the rerun. The cell reached is checked in
    the grid's accessible copy (aria-selected) before typing; a missed click is tried again, and so is an edit
    the grid does not show within 15 s.

    The editor is given a moment (EDITOR_SETTLE_MS) after it opens and after the value is typed: glide's number
    editor keeps the typed value in React state a render behind the input's DOM value, and an Enter pressed
    within that render commits the *old* value and moves on (measured on the what-if capacity table, one page load
    per edit: 8 edits of 25 lost with no pause, 0 of 75 with it, 20 of them on a machine kept busy)."""
    for attempt in range(attempts):
        _type_into_cell(page, grid, row, col, value)
        try:
            eventually(page, lambda: _shows(grid, col, row, value))
            return
        except AssertionError:
            if attempt == attempts - 1:
                raise
            page.keyboard.press("Escape")
            idle(page)


def _shows(grid, col: int, row: int, value: str) -> None:
    assert grid_text(grid, col, row) == value, f"cell ({row}, {col}) shows {grid_text(grid, col, row)!r}, not {value!r}"


def _type_into_cell(page, grid, row: int, col: int, value: str) -> None:
    target = grid.locator(f"[data-testid='glide-cell-{col}-{row}']")
    for _ in range(4):
        wait_grid_still(grid)
        page.mouse.click(*grid_point(grid, row))
        for _ in range(col):
            page.keyboard.press("ArrowRight")
        page.wait_for_timeout(200)
        if target.get_attribute("aria-selected") == "true":
            break
        page.keyboard.press("Escape")
    else:
        raise AssertionError(f"could not select cell ({row}, {col}) of the grid")
    page.keyboard.press("Enter")  # opens the cell's editor, which takes the focus
    page.wait_for_function("() => ['INPUT', 'TEXTAREA'].includes(document.activeElement?.tagName)", timeout=15_000)
    page.wait_for_timeout(EDITOR_SETTLE_MS)
    page.keyboard.press("Control+a")
    page.keyboard.type(value)
    page.wait_for_function("v => document.activeElement?.value === v", arg=value, timeout=15_000)
    page.wait_for_timeout(EDITOR_SETTLE_MS)  # let the editor's state catch up with its input (see above)
    page.wait_for_function("v => document.activeElement?.value === v", arg=value, timeout=15_000)
    page.keyboard.press("Enter")
    idle(page)


def pixel(page, x: float, y: float) -> tuple[int, int, int]:
    """The colour the page shows at (x, y)."""
    import io

    from PIL import Image

    shot = page.screenshot(clip={"x": x, "y": y, "width": 1, "height": 1})
    return Image.open(io.BytesIO(shot)).convert("RGB").getpixel((0, 0))


def eventually(page, check, timeout: float = 15_000) -> None:
    """Retry ``check()`` (an assertion) until it passes or ``timeout`` ms are over (then its last error is raised):
    an edit's reruns and the grid's redraw finish a moment after the page reports idle."""
    waited = 0.0
    while True:
        try:
            check()
            return
        except AssertionError:
            if waited >= timeout:
                raise
        page.wait_for_timeout(250)
        waited += 250
