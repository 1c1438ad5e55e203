"""Mid-year adjustment (动态调整, 沪府发〔2024〕6号 二(一)): a plan, then tasks added, cancelled and moved as of a date.

The adjusted plan keeps the visits made before the date byte for byte, keeps the samples of unchanged tasks
(same committed seed, same offsets) except where its manifest names the cap or directory change, passes
``check`` and ``verify``, is linked in the ledger to the version it adjusts, and over 300 seeds its draw is
still at the rules' π (the draw audit).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from optimizer.adjust import _rounds, adjust_plan, write_adjusted
from optimizer.check import check_plan, read_plan
from optimizer.draw import (
    draw_input,
    draw_subjects,
    law_audit,
    pi_units,
    run_draw,
    task_counts,
)
from optimizer.export import write_plan
from optimizer.plan import make_plan
from optimizer.verify import verify_draw
from records.ledger import records
from rules import evaluate
from scenarios import load_scenario
from ui.cli import app

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
AS_OF = dt.date(2024, 5, 1)
VALUE = "7"
runner = CliRunner()


def updated_tiny(dst: Path) -> Path:
    """tiny with T04 cancelled, T05's window moved to August–September, T07 (June–July) and T08 (autumn) added."""
    shutil.copytree(SCENARIOS / "tiny", dst)
    spec = yaml.safe_load((dst / "scenario.yaml").read_text(encoding="utf-8"))
    spec["tasks"] = [t for t in spec["tasks"] if t["id"] != "T04"]
    for t in spec["tasks"]:
        if t["id"] == "T05":
            t["window"] = {"start": "2024-08-01", "end": "2024-09-30"}
    spec["tasks"] += [
        {"id": "T07", "name": "夏季餐饮卫生联合抽查", "lead": "SAMR", "partners": ["HEALTH"], "items": ["F02", "H01"],
         "object_type": "restaurant", "window": {"start": "2024-06-03", "end": "2024-07-31"}, "ratio": 0.2},
        {"id": "T08", "name": "学校食堂消防检查", "lead": "FIRE", "partners": [], "items": ["X02"],
         "object_type": "school_canteen", "window": {"start": "2024-09-02", "end": "2024-10-31"}, "count": 2},
    ]
    (dst / "scenario.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dst


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("adjust")
    tiny = load_scenario(SCENARIOS / "tiny")
    write_plan(make_plan(tiny, VALUE), root / "v1")
    updated = load_scenario(updated_tiny(root / "tiny-2"))
    adjusted = adjust_plan(root / "v1", updated, VALUE, AS_OF)
    write_adjusted(adjusted, root / "v2")
    return {"root": root, "tiny": tiny, "updated": updated, "adjusted": adjusted}


def test_visits_before_the_date_are_kept_byte_for_byte(made: dict) -> None:
    v1, v2 = read_plan(made["root"] / "v1"), read_plan(made["root"] / "v2")
    before = v1.visits.filter(pl.col("date") < AS_OF)
    assert before.height > 0
    assert v2.visits.filter(pl.col("date") < AS_OF).equals(before)  # subjects, dates, tasks, codes
    ids = before["visit_id"].implode()
    assert v2.assignments.filter(pl.col("visit_id").is_in(ids)).equals(v1.assignments.filter(pl.col("visit_id").is_in(ids)))
    # a visit made before the date that served the cancelled task T04 stays as it was made
    assert before.filter(pl.col("task_ids").list.contains("T04")).height > 0


def test_cancelled_task_is_gone_after_the_date_and_added_tasks_are_visited(made: dict) -> None:
    v2 = read_plan(made["root"] / "v2")
    future = v2.visits.filter(pl.col("date") >= AS_OF)
    served = set(future["task_ids"].explode().to_list())
    assert "T04" not in served and {"T07", "T08"} <= served
    a = made["adjusted"].manifest["adjustment"]
    assert (a["added"], a["cancelled"], a["moved"]) == (["T07", "T08"], ["T04"], ["T05"])
    # the moved task's visits lie in its new window
    t05 = future.filter(pl.col("task_ids").list.contains("T05"))
    assert t05.height and t05["date"].min() >= dt.date(2024, 8, 1) and t05["date"].max() <= dt.date(2024, 9, 30)
    # 进一次门: an added task joined a visit already planned
    changed = made["adjusted"].changes.filter(pl.col("change") == "tasks_changed")
    assert changed["tasks_after"].str.contains("T07").any()


def test_unchanged_tasks_keep_their_subjects_unless_the_manifest_names_why(made: dict) -> None:
    v1, v2 = read_plan(made["root"] / "v1"), read_plan(made["root"] / "v2")
    named = {f["task_id"]: f for f in made["adjusted"].manifest["adjustment"]["forced_changes"]}
    for task in ("T01", "T02", "T03", "T05", "T06"):
        was = set(v1.draws.filter((pl.col("task_id") == task) & pl.col("selected"))["subject_id"])
        now = set(v2.draws.filter((pl.col("task_id") == task) & pl.col("selected"))["subject_id"])
        if task in named:
            assert set(named[task]["removed"]) == was - now and set(named[task]["added"]) == now - was
            assert named[task]["reason"] in ("cap", "directory")
        else:
            assert was == now, task


def test_a_new_plan_from_the_updated_scenario_would_redraw_unchanged_tasks(made: dict) -> None:
    """Why adjust exists: planning the updated scenario afresh draws other subjects for tasks that did not change."""
    v1 = read_plan(made["root"] / "v1")
    fresh = make_plan(made["updated"], VALUE).run.draw.draws
    moved = [t for t in ("T01", "T02", "T03", "T06")
             if set(v1.draws.filter((pl.col("task_id") == t) & pl.col("selected"))["subject_id"])
             != set(fresh.filter((pl.col("task_id") == t) & pl.col("selected"))["subject_id"])]
    assert moved


def test_check_and_verify_pass_on_the_adjusted_plan(made: dict) -> None:
    assert check_plan(made["root"] / "v2", made["updated"]) == []
    ok = verify_draw(made["root"] / "v2", made["updated"], VALUE)
    assert ok.ok, ok.mismatches
    assert not verify_draw(made["root"] / "v2", made["updated"], "8").commitment_ok
    with pytest.raises(ValueError, match="commitment"):
        adjust_plan(made["root"] / "v1", made["updated"], "8", AS_OF)


def test_the_same_inputs_give_byte_identical_files(made: dict) -> None:
    again = adjust_plan(made["root"] / "v1", made["updated"], VALUE, AS_OF)
    write_adjusted(again, made["root"] / "v2-again")
    for name in ("manifest.json", "draws.parquet", "visits.parquet", "assignments.parquet", "changes.csv", "changes.json"):
        assert (made["root"] / "v2" / name).read_bytes() == (made["root"] / "v2-again" / name).read_bytes(), name


def test_diff_report_in_chinese_and_english(made: dict) -> None:
    text = (made["root"] / "v2" / "changes.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith('"change","变更"')
    assert "新增上门" in text and "取消上门" in text and "added" in text
    rows = json.loads((made["root"] / "v2" / "changes.json").read_text(encoding="utf-8"))
    assert {r["change"] for r in rows} >= {"added", "removed", "moved", "tasks_changed"}
    moved = [r for r in rows if r["change"] == "moved"]  # T05's window moved to August–September
    assert any("T05" in r["tasks_after"] and r["date_before"] < "2024-08-01" <= r["date_after"] for r in moved)


def test_cli_adjust_links_the_versions_in_the_ledger_and_publishes_with_its_own_deadline(
        made: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, key = tmp_path / "ledger.db", tmp_path / "district.key"
    monkeypatch.setenv("JOINTCHECK_LEDGER", str(db))
    monkeypatch.setenv("JOINTCHECK_KEY_FILE", str(key))
    v1 = tmp_path / "v1"
    result = runner.invoke(app, ["plan", str(SCENARIOS / "tiny"), "--seed", VALUE, "--out", str(v1), "--lang", "en"])
    assert result.exit_code == 0, result.output
    scenario_dir = made["root"] / "tiny-2"
    result = runner.invoke(app, ["adjust", str(v1), str(scenario_dir), "--as-of", AS_OF.isoformat(), "--seed", VALUE,
                                 "--out", str(tmp_path / "v2"), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "version 2" in result.output
    first, second = [r for r in records(db) if r.kind == "plan"]
    assert second.body["adjusts"]["record"] == {"seq": first.seq, "hash": first.hash}
    assert second.body["adjusts"]["as_of"] == "2024-05-01"
    manifest = json.loads((tmp_path / "v2" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["adjusts"]["manifest_sha256"] == first.body["files"]["manifest.json"]
    for command in (["check", str(tmp_path / "v2"), str(scenario_dir), "--lang", "en"],
                    ["verify", str(tmp_path / "v2"), str(scenario_dir), "--seed", VALUE, "--lang", "en"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0 and "PASS" in result.output, result.output
    result = runner.invoke(app, ["publish", str(tmp_path / "v2"), str(scenario_dir), "--out", str(tmp_path / "pub"), "--lang", "en"])
    assert result.exit_code == 0, result.output
    public = json.loads((tmp_path / "pub" / "public_plan.json").read_text(encoding="utf-8"))
    assert public["publication"]["plan_formed"] == "2024-05-01"
    # 5 working days after 5月1日, the May Day holiday running to 5 May: 6–10 May
    assert public["publication"]["plan_publish_by"] == "2024-05-10"
    assert public["publication"]["made_late"] is False and public["adjustment"]["added"] == ["T07", "T08"]


def test_adjusted_draws_pass_the_law_audit_over_300_seeds(made: dict) -> None:
    """Each seed: the plan's draw, the subjects of tasks done before the date counted in caps, then the adjusted
    draw from the same seed with the plan's offsets — every task of the updated scenario at its π."""
    values = [str(k) for k in range(300)]
    run = run_draw(made["tiny"], values)
    v1 = read_plan(made["root"] / "v1")  # its rounds (alignment does not depend on the seed) and probabilities
    manifest = v1.manifest
    results = evaluate(made["updated"])
    rounds, *_ = _rounds(manifest, made["updated"], AS_OF, v1.draws, results.pairs.filter(pl.col("eligible")))
    inp = draw_input(made["updated"], results, rounds)
    old = run.draw.draws.filter(pl.col("seed") == run.draw.draws["seed"].first())
    basis = old.select("subject_id", "round", pi_units(pl.col("inclusion_prob")).alias("pi_units"))
    ended = [t["id"] for t in manifest["tasks"] if dt.date.fromisoformat(t["window"]["end"]) < AS_OF]
    done = run.draw.draws.filter(pl.col("selected") & pl.col("task_id").is_in(ended)).select(
        "seed", "subject_id", pl.col("round").cast(pl.Int32)).unique()
    adjusted = draw_subjects(inp, list(run.public_values), offset_basis=basis, done=done)
    audit = law_audit(adjusted, task_counts(made["updated"]))
    print(audit.tasks.select("task_id", "sum_pi", "p_value", "min_size", "max_size", "replacements"))
    assert audit.ok, "\n".join(audit.failures)
    # and unchanged tasks drew the very same subjects as the plan, unless a cap moved them (a replacement)
    kept = ["T01", "T02", "T03", "T05", "T06"]
    cols = ["seed", "task_id", "subject_id", "selected", "replaced_by"]
    pairs = adjusted.draws.filter(pl.col("task_id").is_in(kept)).select(cols).join(
        run.draw.draws.filter(pl.col("task_id").is_in(kept)).select(cols), on=["seed", "task_id", "subject_id"])
    moved = pairs.group_by("seed", "task_id").agg(
        (pl.col("selected") != pl.col("selected_right")).any().alias("differs"),
        (pl.col("replaced_by").is_not_null() | pl.col("replaced_by_right").is_not_null()).any().alias("capped"))
    print(f"kept tasks × seeds whose sample differs from the plan: {moved['differs'].sum()} of {moved.height}")
    assert moved.filter(pl.col("differs") & ~pl.col("capped")).height == 0


def test_the_plans_offsets_keep_a_later_round_when_an_earlier_task_is_cancelled() -> None:
    """Two rounds of 200 subjects at π = 0.3; the first task is cancelled. With the offsets of the plan adjusted
    the second task keeps its sample in every seed; recomputed from the remaining tasks they would move it."""
    from optimizer.draw import DrawInput

    subjects = [f"S{i:03d}" for i in range(200)]
    pairs = pl.DataFrame({"subject_id": subjects * 2, "task_id": ["T1"] * 200 + ["T2"] * 200, "inclusion_prob": 0.3,
                          "stratum": "B", "mandatory": False})
    caps = pl.DataFrame(schema={"subject_id": pl.String, "annual_cap": pl.Int32})
    rounds = pl.DataFrame({"task_id": ["T1", "T2"], "round": [0, 1]}, schema={"task_id": pl.String, "round": pl.Int32})
    seeds = [f"seed-{k}" for k in range(50)]
    plan = draw_subjects(DrawInput(pairs, caps, rounds), seeds).draws
    later = DrawInput(pairs.filter(pl.col("task_id") == "T2"), caps, rounds.filter(pl.col("task_id") == "T2"))
    basis = plan.filter(pl.col("seed") == seeds[0]).select("subject_id", "round", "pi_units")

    def t2(draws: pl.DataFrame) -> dict[str, set[str]]:
        chosen = draws.filter((pl.col("task_id") == "T2") & pl.col("selected"))
        return {s: set(chosen.filter(pl.col("seed") == s)["subject_id"]) for s in seeds}

    assert t2(draw_subjects(later, seeds, offset_basis=basis).draws) == t2(plan)
    naive = t2(draw_subjects(later, seeds).draws)
    assert sum(naive[s] != t2(plan)[s] for s in seeds) > 40


@pytest.mark.parametrize("day", [dt.date(2024, 1, 2), AS_OF, dt.date(2024, 12, 31)])
def test_an_adjustment_that_changes_nothing_is_the_plan_itself(made: dict, day: dt.date) -> None:
    """The same scenario as of any date: the same draw, visits, teams and codes, and an empty diff."""
    v1 = read_plan(made["root"] / "v1")
    same = adjust_plan(made["root"] / "v1", made["tiny"], VALUE, day)
    assert same.draws.equals(v1.draws) and same.visits.equals(v1.visits) and same.assignments.equals(v1.assignments)
    assert same.changes.height == 0 and same.manifest["adjustment"]["forced_changes"] == []


def test_an_adjusted_plan_can_be_adjusted_again(made: dict, tmp_path: Path) -> None:
    """Version 3 from version 2 with nothing changed: the same draw (tasks added in version 2 keep their offsets),
    the same visits; version 3 names version 2 and keeps the first seed."""
    v2 = made["root"] / "v2"
    again = adjust_plan(v2, made["updated"], VALUE, dt.date(2024, 8, 1))
    write_adjusted(again, tmp_path / "v3")
    assert again.draws.equals(read_plan(v2).draws) and again.visits.equals(read_plan(v2).visits)
    assert again.manifest["adjusts"]["version"] == 3
    assert check_plan(tmp_path / "v3", made["updated"]) == []
    assert verify_draw(tmp_path / "v3", made["updated"], VALUE).ok
