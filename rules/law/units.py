"""Units of policy parameters and the check of each value against its unit.

Every parameter value (in the law file or in a reform) is checked here, so a bad value is reported
with the parameter, the date and what was expected, e.g. ``general_item_cap on 2024-07-01: 1.5 is not
a ratio in [0, 1]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["UNITS", "MAPPING_UNITS", "check_value", "RISK_CLASSES"]

RISK_CLASSES = ("A", "B", "C", "D")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _ratio(value: Any) -> str | None:
    return None if _number(value) and 0 <= value <= 1 else "is not a ratio in [0, 1]"


def _factor(value: Any) -> str | None:
    return None if _number(value) and value > 0 else "is not a positive factor"


def _whole(low: int, high: int | None = None, nullable: bool = False) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value is None and nullable:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value >= low and (high is None or value <= high):
            return None
        span = f"{low}..{high}" if high is not None else f"≥ {low}"
        return f"is not a whole number {span}" + (" or null" if nullable else "")
    return check


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "is not true or false"


def _names(value: Any) -> str | None:
    ok = isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
    return None if ok else "is not a list of names"


def _factor_by_class(value: Any) -> str | None:
    if not isinstance(value, dict) or set(value) != set(RISK_CLASSES):
        return f"is not a mapping with exactly the risk classes {', '.join(RISK_CLASSES)}"
    bad = [k for k, v in value.items() if _factor(v)]
    return f"has a non-positive factor for {', '.join(bad)}" if bad else None


def _role_map(value: Any) -> str | None:
    ok = isinstance(value, dict) and all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in value.items())
    return None if ok else "is not a mapping of role name → department id (or null)"


def _fact_name(value: Any) -> str | None:
    return None if value in ("risk_class", "none") else "is not one of risk_class, none"


UNITS: dict[str, Callable[[Any], str | None]] = {
    "ratio": _ratio,  # a share of subjects, 0..1
    "share": _ratio,  # a target share (KPI), 0..1
    "factor": _factor,  # multiplies a ratio
    "factor_by_class": _factor_by_class,  # one factor per risk class A..D
    "visits_per_year": _whole(1, nullable=True),  # null = no cap
    "officers": _whole(1),
    "working_days": _whole(0),
    "month": _whole(1, 12),
    "complaints": _whole(0),
    "flag": _flag,
    "object_types": _names,
    "roles": _names,
    "items": _names,
    "role_map": _role_map,
    "stratification": _fact_name,
}

MAPPING_UNITS = {"factor_by_class", "role_map"}
"""Units whose values are mappings: a reform may change some keys and keep the rest."""


def check_value(unit: str, value: Any) -> str | None:
    """None when ``value`` fits ``unit``; otherwise what is wrong, as a phrase after the value."""
    check = UNITS.get(unit)
    if check is None:
        return f"has unknown unit {unit!r}; known: {', '.join(sorted(UNITS))}"
    return check(value)
