"""Documents as CSV: UTF-8 with BOM (Excel's "CSV UTF-8"), every field quoted and formula-safe
(:func:`records.publish.csv_safe`), dates as YYYY-MM-DD. One file per table.

The results template's header is the column ids ``jointcheck results`` reads (visit_id, result_date, …);
every other document's header is in the planner's language.
"""

from __future__ import annotations

import csv
import io

from documents.model import Document, cell_text
from records.publish import csv_safe

__all__ = ["csv_files"]


def csv_files(doc: Document) -> dict[str, bytes]:
    """``{file name: bytes}``: ``<what>.csv`` for the first table, ``<what>-<n>.csv`` for the others."""
    out = {}
    for k, table in enumerate(doc.tables):
        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow([csv_safe(c.key if doc.machine_header else c.label) for c in table.columns])
        for row in [*table.rows, *([table.total] if table.total else [])]:
            writer.writerow([csv_safe(cell_text(v)) for v in row])
        name = f"{doc.what}.csv" if k == 0 else f"{doc.what}-{k + 1}.csv"
        out[name] = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    return out
