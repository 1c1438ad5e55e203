"""Papers an office can sign and send (issue 27): one task sheet a page with its 检查编号, 检查码 and signature
lines; every PDF font embedded; the issuing authority on every paper and no internal id.

Pages are read back with pypdfium2 (the dev extra), as a reader would see them."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from documents import WHATS, build_document, load_context, make_documents, render
from documents.labels import word
from documents.linebreak import CLOSING, RANGE, wrap
from scenarios import load_scenario
from ui.cli import app

pdfium = pytest.importorskip("pypdfium2")

REPO = Path(__file__).resolve().parent.parent
CHANGNING = REPO / "scenarios" / "changning-2024"
TINY = REPO / "scenarios" / "tiny"
runner = CliRunner()


def _plan(scenario: Path, out: Path, seed: str) -> Path:
    result = runner.invoke(app, ["plan", str(scenario), "--seed", seed, "--out", str(out), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def changning(tmp_path_factory) -> tuple[Path, object]:
    return _plan(CHANGNING, tmp_path_factory.mktemp("cn") / "plan", "1"), load_scenario(CHANGNING)


@pytest.fixture(scope="module")
def tiny_papers(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    plan = _plan(TINY, tmp_path_factory.mktemp("tiny") / "plan", "20240301")
    scenario = load_scenario(TINY)
    return {lang: make_documents(plan, scenario, None, ["pdf"], lang) for lang in ("zh", "en")}


def _pages(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [doc[k].get_textpage().get_text_range() for k in range(len(doc))]
    finally:
        doc.close()


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _signature_heads(lang: str) -> list[str]:
    """The words each signature line starts with (before its blank), as extracted text holds them."""
    return [_flat(word(k, lang).split("＿")[0].split("_")[0]) for k in ("sign_officers", "sign_subject")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_changning_task_sheets_one_page_per_visit(changning, lang: str) -> None:
    """Each visit's sheet is exactly one page holding its 检查编号, 检查码 and both signature lines.

    Chinese: the whole document (616 visits → 616 pages), a sample of pages read; English: the sheets with the
    most items and officers plus a spread of others, every page read."""
    plan, scenario = changning
    ctx = load_context(plan, scenario)
    doc = build_document(ctx, "task-sheets", lang)
    visits = ctx.visits
    assert [s.visit_id for s in doc.sheets] == visits["visit_id"].to_list(), "one sheet per visit, none continued"
    if lang == "zh":
        chosen = list(range(len(doc.sheets)))
    else:
        by_size = visits.with_row_index().sort(pl.col("items").list.len(), descending=True)["index"].to_list()
        chosen = sorted(set(by_size[:4] + list(range(0, len(doc.sheets), 97))))
        doc = replace(doc, sheets=[doc.sheets[k] for k in chosen])
    pages = _pages(render(doc, "pdf")["task-sheets.pdf"])
    assert len(pages) == len(chosen)
    rows = visits.select("visit_id", "inspection_code").rows()
    heads = _signature_heads(lang)
    read = range(0, len(pages), 7) if lang == "zh" else range(len(pages))
    biggest = visits.with_row_index().sort(pl.col("items").list.len(), descending=True)["index"][0]
    for k in sorted({*read, *([int(biggest)] if lang == "zh" else [])}):
        text = _flat(pages[k])
        visit_id, code = rows[chosen[k]]
        assert visit_id in text and code in text, f"page {k + 1}"
        assert all(h in text for h in heads), f"page {k + 1}: signature lines missing"
        others = [rows[j][0] for j in (chosen[k] - 1, chosen[k] + 1) if 0 <= j < len(rows)]
        assert not any(o in text for o in others), "a page holds one visit"


def test_a_sheet_too_long_for_a_page_continues_with_its_ids_and_signatures(changning) -> None:
    """More items than a page holds: continuation pages repeat 检查编号, firm and 检查码, each with signatures."""
    plan, scenario = changning
    ctx = load_context(plan, scenario)
    from documents import sheets as sheets_module

    big = ctx.visits.with_row_index().sort(pl.col("items").list.len(), descending=True).row(0, named=True)
    small = replace(ctx, visits=ctx.visits.filter(pl.col("visit_id") == big["visit_id"]))
    old = sheets_module.ITEMS_FIRST_PAGE, sheets_module.ITEMS_MORE_PAGE
    sheets_module.ITEMS_FIRST_PAGE, sheets_module.ITEMS_MORE_PAGE = 12, 15
    try:
        doc = build_document(small, "task-sheets", "zh")
    finally:
        sheets_module.ITEMS_FIRST_PAGE, sheets_module.ITEMS_MORE_PAGE = old
    assert len(doc.sheets) >= 3 and {s.parts for s in doc.sheets} == {len(doc.sheets)}
    assert sum(len(s.items.rows) for s in doc.sheets) == len(big["items"])
    pages = _pages(render(doc, "pdf")["task-sheets.pdf"])
    assert len(pages) == len(doc.sheets)
    name = _flat(small.visits["subject_name"][0])
    for text in map(_flat, pages):
        assert big["visit_id"] in text and big["inspection_code"] in text and name in text
        assert all(h in text for h in _signature_heads("zh"))


def test_every_pdf_font_is_embedded(tiny_papers) -> None:
    """No font a reader must supply: every font object has a font file (FontFile2: the TrueType CJK font)."""
    from documents.pdf import FONT_FILE

    assert FONT_FILE is not None, "no TrueType CJK font installed (fonts-wqy-microhei); .ci/run installs it"
    for lang, files in tiny_papers.items():
        assert sorted(files) == sorted(f"{w}.pdf" for w in WHATS)
        for name, pdf in files.items():
            fonts = re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-]+)", pdf)
            assert fonts, name
            assert all(b"+" in f for f in fonts), f"{lang} {name}: a font without an embedded subset: {fonts}"
            descriptors = len(re.findall(rb"/Type\s*/FontDescriptor", pdf))
            assert pdf.count(b"/FontFile2") == descriptors == len(fonts), f"{lang} {name}"
            assert b"/Type1" not in pdf and b"STSong" not in pdf and b"Helvetica" not in pdf, f"{lang} {name}"


def test_chinese_papers_name_the_authority_and_no_internal_id(tiny_papers) -> None:
    scenario = load_scenario(TINY)
    ids = {*(d.id for d in scenario.spec.departments), *(t.id for t in scenario.tasks),
           *(o.id for o in scenario.spec.object_types or []), scenario.policy, scenario.name}
    for name, pdf in tiny_papers["zh"].items():
        text = "\n".join(_pages(pdf))
        assert scenario.spec.authority in _flat(text), name
        for ident in ids:
            # an officer's number may begin with its department (SAMR-001): only a standalone id is an id
            assert not re.search(rf"(?<![A-Za-z0-9_\-]){re.escape(ident)}(?![A-Za-z0-9_\-])", text), f"{name}: {ident}"
        assert "计划编号" not in text and "政策：" not in text


def test_the_plan_table_counts_agree_or_say_why(tiny_papers) -> None:
    text = _flat("\n".join(_pages(tiny_papers["zh"]["plan-table.pdf"])))
    for column in ("抽查比例", "抽查依据", "对象范围", "定向/不定向", "编制单位（盖章）", "编制日期", "公布日期",
                   "沪府发〔2024〕6号"):
        assert column in text, column
    subtitle = re.search(r"联合检查(\d+)户次", text)
    total = re.search(r"合计(\d+)(\d+)?", text)
    assert subtitle and total
    if "一次上门同时完成几项任务的" not in text:
        assert total.group(1).startswith(subtitle.group(1))


def test_line_breaking_keeps_ids_dates_and_words_whole() -> None:
    """No line starts with closing punctuation; ids, codes, dates and English words never split."""
    text = ("检查码：V4F8E2C9A423E；抽查时间 2023-02-15 ~ 2023-03-01，编号 DPXCT-P3MVP（长宁区），依据沪府发〔2024〕6号。"
            "Inspectors' signatures for the partner departments; 联合检查：学校食堂、餐饮服务单位。")
    measure = lambda s: sum(2 if ord(c) > 0x2E80 else 1 for c in s)  # noqa: E731
    for width in range(20, 48):
        lines = wrap(text, measure, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert not any(line[:1] in CLOSING + RANGE for line in lines[1:]), (width, lines)
        pieces = re.findall(r"[A-Za-z0-9][A-Za-z0-9\-']*[A-Za-z0-9]", text) + ["沪府发〔2024〕6号"]
        for piece in pieces:
            assert any(piece in line for line in lines), (width, piece, lines)


def test_city_plan_papers_per_district_and_for_the_whole_city(tmp_path: Path) -> None:
    """``export CITY_PLAN CITY_DIR``: every district's papers and the whole city's; one district of the city plan
    exports from its own directory, to the same bytes."""
    from scenarios.generate.city import generate_city

    city_dir = generate_city(tmp_path / "city", n_districts=2, subjects_per_district=400, seed=7)
    plan = tmp_path / "plan"
    result = runner.invoke(app, ["plan", str(city_dir), "--seed", "3", "--out", str(plan), "--workers", "1"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "papers"
    args = ["--what", "plan-table", "--what", "task-sheets", "--format", "pdf", "--format", "xlsx"]
    result = runner.invoke(app, ["export", str(plan), str(city_dir), "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["city", "huangpu", "xuhui"]
    for folder in ("city", "huangpu", "xuhui"):
        assert sorted(p.name for p in (out / folder).iterdir()) == [
            "plan-table.pdf", "plan-table.xlsx", "task-sheets.pdf", "task-sheets.xlsx"]
    text = _flat("\n".join(_pages((out / "city" / "plan-table.pdf").read_bytes())))
    assert "上海市市场监督管理局" in text and "黄浦区" in text and "徐汇区" in text and "合计" in text
    sheets = [_pages((out / d / "task-sheets.pdf").read_bytes()) for d in ("huangpu", "xuhui")]
    assert len(_pages((out / "city" / "task-sheets.pdf").read_bytes())) == sum(map(len, sheets))
    assert "徐汇区市场监督管理局" in _flat("\n".join(_pages((out / "xuhui" / "plan-table.pdf").read_bytes())))

    alone = tmp_path / "xuhui-papers"
    result = runner.invoke(app, ["export", str(plan / "districts" / "xuhui"), str(city_dir / "xuhui"),
                                 "--out", str(alone), *args])
    assert result.exit_code == 0, result.output
    for name in ("plan-table.pdf", "task-sheets.pdf", "plan-table.xlsx"):
        assert (alone / name).read_bytes() == (out / "xuhui" / name).read_bytes(), name


def test_xlsx_task_sheets_print_one_page_each(changning) -> None:
    """The workbook's printable sheet: a page break after every visit, each visit's rows within one A4 page at
    the fit-to-width scale, 检查编号 and 检查码 and the signature lines in each block, page numbers in the foot."""
    import io

    import openpyxl

    from documents.xlsx import _PAGE_POINTS

    plan, scenario = changning
    ctx = load_context(plan, scenario)
    doc = build_document(ctx, "task-sheets", "zh")
    book = openpyxl.load_workbook(io.BytesIO(render(doc, "xlsx")["task-sheets.xlsx"]))
    assert "results" not in book.sheetnames and book.sheetnames[-1] == "任务单打印"
    ws = book["任务单打印"]
    breaks = [0] + [b.id for b in ws.row_breaks.brk]
    assert len(breaks) - 1 == ctx.visits.height
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.orientation == "portrait" and "&P" in ws.oddFooter.right.text
    heads = _signature_heads("zh")
    for k, (visit_id, code) in enumerate(ctx.visits.select("visit_id", "inspection_code").rows()):
        block = range(breaks[k] + 1, breaks[k + 1] + 1)
        assert sum(ws.row_dimensions[r].height for r in block) <= _PAGE_POINTS
        if k % 50 == 0:
            text = _flat("".join(str(c.value) for r in block for c in ws[r] if c.value is not None))
            assert visit_id in text and code in text and all(h in text for h in heads)
