"""What-if state under AppTest: 恢复为政策规定值 brings a parameter and the table edits back to the law and the
scenario; table edits belong to their scenario (another scenario starts clean). Editing the tables themselves
needs a browser: tests/test_app_browser_tables.py."""

from __future__ import annotations

from app_harness import go_to, start_app

from ui.webapp.pages.whatif import table_keys
from ui.webapp.whatif import policy_parameters


def _param_key(at) -> tuple[str, float]:
    scenario = at.session_state["scenario_obj"]
    policy = at.session_state["keep:policy"]
    p = next(p for p in policy_parameters(policy, scenario) if p["unit"] == "ratio")
    return f"keep:param:{policy}:{p['name']}", float(p["value"])


def test_reset_to_the_law_restores_parameters_and_tables():
    at = go_to(start_app(), "whatif")
    key, law = _param_key(at)
    scenario = at.session_state["scenario_obj"]
    caps, windows, _ = table_keys(scenario)
    at.session_state[caps] = {"EDU": 3}
    at.run()
    at.number_input(key=key).set_value(round(min(1.0, law * 2), 3))
    at.button[0].click().run()  # 运行计划: the form's values are sent with it
    at.session_state["job"].future.result(timeout=60)
    at.run()
    assert not at.exception
    assert any("区教育局 9 → 3" in c.value for c in at.caption)
    go_to(at, "dashboard")
    go_to(at, "whatif")
    assert at.number_input(key=key).value == round(min(1.0, law * 2), 3)
    assert any("区教育局 9 → 3" in c.value for c in at.caption)  # kept across pages
    at.button(key="reset_to_law").click().run()
    assert not at.exception
    assert at.number_input(key=key).value == law
    assert not at.session_state[caps] and not any("→" in c.value for c in at.caption)


def test_table_edits_do_not_follow_another_scenario():
    at = go_to(start_app(), "whatif")
    scenario = at.session_state["scenario_obj"]
    caps, _, _ = table_keys(scenario)
    at.session_state[caps] = {"EDU": 3}
    at.run()
    go_to(at, "scenario")
    at.selectbox(key="keep:bundled").set_value("changning-2024").run()
    assert caps not in at.session_state
    go_to(at, "whatif")
    assert not any("→" in c.value for c in at.caption)
