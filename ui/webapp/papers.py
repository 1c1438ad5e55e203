"""The printable documents of a run, for the export page: the same :mod:`documents` code as ``jointcheck
export`` (the run's plan is written to a temporary plan directory first, exactly as ``jointcheck plan``
writes it, so the app and the command line cannot differ).

Inspection codes of an app run are those :func:`optimizer.plan.make_plan` gives; the command line's plans
re-key them with the district key (``jointcheck plan``), so task sheets to hand out come from there.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from documents import FORMATS, WHATS, make_documents
from optimizer.export import write_plan
from optimizer.plan import Plan

__all__ = ["WHATS", "FORMATS", "MIME", "document_download"]

MIME = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "html": "text/html",
        "pdf": "application/pdf", "csv": "text/csv", "zip": "application/zip"}


def document_download(plan: Plan, what: str, fmt: str, lang: str = "zh", stem: str = "jointcheck") -> tuple[str, bytes, str]:
    """(file name, bytes, MIME type) of one document; several files (CSV of several tables) come zipped."""
    with tempfile.TemporaryDirectory() as tmp:
        plan_dir = write_plan(plan, Path(tmp) / "plan")
        files = make_documents(plan_dir, plan.scenario, [what], [fmt], lang)
    if len(files) == 1:
        name, data = next(iter(files.items()))
        return f"{stem}-{name}", data, MIME[fmt]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0)), data)
    return f"{stem}-{what}-{fmt}.zip", buffer.getvalue(), MIME["zip"]
