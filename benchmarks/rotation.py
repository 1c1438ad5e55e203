"""Plans through the year and across years, measured on changning-2024 (issue 18).

Usage: python -m benchmarks.rotation [--seeds 10] [--small-seeds 300] [--skip-adjust]

1. **Rotation across years.** Three years of the same 60,000-subject directory: year 1 drawn from seed k,
   years 2 and 3 from year 1's permanent numbers shifted by the earlier years' probabilities
   (:mod:`optimizer.rotation`), against today's practice (a fresh seed each year: independent years). For each
   pair of consecutive years: mean subjects drawn in both, the least possible Σ_i max(0, A¹_i + A²_i − 1)
   (A = Σ over the rounds of the subject's largest π, its chance of being drawn in the year), and the
   expectation for independent years Σ A¹A²; every year's draw goes through the law audit over the seeds.
   "shift alone" is rotation without the cells that follow last year's sample (rank rotation of cells whose
   members are interchangeable, :func:`optimizer.draw.coordinated._after_last_year`). The same on
   scenarios/tiny (cells of 1–12 subjects) over ``--small-seeds``.
2. **Mid-year adjustment.** The seed-1 plan, then as of 3 June: two tasks added (restaurants' summer food
   safety, lifts in commercial buildings), one cancelled (T19, entertainment venues), one window moved (T24,
   hotels, from Aug–Sep to Sep–Oct): visits kept, added, removed, moved, tasks and teams changed; samples
   the caps moved; check and verify on the adjusted plan.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

import polars as pl
import yaml

from benchmarks.machine import print_header
from optimizer.draw import draw_input, draw_subjects, law_audit, run_draw, task_counts
from optimizer.rotation import rotation_shift
from scenarios import load_scenario

REPO = Path(__file__).resolve().parents[1]
CHANGNING = REPO / "scenarios" / "changning-2024"


def _drawn(draws: pl.DataFrame) -> pl.DataFrame:
    order = {s: k for k, s in enumerate(dict.fromkeys(draws["seed"].to_list()))}
    return draws.filter("selected").select("seed", "subject_id").unique().with_columns(
        pl.col("seed").replace_strict(order, return_dtype=pl.Int64).alias("k"))


def _overlap(a: pl.DataFrame, b: pl.DataFrame, seeds: int) -> float:
    return _drawn(a).join(_drawn(b), on=["k", "subject_id"]).height / seeds


def _arc(draws: pl.DataFrame) -> pl.DataFrame:
    first = draws.filter(pl.col("seed") == draws["seed"].first())
    return first.group_by("subject_id", "round").agg(pl.col("inclusion_prob").max()).group_by("subject_id").agg(
        pl.col("inclusion_prob").sum().alias("A"))


def rotation(seeds: int, directory: Path = CHANGNING) -> None:
    scenario = load_scenario(directory)
    t0 = time.perf_counter()
    year1 = run_draw(scenario, [str(k) for k in range(1, seeds + 1)])
    plan_seeds = list(year1.public_values)
    inp = draw_input(scenario, year1.results, year1.rounds)
    one = year1.draw.draws.filter(pl.col("seed") == plan_seeds[0])
    # each replication's year follows its own last year in the cells that can (rank rotation of small cells)
    year2 = draw_subjects(inp, plan_seeds, shift=rotation_shift([one]), last=year1.draw.draws)
    two = year2.draws.filter(pl.col("seed") == plan_seeds[0])
    year3 = draw_subjects(inp, plan_seeds, shift=rotation_shift([one, two]), last=year2.draws)
    shift_only2 = draw_subjects(inp, plan_seeds, shift=rotation_shift([one]))  # before: the shift alone
    shift_only3 = draw_subjects(inp, plan_seeds, shift=rotation_shift(
        [one, shift_only2.draws.filter(pl.col("seed") == plan_seeds[0])]))
    fresh2 = run_draw(scenario, [str(k) for k in range(1001, 1001 + seeds)], results=year1.results).draw.draws
    fresh3 = run_draw(scenario, [str(k) for k in range(2001, 2001 + seeds)], results=year1.results).draw.draws
    seconds = time.perf_counter() - t0
    a = _arc(one)
    least = float(a.select((2 * pl.col("A") - 1).clip(lower_bound=0).sum()).item())
    indep = float(a.select((pl.col("A") ** 2).sum()).item())
    drawn = _drawn(year1.draw.draws).height / seeds
    counts = task_counts(scenario)
    audits = {name: law_audit(d, counts) for name, d in (("year 1", year1.draw), ("year 2", year2), ("year 3", year3))}
    print(f"\n## Rotation across years — {scenario.name}, {seeds} seeds per year, {seconds:.0f} s for 5 × {seeds} draws")
    print(f"subjects drawn a year (mean): {drawn:.1f}; Σ A = {float(a['A'].sum()):.1f}; "
          f"largest A = {float(a['A'].max()):.3f}; subjects with A > ½: {a.filter(pl.col('A') > 0.5).height}")
    print("| years | rotated | shift alone (small cells not following last year) | independent years (fresh seeds) "
          "| expected if independent Σ A¹A² | least possible Σ max(0, A¹+A²−1) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    print(f"| 1 → 2 | {_overlap(year1.draw.draws, year2.draws, seeds):.2f} | "
          f"{_overlap(year1.draw.draws, shift_only2.draws, seeds):.2f} | "
          f"{_overlap(year1.draw.draws, fresh2, seeds):.2f} | {indep:.2f} | {least:.2f} |")
    print(f"| 2 → 3 | {_overlap(year2.draws, year3.draws, seeds):.2f} | "
          f"{_overlap(shift_only2.draws, shift_only3.draws, seeds):.2f} | {_overlap(fresh2, fresh3, seeds):.2f} | "
          f"{indep:.2f} | {least:.2f} |")
    print(f"| 1 → 3 | {_overlap(year1.draw.draws, year3.draws, seeds):.2f} | "
          f"{_overlap(year1.draw.draws, shift_only3.draws, seeds):.2f} | {_overlap(year1.draw.draws, fresh3, seeds):.2f} | "
          f"{indep:.2f} | — |")
    for name, audit in audits.items():
        print(f"law audit {name}: {'passes' if audit.ok else 'FAILS'} ({audit.tasks.height} tasks, worst chi-square p "
              f"{float(audit.tasks['p_value'].min()):.3f}){''.join(chr(10) + '  ' + f for f in audit.failures[:5])}")


def updated_changning(dst: Path) -> Path:
    """changning-2024 as of 3 June: T19 cancelled, T24 moved to Sep–Oct, T56 and T57 added."""
    for name in ("subjects.csv", "officers.csv"):
        (dst / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CHANGNING / name, dst / name)
    spec = yaml.safe_load((CHANGNING / "scenario.yaml").read_text(encoding="utf-8"))
    tasks = {t["id"]: t for t in spec["tasks"]}
    spec["tasks"] = [t for t in spec["tasks"] if t["id"] != "T19"]
    tasks["T24"]["window"] = {"start": dt.date(2024, 9, 2), "end": dt.date(2024, 10, 31)}
    spec["tasks"] += [
        {"id": "T56", "name": "夏季餐饮食品安全专项联合抽查", "lead": "SAMR", "partners": ["HEALTH"],
         "items": list(tasks["T01"]["items"]), "object_type": "restaurant",
         "window": {"start": dt.date(2024, 6, 17), "end": dt.date(2024, 8, 16)}, "count": 20},
        {"id": "T57", "name": "商业楼宇电梯安全专项联合抽查", "lead": "SAMR", "partners": ["FIRE"],
         "items": list(tasks["T34"]["items"]), "object_type": "elevator_building",
         "window": {"start": dt.date(2024, 6, 17), "end": dt.date(2024, 7, 31)}, "count": 10},
    ]
    (dst / "scenario.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dst


def adjustment() -> None:
    from optimizer.adjust import adjust_plan, write_adjusted
    from optimizer.check import check_plan, read_plan
    from optimizer.export import write_plan
    from optimizer.plan import make_plan
    from optimizer.verify import verify_draw

    as_of = dt.date(2024, 6, 3)
    with tempfile.TemporaryDirectory(prefix="jointcheck-adjust-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        write_plan(make_plan(load_scenario(CHANGNING), "1"), root / "v1")
        t1 = time.perf_counter()
        updated = load_scenario(updated_changning(root / "changning-2024-june"))
        made = adjust_plan(root / "v1", updated, "1", as_of)
        write_adjusted(made, root / "v2")
        t2 = time.perf_counter()
        violations = check_plan(root / "v2", updated)
        verified = verify_draw(root / "v2", updated, "1")
        v1, v2 = read_plan(root / "v1"), read_plan(root / "v2")
        a = made.manifest["adjustment"]
        done = v1.visits.filter(pl.col("date") < as_of)
        print(f"\n## Mid-year adjustment — changning-2024, seed 1, as of {as_of}: plan {t1 - t0:.1f} s, adjustment "
              f"{t2 - t1:.1f} s")
        print(f"added {a['added']}, cancelled {a['cancelled']}, moved {a['moved']}")
        print(f"visits: {v1.visits.height} in the plan → {v2.visits.height} adjusted; {done.height} made before "
              f"{as_of} kept byte for byte: {v2.visits.filter(pl.col('date') < as_of).equals(done)}")
        print("| change | 变更 | visits |")
        print("| --- | --- | ---: |")
        labels = {"added": "新增上门", "removed": "取消上门", "moved": "改期", "tasks_changed": "检查任务变更",
                  "team_changed": "检查人员变更"}
        for key, n in a["changes"].items():
            print(f"| {key} | {labels[key]} | {n} |")
        joined = made.changes.filter(pl.col("change") == "tasks_changed")
        for task in a["added"]:
            into = joined.filter(pl.col("tasks_after").str.contains(task) & ~pl.col("tasks_before").str.contains(task)).height
            drawn = made.draws.filter((pl.col("task_id") == task) & pl.col("selected")).height
            print(f"added task {task}: {drawn} subjects drawn, {into} of them joined a visit already planned (进一次门)")
        kept = [t for t in v2.draws["task_id"].unique().sort().to_list() if t not in a["added"]]
        same = sum(
            set(v1.draws.filter((pl.col("task_id") == t) & pl.col("selected"))["subject_id"])
            == set(v2.draws.filter((pl.col("task_id") == t) & pl.col("selected"))["subject_id"]) for t in kept)
        print(f"kept tasks with the same subjects: {same} of {len(kept)}; samples moved (named in the manifest): "
              + (", ".join(f"{f['task_id']} ({f['reason']}: −{len(f['removed'])} +{len(f['added'])})"
                           for f in a["forced_changes"]) or "none"))
        print(f"unplaced pairs: {made.manifest['kpis']['unplaced_pairs']}; check: "
              f"{'PASS' if not violations else f'{len(violations)} violation(s): {violations[:3]}'}; verify: "
              f"{'PASS' if verified.ok else verified.mismatches[:3]} ({verified.pairs:,} pairs)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10, help="seeds per year for the rotation figures")
    ap.add_argument("--small-seeds", type=int, default=300,
                    help="seeds per year on scenarios/tiny (cells of 1–12 subjects); 0 to skip")
    ap.add_argument("--skip-adjust", action="store_true")
    args = ap.parse_args(argv)
    print_header()
    rotation(args.seeds)
    if args.small_seeds:
        rotation(args.small_seeds, REPO / "scenarios" / "tiny")
    if not args.skip_adjust:
        adjustment()


if __name__ == "__main__":
    main()
