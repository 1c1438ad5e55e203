"""Shared fixtures: copies of bundled scenarios that a test may edit."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"


@pytest.fixture(autouse=True, scope="session")
def private_ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Plans made by tests record into a throwaway ledger and district key, never ./jointcheck.db or
    ./jointcheck.key. One key for the session, so plans of the same seed stay byte-identical."""
    home = tmp_path_factory.mktemp("ledger")
    saved = {k: os.environ.get(k) for k in ("JOINTCHECK_LEDGER", "JOINTCHECK_KEY_FILE")}
    os.environ["JOINTCHECK_LEDGER"] = str(home / "jointcheck.db")
    os.environ["JOINTCHECK_KEY_FILE"] = str(home / "jointcheck.key")
    from records.codes import load_or_create_key

    load_or_create_key(home / "jointcheck.key")  # the ledger's records are signed with it from the first
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def private_runs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test saves the app's runs into a folder of its own (the app lists every run on disk)."""
    monkeypatch.setenv("JOINTCHECK_RUNS", str(tmp_path_factory.mktemp("runs")))


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    """An editable copy of scenarios/tiny."""
    target = tmp_path / "tiny"
    shutil.copytree(SCENARIOS / "tiny", target)
    return target


@pytest.fixture
def edit() -> Callable[[Path, str, str], None]:
    """Replace exactly one occurrence of ``old`` by ``new`` in a file (fails loudly if absent)."""

    def _edit(path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path.name}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    return _edit


@pytest.fixture
def public_app():
    """A fresh typer app holding only the publication, ledger and code commands (ui.cli_public)."""
    import typer

    from ui.cli.record import register

    app = typer.Typer()

    @app.callback()
    def main() -> None:
        pass

    register(app)
    return app


@pytest.fixture
def fresh_streamlit_caches() -> Iterator[None]:
    """st.cache_data / cache_resource live as long as the process: an app test starts from empty caches."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()


@pytest.fixture(scope="session")
def ray_session() -> Iterator[object]:
    """A real local Ray of 2 CPUs, started once per test session (city runs use it as it is and leave it running).
    Skipped, saying why, only where Ray is not installed (.ci/run installs the ``ray`` extra)."""
    try:
        import ray
    except ImportError as exc:
        pytest.skip(f"Ray is not installed ({exc}); pip install -e '.[ray]' to run the city equality tests on Ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()
