"""Documents as Excel workbooks (openpyxl): Chinese headers, numbers as numbers, dates as dates, the header
row frozen with filters, A4 print set-up — and the same bytes for the same plan.

Every text cell goes through :func:`records.publish.csv_safe`, so a cell a spreadsheet would run as a
formula (= + - @ …) is written as text with a leading apostrophe. openpyxl stamps the save time into
``docProps/core.xml`` and the zip entries; :func:`_fixed` rewrites both to a fixed date.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from documents.model import Document, Table
from records.publish import csv_safe

__all__ = ["xlsx_bytes", "FIXED_TIME"]

FIXED_TIME = dt.datetime(2000, 1, 1)
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def _value(value, kind: str):
    if value is None:
        return None
    if kind == "date" and isinstance(value, dt.date):
        return value
    if kind == "int" and isinstance(value, int):
        return value
    return csv_safe(value)


def _sheet(wb: Workbook, doc: Document, table: Table, first: bool) -> None:
    ws = wb.active if first else wb.create_sheet()
    ws.title = re.sub(r"[\[\]:*?/\\]", " ", table.name)[:31]
    top = 1
    if not doc.machine_header:
        ws.cell(1, 1, csv_safe(doc.title)).font = Font(bold=True, size=14)
        ws.cell(2, 1, csv_safe("　".join(doc.lines)))
        top = 3
    for k, col in enumerate(table.columns, start=1):
        ws.cell(top, k, csv_safe(col.label)).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(k)].width = col.width
    wrap = Alignment(wrap_text=True, vertical="top")
    rows = [*table.rows, *([table.total] if table.total else [])]
    for r, row in enumerate(rows, start=top + 1):
        for k, (col, value) in enumerate(zip(table.columns, row), start=1):
            cell = ws.cell(r, k, _value(value, col.kind))
            if col.kind == "date":
                cell.number_format = "yyyy-mm-dd"
            elif col.width >= 24:
                cell.alignment = wrap
    if table.total:
        for cell in ws[top + len(rows)]:
            cell.font = Font(bold=True)
    last = get_column_letter(len(table.columns))
    ws.freeze_panes = ws.cell(top + 1, 1)
    ws.auto_filter.ref = f"A{top}:{last}{top + len(table.rows)}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{top}:{top}"


def _fixed(data: bytes) -> bytes:
    """The workbook with fixed timestamps in its properties and its zip entries."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _STAMP.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", body)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, body)
    return out.getvalue()


def xlsx_bytes(doc: Document) -> bytes:
    """One sheet per table of ``doc``; the same document gives the same bytes."""
    wb = Workbook()
    wb.properties.creator = "jointcheck"
    wb.properties.title = doc.title
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    for k, table in enumerate(doc.tables):
        _sheet(wb, doc, table, k == 0)
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fixed(buffer.getvalue())
