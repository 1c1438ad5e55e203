"""The engine evaluates whole directories through profiles, not subjects (timings: benchmarks/rules_evaluate.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.instances import synthetic_directory as _synthetic
from rules import evaluate
from scenarios import load_scenario

REPO = Path(__file__).resolve().parent.parent


def test_synthetic_60k_directory():
    result = evaluate(_synthetic())
    assert result.subjects.height == 60_000
    assert result.pairs.height > 60_000


@pytest.mark.skipif(not (REPO / "scenarios/changning-2024/scenario.yaml").exists(), reason="changning-2024 not generated")
def test_changning_caps_every_subject():
    result = evaluate(load_scenario(REPO / "scenarios/changning-2024"))
    assert result.subjects["annual_cap"].unique().to_list() == [2]
