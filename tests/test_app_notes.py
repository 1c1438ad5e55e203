"""Solver notes in Chinese on the dashboard: every note a capacity-starved plan gives (unplaced pairs,
departments short of capacity, qualification holders exhausted, officers without room) has a Chinese form
carrying the same values; English unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from optimizer.plan import make_plan, solver_notes
from scenarios import load_scenario
from ui.notes import NOTES, REASONS, note_text, translated
from ui.webapp.whatif import apply_whatif

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.fixture(scope="module")
def starved_notes() -> list[str]:
    """changning-2024 with 区市场监管局 cut to 40 officer-visits a week (from 476), as the screenshots run it."""
    scenario = apply_whatif(load_scenario(SCENARIOS / "changning-2024"), capacities={"SAMR": 40})
    plan = make_plan(scenario, "20240301")
    return [*solver_notes(plan), *plan.bundle.problems, *plan.teams.problems]


def test_every_note_of_a_starved_plan_reads_in_chinese(starved_notes):
    assert len(starved_notes) >= 3
    for line in starved_notes:
        zh = translated(line)
        assert zh is not None, f"no Chinese form for: {line}"
        words = [w for w in re.findall(r"[A-Za-z_]{3,}", zh) if not re.fullmatch(r"[A-Z0-9_]+|[a-z_]+", w) or w in
                 ("capacity", "week", "visits", "department", "subject", "exhausted", "holders", "needs")]
        assert not words, (zh, words)
        for number in re.findall(r"\d+", line):  # the values are carried over
            assert number in zh, (number, line, zh)
        assert note_text(line, "en") == line


def test_templates_name_the_same_values_as_their_forms():
    for pattern, template in [*NOTES, *REASONS]:
        assert set(re.compile(pattern).groupindex) == set(re.findall(r"\{(\w+)\}", template)), pattern


def test_an_unknown_note_is_marked_not_hidden():
    assert note_text("something new happened", "zh") == "（未翻译的求解器说明）something new happened"


def test_notes_name_departments_qualifications_and_subjects_in_both_languages(starved_notes):
    """Names, not codes: the starved plan's notes name 区市场监管局 and the qualification, in Chinese and English."""
    from ui.notes import plan_names

    scenario = load_scenario(SCENARIOS / "changning-2024")
    for lang in ("zh", "en"):
        names = plan_names(scenario, starved_notes, lang)
        texts = [note_text(line, lang, names) for line in starved_notes]
        samr = [x for x in texts if "区市场监管局" in x]
        assert samr, texts
        assert not any(re.search(r"\bSAMR\b", x) for x in texts), texts
        held = [x for x in texts if "持有" in x]  # English names of these qualifications are the same words
        assert held or lang == "en"
        for x in held:
            assert not re.search(r"\b(metrology|drug_device|food_safety|special_equipment)\b", x), x
        for line, text in zip(starved_notes, texts):
            for number in re.findall(r"(?<![A-Za-z])\d+", line.split("(V")[0]):
                assert number in text, (number, line, text)


def test_a_subject_of_a_note_is_named():
    from ui.notes import note_text as text_of

    line = "subject S1: annual cap 1 is below the 2 visits its tasks' windows need; left unplaced: T2"
    names = {"subject": {"S1": "上海某某餐饮有限公司"}, "department": {}, "qualification": {}}
    assert "上海某某餐饮有限公司" in text_of(line, "zh", names) and "S1" not in text_of(line, "zh", names)
    assert text_of(line, "en", names).startswith("subject 上海某某餐饮有限公司: annual cap 1")
