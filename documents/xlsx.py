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
    last = get_column_letter(len(table.columns))
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    if not doc.machine_header:  # title and subtitle lines centred across the table
        ws.cell(1, 1, csv_safe(doc.title)).font = Font(bold=True, size=14)
        ws.cell(1, 1).alignment = centred
        ws.merge_cells(f"A1:{last}1")
        ws.row_dimensions[1].height = 24
        ws.cell(2, 1, csv_safe("\n".join(doc.lines))).alignment = centred  # one row: the header stays on row 3
        ws.merge_cells(f"A2:{last}2")
        ws.row_dimensions[2].height = 15 * max(1, len(doc.lines))
        top = 3
    header = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for k, col in enumerate(table.columns, start=1):
        cell = ws.cell(top, k, csv_safe(col.label))
        cell.font, cell.alignment = Font(bold=True), header
        ws.column_dimensions[get_column_letter(k)].width = col.width
    ws.row_dimensions[top].height = 30
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
    below = top + len(rows) + 2
    for line in [*doc.notes, *([doc.issuer] if doc.issuer else [])]:
        ws.cell(below, 1, csv_safe(line))
        below += 1
    ws.freeze_panes = ws.cell(top + 1, 1)
    ws.auto_filter.ref = f"A{top}:{last}{top + len(table.rows)}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{top}:{top}"
    ws.print_options.horizontalCentered = True
    ws.oddFooter.left.text = doc.footer.replace("&", "&&")
    ws.oddFooter.right.text = "第 &P 页，共 &N 页" if doc.lang == "zh" else "Page &P of &N"
    ws.evenFooter.left.text, ws.evenFooter.right.text = ws.oddFooter.left.text, ws.oddFooter.right.text


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
