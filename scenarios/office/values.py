"""Reading the office's cell values: risk classes, 是/否, percentages, dates, counts and lists, as written in real
workbooks. Each parser of one cell returns the value or raises :class:`BadCell` with the message code saying what
was expected; the directory forms (``*_expr``) do the same for a whole column at once (polars, no loop over rows).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

import polars as pl

__all__ = ["BadCell", "RISK_WORDS", "risk_expr", "bool_expr", "count_expr", "fold_expr", "list_expr", "split_list",
           "parse_ratio", "parse_count", "parse_date", "parse_kind", "fold", "SEPARATORS"]

SEPARATORS = r"[、，,;；\n\r|｜]+"
"""Several values in one cell: separated by 、 ， , ; ； | or a line break."""

RISK_WORDS: dict[str, str] = {
    **{k: k for k in "ABCD"}, **{k.lower(): k for k in "ABCD"},
    **{f"{k}类": k for k in "ABCD"}, **{f"{k.lower()}类": k for k in "ABCD"},
    **{f"{k}级": k for k in "ABCD"}, **{f"{k}类企业": k for k in "ABCD"},
    "低风险": "A", "一般风险": "B", "较高风险": "C", "高风险": "D",
    "低": "A", "一般": "B", "较高": "C", "高": "D",
    "低风险类": "A", "一般风险类": "B", "较高风险类": "C", "高风险类": "D",
    "信用风险低": "A", "信用风险一般": "B", "信用风险较高": "C", "信用风险高": "D",
}
"""信用风险分类 as written: A–D, A类–D类, 低风险/一般风险/较高风险/高风险 (沪府发〔2024〕6号 一(五))."""

_TRUE = {"是", "有", "true", "1", "yes", "y", "t", "√", "✓", "受过", "是的"}
_FALSE = {"否", "无", "false", "0", "no", "n", "f", "×", "未受过", "没有", "不是"}
_KINDS = {"重点": "key", "重点事项": "key", "重点检查事项": "key", "key": "key",
          "一般": "general", "一般事项": "general", "一般检查事项": "general", "general": "general"}


class BadCell(ValueError):
    """A cell that is not what its column holds: ``code`` names the message, ``params`` its parameters."""

    def __init__(self, code: str, **params: object):
        super().__init__(code)
        self.code, self.params = code, params


def fold(text: str) -> str:
    """Full-width digits, letters and signs as ASCII (NFKC), trimmed: ``２０２４／３／１`` → ``2024/3/1``."""
    return unicodedata.normalize("NFKC", text).strip()


def fold_expr(col: pl.Expr) -> pl.Expr:
    """:func:`fold` of a text column."""
    return col.str.normalize("NFKC").str.strip_chars()


def _whole(names: list[str]) -> list[str]:
    """The names that hold a separator themselves (影剧院、游艺厅（室）、卡拉OK厅), longest first."""
    return sorted({n for n in names if re.search(SEPARATORS, n)}, key=len, reverse=True)


def split_list(text: str | None, names: list[str] = ()) -> list[str]:
    """Several values of one cell, in order, without blanks; a known name that holds a separator stays whole."""
    if text is None:
        return []
    kept = _whole(list(names))
    for k, name in enumerate(kept):
        text = text.replace(name, f"\x00{k}\x00")
    parts = [part.strip() for part in re.split(SEPARATORS, text) if part.strip()]
    return [re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m[1])], part) for part in parts]


def list_expr(col: pl.Expr, names: list[str] = ()) -> pl.Expr:
    """:func:`split_list` of a text column (a list column)."""
    kept = _whole(list(names))
    col = col.fill_null("")
    if kept:
        col = col.str.replace_many(kept, [f"\x00{k}\x00" for k in range(len(kept))])
    parts = col.str.replace_all(SEPARATORS, ";").str.split(";").list.eval(pl.element().str.strip_chars())
    parts = parts.list.eval(pl.element().filter(pl.element() != ""))
    if kept:
        parts = parts.list.eval(pl.element().replace({f"\x00{k}\x00": n for k, n in enumerate(kept)}))
    return parts


def risk_expr(col: pl.Expr) -> pl.Expr:
    """信用风险分类 as A–D (null where the cell is none of :data:`RISK_WORDS`)."""
    return fold_expr(col).str.replace_all(r"\s", "").replace_strict(RISK_WORDS, default=None, return_dtype=pl.String)


def bool_expr(col: pl.Expr) -> pl.Expr:
    """是/否 (and true/false, 1/0, 有/无) as "true"/"false" text; null where it is neither."""
    norm = fold_expr(col).str.to_lowercase()
    return pl.when(norm.is_in(list(_TRUE))).then(pl.lit("true")).when(norm.is_in(list(_FALSE))).then(pl.lit("false"))


def count_expr(col: pl.Expr) -> pl.Expr:
    """A whole number written as text, with full-width digits, a trailing ``.0`` (Excel) or 次/户/人次: as digits.
    Anything else is left as written (the loader reports it)."""
    norm = fold_expr(col).str.replace(r"(?:次|户|人次|户次|家)$", "").str.strip_chars()
    return pl.when(norm.str.contains(r"^\d+(?:\.0+)?$")).then(norm.str.replace(r"\.0+$", "")).otherwise(col)


def parse_ratio(text: str) -> float:
    """抽查比例: a percent cell (Excel keeps 5% as 0.05), ``5%``, ``5％`` or 0.05 → 0.05, in (0, 1]."""
    norm = fold(text).replace(" ", "")
    percent = norm.endswith("%")
    try:
        value = Decimal(norm.rstrip("%")) / (100 if percent else 1)
    except InvalidOperation:
        raise BadCell("office.ratio", value=text) from None
    if not value.is_finite() or value <= 0:
        raise BadCell("office.ratio", value=text)
    if value > 1:
        raise BadCell("office.ratio_over_one", value=text, percent=f"{norm}%")
    return float(value)


def parse_count(text: str) -> int:
    """抽查户数 / 每周户次: a whole number ≥ 1 (``20``, ``２０``, ``20户``, Excel's ``20.0``)."""
    norm = re.sub(r"(?:户|家|次|人次|户次)$", "", fold(text)).strip()
    if not re.fullmatch(r"\d+(?:\.0+)?", norm):
        raise BadCell("office.count", value=text)
    value = int(norm.split(".")[0])
    if value < 1:
        raise BadCell("office.count", value=text)
    return value


_EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 in the 1900 system (its day 60 is the 1900-02-29 that was not)


def parse_date(text: str) -> dt.date:
    """A date as an office writes it: a date cell, an Excel serial (45352), 2024-03-01, 2024/3/1, 2024.3.1,
    2024年3月1日 or 20240301. A day that does not exist (2024-02-30) is refused, not moved."""
    norm = fold(text)
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?", norm)
    if m is None and re.fullmatch(r"\d{8}", norm):
        m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", norm)
    if m is not None:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise BadCell("office.no_such_day", value=text) from None
    serial = re.fullmatch(r"(\d{1,7})(?:\.0+)?", norm)
    if serial is not None and 61 <= int(serial[1]) <= 2958465:
        return _EXCEL_EPOCH + dt.timedelta(days=int(serial[1]))
    raise BadCell("office.date", value=text)


def parse_kind(text: str) -> str:
    """事项类别: 重点 → key, 一般 → general."""
    kind = _KINDS.get(fold(text).lower())
    if kind is None:
        raise BadCell("office.kind", value=text)
    return kind
