"""Documents as PDF with ReportLab: pure Python, so it works on a fresh CI machine with no browser.

Chinese text uses ReportLab's built-in CID font STSong-Light (Adobe's Chinese-simplified font
description; the reader supplies the glyphs — every PDF reader with CJK support does), so no font file is
needed or embedded. ``invariant=1`` fixes the creation date and document id: the same plan gives the same
bytes. Layout mirrors :mod:`documents.html`: tables on A4 landscape, task sheets one A4 page per visit
with the QR code drawn from its modules.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable

from documents.model import Document, Sheet, Table, cell_text
from documents.qr import qr_modules

__all__ = ["pdf_bytes", "FONT"]

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_TITLE = ParagraphStyle("title", fontName=FONT, fontSize=15, leading=20, alignment=1, spaceAfter=4, wordWrap="CJK")
_SUB = ParagraphStyle("sub", fontName=FONT, fontSize=9, leading=12, alignment=1, wordWrap="CJK")
_H2 = ParagraphStyle("h2", fontName=FONT, fontSize=12, leading=16, spaceBefore=6, spaceAfter=4, wordWrap="CJK")
_CELL = ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=10, wordWrap="CJK")
_BOLD = ParagraphStyle("bold", parent=_CELL, fontName=FONT)
_TEXT = ParagraphStyle("text", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK")
_CODE = ParagraphStyle("code", fontName="Courier-Bold", fontSize=16, leading=20)


def _p(text: str, style: ParagraphStyle = _CELL) -> Paragraph:
    return Paragraph(escape(text), style)


def _grid(table: Table, rows: list[list], width: float, total: bool = True, skip: str | None = None) -> RLTable:
    cols = [k for k, c in enumerate(table.columns) if c.printed and c.key != skip]
    weights = [table.columns[k].width for k in cols]
    widths = [width * w / sum(weights) for w in weights]
    data = [[_p(table.columns[k].label) for k in cols]]
    data += [[_p(cell_text(row[k])) for k in cols] for row in rows]
    if total and table.total:
        data.append([_p(cell_text(table.total[k])) for k in cols])
    grid = RLTable(data, colWidths=widths, repeatRows=1)
    grid.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))
    return grid


def _qr(code: str, size: float = 28 * mm) -> Drawing:
    modules = qr_modules(code)
    cell = size / len(modules)
    drawing = Drawing(size, size)
    for y, row in enumerate(modules):
        for x, dark in enumerate(row):
            if dark:
                drawing.add(Rect(x * cell, size - (y + 1) * cell, cell, cell, fillColor=colors.black, strokeColor=None))
    return drawing


def _sheet(sheet: Sheet, width: float) -> list:
    facts = RLTable([[_p(k, _TEXT), _p(v, _TEXT)] for k, v in sheet.facts], colWidths=[0.22 * width, 0.78 * width])
    facts.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    code = RLTable([[_qr(sheet.code), [_p(sheet.code_label, _TEXT), Paragraph(escape(sheet.code), _CODE)]]],
                   colWidths=[32 * mm, width - 32 * mm])
    code.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    boxes = [RLTable([[_p(b, _TEXT)]], colWidths=[width], rowHeights=[22 * mm],
                     style=[("BOX", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")])
             for b in sheet.boxes]
    *signs, foot = sheet.signatures
    out = [_p(sheet.title, _TITLE), facts, code, _grid(sheet.items, sheet.items.rows, width), Spacer(1, 4),
           _grid(sheet.team, sheet.team.rows, width)]
    for box in boxes:
        out += [Spacer(1, 4), box]
    out += [Spacer(1, 8), *[_p(s, _TEXT) for s in signs], Spacer(1, 4),
            Paragraph(escape(foot), ParagraphStyle("foot", parent=_SUB, alignment=2))]
    return out


def pdf_bytes(doc: Document) -> bytes:
    """The document as PDF bytes (same document → same bytes)."""
    buffer = io.BytesIO()
    size = A4 if doc.sheets else landscape(A4)
    template = SimpleDocTemplate(buffer, pagesize=size, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
                                 bottomMargin=12 * mm, title=doc.title, author="jointcheck", creator="jointcheck",
                                 subject=doc.what, invariant=1)
    width = size[0] - 24 * mm
    story: list = []
    if doc.sheets:
        for k, sheet in enumerate(doc.sheets):
            story += ([PageBreak()] if k else []) + _sheet(sheet, width)
    else:
        story += [_p(doc.title, _TITLE), *[_p(line, _SUB) for line in doc.lines], Spacer(1, 6)]
        for table in doc.tables:  # each table under its name when there are several (an adjustment's changes)
            if len(doc.tables) > 1:
                story += [Spacer(1, 6), _p(table.name, _H2)]
            if table.group is None:
                story.append(_grid(table, table.rows, width))
                continue
            at = table.index(table.group)
            groups: dict[str, list[list]] = {}
            for row in table.rows:
                groups.setdefault(str(row[at]), []).append(row)
            for k, (name, rows) in enumerate(groups.items()):
                story += ([PageBreak()] if k else []) + [_p(name, _H2), _grid(table, rows, width, skip=table.group)]
    template.build(story)
    return buffer.getvalue()
