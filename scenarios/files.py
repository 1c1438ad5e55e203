"""Reading the scenario's files at the boundary: encodings, CSV structure, safe paths."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl

from scenarios.errors import Problem

__all__ = ["read_text", "read_csv_text", "resolve_inside"]

MAX_STRUCTURE_PROBLEMS = 50


def read_text(path: Path, label: str) -> tuple[str | None, list[Problem]]:
    """Read a UTF-8 file (with or without BOM). Returns (text or None, problems)."""
    try:
        if not path.exists():
            return None, [Problem(label, None, "", f"file not found: {path}")]
        if not path.is_file():
            return None, [Problem(label, None, "", f"not a regular file: {path}")]
        raw = path.read_bytes()
    except (OSError, ValueError) as exc:  # a name the OS cannot use: NUL byte, too long, unreadable
        return None, [Problem(label, None, "", f"cannot be read: {exc}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = ""
        try:
            raw.decode("gb18030")
            hint = " It looks like GBK/GB18030 (e.g. saved by Excel as 'CSV'):"
        except UnicodeDecodeError:
            pass
        return None, [
            Problem(
                label, line, "",
                f"is not UTF-8 (byte 0x{raw[exc.start]:02x}).{hint} save it as 'CSV UTF-8' "
                "(UTF-8 with or without BOM)",
            )
        ]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [Problem(label, line, "", "contains a NUL byte; not a text file")]
    return text, []


def _structure(text: str, label: str) -> tuple[list[int], list[Problem]]:
    """Check every record has the header's field count; return each data record's first line."""
    problems: list[Problem] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return [], [Problem(label, None, "", "is empty; expected a header row")]
    except csv.Error as exc:
        return [], [Problem(label, 1, "", f"malformed CSV header: {exc}")]
    width = len(header)
    starts: list[int] = []
    line = reader.line_num + 1
    try:
        for record in reader:
            if record and len(record) != width and not (len(record) == 1 and record[0] == ""):
                if len(problems) < MAX_STRUCTURE_PROBLEMS:
                    problems.append(
                        Problem(label, line, "", f"malformed CSV: {len(record)} fields, the header has {width}")
                    )
            if record:
                starts.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        problems.append(Problem(label, reader.line_num, "", f"malformed CSV: {exc}"))
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
        return None, [Problem(label, None, "", f"malformed CSV: {first}")]
    blank_header = [i + 1 for i, c in enumerate(frame.columns) if not c.strip() or c.startswith("_duplicated_")]
    if blank_header:
        return None, [Problem(label, 1, "", f"header has empty or repeated column names (columns {blank_header})")]
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
    except (OSError, ValueError):  # outside the directory, or a name the OS cannot resolve
        return None
    return candidate
