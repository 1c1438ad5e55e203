"""Reading the scenario's files at the boundary: encodings, CSV structure, safe paths."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from scenarios.errors import Problem

__all__ = ["read_text", "read_csv_text", "resolve_inside", "MAX_CSV_BYTES"]

MAX_STRUCTURE_PROBLEMS = 50
MAX_CSV_BYTES = 512 * 1024 * 1024
"""The largest directory file read (a 1.4-million-subject subjects.csv is about 110 MB)."""
MAX_BLANK_LINES = 10_000


def read_text(path: Path, label: str, gb18030: bool = False) -> tuple[str | None, list[Problem]]:
    """Read a UTF-8 file (with or without BOM). Returns (text or None, problems).

    ``gb18030``: a file that is not UTF-8 but is GB18030 (what Excel saves as "CSV" on Chinese Windows) is read as
    such, with a warning naming the encoding (a directory CSV; scenario.yaml stays UTF-8)."""
    try:
        if not path.exists():
            if path.is_symlink():
                return None, [Problem.of(label, None, "", "file.dangling_link", path=str(path))]
            return None, [Problem.of(label, None, "", "file.not_found", path=str(path))]
        if not path.is_file():
            return None, [Problem.of(label, None, "", "file.not_regular", path=str(path))]
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            return None, [Problem.of(label, None, "", "file.too_big", size=size, limit=MAX_CSV_BYTES)]
        raw = path.read_bytes()
    except (OSError, ValueError, RuntimeError) as exc:  # a name the OS cannot use, unreadable, a link loop
        return None, [Problem.of(label, None, "", "file.unreadable", reason=str(getattr(exc, 'strerror', None) or exc))]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        code = "file.not_utf8"
        try:
            text = raw.decode("gb18030")
            code = "file.looks_gbk"
        except UnicodeDecodeError:
            text = None
        if text is None or not gb18030:
            return None, [Problem.of(label, line, "", code, byte=f"{raw[exc.start]:02x}")]
        if "\x00" in text:
            return None, [Problem.of(label, text[: text.index("\x00")].count("\n") + 1, "", "file.nul")]
        return text, [Problem.of(label, None, "", "file.gb18030", "warning")]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [Problem.of(label, line, "", "file.nul")]
    return text, []


# Characters that make a CSV more than one record per line (a quote), or that Python counts as space and
# polars does not (U+001C–U+001F): a text holding one of them, or a lone carriage return, is read by the csv module.
_NOT_PLAIN = '"\x1c\x1d\x1e\x1f'


def _plain(text: str) -> bool:
    """Quote-free, line ends LF or CR LF, no U+001C–U+001F (each a scan in C; a regex took five times as long)."""
    return not any(c in text for c in _NOT_PLAIN) and text.count("\r") == text.count("\r\n")


def _structure(text: str, label: str) -> tuple[list[int], list[Problem]]:
    """Check every record has the header's field count; return each data record's first line.

    Records the csv module would read (a quoted field may span lines); a file without quotes — every
    directory a planner's spreadsheet exports — takes :func:`_plain_structure`, the same answer vectorised."""
    if _plain(text):
        return _plain_structure(text, label)
    return _csv_structure(text, label)


def _header_problems(header: list[str], label: str) -> list[Problem]:
    from scenarios.values.identifiers import comparable

    problems: list[Problem] = []
    seen: dict[str, int] = {}
    keys = pl.Series("h", header, dtype=pl.String).to_frame().select(comparable(pl.col("h")))["h"].to_list()
    for k, (name, key) in enumerate(zip(header, keys), start=1):
        if key in seen:
            problems.append(Problem.of(label, 1, name.strip() or f"column {k}", "csv.repeated_column",
                                       k=k, first=seen[key], name=header[seen[key] - 1]))
        seen.setdefault(key, k)
    return problems


def _plain_structure(text: str, label: str) -> tuple[list[int], list[Problem]]:
    """:func:`_csv_structure` for a quote-free text (see ``_NOT_PLAIN``): line k is record k, its fields are its
    commas + 1, an empty line is no record, a line of commas and spaces is a blank record."""
    lines = (text.replace("\r\n", "\n") if "\r" in text else text).split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final line end closes the last record; it opens none
    if not lines:
        return [], [Problem.of(label, None, "", "csv.empty")]
    header = lines[0].split(",") if lines[0] else []  # an empty first line is an empty header, as csv reads it
    problems = _header_problems(header, label)
    if problems:
        return [], problems
    text_of = pl.Series("text", lines[1:], dtype=pl.String)
    if len(text_of) and text_of.str.len_chars().max() > csv.field_size_limit():
        return _csv_structure(text, label)  # the csv module's own complaint about a long field, with its line
    rows = text_of.to_frame().with_row_index("k").with_columns(
        line=pl.col("k").cast(pl.Int64) + 2,
        empty=pl.col("text") == "",
        fields=pl.col("text").str.count_matches(",", literal=True) + 1,
        blank=pl.col("text").str.contains(r"^[\s,]*$"),  # \s: Unicode white space, as str.strip less U+001C–F
    )
    over = rows.filter(pl.col("blank").cum_sum() > MAX_BLANK_LINES)["line"].head(1).to_list()
    if over:  # records stop at the blank line over the limit, as the csv reader's loop does
        rows = rows.filter(pl.col("line") < over[0])
    wrong = rows.filter(~pl.col("empty") & (pl.col("fields") != len(header))).head(MAX_STRUCTURE_PROBLEMS)
    problems = [Problem.of(label, line, "", "csv.width", fields=fields, width=len(header))
                for line, fields in wrong.select("line", "fields").iter_rows()]
    if over:
        problems.append(Problem.of(label, over[0], "", "csv.blank_rows", limit=MAX_BLANK_LINES))
    return rows.filter(~pl.col("empty"))["line"].to_list(), problems


def _csv_structure(text: str, label: str) -> tuple[list[int], list[Problem]]:
    """:func:`_structure` by the csv module, record by record (quoted fields, lone carriage returns)."""
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return [], [Problem.of(label, None, "", "csv.empty")]
    except csv.Error as exc:
        return [], [Problem.of(label, 1, "", "csv.bad_header", reason=str(exc))]
    width = len(header)
    problems = _header_problems(header, label)
    if problems:
        return [], problems
    starts: list[int] = []
    blank = 0
    line = reader.line_num + 1
    try:
        for record in reader:
            if not record or record == [""] or not any(f.strip() for f in record):
                blank += 1
                if blank > MAX_BLANK_LINES:
                    problems.append(Problem.of(label, line, "", "csv.blank_rows", limit=MAX_BLANK_LINES))
                    break
            if record and len(record) != width and not (len(record) == 1 and record[0] == ""):
                if len(problems) < MAX_STRUCTURE_PROBLEMS:
                    problems.append(
                        Problem.of(label, line, "", "csv.width", fields=len(record), width=width)
                    )
            if record:
                starts.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem.of(label, reader.line_num, "", "csv.malformed", reason=str(exc)))
    return starts, problems


def read_csv_text(text: str, label: str) -> tuple[pl.DataFrame | None, list[Problem]]:
    """Parse CSV text with every column as text; structural problems are located by line.

    The frame gets a ``__row`` column: the line each record starts on (header = 1), which is what
    error messages cite even when a quoted field spans lines.
    """
    starts, problems = _structure(text, label)
    if problems:
        return None, problems
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode("utf-8")), infer_schema=False, empty_string_is_null=False,
            raise_if_empty=True,
        )
    except Exception as exc:  # polars raises several exception types for malformed input
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, [Problem.of(label, None, "", "csv.malformed", reason=first)]
    blank_header = [i + 1 for i, c in enumerate(frame.columns) if not c.strip() or c.startswith("_duplicated_")]
    if blank_header:
        return None, [Problem.of(label, 1, "", "csv.blank_header", columns="、".join(map(str, blank_header)))]
    frame = frame.rename({c: c.strip() for c in frame.columns})
    if frame.height != len(starts):  # blank lines are skipped by both, but be safe about the mapping
        starts = list(range(2, frame.height + 2))
    return frame.with_columns(pl.Series("__row", starts, dtype=pl.Int64)), []


def resolve_inside(root: Path, name: str) -> Path | None:
    """The path of ``name`` inside ``root``, or None if it would leave the scenario directory or is not a
    name a file system can hold (a NUL byte, a component over 255 bytes)."""
    if not name or "\x00" in name or Path(name).is_absolute():
        return None
    if any(len(part.encode("utf-8")) > 255 for part in Path(name).parts):  # no file system takes it
        return None
    try:
        candidate = (root / name).resolve()
        candidate.relative_to(root.resolve())
    except (OSError, ValueError, RuntimeError):  # outside the directory, a name the OS cannot resolve, a link loop
        return None
    return candidate
