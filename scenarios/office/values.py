"""Reading the office's cell values: risk classes, 是/否, percentages, dates, counts and lists, as written in real
workbooks. Each ``parse_*`` of one cell returns the value or raises :class:`BadCell` with the message code saying
what was expected; each ``read_*`` returns the value or None (a directory applies it once per distinct value of a
column, :mod:`scenarios.office.directories`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

import polars as pl

__all__ = ["BadCell", "RISK_WORDS", "read_risk", "read_bool", "read_count", "fold_expr", "split_list",
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
    """:func:`fold` of a text column (ids: a million distinct values, folded in one pass)."""
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


def read_risk(text: str) -> str | None:
    """信用风险分类 as A–D, or None when the cell is none of :data:`RISK_WORDS`."""
    return RISK_WORDS.get("".join(fold(text).split()))


def read_bool(text: str) -> str | None:
    """是/否 (and true/false, 1/0, 有/无) as "true"/"false", or None when it is neither."""
    norm = fold(text).lower()
    return "true" if norm in _TRUE else "false" if norm in _FALSE else None


def read_count(text: str) -> str:
    """A whole number as digits when written with full-width digits, a trailing ``.0`` (Excel) or 次/户/人次;
    anything else as written (the loader reports it)."""
    norm = re.sub(r"(?:次|户|人次|户次|家)$", "", fold(text)).strip()
    return re.sub(r"\.0+$", "", norm) if re.fullmatch(r"\d+(?:\.0+)?", norm) else text


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
