"""A red-team pass on the legal record (issue 24): hundreds of hostile cases, each with what must happen.

Every case runs the real command line in-process (typer's runner) inside its own folder, with its own ledger and
district key, and ends in one of the outcomes counted:

* ``traceback`` — an exception other than the command's own exit (must be 0);
* ``accepted tamper`` — a reader (``check``, ``verify``, ``publish``, ``export``, ``results``, ``code check``)
  exited 0 on a plan that is not the one the district recorded, or ``verify --notice`` on a plan other than the one
  the notice published (must be 0);
* ``overwrote`` — an output command changed a file or folder it did not write (must be 0);
* ``own grid`` — a plan sent an officer into their own grid although the grid was spelt with invisible or
  look-alike characters (must be 0);
* ``ok`` — refused with a message, or (for the genuine controls) accepted.

The families and their sizes:

1. **outputs** — every output command (plan, adjust, draw, export, publish, score, generate) pointed, with and
   without ``--force``, at the district key, the ledger, its head anchor, the scenario folder, a scenario file, the
   plan read, a folder holding a planner's note, a plan folder holding a planner's note, a symbolic link;
2. **tampers** — each edit of a recorded plan (moved visit, ghost officer, code replaced, file added or removed, …)
   left as is, re-recorded with another key, or re-recorded unsigned straight into SQLite, then read by every reader;
3. **notices** — another plan of the same scenario (another seed), a re-recorded swap, checked against a notice;
4. **identifiers** — a subject's grid or id with each invisible or look-alike character, planned and checked;
5. **controls** — the genuine plan through every reader (must be accepted: a gate that refuses everything is no gate).

Run: ``.venv/bin/python -m benchmarks.redteam`` (all cases; prints the counts and the command) or
``--sample K`` (every K-th case). ``tests/test_redteam.py`` runs a sample on every CI run.
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parent.parent.parent
TINY = REPO / "scenarios" / "tiny"
SEED = "20240301"
OTHER_SEED = "7"


@dataclass(frozen=True)
class Case:
    family: str
    name: str
    run: Callable[[Path], str]  # returns the outcome


def _cli(args: list[str]) -> tuple[int, str, BaseException | None]:
    from typer.testing import CliRunner

    from ui.cli import app

    result = CliRunner().invoke(app, [*args, "--lang", "en"] if "--lang" not in args else args)
    exc = result.exception if not isinstance(result.exception, SystemExit) else None
    if exc is None and ("Traceback" in result.output or "internal error" in result.output):
        exc = RuntimeError(result.output)
    return result.exit_code, result.output, exc


@contextmanager
def _district(root: Path) -> Iterator[dict[str, Path]]:
    """A district's working folder: its own ledger and key (as ``$JOINTCHECK_LEDGER`` / ``$JOINTCHECK_KEY_FILE``),
    a copy of tiny and a recorded plan of it."""
    saved = {k: os.environ.get(k) for k in ("JOINTCHECK_LEDGER", "JOINTCHECK_KEY_FILE")}
    where = {"root": root, "db": root / "jointcheck.db", "key": root / "jointcheck.key", "scenario": root / "tiny",
             "plan": root / "plan"}
    os.environ["JOINTCHECK_LEDGER"], os.environ["JOINTCHECK_KEY_FILE"] = str(where["db"]), str(where["key"])
    try:
        if not where["scenario"].exists():
            shutil.copytree(TINY, where["scenario"])
        yield where
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


_TEMPLATE: dict[str, Path] = {}


def _fresh(root: Path) -> dict[str, Path]:
    """A new district folder with a recorded plan (copied from one made once per process: planning is the slow part)."""
    if "dir" not in _TEMPLATE:
        base = Path(tempfile.mkdtemp(prefix="jointcheck-redteam-template-"))
        atexit.register(shutil.rmtree, base, True)
        with _district(base) as w:
            code, out, exc = _cli(["plan", str(w["scenario"]), "--seed", SEED, "--out", str(w["plan"])])
            assert code == 0 and exc is None, out
            code, out, exc = _cli(["plan", str(w["scenario"]), "--seed", OTHER_SEED, "--out", str(base / "other")])
            assert code == 0 and exc is None, out
        _TEMPLATE["dir"] = base
    shutil.copytree(_TEMPLATE["dir"], root, dirs_exist_ok=True, symlinks=True)
    return {"root": root, "db": root / "jointcheck.db", "key": root / "jointcheck.key", "scenario": root / "tiny",
            "plan": root / "plan", "other": root / "other"}


def _tree_digest(path: Path) -> str:
    """SHA-256 over a file or a folder's every entry (names, link targets and contents)."""
    digest = hashlib.sha256()
    if path.is_symlink():
        return "link:" + os.readlink(path)
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    if not path.exists():
        return "absent"
    for p in sorted(path.rglob("*")):
        digest.update(str(p.relative_to(path)).encode("utf-8", "surrogateescape"))
        if p.is_symlink():
            digest.update(b"L" + os.readlink(p).encode())
        elif p.is_file():
            digest.update(p.read_bytes())
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------- 1. outputs

def _targets(w: dict[str, Path]) -> dict[str, Path]:
    """What an output command must never write over, prepared in the district folder."""
    note_dir = w["root"] / "planner-folder"
    note_dir.mkdir(exist_ok=True)
    (note_dir / "notes.txt").write_text("my notes", encoding="utf-8")
    noted_plan = w["root"] / "noted-plan"
    if not noted_plan.exists():
        shutil.copytree(w["other"], noted_plan)
        (noted_plan / "docs").mkdir()
        (noted_plan / "docs" / "memo.txt").write_text("memo", encoding="utf-8")
    link = w["root"] / "link-to-scenario"
    if not link.is_symlink():
        link.symlink_to(w["scenario"])
    return {"key": w["key"], "ledger": w["db"], "ledger head": w["db"].with_name(w["db"].name + ".head"),
            "scenario folder": w["scenario"], "scenario file": w["scenario"] / "subjects.csv", "plan read": w["plan"],
            "a file of the plan read": w["plan"] / "manifest.json",
            "planner's folder": note_dir, "plan folder with a planner's memo": noted_plan, "link": link,
            "district folder": w["root"]}


def _output_commands(w: dict[str, Path], out: Path) -> dict[str, list[str]]:
    s, p = str(w["scenario"]), str(w["plan"])
    return {
        "plan": ["plan", s, "--seed", SEED, "--out", str(out)],
        "adjust": ["adjust", p, s, "--as-of", "2024-06-03", "--seed", SEED, "--out", str(out)],
        "draw": ["draw", s, "--seed", SEED, "--out", str(out)],
        "export": ["export", p, s, "--out", str(out), "--what", "plan-table"],
        "publish": ["publish", p, s, "--out", str(out), "--formed", "2024-03-01"],
        "score": ["score", s, "--card", "enterprise-disclosure", "--out", str(out)],
        "generate": ["generate", "putuo-2023", "--subjects", "300", "--out", str(out)],
    }


def output_cases() -> list[Case]:
    cases = []
    for command in ("plan", "adjust", "draw", "export", "publish", "score", "generate"):
        for target in ("key", "ledger", "ledger head", "scenario folder", "scenario file", "plan read",
                       "a file of the plan read", "planner's folder", "plan folder with a planner's memo", "link",
                       "district folder"):
            for force in (False, True):
                def run(root: Path, command=command, target=target, force=force) -> str:
                    w = _fresh(root)
                    with _district(root):
                        targets = _targets(w)
                        path = targets[target]
                        before = {name: _tree_digest(t) for name, t in targets.items()}
                        args = _output_commands(w, path)[command] + (["--force"] if force else [])
                        code, out, exc = _cli(args)
                        after = {name: _tree_digest(t) for name, t in targets.items()}
                    if exc is not None:
                        return "traceback"
                    changed = [n for n in before if before[n] != after[n] and n != "district folder"]
                    if command == "plan" and target == "plan read" and force:  # a plan folder of its own, clean:
                        # replaced (byte-identical when the same seed and key plan it again), nothing else touched
                        # (the ledger gains the new plan's record: appended, the chain still verifying)
                        from records.ledger import verify_ledger

                        with _district(root):
                            chain_ok = verify_ledger(w["db"]).ok
                        return ("ok" if code == 0 and set(changed) <= {"plan read", "ledger", "ledger head"} and chain_ok
                                else "refused own output")
                    if changed:
                        return "overwrote"
                    return "ok" if code != 0 else "overwrote"
                cases.append(Case("outputs", f"{command} --out {target}{' --force' if force else ''}", run))
    return cases


# ---------------------------------------------------------------------------------------------- 2. tampers

def _first(col: str, value: pl.Expr) -> Callable[[pl.DataFrame], pl.DataFrame]:
    return lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(value).otherwise(pl.col(col)).alias(col))


def _edit(plan: Path, name: str, change: Callable[[pl.DataFrame], pl.DataFrame]) -> None:
    change(pl.read_parquet(plan / name)).write_parquet(plan / name)


def _rehash(plan: Path) -> None:
    """Recompute the manifest's file hashes and its own digest, as a careful forger would."""
    from optimizer.export import manifest_digest

    path = plan / "manifest.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    m["files"] = {n: hashlib.sha256((plan / n).read_bytes()).hexdigest() for n in m["files"] if (plan / n).exists()}
    m["manifest_sha256"] = manifest_digest(m)
    path.write_text(json.dumps(m, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _swap_officer(f: pl.DataFrame) -> pl.DataFrame:
    first = f.row(0, named=True)
    other = f.filter((pl.col("department") == first["department"]) & (pl.col("officer_id") != first["officer_id"]))
    return _first("officer_id", pl.lit(other["officer_id"][0] if other.height else "O99"))(f)


TAMPERS: dict[str, Callable[[Path], None]] = {
    "officer swapped in the department": lambda p: _edit(p, "assignments.parquet", _swap_officer),
    "visit moved to a Sunday": lambda p: _edit(p, "visits.parquet", _first("date", pl.lit(None, pl.Date).fill_null(pl.date(2024, 3, 3)))),
    "visit moved to another day": lambda p: _edit(p, "visits.parquet", _first("date", pl.lit(None, pl.Date).fill_null(pl.date(2024, 3, 5)))),
    "code replaced": lambda p: _edit(p, "visits.parquet", _first("inspection_code", pl.lit("FORGE-D2222"))),
    "ghost officer added": lambda p: _edit(p, "assignments.parquet", lambda f: pl.concat(
        [f, f.head(1).with_columns(pl.lit("GHOST-999").alias("officer_id"))])),
    "visit removed": lambda p: _edit(p, "visits.parquet", lambda f: f.slice(1)),
    "draw flipped": lambda p: _edit(p, "draws.parquet", _first("selected", pl.col("selected").not_())),
    "officer of another department": lambda p: _edit(p, "assignments.parquet", _first("department", pl.lit("CULT"))),
    "kpi edited": lambda p: (lambda m: (m["kpis"].update(visits=1), (p / "manifest.json").write_text(
        json.dumps(m, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")))(
        json.loads((p / "manifest.json").read_text(encoding="utf-8"))),
    "file added": lambda p: (p / "notes.txt").write_text("x", encoding="utf-8"),
    "folder added": lambda p: (p / "docs").mkdir(),
    "stray results.parquet": lambda p: pl.DataFrame({"visit_id": ["V"]}).write_parquet(p / "results.parquet"),
    "file removed": lambda p: (p / "unplaced.parquet").unlink(),
}


def _record_unsigned(db: Path, plan: Path) -> None:
    """Append a plan record straight into SQLite with a correct hash chain but no signature."""
    from records.ledger import GENESIS, canonical, file_digests, record_hash

    m = json.loads((plan / "manifest.json").read_text(encoding="utf-8"))
    body = canonical({"plan_dir": str(plan.resolve()), "scenario": m.get("scenario"), "files": file_digests(plan)})
    conn = sqlite3.connect(db)
    last = conn.execute("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = "2024-03-01T00:00:00+00:00"
    digest = record_hash(prev, seq, "plan", str(m["plan_id"]), at, body)
    conn.execute("INSERT INTO records (seq, kind, plan_id, recorded_at, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (seq, "plan", str(m["plan_id"]), at, body, prev, digest))
    conn.commit()
    conn.close()
    (db.with_name(db.name + ".head")).write_text(json.dumps({"seq": seq, "hash": digest}) + "\n", encoding="utf-8")


FORGERIES: dict[str, Callable[[Path, Path], None]] = {
    "left as is": lambda db, plan: None,
    "re-recorded with another key": lambda db, plan: (_rehash(plan), __import__("records.ledger", fromlist=["x"]).record_plan(
        db, plan, key=hashlib.sha256(b"not the district key").digest())),
    "re-recorded unsigned": lambda db, plan: (_rehash(plan), _record_unsigned(db, plan)),
}


def _readers(w: dict[str, Path], plan: Path, code: str) -> dict[str, list[str]]:
    s, p = str(w["scenario"]), str(plan)
    results = w["root"] / "results.csv"
    if not results.exists():
        results.write_text("visit_id,result_date,problems_found,problems_rectified\n", encoding="utf-8")
    return {
        "check": ["check", p, s],
        "verify": ["verify", p, s, "--seed", SEED],
        "publish": ["publish", p, s, "--out", str(w["root"] / "pub"), "--formed", "2024-03-01"],
        "export": ["export", p, s, "--out", str(w["root"] / "papers"), "--what", "plan-table"],
        "results": ["results", p, str(results), "--as-of", "2024-06-01"],
        "code check": ["code", "check", code, "--plan", p],
        "adjust": ["adjust", p, s, "--as-of", "2024-06-03", "--seed", SEED, "--out", str(w["root"] / "adjusted")],
    }


def tamper_cases() -> list[Case]:
    cases = []
    for tamper in TAMPERS:
        for forgery in FORGERIES:
            for reader in ("check", "verify", "publish", "export", "results", "code check", "adjust"):
                def run(root: Path, tamper=tamper, forgery=forgery, reader=reader) -> str:
                    w = _fresh(root)
                    with _district(root):
                        code = pl.read_parquet(w["plan"] / "visits.parquet")["inspection_code"][0]
                        TAMPERS[tamper](w["plan"])
                        if tamper == "code replaced":
                            code = "FORGE-D2222"
                        FORGERIES[forgery](w["db"], w["plan"])
                        exit_code, out, exc = _cli(_readers(w, w["plan"], code)[reader])
                    if exc is not None:
                        return "traceback"
                    return "ok" if exit_code != 0 else "accepted tamper"
                cases.append(Case("tampers", f"{tamper} / {forgery} / {reader}", run))
    return cases


# ---------------------------------------------------------------------------------------------- 3. notices

def notice_cases() -> list[Case]:
    cases = []

    def swap_other_plan(w: dict[str, Path]) -> Path:
        return w["other"]

    def swap_rerecorded(w: dict[str, Path]) -> Path:
        from records.ledger import record_plan

        _edit(w["plan"], "assignments.parquet", _swap_officer)
        _rehash(w["plan"])
        record_plan(w["db"], w["plan"])  # by whoever holds the key: the ledger accepts it, the notice does not
        return w["plan"]

    def swap_file_added(w: dict[str, Path]) -> Path:
        (w["plan"] / "extra.parquet").write_bytes(b"x")
        return w["plan"]

    for name, swap in (("another plan of the scenario", swap_other_plan),
                       ("a swap re-recorded with the district key", swap_rerecorded),
                       ("a file added", swap_file_added)):
        for ledger in ("with the ledger", "without ledger or key"):
            def run(root: Path, swap=swap, ledger=ledger) -> str:
                w = _fresh(root)
                with _district(root):
                    code, out, exc = _cli(["publish", str(w["plan"]), str(w["scenario"]), "--out", str(root / "notice"),
                                           "--formed", "2024-03-01"])
                    if exc is not None or code != 0:
                        return "traceback" if exc else "error"
                    plan = swap(w)
                    if ledger == "without ledger or key":
                        w["db"].unlink()
                        w["key"].unlink()
                    code, out, exc = _cli(["verify", str(plan), str(w["scenario"]), "--seed", SEED,
                                           "--notice", str(root / "notice")])
                if exc is not None:
                    return "traceback"
                return "ok" if code != 0 else "accepted tamper"
            cases.append(Case("notices", f"{name} / {ledger}", run))
    return cases


# ---------------------------------------------------------------------------------------------- 4. identifiers

INVISIBLE = {
    "ZWSP U+200B": "\u200b", "ZWNJ U+200C": "\u200c", "ZWJ U+200D": "\u200d", "BOM U+FEFF": "\ufeff",
    "WJ U+2060": "\u2060", "LRM U+200E": "\u200e", "RLM U+200F": "\u200f", "LRI U+2066": "\u2066",
    "PDI U+2069": "\u2069", "VS16 U+FE0F": "\ufe0f", "CGJ U+034F": "\u034f", "HF U+3164": "\u3164",
    "IT U+2062": "\u2062", "SHY U+00AD": "\u00ad",
}


def identifier_cases() -> list[Case]:
    cases = []
    spellings = {**{f"grid{name}": ("G1" + ch) for name, ch in INVISIBLE.items()},
                 "full-width Ｇ１": "Ｇ１", "lower case g1": "g1", "full-width lower ｇ1": "ｇ1"}
    for label, grid in spellings.items():
        def run(root: Path, grid=grid) -> str:
            w = _fresh(root)
            with _district(root):
                path = w["scenario"] / "subjects.csv"
                text = path.read_text(encoding="utf-8")
                path.write_text(text.replace(",G1,", f",{grid},"), encoding="utf-8")
                code, out, exc = _cli(["plan", str(w["scenario"]), "--seed", SEED, "--out", str(root / "p2")])
                if exc is not None:
                    return "traceback"
                if code != 0:
                    return "ok"
                from scenarios import load_scenario

                scenario = load_scenario(w["scenario"])
                officers = scenario.officers.select("officer_id", pl.col("grid").alias("officer_grid"))
                subjects = scenario.subjects.select("subject_id", "grid")
                a = pl.read_parquet(root / "p2" / "assignments.parquet").join(
                    pl.read_parquet(root / "p2" / "visits.parquet").select("visit_id", "subject_id"), on="visit_id")
                raw = pl.read_csv(path, infer_schema=False).select("subject_id", pl.col("grid").alias("raw_grid"))
                own = (a.join(officers, on="officer_id").join(subjects, on="subject_id").join(raw, on="subject_id")
                       .filter(pl.col("raw_grid").str.contains("1") & (pl.col("officer_grid") == "G1")
                               & (pl.col("grid") != "") ))
                code, out, exc = _cli(["check", str(root / "p2"), str(w["scenario"])])
            if exc is not None:
                return "traceback"
            return "own grid" if own.height or code != 0 else "ok"
        cases.append(Case("identifiers", f"subject grid {label}", run))
    for label, ch in INVISIBLE.items():
        for where, directory in (("before", "subjects.csv"), ("after", "subjects.csv"), ("before", "officers.csv"),
                                 ("after", "officers.csv")):
            def run(root: Path, ch=ch, where=where, directory=directory) -> str:
                w = _fresh(root)
                with _district(root):
                    path = w["scenario"] / directory
                    lines = path.read_text(encoding="utf-8").splitlines()
                    first = lines[1].split(",")
                    first[0] = ch + first[0] if where == "before" else first[0] + ch
                    lines.append(",".join(first))
                    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
                    code, out, exc = _cli(["validate", str(w["scenario"])])
                if exc is not None:
                    return "traceback"
                return "ok" if code == 1 and "reads the same" in out else "accepted tamper"
            cases.append(Case("identifiers", f"look-alike id in {directory}: {label} {where}", run))
    return cases


# ---------------------------------------------------------------------------------------------- 5. controls

def control_cases() -> list[Case]:
    cases = []
    for reader in ("check", "verify", "publish", "export", "results", "code check", "adjust"):
        def run(root: Path, reader=reader) -> str:
            w = _fresh(root)
            with _district(root):
                code = pl.read_parquet(w["plan"] / "visits.parquet")["inspection_code"][0]
                exit_code, out, exc = _cli(_readers(w, w["plan"], code)[reader])
            if exc is not None:
                return "traceback"
            return "ok" if exit_code == 0 else "refused genuine"
        cases.append(Case("controls", f"genuine plan / {reader}", run))
    return cases


def all_cases() -> list[Case]:
    return [*output_cases(), *tamper_cases(), *notice_cases(), *identifier_cases(), *control_cases()]


def run_cases(cases: list[Case]) -> list[tuple[Case, str, float]]:
    """Run each case in a folder of its own; its outcome and seconds."""
    out = []
    with tempfile.TemporaryDirectory(prefix="jointcheck-redteam-") as tmp:
        for k, case in enumerate(cases):
            root = Path(tmp) / f"case{k:04d}"
            root.mkdir()
            clock = time.perf_counter()
            try:
                outcome = case.run(root)
            except Exception as exc:  # noqa: BLE001 - a crash of the harness itself is reported as such
                outcome = f"harness error: {type(exc).__name__}: {exc}"[:200]
            out.append((case, outcome, time.perf_counter() - clock))
            shutil.rmtree(root, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=int, default=1, help="run every K-th case")
    args = parser.parse_args()
    from benchmarks.machine import print_header

    cases = all_cases()[:: args.sample]
    print_header()
    clock = time.perf_counter()
    done = run_cases(cases)
    by_family: dict[str, Counter] = {}
    for case, outcome, _ in done:
        by_family.setdefault(case.family, Counter())[outcome] += 1
    print(f"{len(done)} cases in {time.perf_counter() - clock:.0f} s")
    for family, counts in by_family.items():
        print(f"  {family:12s} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    total = Counter(outcome for _, outcome, _ in done)
    print("total: " + ", ".join(f"{k} {v}" for k, v in sorted(total.items())))
    for case, outcome, _ in done:
        if outcome != "ok":
            print(f"  NOT OK [{outcome}] {case.family}: {case.name}")

