"""Ids and names of synthetic subjects in the forms a district directory uses.

Firms are keyed by a valid 统一社会信用代码 (GB 32100-2015, :mod:`scenarios.values.credit_code`) registered in the
district's 行政区划码 and named 上海<字号><行业>有限公司; sole traders (个体工商户, code 92…) <区><字号><店>;
schools and kindergartens are public institutions (12…), law firms are registered by the justice bureau (31…),
care homes are private non-enterprise units (52…); building sites are projects, not firms, and carry a project
number (GC-<区划码>-<年>-<序号>) that no credit-code check applies to.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from scenarios.values.credit_code import make_credit_codes
from scenarios.generate.profile import Profile

__all__ = ["subject_ids_and_names"]

# How a subject of each primary type is named and registered: the 2-character head of its credit code
# (91 firm, 92 sole trader 个体工商户, 12 public institution 事业单位, 31 law firm, 52 private non-enterprise
# unit), the company's trade words (…有限公司), the shop words of a sole trader (…店), and the share of
# sole traders. Types not listed are firms named after the default trade words.
_FIRM: tuple[list[str], list[str], float] = (["商贸", "信息科技", "实业", "企业管理咨询", "文化传播", "科技发展", "贸易"], [], 0.0)
_NAMING: dict[str, tuple[list[str], list[str], float]] = {
    "general_enterprise": _FIRM,
    "sole_trader": ([], ["便利店", "五金店", "服装店", "日用百货店", "水果店", "维修部", "烟杂店"], 1.0),
    "restaurant": (["餐饮管理", "餐饮"], ["小吃店", "面馆", "餐厅", "饭店", "点心店", "茶餐厅"], 0.45),
    "food_retail": (["食品", "商贸"], ["食品店", "便利店", "食品商行", "副食品店"], 0.5),
    "supermarket": (["超市", "商业"], [], 0.0),
    "school_canteen": (["餐饮管理", "团膳餐饮管理"], [], 0.0),
    "training_institution": (["教育科技", "文化艺术培训"], [], 0.0),
    "travel_agency": (["国际旅行社", "旅行社"], [], 0.0),
    "online_travel": (["网络科技", "旅游网络科技"], [], 0.0),
    "entertainment_venue": (["娱乐", "文化娱乐"], [], 0.0),
    "cinema": (["影城管理", "电影院"], [], 0.0),
    "internet_cafe": (["网络会所", "网吧"], [], 0.0),
    "performance": (["演出经纪", "文化演出"], [], 0.0),
    "hotel": (["酒店管理", "宾馆"], [], 0.0),
    "beauty_salon": (["美容美发", "美发"], ["美发店", "美容店", "理发店"], 0.5),
    "bath_spa": (["足浴", "浴场"], ["足浴店"], 0.3),
    "gym": (["健身服务", "体育发展"], [], 0.0),
    "swimming_pool": (["游泳健身", "体育发展"], [], 0.0),
    "pharmacy": (["大药房", "药房"], [], 0.0),
    "clinic": (["门诊部", "医疗管理"], [], 0.0),
    "medical_device": (["医疗器械", "医疗科技"], [], 0.0),
    "cosmetics": (["化妆品", "日用化学品"], [], 0.0),
    "gas_station": (["石油销售", "加油站"], [], 0.0),
    "hazardous_chem": (["化工", "化工贸易"], [], 0.0),
    "elevator_building": (["置业", "商务楼宇管理"], [], 0.0),
    "property_mgmt": (["物业管理"], [], 0.0),
    "real_estate_agency": (["房地产经纪", "房产经纪"], [], 0.0),
    "childcare": (["托育服务", "婴幼儿照护服务"], [], 0.0),
    "maternal_infant_store": (["母婴用品"], ["母婴用品店"], 0.4),
    "ecommerce": (["电子商务", "网络科技"], [], 0.0),
    "advertising": (["广告", "广告传媒"], [], 0.0),
    "printing": (["印刷", "包装印刷"], [], 0.0),
    "tobacco_retail": ([], ["烟杂店", "便利店", "烟酒店"], 1.0),
    "import_export": (["进出口", "国际贸易"], [], 0.0),
    "ods_user": (["制冷设备", "空调工程"], [], 0.0),
    "pollution_source": (["工业", "实业"], [], 0.0),
    "radiation_user": (["医学检验所", "无损检测"], [], 0.0),
    "waste_producer": (["餐饮管理", "团餐服务"], [], 0.0),
    "car_wash": (["汽车服务"], ["洗车场"], 0.5),
    "car_repair": (["汽车维修", "汽车服务"], ["汽车修理部"], 0.3),
    "used_car": (["二手车经纪", "汽车销售"], [], 0.0),
    "labor_dispatch": (["劳务派遣", "人力资源"], [], 0.0),
    "hr_agency": (["人力资源", "人才咨询"], [], 0.0),
    "small_loan": (["小额贷款", "融资担保"], [], 0.0),
    "pawn": (["典当"], [], 0.0),
    "single_use_card": (["商业管理", "生活服务"], [], 0.0),
    "direct_selling": (["日用品", "保健品"], [], 0.0),
    "measurement_user": (["实业", "能源"], [], 0.0),
    "testing_lab": (["检测技术", "检验检测"], [], 0.0),
    "civil_defense": (["停车管理", "物业管理"], [], 0.0),
    "stats_survey": _FIRM,
    "fire_key_unit": (["商业管理", "实业"], [], 0.0),
    "parking_lot": (["停车场管理", "停车管理"], [], 0.0),
}
# Not firms: named as institutions, with a public-institution (12), law-firm (31) or non-enterprise (52) code
_INSTITUTIONS = {
    "school": ("12", ["小学", "中学", "实验学校"]),
    "kindergarten": ("12", ["幼儿园"]),
    "law_firm": ("31", ["律师事务所"]),
    "elderly_care": ("52", ["养老院", "敬老院"]),
}
_SITES = {"construction_site": ["商务楼新建工程", "住宅项目", "办公楼改建工程", "地下车库工程"]}


def _words(words: list[str], u: np.ndarray) -> np.ndarray:
    return np.asarray(words, dtype=object)[(u * len(words)).astype(np.int64)]


def subject_ids_and_names(
    profile: Profile, primary: np.ndarray, shop: pl.Series, rng: np.random.Generator,
) -> tuple[list[str], list[str]]:
    """Ids and names of subjects of the given primary types (indices into profile.object_types), by type."""
    n = primary.size
    district = profile.district or ""
    area = profile.area_code or "000000"
    mark = np.asarray(shop.to_list(), dtype=object)
    u_form, u_word = rng.random(n), rng.random(n)
    heads = np.full(n, "", dtype=object)
    names = np.full(n, "", dtype=object)
    for k, t in enumerate(profile.object_types):
        rows = np.flatnonzero(primary == k)
        if rows.size == 0:
            continue
        if t.id in _SITES:
            names[rows] = district + mark[rows] + _words(_SITES[t.id], u_word[rows])
        elif t.id in _INSTITUTIONS:
            head, words = _INSTITUTIONS[t.id]
            heads[rows] = head
            prefix = f"上海市{district}" if head == "12" else "上海"
            names[rows] = prefix + mark[rows] + _words(words, u_word[rows])
        else:
            firm, shops, sole = _NAMING.get(t.id, _FIRM)
            is_sole = (u_form[rows] < sole) if shops else np.zeros(rows.size, dtype=bool)
            solo, company = rows[is_sole], rows[~is_sole]
            heads[solo], heads[company] = "92", "91"
            if solo.size:
                names[solo] = district + mark[solo] + _words(shops, u_word[solo])
            if company.size:
                names[company] = "上海" + mark[company] + _words(firm, u_word[company]) + "有限公司"
    coded = np.flatnonzero(heads != "")
    ids = np.full(n, "", dtype=object)
    ids[coded] = make_credit_codes(rng, area, heads[coded].tolist())
    sites = np.flatnonzero(heads == "")
    # a building site is a project, not a firm: a project number, to which no credit-code check applies
    ids[sites] = [f"GC-{area}-{profile.year}-{number:04d}" for number in range(1, sites.size + 1)]
    return ids.tolist(), names.tolist()
