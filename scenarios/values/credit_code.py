"""统一社会信用代码 (unified social credit code, GB 32100-2015): check characters, making and checking codes.

A code has 18 characters: 1 registration-authority code (登记管理部门代码: 9 = market regulation / 工商),
1 organisation-category code (机构类别代码: for 9, 1 enterprise, 2 sole trader 个体工商户, 3 farmers'
co-operative), 6 digits of the registering authority's administrative division (行政区划码: 310105 长宁区,
310107 普陀区), 9 characters of the organisation code (主体标识码, GB 11714: 8 body characters and a check
character) and a final check character.

* Organisation-code check (GB 11714-1997): weights 3, 7, 9, 10, 5, 8, 4, 2 on the 8 body characters
  (digits as themselves, A–Z as 10–35); C9 = 11 − (Σ mod 11), written ``X`` for 10 and ``0`` for 11.
* Final check (GB 32100-2015): characters from ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (31 symbols; no I, O,
  S, V, Z) valued 0–30, weights 3^(i−1) mod 31 for positions 1–17; C18 = 31 − (Σ mod 31), 31 written ``0``.

``validate`` uses :func:`directory_warnings`: an id that *looks meant to be* a credit code (see
:func:`looks_like_credit_code`) and fails a rule gives a warning, never an error — subjects that are
products, sites or projects carry other ids and are left alone.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl

from scenarios.errors import Problem

__all__ = [
    "CHARSET", "AUTHORITIES", "org_check_char", "credit_check_char", "credit_code_problem", "looks_like_credit_code",
    "make_credit_codes", "valid_expr", "directory_warnings",
]

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: k for k, c in enumerate(CHARSET)}
_CREDIT_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
# 登记管理部门代码 (GB 32100-2015 表1): 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游, 7 宗教, 8 工会,
# 9 工商 (market regulation), A 中央军委改革和编制办公室, N 农业, Y 其他. The category (机构类别代码) is not checked.
AUTHORITIES = "123456789ANY"
# 16–20 letters or digits whose characters 3–8 are six digits: the shape of a credit code, give or take a slip
_TRIGGER = re.compile(r"^[0-9A-Za-z]{2}[0-9]{6}[0-9A-Za-z]{8,12}$")


def _org_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def org_check_char(body: str) -> str:
    """The check character of an 8-character organisation-code body (GB 11714)."""
    if len(body) != 8 or not all(c.isdigit() or "A" <= c <= "Z" for c in body):
        raise ValueError(f"organisation code body must be 8 digits or capitals, got {body!r}")
    c9 = 11 - sum(w * _org_value(c) for w, c in zip(_ORG_WEIGHTS, body)) % 11
    return {10: "X", 11: "0"}.get(c9, str(c9))


def credit_check_char(first17: str) -> str:
    """The final check character of the first 17 characters of a credit code (GB 32100-2015)."""
    if len(first17) != 17 or any(c not in _VALUE for c in first17):
        raise ValueError(f"need 17 characters from {CHARSET}, got {first17!r}")
    c18 = 31 - sum(w * _VALUE[c] for w, c in zip(_CREDIT_WEIGHTS, first17)) % 31
    return CHARSET[0 if c18 == 31 else c18]


def looks_like_credit_code(text: str) -> bool:
    """True when ``text`` has the shape of a credit code (16–20 letters/digits, a 6-digit area code at 3–8)."""
    return bool(_TRIGGER.match(text))


def credit_code_issue(code: str) -> tuple[str, dict[str, str | int]] | None:
    """What is wrong with ``code`` as a credit code — a message code of :data:`scenarios.messages.MESSAGES`
    and its parameters — or None when it is valid."""
    if len(code) != 18:
        return "credit.length", {"length": len(code)}
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        return "credit.characters", {"bad": "".join(bad), "charset": CHARSET}
    if code[0] not in AUTHORITIES:
        return "credit.authority", {"got": code[0], "authorities": AUTHORITIES}
    org = code[8:17]
    if all(c.isdigit() or "A" <= c <= "Z" for c in org[:8]) and org_check_char(org[:8]) != org[8]:
        return "credit.org_check", {"got": org[8], "expected": org_check_char(org[:8])}
    expected = credit_check_char(code[:17])
    if code[17] != expected:
        return "credit.check", {"got": code[17], "expected": expected}
    return None


def credit_code_problem(code: str, lang: str = "en") -> str | None:
    """What is wrong with ``code`` as a credit code, in ``lang``, or None when it is valid."""
    from scenarios.messages import render

    issue = credit_code_issue(code)
    return None if issue is None else render(issue[0], issue[1], lang)


def make_credit_codes(rng: np.random.Generator, area: str, prefix: list[str]) -> list[str]:
    """Distinct valid codes in ``area``, one per 2-character ``prefix`` (authority + category: ``91`` a firm,
    ``92`` a sole trader, ``12`` a public institution, ``31`` a law firm, ``52`` a private non-enterprise unit).

    Organisation-code bodies are 8 distinct random digits from ``rng``; both check characters computed.
    """
    if len(area) != 6 or not area.isdigit():
        raise ValueError(f"area must be a 6-digit administrative division code, got {area!r}")
    n = len(prefix)
    bodies = rng.choice(90_000_000, size=n, replace=False) + 10_000_000
    digits = (bodies[:, None] // 10 ** np.arange(7, -1, -1)) % 10                       # (n, 8) body digits
    c9 = 11 - (digits * np.array(_ORG_WEIGHTS)).sum(axis=1) % 11                          # 1..11
    org_check = np.where(c9 == 10, "X", np.where(c9 == 11, "0", c9.astype(str)))
    org_value = np.where(c9 == 10, _VALUE["X"], np.where(c9 == 11, 0, c9))
    head = np.array([[_VALUE[p[0]], _VALUE[p[1]]] for p in prefix]).reshape(n, 2)
    area_values = np.array([int(c) for c in area])
    values = np.concatenate([head, np.tile(area_values, (n, 1)), digits, org_value[:, None]], axis=1)  # (n, 17)
    c18 = (31 - (values * np.array(_CREDIT_WEIGHTS)).sum(axis=1) % 31) % 31
    last = np.array(list(CHARSET))[c18]
    body_text = np.char.zfill(bodies.astype(str), 8)
    return [f"{h}{area}{b}{o}{c}" for h, b, o, c in zip(prefix, body_text.tolist(), org_check.tolist(), last.tolist())]


def valid_expr(col: pl.Expr) -> pl.Expr:
    """Whole-column test (no Python loop): True where ``col`` is a valid credit code."""
    char = lambda i: col.str.slice(i, 1)  # noqa: E731
    credit = [char(i).replace_strict(_VALUE, default=None, return_dtype=pl.Int64) for i in range(17)]
    org_values = {c: _org_value(c) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    org = [char(8 + j).replace_strict(org_values, default=None, return_dtype=pl.Int64) for j in range(8)]
    c18 = 31 - pl.sum_horizontal([w * v for w, v in zip(_CREDIT_WEIGHTS, credit)]) % 31
    c9 = 11 - pl.sum_horizontal([w * v for w, v in zip(_ORG_WEIGHTS, org)]) % 11
    expected18 = (c18 % 31).replace_strict(dict(enumerate(CHARSET)), return_dtype=pl.String)
    expected9 = c9.replace_strict({**{k: str(k) for k in range(10)}, 10: "X", 11: "0"}, return_dtype=pl.String)
    category = char(0).is_in(list(AUTHORITIES))
    complete = pl.all_horizontal([v.is_not_null() for v in credit]) & char(17).is_in(list(CHARSET))
    return (
        (col.str.len_chars() == 18) & complete & category
        & (char(17) == expected18) & (pl.any_horizontal([v.is_null() for v in org]) | (char(16) == expected9))
    ).fill_null(False)


def directory_warnings(subjects: pl.DataFrame | None, file: str, limit: int = 50) -> list[Problem]:
    """Warnings for subject ids that look meant to be credit codes but are malformed or mis-checked."""
    if subjects is None or "subject_id" not in subjects.columns or "__row" not in subjects.columns:
        return []
    code = pl.col("subject_id").str.strip_chars()
    bad = subjects.select("__row", code.alias("id")).filter(
        pl.col("id").str.contains(_TRIGGER.pattern).fill_null(False) & ~valid_expr(pl.col("id"))
    )
    out = []
    for row, value in bad.head(limit).iter_rows():
        code, params = credit_code_issue(value) or ("credit.check", {"got": "", "expected": ""})
        out.append(Problem.of(file, row, "subject_id", "credit.bad_code", "warning", value=value, issue=code, **params))
    if bad.height > limit:
        first = bad["__row"][limit]
        out.append(Problem.of(file, first, "subject_id", "credit.more", "warning", count=bad.height - limit, first=first))
    return out
