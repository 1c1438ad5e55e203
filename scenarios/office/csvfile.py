"""A CSV of the office's (a platform's export, Excel's "CSV" on Chinese Windows) as a :class:`Table`: UTF-8 with BOM,
UTF-8 or GB18030, detected from the bytes and never guessed (the encoding used is reported); title lines above
the header skipped; rows numbered as a text editor numbers lines."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

from scenarios.errors import Problem
from scenarios.files import MAX_CSV_BYTES, read_csv_text
from scenarios.office.headers import SHEET_BY_ROLE, Mapping
from scenarios.office.tables import (
    HEADER_SEARCH_ROWS,
    Table,
    find_header,
    name_columns,
    no_header,
    tidy,
)

__all__ = ["decode", "read_csv_table"]


def decode(raw: bytes, label: str) -> tuple[str | None, str, list[Problem]]:
    """The text of a CSV and the encoding it was read in: UTF-8 with BOM, UTF-8, or GB18030 (a superset of GBK and
    GB2312, what Excel saves as “CSV” on Chinese Windows). UTF-16 and bytes that are neither are refused."""
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding, body = "UTF-8-BOM", raw[3:]
        try:
            return body.decode("utf-8"), encoding, []
        except UnicodeDecodeError as exc:
            return None, "", [Problem.of(label, body[: exc.start].count(b"\n") + 1, "", "office.bad_bytes",
                                         encoding="UTF-8 (BOM)", byte=f"{body[exc.start]:02x}")]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "", [Problem.of(label, None, "", "office.utf16")]
    try:
        return raw.decode("utf-8"), "UTF-8", []
    except UnicodeDecodeError as exc:
        first = exc.start
    try:
        return raw.decode("gb18030"), "GB18030", []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, "", [Problem.of(label, line, "", "office.unknown_encoding", byte=f"{raw[first]:02x}",
                                     utf8_line=raw[:first].count(b"\n") + 1)]


def read_csv_table(path: Path, role: str, mapping: Mapping, label: str | None = None) -> tuple[Table | None, list[Problem]]:
    """A CSV of ``role`` as a :class:`Table`, decoded by :func:`decode`; title rows above the header skipped."""
    label = label or path.name
    spec = SHEET_BY_ROLE[role]
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            return None, [Problem.of(label, None, "", "file.too_big", size=size, limit=MAX_CSV_BYTES)]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem.of(label, None, "", "file.unreadable", reason=str(exc.strerror or exc))]
    text, encoding, problems = decode(raw, label)
    del raw
    if text is None:
        return None, problems
    if "\x00" in text:
        return None, [Problem.of(label, text[: text.index("\x00")].count("\n") + 1, "", "file.nul")]
    head_lines = text.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]
    try:
        head_rows = [next(csv.reader([line.rstrip("\r")]), []) for line in head_lines]
    except csv.Error:
        head_rows = [line.split(",") for line in head_lines]
    at = find_header(head_rows, spec, mapping)
    if at is None:
        return None, [no_header(label, spec, mapping)]
    if at:
        offset = sum(len(line) + 1 for line in head_lines[:at])
        text = text[offset:]
    frame, found = read_csv_text(text, label)
    if frame is None:
        return None, [_shift(p, at) for p in found]
    header = list(head_rows[at])
    names, shown, problems = name_columns(header, spec, mapping, label, at + 1)
    if len(names) != len(frame.columns) - 1:  # the csv module and polars disagree on the header: keep polars'
        names, shown, problems = name_columns(frame.columns[:-1], spec, mapping, label, at + 1)
    frame = frame.rename(dict(zip(frame.columns[:-1], names, strict=True)))
    if at:
        frame = frame.with_columns(pl.col("__row") + at)
    frame, tidied = tidy(frame, label, shown)
    return Table(role, label, frame, shown, at + 1, encoding), problems + tidied


def _shift(problem: Problem, lines: int) -> Problem:
    if problem.row is None or not lines:
        return problem
    return Problem(problem.file, problem.row + lines, problem.field, problem.message, problem.severity, problem.code,
                   problem.params)


