"""Crash safety: ``jointcheck plan`` killed (SIGKILL) at any point leaves the output absent or complete and
valid, and the ledger consistent.

Two kinds of kill: at exact points (the k-th parquet write, inside the ledger record, between the record
and the rename into place, between the ledger commit and its head anchor, between the two renames of
``--force``) by a driver that runs the same steps as the wired ``plan`` command and SIGKILLs itself; and at
random moments of a real ``python -m ui.cli plan`` process. All runs go in parallel to keep the suite fast.

The plan is recorded before it becomes visible (issue 14): a visible plan is always the one its latest
ledger record describes; a kill before the rename leaves no plan (or the old one beside, retired) and at
most a staging folder, which the next ``plan`` on that ``--out`` removes.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from optimizer.check import check_plan
from records.binding import plan_binding
from records.ledger import file_digests, records, verify_ledger
from scenarios import load_scenario
from scenarios.atomic import stale_staging

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "scenarios" / "tiny"
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")

# kills the driver process at the k-th call of a patched function (before it runs, or after with after=True)
BOMB = """
    calls = {"n": 0}

    def bomb(original, after=False):
        def wrapper(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == k and not after:
                os.kill(os.getpid(), signal.SIGKILL)
            result = original(*args, **kwargs)
            if calls["n"] == k and after:
                os.kill(os.getpid(), signal.SIGKILL)
            return result
        return wrapper
"""

DRIVER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    point, k, scenario_dir, out, db, key, force = sys.argv[1:]
    k = int(k)
""" + BOMB + """
    import polars as pl
    import records.ledger as ledger
    if point == "parquet":
        pl.DataFrame.write_parquet = bomb(pl.DataFrame.write_parquet)
    elif point == "rename":
        os.rename = bomb(os.rename)
    elif point == "renamed":
        os.rename = bomb(os.rename, after=True)
    elif point == "record":
        ledger.record_plan = bomb(ledger.record_plan)
    elif point == "recorded":
        ledger.record_plan = bomb(ledger.record_plan, after=True)
    elif point == "anchor":
        ledger.atomic_file = bomb(ledger.atomic_file)

    # the steps of the wired `jointcheck plan` command
    from optimizer.plan import make_plan
    from scenarios import load_scenario
    from ui.cli.record import seal_plan_codes, write_recorded_plan
    made = make_plan(load_scenario(scenario_dir), "20240301")
    made = seal_plan_codes(made, Path(key))
    write_recorded_plan(made, Path(out), force == "1", Path(db), Path(key))
""")

# (point, k, with an existing plan to replace)
POINTS = [
    ("parquet", 1, False), ("parquet", 3, False), ("parquet", 4, False),
    ("rename", 1, False), ("renamed", 1, False), ("record", 1, False), ("recorded", 1, False), ("anchor", 1, False),
    ("rename", 2, True), ("renamed", 1, True), ("none", 0, False),
]


def _key_beside(db: Path) -> bytes | None:
    """The district key these runs sign the ledger with: ``d.key`` beside the ledger (None: the session's)."""
    from records.codes import load_key

    return load_key(db.parent / "d.key") if (db.parent / "d.key").exists() else None


def _assert_consistent(out: Path, db: Path, scenario) -> str:
    """Output absent or complete, valid and bound to its latest ledger record; the ledger verifies; a
    recorded plan that is not in place is complete in a staging folder beside it."""
    state = "absent"
    if out.exists():
        assert (out / "manifest.json").exists(), f"{out} exists without a manifest: partial output"
        assert check_plan(out, scenario) == [], "the plan in place is not valid"
        binding = plan_binding(db, out, key=_key_beside(db))
        assert binding.ok, f"the plan in place is not the one recorded: {binding.problems or 'no record'}"
        state = "complete"
    if db.exists():
        report = verify_ledger(db, key=_key_beside(db))
        assert report.ok, report.problems
        mine = [r for r in records(db) if r.kind == "plan" and Path(r.body["plan_dir"]) == out.resolve()]
        if mine and not out.exists():
            staged = [d for d in stale_staging(out) if file_digests(d) == mine[-1].body["files"]]
            assert staged, "the ledger records a plan that is neither in place nor staged beside it"
            state = "absent, recorded plan staged beside it"
    return state


def _replan(out: Path, db: Path, key: Path, scenario) -> None:
    """The next `plan` on the same --out removes the leftovers and ends complete and recorded."""
    done = subprocess.run([sys.executable, "-c", DRIVER, "none", "0", str(TINY), str(out), str(db), str(key), "1"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert stale_staging(out) == [], "stale staging folders were not cleaned"
    assert _assert_consistent(out, db, scenario) == "complete"


def test_kill_at_exact_points(tmp_path: Path) -> None:
    scenario = load_scenario(TINY)
    runs = []
    dirs = [(tmp_path / f"run{n}" / "plan", tmp_path / f"run{n}" / "j.db", tmp_path / f"run{n}" / "d.key")
            for n in range(len(POINTS))]
    setups = []
    for (point, k, replace), (out, db, key) in zip(POINTS, dirs):
        out.parent.mkdir()
        if replace:  # an earlier complete plan and its ledger record
            setups.append(subprocess.Popen([sys.executable, "-c", DRIVER, "none", "0", str(TINY), str(out), str(db),
                                            str(key), "0"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    assert all(p.wait(timeout=300) == 0 for p in setups)
    for (point, k, replace), (out, db, key) in zip(POINTS, dirs):
        proc = subprocess.Popen([sys.executable, "-c", DRIVER, point, str(k), str(TINY), str(out), str(db), str(key),
                                 "1" if replace else "0"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        runs.append((point, k, replace, out, db, proc))
    seen = {}
    for point, k, replace, out, db, proc in runs:
        _, err = proc.communicate(timeout=300)
        if point == "none":
            assert proc.returncode == 0, err
        else:
            assert proc.returncode == -signal.SIGKILL, f"{point} {k}: not killed ({proc.returncode}): {err[-2000:]}"
        seen[(point, k, replace)] = _assert_consistent(out, db, scenario)
    assert seen[("rename", 2, True)].startswith("absent")  # the old plan retired, the new one staged and recorded
    assert seen[("parquet", 1, False)] == "absent" and seen[("record", 1, False)] == "absent"
    assert seen[("rename", 1, False)] == seen[("recorded", 1, False)] == "absent, recorded plan staged beside it"
    assert seen[("renamed", 1, False)] == "complete" and seen[("none", 0, False)] == "complete"
    assert seen[("anchor", 1, False)].startswith("absent")  # committed before the rename; the anchor lags
    assert stale_staging(dirs[0][0]), "a kill while staging leaves a staging folder behind"
    with ThreadPoolExecutor(max_workers=3) as pool:
        for done in [pool.submit(_replan, out, db, key, scenario) for out, db, key in dirs[:6]]:
            done.result()


def test_kill_a_real_plan_process_at_random_moments(tmp_path: Path) -> None:
    scenario = load_scenario(TINY)
    command = [sys.executable, "-m", "ui.cli", "plan", str(TINY), "--seed", "20240301"]
    start = time.perf_counter()
    quiet = {**os.environ, "JOINTCHECK_LEDGER": str(tmp_path / "t.db"), "JOINTCHECK_KEY_FILE": str(tmp_path / "t.key")}
    subprocess.run([*command, "--out", str(tmp_path / "timing")], cwd=REPO, check=True, capture_output=True, env=quiet)
    duration = time.perf_counter() - start
    rng = random.Random(int(os.environ.get("JOINTCHECK_CRASH_SEED", "8")))
    procs = []
    for n in range(4):
        out = tmp_path / f"kill{n}" / "plan"
        out.parent.mkdir()
        env = {**os.environ, "JOINTCHECK_LEDGER": str(out.parent / "j.db"), "JOINTCHECK_KEY_FILE": str(out.parent / "d.key")}
        procs.append((out, subprocess.Popen([*command, "--out", str(out)], cwd=REPO, env=env,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
    # all four run at once, so each takes longer than the timing run: spread the kills over that span
    for out, proc in procs:
        delay = rng.uniform(0.3, 1.6) * duration
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        _assert_consistent(out, out.parent / "j.db", scenario)  # the ledger exists once plan is wired to it
    with ThreadPoolExecutor(max_workers=2) as pool:
        for done in [pool.submit(_replan, out, out.parent / "j.db", out.parent / "d.key", scenario) for out, _ in procs]:
            done.result()


WRITER = textwrap.dedent("""
    import sys
    from records.ledger import append
    for i in range(100000):
        append(sys.argv[1], "plan", f"P{i}", {"i": i, "pad": "x" * 2000})
""")


def test_kill_ledger_writers_mid_append(tmp_path: Path) -> None:
    """Writers killed at random moments, two at a time: the ledger always verifies, seq has no gaps."""
    db = tmp_path / "j.db"
    rng = random.Random(3)
    for _ in range(3):
        procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db)], cwd=REPO, stderr=subprocess.PIPE) for _ in range(2)]
        before = len(records(db)) if db.exists() else 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not db.exists() or len(records(db)) < before + 5):
            time.sleep(0.05)  # both writers are appending (imports take a while on a busy machine)
        time.sleep(rng.random())
        for p in procs:
            p.send_signal(signal.SIGKILL)
            p.wait()
        report = verify_ledger(db)
        assert report.ok, report.problems
        recs = records(db)
        assert [r.seq for r in recs] == list(range(1, len(recs) + 1))
    assert len(records(db)) > 0
    assert json.loads((tmp_path / "j.db.head").read_text())["seq"] <= len(records(db))


# ------------------------------------------------------------------ a city plan (issue 14, city writer)

CITY = REPO / "scenarios" / "city-3"
CITY_DRIVER = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    point, k, city_dir, out, db, key, force = sys.argv[1:]
    k = int(k)
""" + BOMB + """
    import records.ledger as ledger
    if point == "rename":
        os.rename = bomb(os.rename)
    elif point == "record":
        ledger.record_plan = bomb(ledger.record_plan)
    elif point == "recorded":
        ledger.record_plan = bomb(ledger.record_plan, after=True)

    # the steps of the wired `jointcheck plan CITY_DIR`
    from optimizer.plan import PlanSettings
    from ui.cli.city import plan_city_dir
    plan_city_dir(Path(city_dir), "20240301", Path(out), engine="local", workers=1, address=None, force=force == "1",
                  settings=PlanSettings(), ledger=Path(db), key_file=Path(key))
""")

# (point, k): killed before the 2nd district's record, after the 3rd (all recorded, none visible), at the rename
# into place; and no kill
CITY_POINTS = [("record", 2), ("recorded", 3), ("rename", 1), ("none", 0)]


def _assert_city_consistent(out: Path, db: Path) -> str:
    """No visible city plan, or one whose every district plan is bound to its ledger record; the ledger verifies;
    every district the ledger records under ``out`` is in place or staged beside it."""
    state = "absent"
    if out.exists():
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        for d in manifest["districts"]:
            binding = plan_binding(db, out / "districts" / d["district"], key=_key_beside(db))
            assert binding.ok, f"{d['district']}: the plan in place is not the one recorded: {binding.problems or 'no record'}"
        state = "complete"
    if db.exists():
        assert verify_ledger(db, key=_key_beside(db)).ok
        mine = [r for r in records(db) if r.kind == "plan" and Path(r.body["plan_dir"]).parent.parent == out.resolve()]
        if mine and not out.exists():
            for rec in mine:
                district = Path(rec.body["plan_dir"]).name
                staged = [s for s in stale_staging(out) if (s / "districts" / district).is_dir()
                          and file_digests(s / "districts" / district) == rec.body["files"]]
                assert staged, f"the ledger records {district} neither in place nor staged beside it"
            state = f"absent, {len(mine)} district(s) recorded and staged beside it"
    return state


def test_a_killed_city_plan_is_recorded_before_it_is_visible(tmp_path: Path) -> None:
    """The city writer records every district plan before the city plan becomes visible (as ``plan`` does for a
    district): a kill anywhere leaves no visible city plan or a fully recorded one, never a visible plan the ledger
    does not describe; the next run on the same --out removes the staging leftovers."""
    procs = []
    for n, (point, k) in enumerate(CITY_POINTS):
        run = tmp_path / f"run{n}"
        run.mkdir()
        out, db, key = run / "city", run / "j.db", run / "d.key"
        procs.append((point, out, db, key, subprocess.Popen(
            [sys.executable, "-c", CITY_DRIVER, point, str(k), str(CITY), str(out), str(db), str(key), "0"],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    seen = {}
    for point, out, db, key, proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == (0 if point == "none" else -signal.SIGKILL), f"{point}: {proc.returncode} {err[-2000:]}"
        seen[point] = _assert_city_consistent(out, db)
    assert seen["none"] == "complete"
    assert seen["record"] == "absent, 1 district(s) recorded and staged beside it"
    assert seen["recorded"] == seen["rename"] == "absent, 3 district(s) recorded and staged beside it"
    point, out, db, key, _ = procs[2]
    done = subprocess.run([sys.executable, "-c", CITY_DRIVER, "none", "0", str(CITY), str(out), str(db), str(key), "1"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert stale_staging(out) == [] and _assert_city_consistent(out, db) == "complete"
