"""Documents as PDF with ReportLab: pure Python, so it works on a fresh CI machine with no browser.

Fonts: one TrueType CJK font (its Latin letters included) is embedded, subset, in every PDF, so a PC without
a Chinese font pack shows the same page. It is found at run time (:func:`find_font`): ``JOINTCHECK_PDF_FONT``
if set, else WenQuanYi Micro Hei from Debian's ``fonts-wqy-microhei`` (which ``.ci/run`` installs; TrueType
outlines — the Noto CJK fonts of ``fonts-noto-cjk`` are CFF-based, which ReportLab cannot embed), else
WenQuanYi Zen Hei, Droid Sans Fallback or AR PL UMing. With none of them, ReportLab's STSong-Light is used
*without* embedding and :func:`font_note` says so (the export command prints it).

Lines are broken by :mod:`documents.linebreak` (ids, codes and dates whole; no line starts with closing
punctuation; English words whole), measured in the embedded font. ``invariant=1`` fixes the creation date and
document id: the same plan gives the same bytes. Tables print on A4 landscape with a running foot and page
number; task sheets one A4 page per sheet, shrunk to fit (:func:`_sheet_page`).
"""

from __future__ import annotations

import io
import os
from dataclasses import replace
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, KeepInFrame, PageBreak, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from documents.linebreak import longest, wrap
from documents.model import Document, Sheet, Table, cell_text
from documents.qr import qr_modules

__all__ = ["pdf_bytes", "FONT", "FONT_FILE", "find_font", "font_note"]

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


def find_font() -> Path | None:
    """The TrueType CJK font to embed: ``JOINTCHECK_PDF_FONT``, else the first of :data:`FONT_CANDIDATES`."""
    given = os.environ.get("JOINTCHECK_PDF_FONT")
    for path in ([given] if given else []) + list(FONT_CANDIDATES):
        if Path(path).is_file():
            return Path(path)
    return None


def _register() -> tuple[str, Path | None]:
    path = find_font()
    if path is not None:
        try:
            pdfmetrics.registerFont(TTFont("JointcheckCJK", str(path), subfontIndex=0))
            return "JointcheckCJK", path
        except Exception:  # not a TrueType font ReportLab can embed: fall back, and say so
            pass
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light", None


FONT, FONT_FILE = _register()


def font_note(lang: str = "zh") -> str | None:
    """None when the PDFs embed their font; else what to install, in ``lang``."""
    if FONT_FILE is not None:
        return None
    if lang == "en":
        return ("No TrueType Chinese font found: the PDFs use STSong-Light without embedding it (a PC without a Chinese "
                "font pack shows blanks). Install fonts-wqy-microhei (apt-get install fonts-wqy-microhei) or set "
                "JOINTCHECK_PDF_FONT to a .ttf/.ttc file.")
    return ("未找到可嵌入的 TrueType 中文字体：PDF 暂用未嵌入的 STSong-Light（未装中文字体的电脑将显示空白）。"
            "请安装 fonts-wqy-microhei（apt-get install fonts-wqy-microhei），或以 JOINTCHECK_PDF_FONT 指定 .ttf/.ttc 字体文件。")


_WIDTHS: dict[str, float] = {}


def _char(ch: str) -> float:
    w = _WIDTHS.get(ch)
    if w is None:
        w = _WIDTHS[ch] = pdfmetrics.stringWidth(ch, FONT, 1000) / 1000
    return w


def _measure(size: float):
    """Width in points of a text at ``size``: the font's advance widths, cached per character."""
    return lambda text: size * sum(_char(ch) for ch in text)


class _Lines(Flowable):
    """Lines already broken, drawn in the embedded font: what a Paragraph would do, without its markup parsing
    (a changning export sets some 200,000 cells)."""

    def __init__(self, lines: list[str], size: float, width: float, align: int = 0) -> None:
        super().__init__()
        self.lines, self.size, self.leading, self.width, self.align = lines, size, size * 1.28, width, align
        self.height = self.leading * len(lines)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.setFont(FONT, self.size)
        y = self.height - self.size
        for line in self.lines:
            if self.align == 1:
                canvas.drawCentredString(self.width / 2, y, line)
            elif self.align == 2:
                canvas.drawRightString(self.width, y, line)
            else:
                canvas.drawString(0, y, line)
            y -= self.leading


def _para(text: str, size: float, width: float, align: int = 0, min_size: float = 5.0) -> _Lines:
    """``text`` set in ``width`` points: broken by :func:`documents.linebreak.wrap`; a piece wider than the
    column (a long English word in a narrow header) shrinks the type of this cell rather than being cut."""
    widest = longest(text, _measure(size))
    if widest > width > 0:
        size = max(min_size, size * width / widest)
    lines = wrap(text, _measure(size), width) if width > 0 else [text]
    return _Lines(lines, size, width, align)


_PAD = 2.0


def _grid(table: Table, rows: list[list], width: float, size: float = 8, total: bool = True,
          skip: str | None = None) -> RLTable:
    cols = [k for k, c in enumerate(table.columns) if c.printed and c.key != skip]
    weights = [table.columns[k].width for k in cols]
    widths = [width * w / sum(weights) for w in weights]
    inner = [w - 2 * _PAD - 0.5 for w in widths]
    data = [[_para(table.columns[k].label, size, inner[j]) for j, k in enumerate(cols)]]
    for row in rows:
        data.append([_para(cell_text(row[k]), size, inner[j], 2 if table.columns[k].kind == "int" else 0)
                     for j, k in enumerate(cols)])
    if total and table.total:
        data.append([_para(cell_text(table.total[k]), size, inner[j], 2 if table.columns[k].kind == "int" else 0)
                     for j, k in enumerate(cols)])
    grid = RLTable(data, colWidths=widths, repeatRows=1)
    grid.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("LEFTPADDING", (0, 0), (-1, -1), _PAD), ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
                              ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                              ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))
    return grid


class _QR(Flowable):
    """The 检查码 as a QR code, one filled rectangle per run of dark modules."""

    def __init__(self, code: str, size: float) -> None:
        super().__init__()
        self.modules, self.width, self.height = qr_modules(code), size, size

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        cell = self.width / len(self.modules)
        canvas = self.canv
        canvas.setFillColor(colors.black)
        for y, row in enumerate(self.modules):
            x = 0
            while x < len(row):
                if not row[x]:
                    x += 1
                    continue
                end = x
                while end < len(row) and row[end]:
                    end += 1
                canvas.rect(x * cell, self.height - (y + 1) * cell, (end - x) * cell, cell, stroke=0, fill=1)
                x = end


def _qr(code: str, size: float = 26 * mm) -> _QR:
    return _QR(code, size)


def _facts(sheet: Sheet, width: float, size: float) -> RLTable:
    """Two facts a row (label, value, label, value); a long one (address, tasks) takes the whole row."""
    label_w, value_w = 0.13 * width, 0.37 * width
    inner = lambda w: w - 2 * _PAD - 0.5  # noqa: E731
    rows, spans, pending = [], [], None
    for label, value, wide in sheet.facts:
        cells = [_para(label, size, inner(label_w)), _para(value, size, inner(value_w if not wide else width - label_w))]
        if wide:
            if pending:
                rows.append([*pending, "", ""])
                pending = None
            rows.append([*cells, "", ""])
            spans.append(("SPAN", (1, len(rows) - 1), (3, len(rows) - 1)))
        elif pending:
            rows.append([*pending, *cells])
            pending = None
        else:
            pending = cells
    if pending:
        rows.append([*pending, "", ""])
    facts = RLTable(rows, colWidths=[label_w, value_w, label_w, value_w])
    facts.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), _PAD), ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
                               ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f4f4f4")),
                               *[("BACKGROUND", (2, r), (2, r), colors.HexColor("#f4f4f4"))
                                 for r, row in enumerate(rows) if row[2] != ""], *spans]))
    return facts


def _team(sheet: Sheet, width: float, size: float) -> RLTable | None:
    """The team two officers a row, each with a signature cell."""
    if not sheet.team.rows:
        return None
    cols = sheet.team.columns
    doubled = Table("team", [*cols, *[replace(c, key=f"{c.key}_2") for c in cols]], [])
    rows = sheet.team.rows
    pairs = [rows[k] + (rows[k + 1] if k + 1 < len(rows) else [""] * len(cols)) for k in range(0, len(rows), 2)]
    return _grid(doubled, pairs, width, size)


def _sheet_story(sheet: Sheet, width: float, scale: float) -> list:
    text, cell = 9 * scale, 8 * scale
    code = RLTable([[_qr(sheet.qr or sheet.code, 24 * mm * max(scale, 0.7)),
                     [_para(sheet.code_label, text, width - 40 * mm),
                      _para(sheet.code, 15 * max(scale, 0.8), width - 40 * mm),
                      _para(sheet.code_help, 7 * scale, width - 40 * mm)]]],
                   colWidths=[30 * mm, width - 30 * mm])
    code.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    out: list = [_para(sheet.title, 15 * max(scale, 0.8), width, align=1), Spacer(1, 3 * scale),
                 _facts(sheet, width, text), Spacer(1, 2 * scale), code, Spacer(1, 2 * scale)]
    if sheet.items.rows:
        out += [_grid(sheet.items, sheet.items.rows, width, cell), Spacer(1, 3 * scale)]
    team = _team(sheet, width, cell)
    if team is not None:
        out += [team, Spacer(1, 3 * scale)]
    for box in sheet.boxes:
        out += [RLTable([[_para(box, text, width - 8)]], colWidths=[width], rowHeights=[15 * mm * scale],
                        style=[("FONTNAME", (0, 0), (-1, -1), FONT), ("BOX", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]),
                Spacer(1, 2 * scale)]
    out += [Spacer(1, 5 * scale)]
    for line in sheet.signatures:
        out += [_para(line, text, width), Spacer(1, 7 * scale)]
    out += [_para(sheet.issuer, text, width), Spacer(1, 3 * scale), _para(sheet.foot, 7.5 * scale, width, align=2)]
    return out


def _height(story: list, width: float) -> float:
    return sum(f.wrap(width, 10_000)[1] for f in story)


def _sheet_page(sheet: Sheet, width: float, height: float) -> KeepInFrame:
    """One sheet on exactly one page: the type shrinks (down to 55 %) until it fits, and the frame shrinks
    whatever still would not (a page's content never flows onto the next)."""
    story = _sheet_story(sheet, width, 1.0)
    tall = _height(story, width)
    if tall > height:
        scale = max(0.55, 0.97 * height / tall)
        story = _sheet_story(sheet, width, scale)
        while _height(story, width) > height and scale > 0.56:
            scale = max(0.55, scale - 0.05)
            story = _sheet_story(sheet, width, scale)
    return KeepInFrame(width, height, story, mode="shrink")


def _footer(text: str, lang: str, size: tuple[float, float]):
    """Draw the running foot and page number of every page."""
    from documents.labels import word

    def draw(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        if text:
            canvas.drawString(12 * mm, 7 * mm, text)
        canvas.drawRightString(size[0] - 12 * mm, 7 * mm, word("page_of", lang, n=doc.page))
        canvas.restoreState()

    return draw


def pdf_bytes(doc: Document) -> bytes:
    """The document as PDF bytes (same document → same bytes)."""
    buffer = io.BytesIO()
    size = A4 if doc.sheets else landscape(A4)
    template = SimpleDocTemplate(buffer, pagesize=size, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=11 * mm,
                                 bottomMargin=13 * mm, title=doc.title, author=doc.footer.split("　")[0] or "jointcheck",
                                 creator="jointcheck", subject=doc.title, invariant=1, initialFontName=FONT, lang="zh-CN" if doc.lang == "zh" else "en")
    width = size[0] - 24 * mm
    height = size[1] - 24 * mm - 1
    story: list = []
    foot = _footer(doc.footer, doc.lang, size)
    if doc.sheets:
        for k, sheet in enumerate(doc.sheets):
            story += ([PageBreak()] if k else []) + [_sheet_page(sheet, width, height)]
        template.build(story)
        return buffer.getvalue()
    story += [_para(doc.title, 15, width, align=1), Spacer(1, 3)]
    story += [_para(line, 9, width, align=1) for line in doc.lines] + [Spacer(1, 6)]
    for table in doc.tables:  # each table under its name when there are several (an adjustment's changes)
        if len(doc.tables) > 1:
            story += [Spacer(1, 6), _para(table.name, 12, width)]
        if table.group is None:
            story.append(_grid(table, table.rows, width))
            continue
        at = table.index(table.group)
        groups: dict[str, list[list]] = {}
        for row in table.rows:
            groups.setdefault(str(row[at]), []).append(row)
        for k, (name, rows) in enumerate(groups.items()):
            story += ([PageBreak()] if k else []) + [_para(name, 12, width), Spacer(1, 3),
                                                     _grid(table, rows, width, skip=table.group)]
    story += [Spacer(1, 4), *[_para(note, 8, width) for note in doc.notes]]
    if doc.issuer:
        story += [Spacer(1, 10), _para(doc.issuer, 9.5, width)]
    template.build(story, onFirstPage=foot, onLaterPages=foot)
    return buffer.getvalue()
