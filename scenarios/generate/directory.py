"""Synthetic directories: subjects (检查对象名录库) and officers (执法检查人员名录库), vectorised.

Proportions come from the profile: object types by weight with co-occurring types (a hotel that also
runs a restaurant and uses lifts), credit-risk classes by ``risk_mix``, penalties in the last three
years by class (``penalized_3y_rate``) and verified complaints as a Poisson count by class
(``complaints_mean``). Every draw comes from one numpy Generator seeded by the profile.

Where the profile gives the district's ``area_code`` (行政区划码), subjects look like a real directory: firms
are keyed by valid 统一社会信用代码 (GB 32100-2015; see :mod:`scenarios.values.credit_code`) and named in the usual
forms (上海鑫华餐饮管理有限公司, 长宁区鑫华小吃店), schools carry public-institution codes, law firms the
justice bureau's, and building sites — projects, not firms — a project number. Those ids and names come from a
second generator (``names_rng``), so the subjects' types, classes and grids are the same draws as before.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from scenarios.generate.indicators import indicator_columns
from scenarios.generate.names import subject_ids_and_names
from scenarios.generate.profile import Profile

__all__ = ["make_subjects", "make_officers"]

_SHOP_WORDS = list("鑫华盛宏泰佳康瑞祥福源达兴隆丰安永昌恒顺金信和美新天海通嘉晨欣")
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建文斌宇浩凯鹏")
_CLASSES = ["A", "B", "C", "D"]

def _pick(rng: np.random.Generator, words: list[str], n: int, k: int) -> pl.Series:
    """n random strings of k characters from ``words``, built column-wise."""
    chars = np.asarray(words)[rng.integers(0, len(words), size=(n, k))]
    out = chars[:, 0].astype(object)
    for j in range(1, k):
        out = out + chars[:, j]
    return pl.Series(out.astype(str))


def make_subjects(
    profile: Profile, rng: np.random.Generator, n: int | None = None, names_rng: np.random.Generator | None = None,
) -> pl.DataFrame:
    """The subject directory: ``n`` subjects (default: the profile's ``n_subjects``).

    ``names_rng`` draws ids and names where the profile has an ``area_code`` (default: seeded by the profile).
    """
    n = n or profile.n_subjects
    types = profile.object_types
    ids = [t.id for t in types]
    index = {t: k for k, t in enumerate(ids)}
    weights = np.array([t.weight for t in types], dtype=float)
    primary = rng.choice(len(types), size=n, p=weights / weights.sum())
    member = np.zeros((n, len(types)), dtype=bool)
    member[np.arange(n), primary] = True
    for k, t in enumerate(types):
        rows = np.flatnonzero(primary == k)
        for other, chance in t.also.items():
            hit = rows[rng.random(rows.size) < chance]
            member[hit, index[other]] = True

    mix = np.array([profile.risk_mix[c] for c in _CLASSES])
    risk = rng.choice(4, size=n, p=mix / mix.sum())
    penalized = rng.random(n) < np.array([profile.penalized_3y_rate[c] for c in _CLASSES])[risk]
    complaints = rng.poisson(np.array([profile.complaints_mean[c] for c in _CLASSES])[risk])
    grid = rng.integers(0, len(profile.grids), size=n)

    membership = pl.DataFrame({t: member[:, k] for k, t in enumerate(ids)})
    object_types = membership.select(
        pl.concat_list([pl.when(pl.col(t)).then(pl.lit(t)) for t in ids]).list.drop_nulls().list.join(";")
    ).to_series()
    shop = _pick(rng, _SHOP_WORDS, n, 2)  # the trade name (字号), drawn as before from the main generator
    if profile.area_code:
        names_rng = names_rng or np.random.default_rng([profile.random_seed, 32100])
        ids, names = subject_ids_and_names(profile, primary, shop, names_rng)
        subject_id, name = pl.Series(ids, dtype=pl.String), pl.Series(names, dtype=pl.String)
    else:
        type_names = pl.Series([t.name for t in types])[pl.Series(primary)]
        subject_id = pl.select(
            pl.lit(profile.name[:2].upper()) + pl.int_range(1, n + 1).cast(pl.String).str.zfill(7)
        ).to_series()
        name = shop + type_names + pl.Series((np.arange(n) % 997 + 1).astype(str)) + "号"
    risk_class = pl.Series(np.asarray(_CLASSES)[risk])
    subjects = pl.DataFrame(
        {
            "subject_id": subject_id,
            "name": name,
            "object_types": object_types,
            "risk_class": risk_class,
            "grid": pl.Series(np.asarray(profile.grids)[grid]),
            "penalized_3y": pl.Series(np.where(penalized, "true", "false")),
            "complaints_verified": pl.Series(complaints.astype(np.int64)),
        }
    )
    # 一企一档 indicator columns the scorecards read, and the address and contact the task sheet prints, each from
    # a generator of its own (the draws above stay as they were)
    return pl.concat([subjects, indicator_columns(risk_class, [profile.random_seed, 20]),
                      contact_columns(profile, n, [profile.random_seed, 27])], how="horizontal")


_ROAD_WORDS = list("延安中山长宁虹桥天山仙霞古北娄山哈密茅台遵义安顺水城威宁剑河新华番禺法华愚园江苏定西武夷昭化")


def contact_columns(profile: Profile, n: int, seed: list[int]) -> pl.DataFrame:
    """address, contact_person, contact_phone (scenarios.schema.PAPER_COLUMNS): a synthetic street address in
    the district, a 负责人 and a Shanghai landline, drawn from ``seed`` alone."""
    rng = np.random.default_rng(seed)
    city = "上海市" + (profile.district or "")
    road = _pick(rng, _ROAD_WORDS, n, 2) + pl.Series(np.asarray(["路", "路", "路", "街", "弄"])[rng.integers(0, 5, n)])
    number = pl.Series(rng.integers(1, 2000, n).astype(str))
    surname, first, second = (_pick(rng, words, n, 1) for words in (_SURNAMES, _GIVEN, _GIVEN))
    two = pl.Series(rng.random(n) < 0.7)  # most given names have two characters
    person = pl.select(surname + first + pl.when(two).then(second).otherwise(pl.lit(""))).to_series()
    phone = pl.Series(np.char.add("021-", rng.integers(52000000, 69999999, n).astype(str)))
    return pl.DataFrame({"address": city + road + number + "号", "contact_person": person, "contact_phone": phone})


def make_officers(profile: Profile, rng: np.random.Generator) -> pl.DataFrame:
    """The officer directory: each department's officers, qualifications and weekly capacity.

    Every qualification a department lists is held by at least two of its officers in different
    grids (where the department is local), so teams can always be formed without the own-grid officer.
    """
    rows: dict[str, list] = {k: [] for k in ("officer_id", "name", "department", "qualifications", "grid", "weekly_capacity")}
    low, high = profile.officer_capacity
    for dept in profile.departments:
        n = dept.officers
        held = {q: rng.random(n) < share for q, share in dept.qualifications.items()}
        for q, mask in held.items():
            need = min(n, 4)
            if mask.sum() < need:
                mask[rng.choice(n, size=need, replace=False)] = True
        grids = [profile.grids[k % len(profile.grids)] for k in range(n)] if dept.local else [""] * n
        names = _pick(rng, _SURNAMES, n, 1) + _pick(rng, _GIVEN, n, 2)
        for k in range(n):
            rows["officer_id"].append(f"{dept.id}-{k + 1:03d}")
            rows["name"].append(names[k])
            rows["department"].append(dept.id)
            rows["qualifications"].append(";".join(q for q, mask in held.items() if mask[k]))
            rows["grid"].append(grids[k])
        rows["weekly_capacity"] += rng.integers(low, high + 1, size=n).tolist()
    return pl.DataFrame(rows)


def officer_copies(profile: Profile, n_subjects: int) -> int:
    """How many officer directories a directory of ``n_subjects`` gets: ⌈n / the profile's own size⌉, at least 1 —
    sample sizes grow with the directory (ratios), so a district ten times larger needs ten times the officers."""
    return max(1, -(-n_subjects // profile.n_subjects))


def scale_officers(officers: pl.DataFrame, copies: int, names_rng: np.random.Generator) -> pl.DataFrame:
    """The officer directory ``copies`` times: copy k keeps every officer's department, qualifications, grid and
    weekly capacity, suffixes the id with ``-r<k>`` and gets names of its own (``names_rng``; never the main
    generator's, so the profile's directory and plan are the same at every size)."""
    if copies <= 1:
        return officers
    n = officers.height
    extra = [officers.with_columns(
        pl.col("officer_id") + f"-r{k}",
        (_pick(names_rng, _SURNAMES, n, 1) + _pick(names_rng, _GIVEN, n, 2)).alias("name"))
        for k in range(2, copies + 1)]
    return pl.concat([officers, *extra])
