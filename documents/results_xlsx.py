"""Read a filled-in results template (.xlsx) back as the CSV text ``jointcheck results`` reads.

The workbook's header row may be in Chinese or English (as :mod:`documents.build` writes it) or the column
ids themselves; dates become YYYY-MM-DD, whole numbers stay whole. Row numbers are unchanged (header = row
1), so a problem reported for ``results.xlsx row 7`` is row 7 of the sheet.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from documents.build import RESULT_KEYS
from documents.labels import word
from documents.model import cell_text

__all__ = ["results_csv_text"]


def _header_map() -> dict[str, str]:
    out = {k: k for k in RESULT_KEYS}
    for key in RESULT_KEYS:
        for lang in ("zh", "en"):
            out.setdefault(word(key, lang), key)
    out[word("visit_date", "zh")] = "visit_date"   # 检查日期 in the template is the visit's date
    return out


def _text(value: object) -> str:
    """A cell as the results CSV holds it: :func:`documents.model.cell_text`, whole numbers without ".0"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return cell_text(value)


def results_csv_text(path: str | Path) -> str:
    """The first sheet of ``path`` as CSV text with the column ids as header; ValueError if unreadable."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValueError(f"{path}: not a readable .xlsx workbook ({exc})") from None
    try:
        rows = list(wb.worksheets[0].iter_rows(values_only=True))
    finally:
        wb.close()
    if not rows:
        raise ValueError(f"{path}: the first sheet is empty")
    names = _header_map()
    header = [names.get(_text(h).strip(), _text(h).strip()) for h in rows[0]]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows[1:]:
        writer.writerow([_text(v) for v in row])
    return buffer.getvalue()
