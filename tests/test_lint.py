"""Pyflakes' checks over the project (ruff ``F``): an undefined name or a broken import is a bug that only shows
when the line runs — e.g. a command whose import was lost in a merge. No style rules here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_undefined_names_or_unused_imports():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "F", "--no-cache", "--output-format", "concise",
         "scenarios", "rules", "scoring", "optimizer", "records", "documents", "ui", "benchmarks", "tests"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
