"""The papers planners hand out, made from a written plan directory and its scenario.

* the plan table in the official form (普陀 Jan–May 2023 table, seed 000), task sheets (检查任务单, one per
  visit, with its 检查码 as text and QR code), a calendar per department and ISO week, the visits, and the
  results template ``jointcheck results`` reads back; for an adjusted plan version (动态调整) the changes
  it made (:mod:`documents.changes`);
* in xlsx, csv, html (print-ready A4) and pdf, Chinese (default) or English, names not ids, dates without
  times; every spreadsheet cell formula-safe (:func:`records.publish.csv_safe`);
* the same plan gives byte-identical files (no clock in any of them).

``jointcheck export`` and the app's export page both call :func:`make_documents`; the terminal summary
``jointcheck plan`` prints is :func:`plan_summary`.
"""

from documents.build import (
           ADJUSTMENT_WHATS,
           ALL_WHATS,
           RESULT_KEYS,
           WHATS,
           build_document,
           whats_for,
)
from documents.context import DocumentError, PlanContext, load_context
from documents.model import Document
from documents.render import FORMATS, make_documents, render, write_documents
from documents.summary import plan_summary

__all__ = ["WHATS", "ADJUSTMENT_WHATS", "ALL_WHATS", "whats_for", "FORMATS", "RESULT_KEYS", "Document", "DocumentError", "PlanContext", "load_context",
           "build_document", "render", "make_documents", "write_documents", "plan_summary"]
