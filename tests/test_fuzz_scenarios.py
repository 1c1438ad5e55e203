"""Hostile and broken scenario input: every case ends in a clear error or a valid plan, never a traceback.

Hypothesis corrupts a small scenario — bytes of YAML and CSV, cells replaced by huge, typed-wrong or
formula text (``=cmd|' /C calc'!A0``), file names that leave the directory, duplicate ids, empty files
and directories — and checks the contract of :func:`scenarios.check_scenario` (returns, never raises;
no scenario ⇔ at least one error, each naming its file) and of ``jointcheck validate`` and ``plan``
(exit 0/1/2 with a message, never an exception; a failed plan leaves no output). ≥ 500 cases a run.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scenarios import check_scenario
from ui.cli import app

runner = CliRunner()
BASE_SETTINGS = settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)


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
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code in (0, 1)
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
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
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
