"""A legal record only the district can write and anyone can check (issue 24): each finding of the red team, built
to break what was fixed. The wider pass — 513 hostile cases — is ``benchmarks/redteam.py``; a sample of it runs in
``tests/test_redteam.py``."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from records.ledger import record_plan, records, verify_ledger
from ui.cli import app

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "scenarios" / "tiny"
SEED = "20240301"
runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--lang", "en"])
    assert isinstance(result.exception, SystemExit | None), result.output
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    return result.exit_code, " ".join(result.output.split())


def _digest(path: Path) -> str:
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return hashlib.sha256(b"".join(str(p).encode() + (p.read_bytes() if p.is_file() else b"")
                                   for p in sorted(path.rglob("*")))).hexdigest()


@pytest.fixture
def district(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A district folder of its own: ledger, key, a copy of tiny and a recorded plan."""
    monkeypatch.setenv("JOINTCHECK_LEDGER", str(tmp_path / "jointcheck.db"))
    monkeypatch.setenv("JOINTCHECK_KEY_FILE", str(tmp_path / "jointcheck.key"))
    shutil.copytree(TINY, tmp_path / "tiny")
    code, out = _run("plan", str(tmp_path / "tiny"), "--seed", SEED, "--out", str(tmp_path / "plan"))
    assert code == 0, out
    return {"root": tmp_path, "db": tmp_path / "jointcheck.db", "key": tmp_path / "jointcheck.key",
            "scenario": tmp_path / "tiny", "plan": tmp_path / "plan"}


def _rehash(plan: Path) -> None:
    from optimizer.export import manifest_digest

    path = plan / "manifest.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    m["files"] = {n: hashlib.sha256((plan / n).read_bytes()).hexdigest() for n in m["files"]}
    m["manifest_sha256"] = manifest_digest(m)
    path.write_text(json.dumps(m, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _swap_officer(plan: Path) -> None:
    """Swap the first assignment's officer for another of the same department (what issue 24 found passing)."""
    a = pl.read_parquet(plan / "assignments.parquet")
    first = a.row(0, named=True)
    officers = pl.read_csv(TINY / "officers.csv", infer_schema=False)
    other = officers.filter((pl.col("department") == first["department"]) & (pl.col("officer_id") != first["officer_id"]))
    a.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(other["officer_id"][0]))
                   .otherwise(pl.col("officer_id")).alias("officer_id")).write_parquet(plan / "assignments.parquet")
    _rehash(plan)


# ---------------------------------------------------------------- 1. no output over what the tool did not write

@pytest.mark.parametrize("target", ["key", "ledger", "subjects"])
@pytest.mark.parametrize("force", [False, True])
def test_draw_never_writes_over_the_key_the_ledger_or_the_scenario(district, target: str, force: bool) -> None:
    path = {"key": district["key"], "ledger": district["db"], "subjects": district["scenario"] / "subjects.csv"}[target]
    before = _digest(path)
    code, out = _run("draw", str(district["scenario"]), "--seed", "1", "--out", str(path), *(["--force"] if force else []))
    assert code == 2 and _digest(path) == before, out
    assert verify_ledger(district["db"]).ok


def test_draw_force_replaces_its_own_draw_file_only(district) -> None:
    out = district["root"] / "draw.parquet"
    assert _run("draw", str(district["scenario"]), "--seed", "1", "--out", str(out))[0] == 0
    assert _run("draw", str(district["scenario"]), "--seed", "1", "--out", str(out))[0] == 2  # exists
    assert _run("draw", str(district["scenario"]), "--seed", "2", "--out", str(out), "--force")[0] == 0
    pl.DataFrame({"x": [1]}).write_parquet(out)  # someone else's parquet at the same name
    code, text = _run("draw", str(district["scenario"]), "--seed", "3", "--out", str(out), "--force")
    assert code == 2 and "is not one" in text and pl.read_parquet(out).columns == ["x"]


@pytest.mark.parametrize("command", ["export", "publish", "plan", "score", "generate"])
def test_force_keeps_a_planners_file_and_names_it(district, command: str) -> None:
    s, p, root = str(district["scenario"]), str(district["plan"]), district["root"]
    out = root / "out"
    if command == "score":  # a directory with the card's columns (the generator writes them)
        assert _run("generate", "putuo-2023", "--subjects", "300", "--out", str(root / "gen"))[0] == 0
    args = {"export": ["export", p, s, "--out", str(out), "--what", "plan-table"],
            "publish": ["publish", p, s, "--out", str(out), "--formed", "2024-03-01"],
            "plan": ["plan", s, "--seed", "5", "--out", str(out)],
            "score": ["score", str(root / "gen"), "--card", "enterprise-disclosure", "--out", str(out)],
            "generate": ["generate", "putuo-2023", "--subjects", "300", "--out", str(out)]}[command]
    code, text = _run(*args)
    assert code == 0, text
    (out / "my-notes.txt").write_text("the planner's own", encoding="utf-8")
    code, text = _run(*args, "--force")
    assert code == 2 and "my-notes.txt" in text, text
    assert (out / "my-notes.txt").read_text(encoding="utf-8") == "the planner's own"
    (out / "my-notes.txt").unlink()
    assert _run(*args, "--force")[0] == 0  # its own output, holding nothing else: replaced


@pytest.mark.parametrize("command", ["export", "publish", "score", "generate"])
def test_force_never_replaces_a_scenario_or_a_plan_folder(district, command: str) -> None:
    s, p = str(district["scenario"]), str(district["plan"])
    for target in (district["scenario"], district["plan"]):
        out = str(target)
        args = {"export": ["export", p, s, "--out", out], "publish": ["publish", p, s, "--out", out, "--formed", "2024-03-01"],
                "score": ["score", s, "--card", "enterprise-disclosure", "--out", out],
                "generate": ["generate", "putuo-2023", "--subjects", "300", "--out", out]}[command]
        before = _digest(target)
        code, text = _run(*args, "--force")
        assert code == 2 and _digest(target) == before, text


def test_plan_force_keeps_a_docs_folder_kept_in_a_plan_folder(district) -> None:
    (district["plan"] / "docs").mkdir()
    (district["plan"] / "docs" / "memo.txt").write_text("memo", encoding="utf-8")
    code, text = _run("plan", str(district["scenario"]), "--seed", "9", "--out", str(district["plan"]), "--force")
    assert code == 2 and "docs" in text and (district["plan"] / "docs" / "memo.txt").exists()


# ---------------------------------------------------------------- 2. records only the district can write

READERS = ("check", "verify", "publish", "export", "code check")


def _reader(name: str, district: dict[str, Path], code: str) -> list[str]:
    s, p, root = str(district["scenario"]), str(district["plan"]), district["root"]
    return {"check": ["check", p, s], "verify": ["verify", p, s, "--seed", SEED],
            "publish": ["publish", p, s, "--out", str(root / "pub"), "--formed", "2024-03-01"],
            "export": ["export", p, s, "--out", str(root / "papers"), "--what", "plan-table"],
            "code check": ["code", "check", code, "--plan", p]}[name]


def test_a_record_signed_with_another_key_is_refused_by_every_reader(district) -> None:
    code = pl.read_parquet(district["plan"] / "visits.parquet")["inspection_code"][0]
    _swap_officer(district["plan"])
    record_plan(district["db"], district["plan"], key=hashlib.sha256(b"another key file").digest())
    for reader in READERS:
        exit_code, text = _run(*_reader(reader, district, code))
        assert exit_code != 0, f"{reader} accepted a plan recorded with another key: {text}"
    assert not (district["root"] / "pub").exists() and not (district["root"] / "papers").exists()
    report = verify_ledger(district["db"])
    assert not report.ok and any("another key" in p for p in report.problems)


def test_without_the_district_key_nothing_is_trusted(district) -> None:
    code = pl.read_parquet(district["plan"] / "visits.parquet")["inspection_code"][0]
    assert _run("code", "check", code, "--plan", str(district["plan"]))[0] == 0
    district["key"].unlink()
    exit_code, text = _run("code", "check", code, "--plan", str(district["plan"]))
    assert exit_code == 1 and "district key" in text  # it said 真实 before
    assert _run("check", str(district["plan"]), str(district["scenario"]))[0] == 1


def test_a_holder_of_the_key_cannot_publish_what_check_refuses(district) -> None:
    """Recorded with the district key but breaking hard rules (a visit on a Sunday): every reader refuses."""
    v = pl.read_parquet(district["plan"] / "visits.parquet")
    v.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(None, pl.Date).fill_null(pl.date(2024, 3, 3)))
                   .otherwise(pl.col("date")).alias("date")).write_parquet(district["plan"] / "visits.parquet")
    _rehash(district["plan"])
    record_plan(district["db"], district["plan"])  # signed: whoever did this holds the key
    assert _run("check", str(district["plan"]), str(district["scenario"]))[0] == 1
    for reader in ("verify", "publish", "export"):
        exit_code, text = _run(*_reader(reader, district, ""))
        assert exit_code == 1 and "hard rule" in text, f"{reader}: {text}"


# ---------------------------------------------------------------- 3. what was published can't be swapped

def test_verify_notice_finds_a_swap_recorded_with_the_key(district) -> None:
    s, p, root = str(district["scenario"]), str(district["plan"]), district["root"]
    assert _run("publish", p, s, "--out", str(root / "notice"), "--formed", "2024-03-01")[0] == 0
    body = json.loads((root / "notice" / "public_plan.json").read_text(encoding="utf-8"))
    assert set(body["plan_digest"]["files"]) == {"manifest.json", "draws.parquet", "visits.parquet",
                                                 "assignments.parquet", "unplaced.parquet"}
    assert body["ledger_head"]["seq"] == 1
    code, text = _run("verify", p, s, "--seed", SEED, "--notice", str(root / "notice"))
    assert code == 0 and "exactly the plan" in text, text
    _swap_officer(district["plan"])
    record_plan(district["db"], district["plan"])  # the ledger takes it: it is signed with the district key…
    from records.binding import plan_binding

    assert plan_binding(district["db"], district["plan"]).ok
    code, text = _run("verify", p, s, "--seed", SEED, "--notice", str(root / "notice"))
    assert code == 1 and "assignments.parquet" in text  # …the notice does not
    code, text = _run("ledger", "verify")
    assert "appended after the last published" in text and "seq 3: plan" in text


def test_verify_notice_refuses_another_plan_of_the_same_scenario_without_ledger_or_key(district) -> None:
    s, root = str(district["scenario"]), district["root"]
    assert _run("publish", str(district["plan"]), s, "--out", str(root / "notice"), "--formed", "2024-03-01")[0] == 0
    assert _run("plan", s, "--seed", "7", "--out", str(root / "other"))[0] == 0
    district["db"].unlink()
    district["key"].unlink()
    code, text = _run("verify", str(root / "other"), s, "--seed", "7", "--notice", str(root / "notice"))
    assert code == 1 and "not the plan the public notice" in text
    code, text = _run("verify", str(district["plan"]), s, "--seed", SEED, "--notice", str(root / "notice"))
    assert code == 0, text  # an auditor with the notice alone
    assert not district["db"].exists(), "verify --notice records nothing"


# ---------------------------------------------------------------- 4. one gate

def test_export_refuses_a_tampered_plan_and_marks_unrecorded_papers(district) -> None:
    s, root = str(district["scenario"]), district["root"]
    shutil.copytree(district["plan"], root / "copy")
    (root / "copy" / "notes.txt").write_text("x", encoding="utf-8")
    code, text = _run("export", str(root / "copy"), s, "--out", str(root / "papers"))
    assert code == 1 and "notes.txt" in text and not (root / "papers").exists()
    from optimizer.export import write_plan
    from optimizer.plan import make_plan
    from scenarios import load_scenario

    write_plan(make_plan(load_scenario(district["scenario"]), "3"), root / "unrecorded")
    assert _run("export", str(root / "unrecorded"), s, "--out", str(root / "papers"), "--what", "plan-table")[0] == 1
    code, text = _run("export", str(root / "unrecorded"), s, "--out", str(root / "papers"), "--what", "plan-table",
                      "--format", "html", "--allow-unrecorded")
    assert code == 0, text
    assert "UNRECORDED" in (root / "papers" / "plan-table.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("extra", ["folder", "results"])
def test_check_refuses_a_plan_that_gained_a_folder_or_a_stray_results_file(district, extra: str) -> None:
    if extra == "folder":
        (district["plan"] / "docs").mkdir()
    else:
        pl.DataFrame({"visit_id": ["V"]}).write_parquet(district["plan"] / "results.parquet")
    code, text = _run("check", str(district["plan"]), str(district["scenario"]))
    assert code == 1 and ("docs" in text if extra == "folder" else "results.parquet" in text), text


def test_results_recorded_by_jointcheck_are_accepted(district) -> None:
    visits = pl.read_parquet(district["plan"] / "visits.parquet").head(2)
    (district["root"] / "r.csv").write_text(
        "visit_id,result_date,problems_found,problems_rectified\n"
        + "".join(f"{v},{d},0,0\n" for v, d in visits.select("visit_id", "date").iter_rows()), encoding="utf-8")
    assert _run("results", str(district["plan"]), str(district["root"] / "r.csv"), "--as-of", "2024-12-31")[0] in (0, 1)
    assert (district["plan"] / "results.parquet").exists()
    assert _run("check", str(district["plan"]), str(district["scenario"]))[0] == 0


# ---------------------------------------------------------------- 5, 6. identifiers as a person reads them

@pytest.mark.parametrize("grid", ["G1\u200b", "\ufeffG1", "G\u200d1", "Ｇ1", "g1", "G1\u2069", "\u3164G1"])
def test_an_invisible_or_look_alike_grid_is_still_the_officers_own(district, grid: str) -> None:
    path = district["scenario"] / "subjects.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",G1,", f",{grid},"), encoding="utf-8")
    code, text = _run("validate", str(district["scenario"]))
    assert code == 0 and "grid" in text  # a warning naming the row and field
    out = district["root"] / "p2"
    assert _run("plan", str(district["scenario"]), "--seed", SEED, "--out", str(out))[0] == 0
    officers = pl.read_csv(TINY / "officers.csv", infer_schema=False).select("officer_id", pl.col("grid").alias("og"))
    subjects = pl.read_csv(TINY / "subjects.csv", infer_schema=False).select("subject_id", "grid")
    sent = (pl.read_parquet(out / "assignments.parquet")
            .join(pl.read_parquet(out / "visits.parquet").select("visit_id", "subject_id"), on="visit_id")
            .join(officers, on="officer_id").join(subjects, on="subject_id"))
    assert sent.filter((pl.col("og") == pl.col("grid")) & (pl.col("grid") != "")).height == 0


@pytest.mark.parametrize("mark", ["\u200f", "\u200e", "\u2066", "\ufe0f", "\u034f", "\u3164", "\u2062", "\u00ad"])
def test_look_alike_subject_ids_are_one_firm(tiny_copy: Path, mark: str) -> None:
    path = tiny_copy / "subjects.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append(mark + lines[1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, text = _run("validate", str(tiny_copy))
    assert code == 1 and "reads the same as 'S001' (row 2)" in text and f"row {len(lines)}" in text, text


def test_ids_differing_in_case_are_one_officer(tiny_copy: Path) -> None:
    path = tiny_copy / "officers.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append("o01" + lines[1][3:])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, text = _run("validate", str(tiny_copy))
    assert code == 1 and "'o01' reads the same as 'O01'" in text


# ---------------------------------------------------------------- 8. the smaller findings

def test_a_quoted_field_holding_a_carriage_return_is_one_field(tiny_copy: Path) -> None:
    path = tiny_copy / "subjects.csv"
    text = path.read_text(encoding="utf-8").replace("S001,长宁小厨餐饮店,", 'S001,"长宁小厨\r餐饮店",', 1)
    path.write_bytes(text.encode("utf-8"))
    code, out = _run("validate", str(tiny_copy))
    assert "fields" not in out, out


def test_scenario_yaml_may_not_be_a_link_out_of_the_scenario(tiny_copy: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    shutil.move(tiny_copy / "scenario.yaml", outside)
    (tiny_copy / "scenario.yaml").symlink_to(outside)
    code, out = _run("validate", str(tiny_copy))
    assert code == 1 and "scenario.yaml" in out and "link" in out, out


def test_a_task_window_without_a_working_day_is_an_error(tiny_copy: Path, edit) -> None:
    edit(tiny_copy / "scenario.yaml", "window: {start: 2024-04-01, end: 2024-05-31}\n    window_flex: {earliest: 2024-03-01, latest: 2024-09-30}",
         "window: {start: 2024-10-01, end: 2024-10-07}")
    code, out = _run("validate", str(tiny_copy))
    assert code == 1 and "tasks[T02].window" in out and "working day" in out, out


def test_an_unreadable_key_file_says_what_it_should_hold(district) -> None:
    district["key"].write_bytes(b"\xff\xfe not hex")
    code, out = _run("check", str(district["plan"]), str(district["scenario"]))
    assert code != 0 and "64 hex digits" in out and "codec" not in out, out
    assert os.path.exists(district["key"])
    assert records(district["db"])  # the ledger untouched
