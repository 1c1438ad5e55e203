"""The shape every document takes before it is written: titled tables of typed cells, and pages.

A :class:`Document` is built once from a plan (:mod:`documents.build`) and written by each format
(:mod:`documents.xlsx`, :mod:`documents.text`, :mod:`documents.html`, :mod:`documents.pdf`), so the
spreadsheet, the CSV, the web page and the PDF cannot say different things.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Column", "Table", "Sheet", "Document", "cell_text"]


@dataclass(frozen=True)
class Column:
    key: str                 # machine id (CSV header of the results template)
    label: str               # what a planner reads, in the chosen language
    kind: str = "text"       # text | int | date
    printed: bool = True     # shown in HTML/PDF (False: spreadsheet-only helper columns such as start/end dates)
    width: float = 12        # spreadsheet column width, characters


@dataclass(frozen=True)
class Table:
    name: str                                 # sheet name / file stem
    columns: list[Column]
    rows: list[list[Any]]
    total: list[Any] | None = None            # a 合计 row, written after the rows
    group: str | None = None                  # column key: HTML/PDF print one section per value

    def index(self, key: str) -> int:
        return [c.key for c in self.columns].index(key)


@dataclass(frozen=True)
class Sheet:
    """One printed page of a 检查任务单: labelled facts, item table, team table, code and result boxes.

    A visit's sheet is one page; a visit with more items than a page holds continues on further pages
    (``part`` of ``parts``), each repeating the 检查编号, the firm and the 检查码 (``facts`` of a continuation
    page are just those) and carrying its own signature lines."""

    title: str
    facts: list[tuple[str, str, bool]]        # (label, value, full width)
    items: Table
    team: Table
    code: str
    code_label: str
    code_help: str
    boxes: list[str]
    signatures: list[str]                     # each line with its own date blank
    issuer: str                               # 编制单位 … （盖章）
    foot: str
    visit_id: str = ""
    part: int = 1
    parts: int = 1
    qr: str = ""
    """What the QR encodes: the public service's page of the code (``PUBLIC_URL/c/CODE``), or the bare code."""


@dataclass(frozen=True)
class Document:
    what: str
    lang: str
    title: str
    lines: list[str]                          # subtitle lines under the title
    tables: list[Table]
    sheets: list[Sheet] = field(default_factory=list)   # task sheets: printed instead of the tables
    machine_header: bool = False              # CSV header is the column keys (what jointcheck results reads)
    notes: list[str] = field(default_factory=list)      # footnotes under the tables (the plan table's counts)
    issuer: str = ""                                     # 编制单位 … （盖章） and the dates, printed at the end
    footer: str = ""                                     # the running foot of every page (authority, title)


def cell_text(value: Any) -> str:
    """A cell as printed: dates without times, None as empty, numbers as written."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
