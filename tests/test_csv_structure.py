"""The CSV structure check (scenarios/files.py): its vectorised path for quote-free files gives exactly what the
csv module's record-by-record reading gives — the same record lines and the same problems, in the same order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios import files
from scenarios.files import _csv_structure, _plain_structure, _structure

# pieces of quote-free CSV lines: fields, commas, spaces (ASCII and not), ideographs, CR LF line ends
PIECES = st.sampled_from(["a", "id", "名称", "1", ",", ",", " ", "\t", "\u3000", "\u00a0", "\x85", "\u2028", "\u200b",
                         "\x0b", "\x0c", "", "x,y", "\r\n"])
LINE = st.lists(PIECES, max_size=6).map("".join)
TEXT = st.lists(LINE, max_size=12).map("\n".join).flatmap(lambda t: st.sampled_from([t, t + "\n", t + "\r\n"]))


def _same(text: str) -> None:
    assert files._plain(text)
    fast, slow = _plain_structure(text, "subjects.csv"), _csv_structure(text, "subjects.csv")
    assert fast[0] == slow[0]
    assert [(p.row, p.code, p.describe("en")) for p in fast[1]] == [(p.row, p.code, p.describe("en")) for p in slow[1]]


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_plain_path_agrees_with_the_csv_module(text: str) -> None:
    _same(text)


def test_plain_path_cases_by_hand(monkeypatch) -> None:
    for text in ["", "\n", "\nid,name\n", "id,name\n1,a\n", "id,name\r\n1,a\r\n\r\n2,b", "id,name\n1\n2,b,c\n",
                 "id,id\n1,2\n", "id, id \n", "id,name\n , \n,\n\n3,c\n", "id,name\n1,a"]:
        _same(text)
    monkeypatch.setattr(files, "MAX_BLANK_LINES", 3)
    monkeypatch.setattr(files, "MAX_STRUCTURE_PROBLEMS", 2)
    for text in ["id,name\n\n\n1\n\n,\n2,b\n\n1,2,3\n", "id,name\n1\n2\n3\n4\n", "id,name\n" + "\n" * 10 + "1,a\n"]:
        _same(text)


def test_files_the_csv_module_must_read_take_its_path(monkeypatch) -> None:
    """Quotes, a lone carriage return, the separators U+001C–U+001F, or a field longer than the csv module
    allows: read record by record (a quoted field may span lines; the long field is the csv module's error)."""
    called = []
    monkeypatch.setattr(files, "_csv_structure", lambda text, label: called.append(text) or ([], []))
    monkeypatch.setattr(files, "_plain_structure", lambda text, label: ([], ["plain"]))
    for text in ['id,name\n1,"a\nb"\n', "id,name\r1,a\r", "id,name\n1,a\x1c\n"]:
        _structure(text, "x.csv")
    assert len(called) == 3
    assert _structure("id,name\n1,a\n", "x.csv") == ([], ["plain"])


def test_a_field_over_the_csv_limit_is_reported_with_its_line() -> None:
    import csv

    text = "id,name\n1,a\n2," + "x" * (csv.field_size_limit() + 1) + "\n"
    _, problems = _structure(text, "subjects.csv")
    assert [(p.row, p.code) for p in problems] == [(3, "csv.malformed")]
    assert "field larger than field limit" in problems[0].describe("en")
