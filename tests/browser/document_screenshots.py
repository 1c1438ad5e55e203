"""Screenshots of one page of each document (issue 15), as Chromium prints the HTML, plus the first task
sheet as the PDF renders (pypdfium2):

    python tests/browser/document_screenshots.py ui/screenshots/documents

The plan is putuo-2023 with public value 20240301, made with a throwaway district key and ledger.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import REPO, browser  # noqa: E402

SCENARIO = REPO / "scenarios" / "putuo-2023"
A4 = {"portrait": (794, 1123), "landscape": (1123, 794)}  # CSS pixels at 96 dpi


def main(out: str) -> None:
    from typer.testing import CliRunner

    from documents import WHATS
    from ui.cli import app

    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["JOINTCHECK_LEDGER"] = f"{tmp}/j.db"
        os.environ["JOINTCHECK_KEY_FILE"] = f"{tmp}/j.key"
        runner = CliRunner()
        plan = Path(tmp) / "plan"
        docs = Path(tmp) / "docs"
        for args in (["plan", str(SCENARIO), "--seed", "20240301", "--out", str(plan)],
                     ["export", str(plan), str(SCENARIO), "--out", str(docs), "--format", "html", "--format", "pdf"]):
            result = runner.invoke(app, args)
            assert result.exit_code == 0, result.output
        with browser() as page:
            for what in WHATS:
                width, height = A4["portrait" if what == "task-sheets" else "landscape"]
                page.set_viewport_size({"width": width, "height": height})
                page.goto((docs / f"{what}.html").as_uri())
                page.emulate_media(media="print")
                page.screenshot(path=str(target / f"{what}.png"))
                print(target / f"{what}.png")
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(docs / "task-sheets.pdf"))
        pdf[0].render(scale=1.3).to_pil().save(target / "task-sheets-pdf.png")
        print(target / "task-sheets-pdf.png")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(REPO / "ui" / "screenshots" / "documents"))
