"""统一社会信用代码 (GB 32100-2015): check characters against published codes, generation, and validate's warning."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from scenarios import check_scenario
from scenarios.values.credit_code import (
    credit_check_char,
    credit_code_problem,
    looks_like_credit_code,
    make_credit_codes,
    org_check_char,
    valid_expr,
)

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

# Codes published by their holders (business licences, annual reports) and the standard's own example.
PUBLISHED = {
    "91350100M000100Y43": "GB 32100-2015 example",
    "914403001922038216": "华为技术有限公司",
    "9144030071526726XG": "深圳市腾讯计算机系统有限公司",
    "91330100716105852F": "阿里巴巴（中国）有限公司",
    "91110108551385082Q": "北京小米科技有限责任公司",
}


@pytest.mark.parametrize("code", sorted(PUBLISHED))
def test_published_codes_are_valid(code: str) -> None:
    assert credit_code_problem(code) is None, PUBLISHED[code]
    assert credit_check_char(code[:17]) == code[17]
    assert org_check_char(code[8:16]) == code[16]  # the 9-character organisation code inside (GB 11714)


def test_organisation_code_check_digit_cases() -> None:
    assert org_check_char("19220382") == "1"   # 华为: 19220382-1
    assert org_check_char("M000100Y") == "4"   # the standard's example: letters count 10..35
    assert org_check_char("71526726") == "X"   # 腾讯: 71526726-X, a check value of 10


@pytest.mark.parametrize("code, says", [
    ("914403001922038217", "check character is '7', should be '6'"),
    ("914403001922038226", "organisation-code check character"),
    ("91440300192203821", "has 17 characters, not 18"),
    ("9144030071526726xg", "not allowed"),
    ("91440300192203821I", "not allowed"),         # I, O, S, V, Z are not used
    ("B14403001922038216", "registration-authority code 'B'"),
])
def test_malformed_codes_say_what_is_wrong(code: str, says: str) -> None:
    assert says in (credit_code_problem(code) or "")


def test_vectorised_check_agrees_with_the_rule() -> None:
    rng = np.random.default_rng(5)
    codes = make_credit_codes(rng, "310105", ["91", "92", "12", "31", "52"] * 200)
    assert len(set(codes)) == 1000 and all(c[2:8] == "310105" for c in codes)
    mutated = []
    for code in codes[:300]:
        k = int(rng.integers(18))
        mutated.append(code[:k] + "0123456789ABCDEFGHJKLMNPQRTUWXY"[int(rng.integers(31))] + code[k + 1:])
    frame = pl.DataFrame({"id": codes + mutated + list(PUBLISHED)})
    fast = frame.select(valid_expr(pl.col("id")))["id"].to_list()
    assert fast == [credit_code_problem(c) is None for c in frame["id"]]
    assert all(fast[:1000]) and not all(fast[1000:1300])


def test_only_ids_shaped_like_codes_are_checked() -> None:
    assert looks_like_credit_code("914403001922038217") and looks_like_credit_code("9144030019220382")
    for other in ("S001", "CH0000001", "GC-310105-2024-0001", "SAMR-001", "9144030019220382160001"):
        assert not looks_like_credit_code(other)


def test_validate_warns_on_a_bad_code_but_loads(tiny_copy: Path, edit: Callable[[Path, str, str], None]) -> None:
    edit(tiny_copy / "subjects.csv", "S002,新华路面馆", "914403001922038217,新华路面馆")
    edit(tiny_copy / "subjects.csv", "S003,江苏路火锅店", "914403001922038216,江苏路火锅店")
    scenario, problems = check_scenario(tiny_copy)
    assert scenario is not None
    warned = [p for p in problems if p.field == "subject_id"]
    assert [(p.row, p.severity) for p in warned] == [(3, "warning")]
    assert "should be '6'" in warned[0].message and "GB 32100-2015" in warned[0].message


@pytest.mark.parametrize("name", ["changning-2024", "putuo-2023", "tiny"])
def test_bundled_directories_give_no_id_warning(name: str) -> None:
    scenario, problems = check_scenario(SCENARIOS / name)
    assert scenario is not None
    assert [p for p in problems if p.field == "subject_id"] == []
    if name != "tiny":
        ids = scenario.subjects["subject_id"]
        coded = ids.filter(~ids.str.starts_with("GC-"))  # building sites are projects, keyed by a project number
        assert coded.str.len_chars().eq(18).all() and pl.select(valid_expr(pl.lit(coded))).to_series().all()
