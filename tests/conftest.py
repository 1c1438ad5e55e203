"""Shared fixtures: copies of bundled scenarios that a test may edit."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"


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
