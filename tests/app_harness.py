"""The planner app under Streamlit's AppTest: start it, go to a page. Shared by the AppTest suites."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

__all__ = ["APP", "TINY", "start_app", "go_to"]

APP = str(Path(__file__).resolve().parent.parent / "ui" / "app.py")
TINY = Path(__file__).resolve().parent.parent / "scenarios" / "tiny"


def start_app() -> AppTest:
    """A fresh session of the app, run once; fails on any exception the page raised."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def go_to(at: AppTest, page: str) -> AppTest:
    """Pick ``page`` in the sidebar and run; fails on any exception."""
    at.sidebar.radio(key="keep:page").set_value(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at
