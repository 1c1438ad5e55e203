"""The engine evaluates whole directories through profiles, not subjects (timings: benchmarks/rules_evaluate.py)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from rules import evaluate
from rules.lawtest import build_scenario
from scenarios import load_scenario

REPO = Path(__file__).resolve().parent.parent


def _synthetic(n: int = 60_000, n_tasks: int = 55, n_types: int = 20, seed: int = 20240805):
    rng = random.Random(seed)
    types = [f"type{k:02d}" for k in range(n_types)]
    subjects = [{
        "subject_id": f"X{i:06d}",
        "object_types": rng.sample(types, rng.choice([1, 1, 1, 2, 3])),
        "risk_class": rng.choices("ABCD", weights=[35, 52, 10, 3])[0],
        "penalized_3y": rng.random() < 0.04,
        "complaints_verified": min(6, int(rng.expovariate(2.5))),
        "grid": f"G{rng.randrange(10)}",
    } for i in range(n)]
    items = [{"id": f"I{k}", "name": f"事项{k}", "department": "SAMR", "kind": "key" if k % 3 else "general"}
             for k in range(30)]
    tasks = [{"object_type": types[k % n_types], "items": [f"I{k % 30}", f"I{(k + 7) % 30}"],
              **({"count": 20 + k} if k % 2 else {"ratio": 0.02})} for k in range(n_tasks)]
    return build_scenario(subjects, tasks, items=items)


def test_synthetic_60k_directory():
    result = evaluate(_synthetic())
    assert result.subjects.height == 60_000
    assert result.pairs.height > 60_000


@pytest.mark.skipif(not (REPO / "scenarios/changning-2024/scenario.yaml").exists(), reason="changning-2024 not generated")
def test_changning_caps_every_subject():
    result = evaluate(load_scenario(REPO / "scenarios/changning-2024"))
    assert result.subjects["annual_cap"].unique().to_list() == [2]
