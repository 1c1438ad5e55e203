"""Page images of each paper in Chinese and English (issues 15, 27): the first page as Chromium prints the HTML
(``<paper>-<lang>.png``) and as the PDF renders with pypdfium2 (``<paper>-<lang>-pdf.png``), plus changning-2024's
fullest task sheet (most items and officers) in both languages, which must still be one page:

    python tests/browser/document_screenshots.py ui/screenshots/documents

The plans are putuo-2023 with public value 20240301 and changning-2024 with 1, made with a throwaway district key
and ledger.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import REPO, browser  # noqa: E402

SCENARIO = REPO / "scenarios" / "putuo-2023"
CHANGNING = REPO / "scenarios" / "changning-2024"
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
        result = runner.invoke(app, ["plan", str(SCENARIO), "--seed", "20240301", "--out", str(plan)])
        assert result.exit_code == 0, result.output
        import pypdfium2 as pdfium

        for lang in ("zh", "en"):
            docs = Path(tmp) / f"docs-{lang}"
            result = runner.invoke(app, ["export", str(plan), str(SCENARIO), "--out", str(docs), "--format", "html",
                                         "--format", "pdf", "--lang", lang])
            assert result.exit_code == 0, result.output
            with browser() as page:
                for what in WHATS:
                    width, height = A4["portrait" if what == "task-sheets" else "landscape"]
                    page.set_viewport_size({"width": width, "height": height})
                    page.goto((docs / f"{what}.html").as_uri())
                    page.emulate_media(media="print")
                    page.screenshot(path=str(target / f"{what}-{lang}.png"))
                    print(target / f"{what}-{lang}.png")
            for what in WHATS:
                pdf = pdfium.PdfDocument(str(docs / f"{what}.pdf"))
                pdf[0].render(scale=1.3).to_pil().save(target / f"{what}-{lang}-pdf.png")
                print(target / f"{what}-{lang}-pdf.png")
        _fullest_sheet(target, Path(tmp))


def _fullest_sheet(target: Path, tmp: Path) -> None:
    """changning-2024's task sheet with the most items (then officers), as the PDF prints it, in both languages."""
    from dataclasses import replace

    import polars as pl
    import pypdfium2 as pdfium
    from typer.testing import CliRunner

    from documents import build_document, load_context, render
    from scenarios import load_scenario
    from ui.cli import app

    plan = tmp / "changning"
    result = CliRunner().invoke(app, ["plan", str(CHANGNING), "--seed", "1", "--out", str(plan)])
    assert result.exit_code == 0, result.output
    ctx = load_context(plan, load_scenario(CHANGNING))
    team = ctx.team.group_by("visit_id").len()
    fullest = (ctx.visits.with_row_index().join(team, on="visit_id", how="left")
               .sort(pl.col("items").list.len(), "len", descending=True)["index"][0])
    for lang in ("zh", "en"):
        doc = build_document(ctx, "task-sheets", lang)
        doc = replace(doc, sheets=[doc.sheets[fullest]])
        pdf = pdfium.PdfDocument(render(doc, "pdf")["task-sheets.pdf"])
        assert len(pdf) == 1
        pdf[0].render(scale=1.6).to_pil().save(target / f"task-sheet-changning-fullest-{lang}-pdf.png")
        print(target / f"task-sheet-changning-fullest-{lang}-pdf.png")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(REPO / "ui" / "screenshots" / "documents"))
