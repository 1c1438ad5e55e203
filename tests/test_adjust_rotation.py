"""Adjusting a rotated plan (动态调整 of a plan drawn with ``--previous``): the adjusted draw reads the chain's
permanent numbers with the same shift, so unchanged tasks keep their subjects (or the manifest names why);
``check`` and ``verify --previous`` pass; without the earlier plans the adjustment is refused with a clear
message; over 300 seeds the adjusted rotated draw passes the law audit."""

from __future__ import annotations

import json

import polars as pl
import pytest
from typer.testing import CliRunner

from optimizer.adjust import _rounds, adjust_plan
from optimizer.check import read_plan
from optimizer.draw import (
    draw_input,
    draw_subjects,
    law_audit,
    pi_units,
    run_draw,
    task_counts,
)
from optimizer.rotation import rotation_shift
from rules import evaluate
from scenarios import load_scenario
from tests.test_adjust import AS_OF, SCENARIOS, updated_tiny
from ui.cli import app

runner = CliRunner()
KEPT = ("T01", "T02", "T03", "T05", "T06")


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("adjust-rotation")
    mp = pytest.MonkeyPatch()
    mp.setenv("JOINTCHECK_LEDGER", str(root / "ledger.db"))
    mp.setenv("JOINTCHECK_KEY_FILE", str(root / "district.key"))
    tiny = str(SCENARIOS / "tiny")
    y1, y2, v2 = root / "y1", root / "y2", root / "y2-v2"
    assert runner.invoke(app, ["plan", tiny, "--seed", "11", "--out", str(y1)]).exit_code == 0
    made = runner.invoke(app, ["plan", tiny, "--seed", "12", "--plan-id", "tiny-2025", "--out", str(y2),
                               "--previous", str(y1), "--previous-seed", "11"])
    assert made.exit_code == 0, made.output
    updated = updated_tiny(root / "tiny-2")
    refused = runner.invoke(app, ["adjust", str(y2), str(updated), "--as-of", AS_OF.isoformat(), "--seed", "12",
                                  "--out", str(root / "refused")])
    adjusted = runner.invoke(app, ["adjust", str(y2), str(updated), "--as-of", AS_OF.isoformat(), "--seed", "12",
                                   "--out", str(v2), "--previous", str(y1), "--previous-seed", "11"])
    yield {"root": root, "y1": y1, "y2": y2, "v2": v2, "updated": updated, "refused": refused, "adjusted": adjusted,
           "mp": mp}
    mp.undo()


def test_adjusting_a_rotated_plan_needs_its_earlier_plans(chain: dict) -> None:
    refused = chain["refused"]
    assert refused.exit_code != 0 and "--previous" in refused.output and "Traceback" not in refused.output
    assert not (chain["root"] / "refused").exists()
    wrong = runner.invoke(app, ["adjust", str(chain["y2"]), str(chain["updated"]), "--as-of", AS_OF.isoformat(),
                                "--seed", "12", "--out", str(chain["root"] / "wrong"), "--previous", str(chain["y1"]),
                                "--previous-seed", "99"])
    assert wrong.exit_code != 0 and "不能打开计划" in wrong.output and "随机数承诺" in wrong.output  # zh by default
    assert not (chain["root"] / "wrong").exists()


def test_the_adjusted_rotated_plan_passes_check_and_verify(chain: dict) -> None:
    assert chain["adjusted"].exit_code == 0, chain["adjusted"].output
    v2, updated = str(chain["v2"]), str(chain["updated"])
    manifest = json.loads((chain["v2"] / "manifest.json").read_text(encoding="utf-8"))
    before = json.loads((chain["y2"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rotation"] == before["rotation"] and manifest["adjusts"]["plan_id"] == "tiny-2025"
    assert manifest["rotation"]["cells_follow_last_year"] is True
    assert runner.invoke(app, ["check", v2, updated, "--lang", "en"]).exit_code == 0
    ok = runner.invoke(app, ["verify", v2, updated, "--seed", "12", "--previous", str(chain["y1"]), "--previous-seed", "11", "--lang", "en"])
    assert ok.exit_code == 0 and "PASS" in ok.output, ok.output
    # the plan's own public value opens its commitment; the chain's first one recomputes the shift — both needed
    assert runner.invoke(app, ["verify", v2, updated, "--seed", "12", "--lang", "en"]).exit_code == 1
    assert runner.invoke(app, ["verify", v2, updated, "--seed", "13", "--previous", str(chain["y1"]),
                               "--previous-seed", "11", "--lang", "en"]).exit_code == 1


def test_unchanged_tasks_keep_their_rotated_subjects(chain: dict) -> None:
    y2, v2 = read_plan(chain["y2"]), read_plan(chain["v2"])
    named = {f["task_id"]: f for f in v2.manifest["adjustment"]["forced_changes"]}
    kept_same = 0
    for task in KEPT:
        was = set(y2.draws.filter((pl.col("task_id") == task) & pl.col("selected"))["subject_id"])
        now = set(v2.draws.filter((pl.col("task_id") == task) & pl.col("selected"))["subject_id"])
        if task in named:
            assert set(named[task]["removed"]) == was - now and set(named[task]["added"]) == now - was
        else:
            assert was == now, task
            kept_same += 1
    assert kept_same >= 3
    # and an unrotated redraw from the plan's own seed would not have kept them: the chain's numbers are used
    fresh = run_draw(load_scenario(chain["updated"]), ["12"], plan_id="tiny-2025").draw.draws
    assert any(set(y2.draws.filter((pl.col("task_id") == t) & pl.col("selected"))["subject_id"])
               != set(fresh.filter((pl.col("task_id") == t) & pl.col("selected"))["subject_id"]) for t in KEPT)


def test_adjusted_rotated_draws_pass_the_law_audit_over_300_seeds(chain: dict) -> None:
    """Year 1 and its rotated year 2 over 300 seeds, then year 2 adjusted with the same shift and year 2's
    offsets: every task of the updated scenario at its π, unchanged tasks' samples unmoved unless capped."""
    tiny, updated = load_scenario(SCENARIOS / "tiny"), load_scenario(chain["updated"])
    values = [str(k) for k in range(300)]
    year1 = run_draw(tiny, values)
    seeds = list(year1.public_values)
    one = year1.draw.draws.filter(pl.col("seed") == seeds[0])
    shift = rotation_shift([one])
    last = year1.draw.draws  # each replication's year 2 follows its year 1 in the cells that can (as plan does)
    year2 = draw_subjects(draw_input(tiny, year1.results, year1.rounds), seeds, shift=shift, last=last)
    v2 = read_plan(chain["y2"])
    results = evaluate(updated)
    rounds, *_ = _rounds(v2.manifest, updated, AS_OF, v2.draws, results.pairs.filter(pl.col("eligible")))
    basis = year2.draws.filter(pl.col("seed") == seeds[0]).select("subject_id", "round", pi_units(pl.col("inclusion_prob"))
                                                                   .alias("pi_units"))
    adjusted = draw_subjects(draw_input(updated, results, rounds), seeds, offset_basis=basis, shift=shift, last=last)
    audit = law_audit(adjusted, task_counts(updated))
    assert audit.ok, "\n".join(audit.failures)
    cols = ["seed", "task_id", "subject_id", "selected", "replaced_by"]
    pairs = adjusted.draws.filter(pl.col("task_id").is_in(KEPT)).select(cols).join(
        year2.draws.filter(pl.col("task_id").is_in(KEPT)).select(cols), on=["seed", "task_id", "subject_id"])
    moved = pairs.group_by("seed", "task_id").agg(
        (pl.col("selected") != pl.col("selected_right")).any().alias("differs"),
        (pl.col("replaced_by").is_not_null() | pl.col("replaced_by_right").is_not_null()).any().alias("capped"))
    assert moved.filter(pl.col("differs") & ~pl.col("capped")).height == 0


def test_a_plan_without_rotation_takes_no_previous(chain: dict) -> None:
    from optimizer.adjust import AdjustError

    with pytest.raises(AdjustError, match="not drawn with rotation"):
        adjust_plan(chain["y1"], load_scenario(chain["updated"]), "11", AS_OF, previous=[chain["y1"]], previous_seed="11")
