"""Hostile and broken scenario input: every case ends in a clear error or a valid plan, never a traceback.

Hypothesis corrupts a small scenario — bytes of YAML and CSV, cells replaced by huge, typed-wrong or
formula text (``=cmd|' /C calc'!A0``), file names that leave the directory, duplicate ids, empty files
and directories — and checks the contract of :func:`scenarios.check_scenario` (returns, never raises;
no scenario ⇔ at least one error, each naming its file) and of ``jointcheck validate`` and ``plan``
(exit 0/1/2 with a message, never an exception; a failed plan leaves no output). ≥ 500 cases a run.

Issue 14 added the red team's families: hostile YAML structure (recursive and exponential aliases, deep
nesting, dates that do not exist, booleans and huge numbers where numbers go), ids that differ only by
Unicode normalization or invisible characters, damaged plan folders through every command that reads a
plan, and hostile command-line paths and text (Rich markup, long names, ``--force`` on what is not a
plan). The CLI's last line of defence turns an uncaught exception into "internal error" with exit 3:
the contract forbids that too. Every case must end within 60 s.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scenarios import check_scenario
from ui.cli import app

runner = CliRunner()
BASE_SETTINGS = settings(deadline=timedelta(seconds=60), suppress_health_check=list(HealthCheck), database=None)  # a case over 60 s fails


def fuzz(n: int) -> settings:
    return settings(BASE_SETTINGS, max_examples=n)

SCENARIO = """\
name: fuzz
year: 2024
policy: shanghai-2024
departments:
  - {id: SAMR, name: 区市场监管局}
  - {id: FIRE, name: 区消防救援支队}
object_types:
  - {id: restaurant, name: 餐饮服务单位}
items:
  - {id: F02, name: 餐饮服务食品安全检查, department: SAMR, kind: key}
  - {id: X01, name: 消防设施器材检查, department: FIRE, kind: key}
  - {id: A99, name: 公示信息检查, department: SAMR, kind: general}
tasks:
  - id: T01
    name: 餐饮单位消防安全联合检查
    lead: FIRE
    partners: [SAMR]
    items: [X01, F02]
    object_type: restaurant
    window: {start: 2024-04-01, end: 2024-05-31}
    count: 2
  - id: T02
    name: 餐饮公示信息检查
    lead: SAMR
    items: [A99]
    object_type: restaurant
    window: {start: 2024-04-15, end: 2024-06-28}
    ratio: 0.5
subjects: subjects.csv
officers: officers.csv
"""
SUBJECTS = "subject_id,name,object_types,risk_class,grid,penalized_3y,complaints_verified\n" + "".join(
    f"S{i:03d},餐馆{i},restaurant,{'ABCD'[i % 4]},G{i % 2 + 1},{'true' if i % 5 == 0 else 'false'},{i % 3}\n"
    for i in range(1, 9)
)
OFFICERS = (
    "officer_id,name,department,qualifications,grid,weekly_capacity\n"
    "O01,王敏,SAMR,food_safety,G1,5\nO02,李强,SAMR,,G2,5\nO03,张伟,SAMR,,G1,5\n"
    "O04,刘洋,FIRE,fire_inspection,G2,5\nO05,陈静,FIRE,,G1,5\nO06,赵磊,FIRE,,G2,5\n"
)
BASE = {"scenario.yaml": SCENARIO, "subjects.csv": SUBJECTS, "officers.csv": OFFICERS}

FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A9)", "=HYPERLINK(\"http://x\")", "\t=1", "＝1+1"]
HOSTILE_TEXT = st.one_of(
    st.sampled_from(FORMULAS),
    st.text(max_size=40),
    st.builds(lambda c, n: c * n, st.sampled_from(["A", "中", "\"", ",", "\n", ";", "\\"]), st.integers(1, 200_000)),
    st.sampled_from(["", " ", "null", "~", "true", "-1", "1e309", "NaN", "0x10", "２０２４-01-01", "\x00", "\ufeff",
                     "'; DROP TABLE subjects; --", "../../etc/passwd", "{a: b}", "[1, 2", "&anchor", "*alias"]),
)


@contextmanager
def scenario_dir(files: dict[str, str | bytes | None]) -> Iterator[Path]:
    """A temporary scenario directory with these files (None: absent; bytes: written raw)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "scn"
        root.mkdir()
        for name, content in files.items():
            if content is None:
                continue
            path = root / name
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        yield root


def assert_contract(root: Path) -> None:
    """check_scenario returns; no scenario ⇔ an error; every problem names a file and reads as text."""
    scenario, problems = check_scenario(root)
    errors = [p for p in problems if p.severity == "error"]
    assert (scenario is None) == bool(errors), problems
    for p in problems:
        assert p.file and isinstance(p.message, str) and p.message
        assert p.row is None or p.row >= 1
        assert "Traceback" not in p.message
    if scenario is not None:
        assert scenario.subjects.height >= 1 and scenario.tasks


def assert_clean_exit(result, codes: tuple[int, ...]) -> None:
    """A CLI run ended with one of ``codes`` and a message: no exception, no 'internal error' (exit 3)."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in codes, f"exit {result.exit_code}: {result.output[-2000:]}"
    assert "internal error" not in result.output and "Traceback" not in result.output, result.output[-2000:]


@st.composite
def byte_mutation(draw: st.DrawFn, text: str) -> bytes:
    """Delete, insert, replace or duplicate a random span of the file's bytes; or truncate it."""
    raw = bytearray(text.encode("utf-8"))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "insert", "replace", "duplicate", "truncate"]))
        i = draw(st.integers(0, len(raw)))
        j = draw(st.integers(i, min(len(raw), i + 40)))
        if op == "delete":
            del raw[i:j]
        elif op == "insert":
            raw[i:i] = draw(st.binary(max_size=20) | st.sampled_from([b"\n", b"\"", b",", b":", b"- ", b"{", b"\xff\xfe"]))
        elif op == "replace":
            raw[i:j] = draw(st.binary(max_size=j - i + 2))
        elif op == "duplicate":
            raw[i:i] = raw[i:j]
        else:
            del raw[i:]
    return bytes(raw)


@fuzz(150)
@given(st.sampled_from(sorted(BASE)), st.data())
def test_byte_corruption_never_raises(name: str, data: st.DataObject) -> None:
    mutated = data.draw(byte_mutation(BASE[name]))
    with scenario_dir({**BASE, name: mutated}) as root:
        assert_contract(root)


@fuzz(150)
@given(st.sampled_from(["subjects.csv", "officers.csv"]), st.integers(0, 8), st.integers(0, 7), HOSTILE_TEXT,
       st.booleans())
def test_hostile_csv_cells(name: str, row: int, col: int, value: str, quoted: bool) -> None:
    lines = BASE[name].splitlines()
    row %= len(lines)
    cells = lines[row].split(",")
    col %= len(cells)
    cells[col] = '"' + value.replace('"', '""') + '"' if quoted else value
    lines[row] = ",".join(cells)
    with scenario_dir({**BASE, name: "\n".join(lines) + "\n"}) as root:
        assert_contract(root)


YAML_PATHS = [
    ("name",), ("year",), ("policy",), ("subjects",), ("officers",), ("departments",), ("items",), ("tasks",),
    ("tasks", 0, "id"), ("tasks", 0, "ratio"), ("tasks", 0, "count"), ("tasks", 0, "window"),
    ("tasks", 0, "window", "start"), ("tasks", 1, "items"), ("tasks", 1, "lead"), ("items", 0, "kind"),
    ("items", 1, "department"), ("departments", 0, "id"), ("object_types",), ("tasks", 0, "window_flex"),
]
WRONG_TYPES = st.one_of(
    HOSTILE_TEXT, st.integers(-10**30, 10**30), st.floats(allow_nan=True, allow_infinity=True), st.none(),
    st.booleans(), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


@fuzz(100)
@given(st.sampled_from(YAML_PATHS), WRONG_TYPES)
def test_wrong_types_in_yaml(path: tuple, value: object) -> None:
    import yaml

    if path in (("subjects",), ("officers",)) and isinstance(value, str):
        assume(not _unstattable(value))  # a known gap, see test_unstattable_file_names_are_errors

    doc = yaml.safe_load(SCENARIO)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    text = yaml.safe_dump(doc, allow_unicode=True, width=10**9)
    with scenario_dir({**BASE, "scenario.yaml": text}) as root:
        assert_contract(root)


TRAVERSAL = ["../outside.csv", "../../etc/passwd", "/etc/passwd", "sub/../../outside.csv", "..", ".", "",
             "subjects.csv/..", "~/subjects.csv", "C:\\Windows\\win.ini", "\\\\server\\share\\x.csv", "sub",
             "link.csv"]


@fuzz(40)
@given(st.sampled_from(["subjects", "officers"]), st.sampled_from(TRAVERSAL))
def test_file_names_never_leave_the_directory(field: str, name: str) -> None:
    text = SCENARIO.replace(f"{field}: {field}.csv", f"{field}: {json.dumps(name)}")
    with tempfile.TemporaryDirectory() as tmp:
        outside = Path(tmp) / "outside.csv"
        outside.write_text(BASE[f"{field}.csv"], encoding="utf-8")
        root = Path(tmp) / "scn"
        root.mkdir()
        (root / "sub").mkdir()
        (root / "link.csv").symlink_to(outside)
        for n, content in {**BASE, "scenario.yaml": text}.items():
            (root / n).write_text(content, encoding="utf-8")
        scenario, problems = check_scenario(root)
        assert scenario is None, f"{name!r} was accepted"
        assert any(p.severity == "error" for p in problems)


def _unstattable(name: str) -> bool:
    return "\x00" in name or any(len(part.encode("utf-8")) > 255 for part in name.split("/"))


@pytest.mark.parametrize("name", ["a" * 300 + ".csv", "subjects.csv\x00.txt"])
def test_unstattable_file_names_are_errors(name: str) -> None:
    text = SCENARIO.replace("subjects: subjects.csv", f"subjects: {json.dumps(name)}")
    with scenario_dir({**BASE, "scenario.yaml": text}) as root:
        scenario, problems = check_scenario(root)
        assert scenario is None and any("subjects" in str(p) for p in problems)


@fuzz(40)
@given(st.sampled_from(["subjects.csv", "officers.csv", "tasks", "items", "departments"]), st.integers(0, 10))
def test_duplicate_ids_are_errors(where: str, index: int) -> None:
    files = dict(BASE)
    if where.endswith(".csv"):
        lines = files[where].splitlines()
        k = 1 + index % (len(lines) - 1)
        lines.insert(k, lines[k])
        files[where] = "\n".join(lines) + "\n"
    else:
        import yaml

        doc = yaml.safe_load(SCENARIO)
        entries = doc[where]
        entries.append(dict(entries[index % len(entries)]))
        files["scenario.yaml"] = yaml.safe_dump(doc, allow_unicode=True)
    with scenario_dir(files) as root:
        scenario, problems = check_scenario(root)
        assert scenario is None
        assert any("duplicate" in p.message.lower() or "twice" in p.message.lower() or "repeated" in p.message.lower()
                   or "unique" in p.message.lower() for p in problems), problems


@fuzz(30)
@given(st.dictionaries(st.sampled_from(sorted(BASE)),
                       st.sampled_from([None, "", b"", b"\xef\xbb\xbf", b"\x00\x00", "\n\n\n", "just text"]),
                       min_size=1))
def test_missing_and_empty_files(replaced: dict) -> None:
    with scenario_dir({**BASE, **replaced}) as root:
        assert_contract(root)


def test_empty_and_odd_directories(tmp_path: Path) -> None:
    assert_contract(tmp_path)                       # empty directory
    assert_contract(tmp_path / "absent")            # no directory at all
    (tmp_path / "scenario.yaml").mkdir()            # a directory where a file should be
    assert_contract(tmp_path)
    f = tmp_path / "file"
    f.write_text("x")
    assert_contract(f)                              # a file where the directory should be


@fuzz(50)
@given(st.sampled_from(sorted(BASE)), st.data())
def test_validate_command_exits_cleanly(name: str, data: st.DataObject) -> None:
    """The CLI on corrupted input: exit 0 or 1, JSON on stdout, never an exception."""
    mutated = data.draw(byte_mutation(BASE[name]))
    with scenario_dir({**BASE, name: mutated}) as root:
        result = runner.invoke(app, ["validate", str(root), "--json"])
        assert_clean_exit(result, (0, 1))
        payload = json.loads(result.output)
        assert payload["valid"] == (result.exit_code == 0)


@fuzz(6)
@given(st.sampled_from(FORMULAS), st.integers(0, 3), st.sampled_from(["1", "2024", "x"]))
def test_plans_from_hostile_but_valid_input(formula: str, drop: int, seed: str) -> None:
    """Valid scenarios carrying formulas in names: the plan is valid, or the run fails cleanly leaving nothing."""
    from optimizer.check import check_plan

    subjects = SUBJECTS.splitlines()
    del subjects[1 + drop]
    subjects[1] = subjects[1].replace("餐馆1", '"' + formula.replace('"', '""') + '"')
    yaml_text = SCENARIO.replace("name: 餐饮公示信息检查", f"name: {json.dumps(formula)}")
    with scenario_dir({**BASE, "subjects.csv": "\n".join(subjects) + "\n", "scenario.yaml": yaml_text}) as root:
        out = root.parent / "plan"
        env = {"JOINTCHECK_LEDGER": str(root.parent / "j.db"), "JOINTCHECK_KEY_FILE": str(root.parent / "d.key")}
        result = runner.invoke(app, ["plan", str(root), "--seed", seed, "--out", str(out)], env=env)
        assert_clean_exit(result, (0, 1, 2))
        if result.exit_code == 0:
            scenario, _ = check_scenario(root)
            assert check_plan(out, scenario) == []
        else:
            assert not out.exists()
        assert not [p for p in root.parent.iterdir() if p.name.startswith(".plan.")], "staging left behind"


@pytest.mark.parametrize("value", FORMULAS)
def test_formulas_are_escaped_in_public_csv(value: str, tmp_path: Path) -> None:
    from records.publish import csv_safe, write_safe_csv

    path = tmp_path / "x.csv"
    write_safe_csv(path, ["name"], [[value]])
    text = path.read_text(encoding="utf-8-sig")
    assert f'"{value}"' not in text.replace('""', '"') or value.startswith("'")
    assert csv_safe(value).startswith("'")


@fuzz(60)
@given(st.text(max_size=30))
def test_csv_safe_never_leaves_a_formula(value: str) -> None:
    from records.publish import csv_safe

    safe = csv_safe(value)
    assert not safe.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠"))
    assert safe == value or safe == "'" + value


# ---- issue 14: hostile YAML structure ----

@st.composite
def alias_bomb(draw: st.DrawFn) -> str:
    """A chain of anchors, each a list of aliases to the one before (width ** depth values), maybe recursive."""
    width, depth = draw(st.integers(2, 12)), draw(st.integers(1, 12))
    lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    for k in range(1, depth + 1):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * width) + "]")
    if draw(st.booleans()):
        lines.append("r: &r [*r]" if draw(st.booleans()) else "r: &r {k: *r}")
    return "\n".join(lines) + "\n" + SCENARIO


@st.composite
def deep_yaml(draw: st.DrawFn) -> str:
    depth = draw(st.integers(1, 5000))
    opener, closer = draw(st.sampled_from([("[", "]"), ("{a: ", "}")]))
    return SCENARIO + "extra: " + opener * depth + "1" + closer * depth + "\n"


@st.composite
def impossible_date(draw: st.DrawFn) -> str:
    year = draw(st.sampled_from([2023, 2024, 2100, 1900]))
    month, day = draw(st.integers(0, 14)), draw(st.integers(0, 33))
    field = draw(st.sampled_from(["start: 2024-04-01", "end: 2024-05-31", "start: 2024-04-15"]))
    key = field.split(":")[0]
    return SCENARIO.replace(field, f"{key}: {year:04d}-{month:02d}-{day:02d}", 1)


NUMBERS = st.sampled_from(["true", "false", "10000000000000000000000000000000", "1e400", "-0.0", ".nan", ".inf",
                           "0.00001", "1e-05", "0x10", "0o17", "1_000", "'1'", "[1]", "{a: 1}", "null", "2.5"])


@fuzz(120)
@given(st.one_of(alias_bomb(), deep_yaml(), impossible_date(),
                 st.builds(lambda v, which: SCENARIO.replace(which, which.split(":")[0] + ": " + v, 1), NUMBERS,
                           st.sampled_from(["count: 2", "ratio: 0.5", "year: 2024"]))))
def test_hostile_yaml_structure(text: str) -> None:
    import time

    with scenario_dir({**BASE, "scenario.yaml": text}) as root:
        start = time.perf_counter()
        assert_contract(root)
        assert time.perf_counter() - start < 60


def test_a_tiny_ratio_validates_and_plans_like_any_other(tmp_path: Path) -> None:
    """ratio 0.00001 reached durable-rules as 1e-05 and corrupted or crashed the evaluation."""
    text = SCENARIO.replace("ratio: 0.5", "ratio: 0.00001")
    with scenario_dir({**BASE, "scenario.yaml": text}) as root:
        env = {"JOINTCHECK_LEDGER": str(root.parent / "j.db"), "JOINTCHECK_KEY_FILE": str(root.parent / "d.key")}
        assert_clean_exit(runner.invoke(app, ["validate", str(root)]), (0,))
        assert_clean_exit(runner.invoke(app, ["plan", str(root), "--seed", "1", "--out", str(root.parent / "p")], env=env), (0, 1))


# ---- issue 14: ids that differ only invisibly ----

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]


@fuzz(40)
@given(st.sampled_from(["subjects.csv", "officers.csv"]), st.integers(1, 6),
       st.one_of(st.sampled_from(INVISIBLE).map(lambda c: ("insert", c)), st.just(("nfd", ""))), st.integers(0, 4))
def test_lookalike_ids_are_errors(name: str, row: int, variant: tuple[str, str], where: int) -> None:
    import unicodedata

    lines = BASE[name].splitlines()
    cells = lines[row].split(",")
    ident = cells[0]
    if variant[0] == "insert":
        twin = ident[: where % (len(ident) + 1)] + variant[1] + ident[where % (len(ident) + 1):]
    else:
        ident = ident[:-1] + "\u00e9"
        cells[0] = ident
        lines[row] = ",".join(cells)
        twin = unicodedata.normalize("NFD", ident)
    lines.append(",".join([twin, *cells[1:]]))
    with scenario_dir({**BASE, name: "\n".join(lines) + "\n"}) as root:
        scenario, problems = check_scenario(root)
        assert scenario is None and any("normalization" in p.message or "invisible" in p.message for p in problems), problems


# ---- issue 14: damaged plan folders through every command that reads a plan ----

@pytest.fixture(scope="module")
def fuzz_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, Path]:
    home = tmp_path_factory.mktemp("fuzzplan")
    scn = home / "scn"
    shutil.copytree(Path(__file__).resolve().parent.parent / "scenarios" / "tiny", scn)
    out, db, key = home / "plan", home / "j.db", home / "d.key"
    result = runner.invoke(app, ["plan", str(scn), "--seed", "1", "--out", str(out), "--ledger", str(db), "--key-file", str(key)])
    assert result.exit_code == 0, result.output
    return scn, out, db, key


PLAN_DAMAGE = st.one_of(
    st.tuples(st.just("truncate"), st.sampled_from(["manifest.json", "draws.parquet", "visits.parquet",
                                                     "assignments.parquet", "unplaced.parquet"]), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.sampled_from(["manifest.json", "visits.parquet", "assignments.parquet"]), st.floats(0, 1)),
    st.tuples(st.just("drop_key"), st.sampled_from(["files", "tasks", "policy", "scenario", "plan_id", "seed_commitment"]),
              st.just(0.0)),
    st.tuples(st.just("retype"), st.sampled_from(["files", "tasks", "policy", "scenario", "plan_id"]),
              st.sampled_from([0.0, 0.5, 1.0])),
    st.tuples(st.just("nulls"), st.sampled_from(["visits.parquet:date", "visits.parquet:visit_id",
                                                  "assignments.parquet:officer_id", "draws.parquet:selected"]), st.just(0.0)),
    st.tuples(st.just("devzero"), st.sampled_from(["draws.parquet", "visits.parquet", "manifest.json"]), st.just(0.0)),
    st.tuples(st.just("remove"), st.sampled_from(["manifest.json", "visits.parquet", "unplaced.parquet"]), st.just(0.0)),
    # visit ids carry no order (issue 14 item 11): duplicated, sequential, empty, look-alike ids and a visit dropped
    st.tuples(st.just("ids"), st.sampled_from(["duplicate", "sequential", "empty", "lookalike", "drop_visit"]),
              st.floats(0, 1)),
)
PLAN_COMMANDS = ["check", "verify", "publish", "results", "code"]


def _damage(plan: Path, op: str, what: str, x: float) -> None:
    import polars as pl

    if op in ("truncate", "flip"):
        data = bytearray((plan / what).read_bytes())
        k = int(x * (len(data) - 1))
        if op == "truncate":
            del data[k:]
        else:
            data[k] ^= 0xFF
        (plan / what).write_bytes(bytes(data))
    elif op in ("drop_key", "retype"):
        m = json.loads((plan / "manifest.json").read_text(encoding="utf-8"))
        if op == "drop_key":
            m.pop(what, None)
        else:
            m[what] = [None, "x", 7][int(x * 2)]
        (plan / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    elif op == "nulls":
        name, col = what.split(":")
        frame = pl.read_parquet(plan / name)
        frame.with_columns(pl.lit(None, frame[col].dtype).alias(col)).write_parquet(plan / name)
    elif op == "ids":
        visits = pl.read_parquet(plan / "visits.parquet")
        k = int(x * (visits.height - 1))
        ids = visits["visit_id"].to_list()
        if what == "drop_visit":
            visits = visits.filter(pl.int_range(pl.len()) != k)
        else:
            ids[k] = {"duplicate": ids[(k + 1) % len(ids)], "sequential": f"V{k + 1:04d}", "empty": "",
                      "lookalike": ids[k].lower() + "\u200b"}[what]
            visits = visits.with_columns(pl.Series("visit_id", ids, dtype=pl.String))
        visits.write_parquet(plan / "visits.parquet")
    elif op == "devzero":
        (plan / what).unlink()
        (plan / what).symlink_to("/dev/zero")
    else:
        (plan / what).unlink()


@fuzz(60)
@given(PLAN_DAMAGE, st.sampled_from(PLAN_COMMANDS), st.booleans())
def test_damaged_plan_folders(fuzz_plan, damage: tuple[str, str, float], command: str, recorded: bool) -> None:
    scn, out, db, key = fuzz_plan
    with tempfile.TemporaryDirectory() as tmp:
        plan = Path(tmp) / "plan"
        shutil.copytree(out, plan, symlinks=True)
        _damage(plan, *damage)
        ledger = ["--ledger", str(db)] if recorded else ["--ledger", str(Path(tmp) / "none.db")]
        args = {
            "check": ["check", str(plan), str(scn), *ledger, "--allow-unrecorded"],
            "verify": ["verify", str(plan), str(scn), "--seed", "1", *ledger, "--allow-unrecorded"],
            "publish": ["publish", str(plan), str(scn), "--out", str(Path(tmp) / "pub"), "--no-ledger", *ledger,
                        "--allow-unrecorded"],
            "results": ["results", str(plan), str(Path(tmp) / "absent.csv"), "--no-ledger"],
            "code": ["code", "check", "AAAAA-AAAAA", "--plan", str(plan), "--key-file", str(key), *ledger],
        }[command]
        result = runner.invoke(app, args)
        assert_clean_exit(result, (1, 2))
        assert not (Path(tmp) / "pub").exists()


# ---- issue 14: hostile command-line paths and text ----

@fuzz(40)
@given(st.sampled_from(["markup", "long", "under_file", "dot", "scenario", "file", "plan", "empty_dir", "symlink",
                        "key_inside"]),
       st.booleans(), st.sampled_from(["1", "[/]", "[bold]x[/bold]", "x" * 300]),
       st.sampled_from([None, "[/][red]", "../../x", "名"]))
def test_hostile_command_line(fuzz_plan, where: str, force: bool, seed: str, plan_id: str | None) -> None:
    scn, plan, db, key = fuzz_plan
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        keyfile = tmp / "d.key"
        afile = tmp / "afile"
        afile.write_text("precious", encoding="utf-8")
        out = {
            "markup": tmp / "[" / "]o[/]ut", "long": tmp / ("p" * 300), "under_file": afile / "plan", "dot": Path("."),
            "scenario": scn, "file": afile, "plan": tmp / "old", "empty_dir": tmp / "empty", "symlink": tmp / "link",
            "key_inside": tmp / "withkey",
        }[where]
        if where == "plan":
            shutil.copytree(plan, out)
        elif where == "empty_dir":
            out.mkdir()
        elif where == "symlink":
            out.symlink_to(plan)
        elif where == "key_inside":
            out.mkdir()
            keyfile = out / "d.key"
        before = sorted(p.name for p in scn.iterdir())
        args = ["plan", str(scn), "--seed", seed, "--out", str(out), "--ledger", str(tmp / "j.db"),
                "--key-file", str(keyfile), *(["--force"] if force else []), *(["--plan-id", plan_id] if plan_id else [])]
        result = runner.invoke(app, args)
        assert_clean_exit(result, (0, 1, 2))
        assert sorted(p.name for p in scn.iterdir()) == before and afile.read_text(encoding="utf-8") == "precious"
        if result.exit_code == 0:
            assert where in ("markup", "plan") and (where == "markup" or force)
            assert (out / "manifest.json").is_file()
        assert not [p for p in out.parent.glob(".*") if p.name.endswith((".tmp", ".old", ".lock"))] if out.parent.exists() else True
