"""Documents as Excel workbooks (openpyxl): Chinese headers, numbers as numbers, dates as dates, the header
row frozen with filters, A4 print set-up — and the same bytes for the same plan.

Every text cell goes through :func:`records.publish.csv_safe`, so a cell a spreadsheet would run as a
formula (= + - @ …) is written as text with a leading apostrophe. openpyxl stamps the save time into
``docProps/core.xml`` and the zip entries; :func:`_fixed` rewrites both to a fixed date.
"""

from __future__ import annotations

import datetime as dt
import io
from copy import copy
import re
import zipfile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from documents.model import Document, Table, cell_text
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


_PAGE_POINTS = 700.0
"""Height of an A4 portrait page's printable area at the print scale of the sheets' page (8 columns fit to the
page width), in points of row height: what one task sheet's rows may take."""


def _merge(ws, row: int, col: int, end_row: int, end_col: int, style=None) -> None:
    """``ws.merge_cells`` without its overlap scan over every earlier merge and its border rebuilding (both
    quadratic or slow: minutes for a district's sheets); the printed sheets never overlap their merges, and the
    covered cells take ``style`` (a StyleArray: the box's border) directly."""
    from openpyxl.cell.cell import MergedCell
    from openpyxl.worksheet.cell_range import CellRange
    from openpyxl.worksheet.merge import MergedCellRange

    merged = MergedCellRange(ws, CellRange(min_col=col, min_row=row, max_col=end_col, max_row=end_row).coord)
    ws.merged_cells.ranges.add(merged)
    for r in range(row, end_row + 1):
        for c in range(col, end_col + 1):
            if (r, c) != (row, col):
                cell = MergedCell(ws, r, c)
                if style is not None:
                    cell._style = copy(style)  # noqa: SLF001
                ws._cells[r, c] = cell  # noqa: SLF001 - what merge_cells itself does


_WIDTHS = [14, 26, 14, 10, 14, 26, 14, 10]
_ITEM_COLS = ([1, 2, 5, 6, 7], [1, 3, 1, 1, 2])   # No., item, department, kind, basis: first column and span


def _text_width(value) -> int:
    """Characters a cell's text takes in a column width unit: a Chinese character counts two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in cell_text(value))


def _sheet_rows(sheet) -> list[tuple[list[tuple[int, object, int, bool, bool]], int]]:
    """The printed rows of one task sheet: [(col, value, span, strong, border)…] and how many rows tall (boxes: 2)."""
    rows: list[tuple[list, int]] = [([(1, sheet.title, 8, True, False)], 1)]
    pending: list = []
    for label, value, wide in sheet.facts:
        cells = [(1 if not pending or wide else 5, label, 1, True, True),
                 (2 if not pending or wide else 6, value, 7 if wide else 3, False, True)]
        if wide:
            if pending:
                rows.append((pending, 1))
                pending = []
            rows.append((cells, 1))
        elif pending:
            rows.append((pending + cells, 1))
            pending = []
        else:
            pending = cells
    if pending:
        rows.append((pending, 1))
    rows.append(([(1, sheet.code_label, 1, True, True), (2, sheet.code, 3, True, True),
                  (5, sheet.code_help, 4, False, False)], 1))
    starts, spans = _ITEM_COLS
    if sheet.items.rows:
        rows.append(([(starts[c], col.label, spans[c], True, True) for c, col in enumerate(sheet.items.columns)], 1))
        rows += [([(starts[c], v, spans[c], False, True) for c, v in enumerate(row)], 1) for row in sheet.items.rows]
    team = sheet.team.rows
    if team:
        rows.append(([(half + c + 1, col.label, 1, True, True) for half in (0, 4) for c, col in enumerate(sheet.team.columns)], 1))
        for k in range(0, len(team), 2):
            pair = [(0, team[k]), *([(4, team[k + 1])] if k + 1 < len(team) else [])]
            rows.append(([(half + c + 1, row[c], 1, False, True) for half, row in pair for c in range(4)], 1))
    rows += [([(1, box, 8, False, True)], 2) for box in sheet.boxes]
    rows += [([(1, line, 8, False, False)], 1) for line in [*sheet.signatures, sheet.issuer, sheet.foot]]
    return rows


def _printed_sheets(wb: Workbook, doc: Document) -> None:
    """A worksheet that prints every task sheet on its own A4 page: a manual page break after each, each row as
    tall as its text wraps to, and the type of a long sheet shrunk so that its rows fit the page (Excel scales a
    whole worksheet at once, so the fit is made per sheet here)."""
    from openpyxl.styles import Border, Side
    from openpyxl.worksheet.pagebreak import Break

    ws = wb.create_sheet("任务单打印" if doc.lang == "zh" else "Printable sheets")
    for k, w in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(k)].width = w
    thin = Side(style="thin", color="888888")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    styles: dict[tuple[float, bool, bool], object] = {}
    r = 1
    for sheet in doc.sheets:
        rows = _sheet_rows(sheet)
        tall = []
        for cells, rows_high in rows:
            need = max((-(-_text_width(v) // max(1, sum(_WIDTHS[c - 1:c - 1 + span]) - 1)) for c, v, span, _, _ in cells),
                       default=1)
            tall.append(max(need, rows_high))
        unit = min(15.0, _PAGE_POINTS / (sum(tall) + 1))
        size = max(5.0, round(unit / 1.4, 1))
        start = r
        for (cells, rows_high), lines in zip(rows, tall):
            for col, value, span, strong, border in cells:
                cell = ws.cell(r, col, csv_safe(value) if isinstance(value, str) else value)
                key = (size + (4 if r == start else 0), strong, border)
                if key not in styles:  # made once, then copied by index (openpyxl hashes a style on every set)
                    cell.font, cell.alignment = Font(size=key[0], bold=strong), wrap
                    if border:
                        cell.border = box
                    styles[key] = copy(cell._style)  # noqa: SLF001
                cell._style = copy(styles[key])  # noqa: SLF001
                if span > 1 or rows_high > 1:
                    _merge(ws, r, col, r + rows_high - 1, col + span - 1, cell._style if border else None)  # noqa: SLF001
            for k in range(rows_high):
                ws.row_dimensions[r + k].height = unit * (lines if rows_high == 1 else max(1.0, lines / rows_high))
            r += rows_high
        ws.row_breaks.append(Break(id=r - 1))
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.top = ws.page_margins.bottom = 0.4
    ws.oddFooter.right.text = "第 &P 页，共 &N 页" if doc.lang == "zh" else "Page &P of &N"


def xlsx_bytes(doc: Document) -> bytes:
    """One sheet per table of ``doc``; the same document gives the same bytes."""
    wb = Workbook()
    wb.properties.creator = "jointcheck"
    wb.properties.title = doc.title
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    for k, table in enumerate(doc.tables):
        _sheet(wb, doc, table, k == 0)
    if doc.sheets:
        _printed_sheets(wb, doc)
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fixed(buffer.getvalue())
