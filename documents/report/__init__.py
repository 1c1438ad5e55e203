"""The year's 抽查工作报告 as papers: HTML (tables and inline SVG charts, print-ready A4), xlsx (one sheet a table) and
PNG charts (matplotlib, where installed) — in Chinese (default) or English, names rather than codes.

The figures come from :func:`records.report.year_report`; nothing is computed here but the layout.
"""

from __future__ import annotations

import io
from html import escape
from typing import Any

from records.cells import csv_safe

__all__ = ["report_html", "report_xlsx", "report_pngs", "WORDS"]

WORDS: dict[str, tuple[str, str]] = {
    "title": ("{year} 年度“双随机、一公开”联合抽查工作报告", "Random joint inspections {year}: the year's report"),
    "as_of": ("统计截至 {day}", "As of {day}"),
    "totals": ("总体情况", "Overview"),
    "by_risk_class": ("按信用风险分类", "By credit-risk class"),
    "by_task": ("按抽查任务", "By task"),
    "by_department": ("按部门", "By department"),
    "publication": ("检查结果公示及时性（20 个工作日）", "Publication of results (20 working days)"),
    "load": ("执法人员工作量", "Officers' load"),
    "compared": ("检查户次对比", "Visits compared"),
    "monthly": ("各月检查户次", "Visits by month"),
    "class": ("分类", "Class"), "task": ("抽查任务", "Task"), "department": ("部门", "Department"),
    "subjects_drawn": ("抽中户数", "Drawn"), "visits_made": ("检查户次", "Visits"),
    "visits": ("已录结果户次", "With result"), "visits_with_problems": ("发现问题户次", "With problems"),
    "problems_found": ("发现问题(个)", "Problems"), "problems_rectified": ("已整改(个)", "Rectified"),
    "rate": ("问题发现率", "Rate"), "ci95": ("95% 置信区间（Wilson）", "95% CI (Wilson)"),
    "ratio_to_A": ("与 A 类之比", "Ratio to class A"),
    "on_time": ("按时", "On time"), "late": ("逾期公示", "Late"), "missing": ("逾期未公示", "Missing"),
    "not_yet_due": ("未到期", "Not yet due"), "no_deadline": ("无期限", "No deadline"),
    "jointcheck": ("联合检查户次（本计划）", "Joint visits (this plan)"),
    "single_department": ("各部门单独检查户次", "Single-department visits"),
    "todays_practice": ("独立抽取后合并（现行做法）", "Independent draws merged (today's practice)"),
    "officers": ("执法人员", "Officers"), "mean": ("人均检查户次", "Visits per officer"), "sd": ("标准差", "Standard deviation"),
    "max": ("最多", "Most"), "min": ("最少", "Least"), "share_with_none": ("未参加检查的人员比例", "Share with no visit"),
    "most_loaded": ("工作量最多", "Most loaded"), "histogram": ("户次分布（户次：人数）", "Visits per officer (visits: officers)"),
    "month": ("月份", "Month"), "value": ("数值", "Value"), "item": ("项目", "Item"),
    "rates_chart": ("各分类问题发现率及 95% 置信区间", "Problem rate by class with 95% intervals"),
    "none": ("—", "—"),
}


def _w(key: str, lang: str, **params: Any) -> str:
    zh, en = WORDS[key]
    return (en if lang == "en" else zh).format(**params)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _ci(ci: list[float] | None) -> str:
    return "—" if not ci else f"{100 * ci[0]:.1f}%–{100 * ci[1]:.1f}%"


def _rows(section: dict[str, dict[str, Any]], names: dict[str, str], with_ratio: bool) -> list[list[Any]]:
    rows = []
    for key, r in section.items():
        rows.append([names.get(key, key), r.get("subjects_drawn", "—"), r["visits_made"], r["visits"],
                     r["visits_with_problems"], r["problems_found"], r["problems_rectified"], _pct(r["rate"]), _ci(r["ci95"]),
                     *([("—" if r.get("ratio_to_A") is None else f"{r['ratio_to_A']:.2f}")] if with_ratio else [])])
    return rows


def _tables(report: dict[str, Any], scenario: Any, lang: str) -> list[tuple[str, list[str], list[list[Any]]]]:
    """Every table of the report: (heading, header, rows)."""
    tasks = {t.id: t.name for t in scenario.tasks}
    departments = {d: spec.name for d, spec in scenario.departments.items()}
    classes = {c: (f"{c} 类" if lang != "en" else f"class {c}") for c in "ABCD"}
    cols = [_w(k, lang) for k in ("subjects_drawn", "visits_made", "visits", "visits_with_problems", "problems_found",
                                  "problems_rectified", "rate", "ci95")]
    out = [
        (_w("by_risk_class", lang), [_w("class", lang), *cols, _w("ratio_to_A", lang)],
         _rows(report["by_risk_class"], classes, True)),
        (_w("by_task", lang), [_w("task", lang), *cols], _rows(report["by_task"], tasks, False)),
        (_w("by_department", lang), [_w("department", lang), *cols], _rows(report["by_department"], departments, False)),
        (_w("publication", lang), [_w("department", lang), *(_w(k, lang) for k in ("on_time", "late", "missing", "not_yet_due"))],
         [[departments.get(d, d), r["on_time"], r["late"], r["missing"], r["not_yet_due"]]
          for d, r in report["publication"].items()]),
        (_w("compared", lang), [_w("item", lang), _w("value", lang)],
         [[_w(k, lang), v if v is not None else "—"] for k, v in report["visits_compared"].items()]),
    ]
    load = report["officer_load"]
    if load.get("officers"):
        sep = "、" if lang != "en" else ", "
        out.append((_w("load", lang), [_w("item", lang), _w("value", lang)], [
            [_w("officers", lang), load["officers"]], [_w("mean", lang), f"{load['mean']:.2f}"], [_w("sd", lang), f"{load['sd']:.2f}"],
            [_w("max", lang), load["max"]], [_w("min", lang), load["min"]],
            [_w("share_with_none", lang), _pct(load["share_with_none"])],
            [_w("most_loaded", lang), sep.join(f"{o['name']} {o['visits']}" for o in load["most_loaded"])],
            [_w("histogram", lang), sep.join(f"{v}: {n}" for v, n in load["histogram"].items())]]))
    out.append((_w("monthly", lang), [_w("month", lang), _w("visits_made", lang)],
                [[m, n] for m, n in report["monthly_visits"].items()]))
    return out


def _svg_rates(report: dict[str, Any], lang: str) -> str:
    """Class rates as bars with their 95 % intervals as whiskers (inline SVG, no script)."""
    rows = [(c, r) for c, r in report["by_risk_class"].items() if r["rate"] is not None]
    if not rows:
        return ""
    width, height, left, bottom = 420, 200, 40, 30
    top = max(max(r["ci95"][1] for _, r in rows), 0.05)
    step = (width - left) / len(rows)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + bottom}" role="img" '
             f'aria-label="{escape(_w("rates_chart", lang))}">']
    for k, (c, r) in enumerate(rows):
        x = left + k * step + step * 0.25
        y = height - r["rate"] / top * height
        lo, hi = (height - v / top * height for v in r["ci95"])
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.5:.1f}" height="{height - y:.1f}" fill="#4a78b5"/>')
        mid = x + step * 0.25
        parts.append(f'<line x1="{mid:.1f}" x2="{mid:.1f}" y1="{lo:.1f}" y2="{hi:.1f}" stroke="#222" stroke-width="2"/>')
        parts.append(f'<text x="{mid:.1f}" y="{height + 18}" text-anchor="middle" font-size="12">{escape(c)}</text>')
        parts.append(f'<text x="{mid:.1f}" y="{max(hi - 4, 10):.1f}" text-anchor="middle" font-size="11">{_pct(r["rate"])}</text>')
    parts.append(f'<line x1="{left}" x2="{width}" y1="{height}" y2="{height}" stroke="#888"/></svg>')
    return "".join(parts)


def report_html(report: dict[str, Any], scenario: Any, lang: str = "zh") -> str:
    """The report as one self-contained, print-ready HTML page."""
    body = [f"<h1>{escape(_w('title', lang, year=report['year']))}</h1>",
            f"<p>{escape(getattr(scenario.spec, 'authority', None) or '')} {escape(_w('as_of', lang, day=report['as_of']))}</p>",
            f"<h2>{escape(_w('rates_chart', lang))}</h2>{_svg_rates(report, lang)}"]
    for heading, header, rows in _tables(report, scenario, lang):
        head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
        cells = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in rows)
        body.append(f"<h2>{escape(heading)}</h2><table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
    style = ("body{font-family:'Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif;margin:16mm;font-size:11pt}"
             "table{border-collapse:collapse;margin-bottom:12pt}td,th{border:1px solid #999;padding:2pt 5pt;text-align:left}"
             "@page{size:A4;margin:15mm}h2{font-size:13pt;margin-top:14pt}")
    return (f'<!doctype html><html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">'
            f"<title>{escape(_w('title', lang, year=report['year']))}</title><style>{style}</style></head>"
            f"<body>{''.join(body)}</body></html>")


def report_xlsx(report: dict[str, Any], scenario: Any, lang: str = "zh") -> bytes:
    """The report's tables, one sheet each (formula-safe cells)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for k, (heading, header, rows) in enumerate(_tables(report, scenario, lang), start=1):
        sheet = book.create_sheet(f"{k}-{heading}"[:31].replace("/", "-"))
        sheet.append([heading])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(header)
        for row in rows:
            sheet.append([csv_safe(v) if isinstance(v, str) else v for v in row])
        sheet.freeze_panes = "A3"
        for column in sheet.columns:
            sheet.column_dimensions[column[1].column_letter].width = 16
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def report_pngs(report: dict[str, Any], lang: str = "zh") -> dict[str, bytes]:
    """The charts as PNG files (class rates with intervals, officers' load, monthly visits); empty when matplotlib is
    not installed (``pip install matplotlib``: the dev extra has it)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return {}
    plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "DejaVu Sans"]
    plt.rcParams["svg.hashsalt"] = "jointcheck"
    out: dict[str, bytes] = {}

    def save(name: str, fig: Any) -> None:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=120, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        out[name] = buffer.getvalue()

    rows = [(c, r) for c, r in report["by_risk_class"].items() if r["rate"] is not None]
    if rows:
        fig, ax = plt.subplots(figsize=(5, 3))
        rates = [r["rate"] for _, r in rows]
        errs = [[r["rate"] - r["ci95"][0] for _, r in rows], [r["ci95"][1] - r["rate"] for _, r in rows]]
        ax.bar([c for c, _ in rows], rates, yerr=errs, capsize=6, color="#4a78b5")
        ax.set_title(_w("rates_chart", lang))
        save("class-rates.png", fig)
    load = report["officer_load"].get("histogram") or {}
    if load:
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.bar([int(v) for v in load], list(load.values()), color="#6b9e5a")
        ax.set_title(_w("histogram", lang))
        save("officer-load.png", fig)
    if report["monthly_visits"]:
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.bar(list(report["monthly_visits"]), list(report["monthly_visits"].values()), color="#b5874a")
        ax.set_title(_w("monthly", lang))
        save("monthly-visits.png", fig)
    return out
