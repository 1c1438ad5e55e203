"""Render a document in a format and write it atomically: one entry point for the CLI and the app."""

from __future__ import annotations

import dataclasses

from collections.abc import Callable
from pathlib import Path

from documents.build import ALL_WHATS, build_document, whats_for
from documents.context import load_context
from documents.model import Document
from scenarios.atomic import atomic_directory
from scenarios.model import Scenario

__all__ = ["FORMATS", "render", "make_documents", "write_documents"]

FORMATS = ("xlsx", "html", "pdf", "csv")
UNRECORDED_NOTE = ("【未登记】本计划在台账中没有经区密钥签名的记录，本文书不能作为正式执法文书",
                   "[UNRECORDED] this plan has no record signed with the district key in the ledger; this paper is not "
                   "an official record")


def render(doc: Document, fmt: str) -> dict[str, bytes]:
    """``{file name: bytes}`` of ``doc`` in ``fmt`` (CSV may give one file per table)."""
    if fmt == "xlsx":
        from documents.xlsx import xlsx_bytes

        return {f"{doc.what}.xlsx": xlsx_bytes(doc)}
    if fmt == "csv":
        from documents.text import csv_files

        return csv_files(doc)
    if fmt == "html":
        from documents.html import html_text

        return {f"{doc.what}.html": html_text(doc).encode("utf-8")}
    if fmt == "pdf":
        from documents.pdf import pdf_bytes

        return {f"{doc.what}.pdf": pdf_bytes(doc)}
    raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")


def make_documents(plan_dir: str | Path, scenario: Scenario, whats: list[str] | None, formats: list[str],
                   lang: str = "zh", progress: Callable[[int, int, str, str], None] | None = None, *,
                   unrecorded: bool = False, public_url: str | None = None) -> dict[str, bytes]:
    """Every (document, format) asked for, as ``{file name: bytes}``; nothing written.

    ``whats`` None: every paper the plan has (:func:`documents.build.whats_for`: the changes of an adjusted
    version too). ``progress(done, total, what, fmt)`` is called before each (paper, format) is made.
    ``unrecorded``: the plan was opened without a ledger record (``--allow-unrecorded``): every paper says so under
    its title. ``public_url``: the public 检查码 service (``jointcheck serve``) every task sheet's QR leads to
    (``URL/c/CODE``); default the scenario's ``public_url``, else the QR holds the bare code."""
    for what in whats or ():
        if what not in ALL_WHATS:
            raise ValueError(f"unknown document {what!r}: expected one of {', '.join(ALL_WHATS)}")
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    ctx = load_context(plan_dir, scenario)
    if public_url:
        ctx = dataclasses.replace(ctx, public_url=public_url)
    files: dict[str, bytes] = {}
    chosen = list(whats_for(ctx) if whats is None else whats)
    steps, done = len(chosen) * len(formats), 0
    for what in chosen:
        doc = build_document(ctx, what, lang)
        if unrecorded:
            doc.lines.insert(0, UNRECORDED_NOTE[lang == "en"])
        for fmt in formats:
            if progress is not None:
                progress(done, steps, what, fmt)
            files.update(render(doc, fmt))
            done += 1
    return files


def write_documents(out: str | Path, files: dict[str, bytes], overwrite: bool = False) -> list[Path]:
    """Write ``files`` into the directory ``out``; it appears complete or not at all."""
    out = Path(out)
    with atomic_directory(out, overwrite=overwrite, mark="papers") as staging:
        for name, data in sorted(files.items()):
            (staging / name).parent.mkdir(parents=True, exist_ok=True)  # a city's papers: one folder a district
            (staging / name).write_bytes(data)
    return [out / name for name in sorted(files)]
