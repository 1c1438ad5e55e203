"""Documents as print-ready HTML: A4 pages, Chinese fonts by CSS font stack (Noto Sans CJK first, as
installed by ``fonts-noto-cjk``), one self-contained file with no script and no remote resource.

Tables print their ``printed`` columns; a table with a ``group`` column prints one section per value
(the calendar: one department per page). Task sheets print one page per visit with its QR code.
"""

from __future__ import annotations

from dataclasses import replace
from html import escape

from documents.linebreak import keep_together
from documents.model import Document, Sheet, Table, cell_text
from documents.qr import qr_svg

__all__ = ["html_text", "FONT_STACK"]

FONT_STACK = ('"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei", '
              '"PingFang SC", "Microsoft YaHei", "SimSun", sans-serif')

_CSS = """
@page { size: A4 %(orientation)s; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: %(font)s; font-size: 10pt; color: #000; margin: 0; line-break: strict; word-break: normal;
       overflow-wrap: normal; hyphens: none; }
span.nb { white-space: nowrap; }
p.note { font-size: 8.5pt; margin: 4pt 0 0; }
p.issuer { margin: 12pt 0 0; }
@page { @bottom-right { content: counter(page); } }
section.sheet { page-break-inside: avoid; break-inside: avoid-page; }
h1 { font-size: 15pt; text-align: center; margin: 0 0 4pt; }
h2 { font-size: 12pt; margin: 10pt 0 4pt; }
p.sub { text-align: center; margin: 0 0 6pt; color: #333; }
table { border-collapse: collapse; width: 100%%; page-break-inside: auto; table-layout: fixed; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
th, td { border: 0.6pt solid #444; padding: 2pt 4pt; vertical-align: top; }
th { background: #eee; font-weight: bold; }
table.facts td, table.facts th { width: auto; }
td.n { text-align: right; white-space: nowrap; }
td.d { white-space: nowrap; }
tr.total td { font-weight: bold; }
section.group { page-break-after: always; }
section.group:last-child { page-break-after: auto; }
section.sheet { page-break-after: always; }
section.sheet:last-child { page-break-after: auto; }
table.facts th { width: 13%%; text-align: left; background: #f4f4f4; }
div.code { display: flex; align-items: center; gap: 8pt; margin: 6pt 0; }
div.code b { font-size: 16pt; letter-spacing: 1pt; font-family: "DejaVu Sans Mono", monospace; }
div.box { border: 0.6pt solid #444; min-height: 16mm; padding: 3pt; margin-top: 4pt; }
section.sheet { font-size: 9.5pt; }
section.sheet h1 { margin-bottom: 3pt; }
section.sheet table { margin-bottom: 4pt; }
section.sheet th, section.sheet td { padding: 1pt 4pt; }
p.sign { margin: 8pt 0 0; }
p.foot { text-align: right; color: #555; margin: 2pt 0 0; }
@media screen { body { padding: 8mm; } }
"""


def _table(table: Table, rows: list[list] | None = None, total: bool = True, skip: str | None = None) -> str:
    cols = [k for k, c in enumerate(table.columns) if c.printed and c.key != skip]
    weight = sum(table.columns[k].width for k in cols) or 1
    widths = "".join(f'<col style="width:{100 * table.columns[k].width / weight:.1f}%">' for k in cols)
    head = "".join(f"<th>{escape(table.columns[k].label)}</th>" for k in cols)
    body = []
    rows = table.rows if rows is None else rows
    for row, cls in [*((r, "") for r in rows), *([(table.total, "total")] if total and table.total else [])]:
        cells = []
        for k in cols:
            kind = table.columns[k].kind
            # numbers and dates on one line; ids and codes stay whole by their no-break spans (_t), text wraps
            css = ' class="n"' if kind == "int" else ' class="d"' if kind == "date" else ""
            cells.append(f"<td{css}>{_t(cell_text(row[k]))}</td>")
        body.append(f'<tr class="{cls}">' + "".join(cells) + "</tr>" if cls else "<tr>" + "".join(cells) + "</tr>")
    return f"<table><colgroup>{widths}</colgroup><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _groups(table: Table) -> str:
    if table.group is None:
        return _table(table)
    at = table.index(table.group)
    order: dict[str, list[list]] = {}
    for row in table.rows:
        order.setdefault(str(row[at]), []).append(row)
    return "".join(f'<section class="group"><h2>{escape(name)}</h2>{_table(table, rows, skip=table.group)}</section>'
                   for name, rows in order.items())


def _t(text: str) -> str:
    """Escaped text whose ids, codes and dates (runs with a joiner: 2023-02-15, DPXCT-P3MVP) never break."""
    return keep_together(escape(text), lambda run: f'<span class="nb">{run}</span>')


PAGE_LINES = 41.0
"""Rows of 9.5 pt table text an A4 page holds beside a sheet's fixed parts (title, code, boxes, signatures)."""


def _zoom(sheet: Sheet) -> str:
    """The CSS zoom that prints a sheet on one A4 page: its rows (facts two a row, items as they wrap, the team
    two a row, the fixed parts) over what a page holds."""
    from documents.sheets import _item_units

    facts = sum(1 for f in sheet.facts if f[2]) + (sum(1 for f in sheet.facts if not f[2]) + 1) // 2
    facts += sum(len(f[1]) // 70 for f in sheet.facts if f[2])
    rows = facts + sum(_item_units(sheet.items.rows)) + (len(sheet.team.rows) + 1) // 2 + 2 + 20
    zoom = min(1.0, PAGE_LINES / rows)
    return "" if zoom >= 1 else f' style="zoom:{zoom:.2f}"'


def _sheet(sheet: Sheet) -> str:
    facts, pending = [], ""
    for label, value, wide in sheet.facts:
        cell = f"<th>{escape(label)}</th><td{' colspan=3' if wide else ''}>{_t(value)}</td>"
        if wide:
            if pending:
                facts.append(f"<tr>{pending}<td colspan=2></td></tr>")
                pending = ""
            facts.append(f"<tr>{cell}</tr>")
        elif pending:
            facts.append(f"<tr>{pending}{cell}</tr>")
            pending = ""
        else:
            pending = cell
    if pending:
        facts.append(f"<tr>{pending}<td colspan=2></td></tr>")
    team = sheet.team
    if team.rows:
        cols = team.columns
        pairs = [r + (team.rows[k + 1] if k + 1 < len(team.rows) else [""] * len(cols))
                 for k, r in enumerate(team.rows) if k % 2 == 0]
        doubled = Table("team", [*cols, *[replace(c, key=f"{c.key}_2") for c in cols]], pairs)
        team_html = _table(doubled)
    else:
        team_html = ""
    boxes = "".join(f'<div class="box">{escape(b)}</div>' for b in sheet.boxes)
    return (f'<section class="sheet"{_zoom(sheet)}><h1>{escape(sheet.title)}</h1>'
            f'<table class="facts">{"".join(facts)}</table>'
            f'<div class="code">{qr_svg(sheet.qr or sheet.code)}<div>{escape(sheet.code_label)}<br><b>{_t(sheet.code)}</b>'
            f'<br><small>{escape(sheet.code_help)}</small></div></div>'
            f"{_table(sheet.items) if sheet.items.rows else ''}{team_html}{boxes}"
            + "".join(f'<p class="sign">{_t(s)}</p>' for s in sheet.signatures)
            + f'<p class="sign">{escape(sheet.issuer)}</p><p class="foot">{escape(sheet.foot)}</p></section>')


def html_text(doc: Document) -> str:
    """The whole document as one HTML page (UTF-8)."""
    lang = "zh-CN" if doc.lang == "zh" else "en"
    css = _CSS % {"orientation": "portrait" if doc.sheets else "landscape", "font": FONT_STACK}
    if doc.sheets:
        body = "".join(_sheet(s) for s in doc.sheets)
    else:
        lines = "".join(f'<p class="sub">{escape(line)}</p>' for line in doc.lines)
        several = len(doc.tables) > 1  # each table under its name (the changes of an adjustment: tasks, visits)
        body = f"<h1>{escape(doc.title)}</h1>{lines}" + "".join(
            (f"<h2>{escape(t.name)}</h2>" if several else "") + _groups(t) for t in doc.tables)
        body += "".join(f'<p class="note">{_t(n)}</p>' for n in doc.notes)
        body += f'<p class="issuer">{escape(doc.issuer)}</p>' if doc.issuer else ""
    return (f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{escape(doc.title)}</title>'
            f"<style>{css}</style></head><body>{body}</body></html>\n")
