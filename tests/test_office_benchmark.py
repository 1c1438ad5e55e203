"""Smoke test of benchmarks/office_import.py on a small district (no timing is asserted): the office's GB18030
export of the subject list imports to the project's own scenario."""

from __future__ import annotations

from pathlib import Path

from benchmarks.office_import import measure, office_files


def test_office_import_benchmark_imports_the_same_district(tmp_path: Path) -> None:
    files = office_files(tmp_path, "putuo-2023", 400)
    assert files.subjects_csv.read_bytes()[:3] != b"\xef\xbb\xbf"  # GB18030, no BOM, as Excel saves "CSV"
    row = measure(files, tmp_path / "imported")
    assert row["subjects"] == 400 and row["encoding"] == "GB18030"
    assert row["validate_s"] > 0 and row["import_s"] > 0
