"""The printable documents in a real browser: Debian's headless Chromium opens the HTML, finds the Chinese
text drawn in a CJK font, and prints it to A4 — one page per task sheet. The PDF that jointcheck writes
(ReportLab) is rendered to PNG by pdfium and its Chinese text read back. Skipped, saying why, when
/usr/bin/chromium is absent (.ci/run installs it with fonts-noto-cjk)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))

from harness import CHROMIUM, browser  # noqa: E402

from ui.cli import app  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
PUTUO = REPO / "scenarios" / "putuo-2023"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not installed (apt-get install chromium fonts-noto-cjk)")
runner = CliRunner()


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("docs")
    for args in (["plan", str(PUTUO), "--seed", "20240301", "--out", str(root / "plan")],
                 ["export", str(root / "plan"), str(PUTUO), "--out", str(root / "docs"), "--format", "html",
                  "--format", "pdf"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    return root / "docs"


def test_chromium_shows_the_chinese_documents_and_prints_them_on_a4(docs: Path, tmp_path: Path) -> None:
    import polars as pl
    import pypdfium2 as pdfium

    visits = pl.read_parquet(docs.parent / "plan" / "visits.parquet").height
    expected = {"plan-table": "部门联合抽查计划表", "task-sheets": "联合检查任务单", "calendar": "联合检查日程表",
                "visits": "联合检查户次明细", "results-template": "检查结果填报表"}
    with browser() as page:
        for what, title in expected.items():
            page.goto((docs / f"{what}.html").as_uri())
            text = page.inner_text("body")
            assert title in text, what
            family = page.evaluate("getComputedStyle(document.body).fontFamily")
            assert "Noto Sans CJK SC" in family
            printed = tmp_path / f"{what}.pdf"
            page.pdf(path=str(printed), prefer_css_page_size=True, print_background=True)
            pdf = pdfium.PdfDocument(str(printed))
            width, height = pdf[0].get_size()
            assert {round(width), round(height)} == {595, 842}, (what, width, height)  # A4 in points
            assert title in pdf[0].get_textpage().get_text_range().replace("\n", "")
            if what == "task-sheets":
                assert len(pdf) == visits, "one printed page per task sheet"
            pdf.close()
    written = pdfium.PdfDocument(str(docs / "task-sheets.pdf"))
    assert len(written) == visits
    assert "联合检查任务单" in written[0].get_textpage().get_text_range()
    image = written[0].render(scale=1).to_pil().convert("L")
    assert image.getextrema()[0] < 64, "the rendered page is not blank"
    written.close()
