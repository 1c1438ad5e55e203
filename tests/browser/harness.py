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

__all__ = ["REPO", "CHROMIUM", "served_app", "browser", "idle", "go_to_page", "run_plan"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served_app(timeout: float = 40.0) -> Iterator[str]:
    """``streamlit run ui/app.py`` on localhost; yields its URL; stops the server (by its pid) afterwards."""
    port = _free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "ui" / "app.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read().decode(errors='replace')}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit did not answer /_stcore/health within {timeout} s")
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
