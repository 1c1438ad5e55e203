"""A scorecard as data: one YAML file per card in ``rules/scorecards/``, cited like a policy.

A card is a hierarchy. The root and every group hold ``children`` and the pairwise ``comparisons`` between them
(Saaty's 1–9 scale, :mod:`scoring.ahp`); a leaf is an *indicator*: a subject column and how its value maps to a
0–100 score (100 = lowest risk). An indicator's global weight is the product of the local weights on its path,
so the weights of all indicators sum to 1 and a firm's score is Σ weight × indicator score, in 0–100. The class
cut-offs turn the score into A–D: score ≥ ``classes.A`` → A (low risk), ≥ ``classes.B`` → B, ≥ ``classes.C`` →
C, else D (沪府发〔2024〕6号 一(五): credit-risk classes A low … D high).

Indicator scores (exactly one form per indicator, ``missing`` for an empty or unreadable value):

* ``map``: value → score, for categories and true/false (``{valid: 100, expired: 40, none: 0}``);
* ``bands``: ``[[upper, score], …]`` ascending, the first band whose upper bound the value does not exceed,
  ``above`` for larger values;
* ``linear``: ``{from: [x0, s0], to: [x1, s1]}``, straight between the two points and clipped outside.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from scenarios.messages import Message
from scoring.ahp import CR_LIMIT, Priorities, comparison_matrix, priorities

__all__ = ["CARD_DIR", "CardError", "Indicator", "Node", "Card", "LoadedCard", "known_cards", "load_card"]

CARD_DIR = Path(__file__).resolve().parent.parent / "rules" / "scorecards"


class CardError(ValueError):
    """A scorecard that cannot be used: unknown, malformed, or a comparison matrix with CR ≥ 0.10."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reference(_Strict):
    document: str
    clause: str = ""
    note: str = ""


class Linear(_Strict):
    from_: tuple[float, float] = Field(alias="from")
    to: tuple[float, float]

    @model_validator(mode="after")
    def _distinct(self) -> "Linear":
        if self.from_[0] == self.to[0]:
            raise ValueError("linear: from and to need different x")
        return self


class Indicator(_Strict):
    """How one subject column becomes a 0–100 score."""

    column: str = Field(min_length=1)
    map: dict[str, float] | None = None
    bands: list[tuple[float, float]] | None = None
    above: float | None = None
    linear: Linear | None = None
    missing: float = Field(default=0.0, ge=0, le=100, description="Score of an empty or unreadable value")

    @field_validator("map", mode="before")
    @classmethod
    def _keys_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):  # YAML reads true/false and numbers as such; subject columns are text
            return {str(k).lower(): v for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _one_form(self) -> "Indicator":
        forms = [n for n in ("map", "bands", "linear") if getattr(self, n) is not None]
        if len(forms) != 1:
            raise ValueError(f"give exactly one of map, bands or linear (got {forms or 'none'})")
        scores = list((self.map or {}).values()) + [s for _, s in self.bands or []] + [self.above or 0]
        if self.linear is not None:
            scores += [self.linear.from_[1], self.linear.to[1]]
        if any(not 0 <= s <= 100 for s in scores):
            raise ValueError("indicator scores must lie in 0..100")
        if self.bands is not None:
            uppers = [u for u, _ in self.bands]
            if uppers != sorted(uppers) or len(set(uppers)) != len(uppers):
                raise ValueError("bands: upper bounds must be strictly ascending")
            if self.above is None:
                raise ValueError("bands: give `above`, the score of values above the last band")
        return self


class Node(_Strict):
    """A group (children + comparisons) or a leaf (indicator)."""

    name: str = Field(min_length=1)
    name_en: str = ""
    comparisons: list[tuple[str, str, Any]] = Field(default_factory=list)
    children: dict[str, "Node"] | None = None
    indicator: Indicator | None = None

    @model_validator(mode="after")
    def _group_or_leaf(self) -> "Node":
        if (self.children is None) == (self.indicator is None):
            raise ValueError("a node has either children or an indicator")
        if self.indicator is not None and self.comparisons:
            raise ValueError("an indicator has no comparisons")
        return self


class Classes(_Strict):
    A: float = Field(ge=0, le=100)
    B: float = Field(ge=0, le=100)
    C: float = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> "Classes":
        if not self.A > self.B > self.C:
            raise ValueError("cut-offs must fall: A > B > C")
        return self


class Card(_Strict):
    id: str = Field(min_length=1)
    name: str
    name_en: str
    reference: Reference
    weights_note: str = Field(min_length=1, description="Whose judgements the weights are; never implied to be official")
    effective: dt.date
    applies_to: list[str] | None = Field(default=None, description="Object types scored; others keep their class")
    classes: Classes
    root: Node


class LoadedCard(BaseModel):
    """A checked card: its indicators with global weights, and every comparison matrix's priorities."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    card: Card
    weights: dict[str, float]            # indicator id → global weight (sum 1)
    indicators: dict[str, Indicator]     # indicator id → how it scores
    names: dict[str, tuple[str, str]]    # node id → (Chinese, English) name
    paths: dict[str, tuple[str, ...]]    # indicator id → its groups from the root
    matrices: dict[str, Priorities]      # group path ("root", "root/general") → priorities

    @property
    def id(self) -> str:
        return self.card.id


def known_cards() -> list[str]:
    return sorted(p.stem for p in CARD_DIR.glob("*.yaml"))


def _walk(node: Node, path: tuple[str, ...], weight: float, out: dict[str, Any]) -> None:
    children = node.children or {}
    where = "/".join(path)
    try:
        matrix = comparison_matrix(list(children), node.comparisons)
    except ValueError as exc:
        raise CardError(Message("card.comparisons", where=where, reason=exc)) from None
    result = priorities(list(children), matrix)
    if not result.consistent:
        raise CardError(Message("card.inconsistent", where=where, cr=result.consistency_ratio, lambda_max=result.lambda_max,
                                n=len(children), limit=CR_LIMIT))
    out["matrices"][where] = result
    for name, child in children.items():
        if name in out["names"]:
            raise CardError(Message("card.duplicate_id", name=name))
        out["names"][name] = (child.name, child.name_en or child.name)
        w = weight * result.as_dict()[name]
        if child.indicator is not None:
            out["weights"][name] = w
            out["indicators"][name] = child.indicator
            out["paths"][name] = path
        else:
            _walk(child, (*path, name), w, out)


def load_card(name_or_path: str | Path) -> LoadedCard:
    """Read, validate and weigh a card (a name in ``rules/scorecards/`` or a YAML path); CardError says why not."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = CARD_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        raise CardError(Message("card.unknown", name=str(name_or_path), known=", ".join(known_cards()) or "—"))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        card = Card.model_validate(raw)
    except yaml.YAMLError as exc:
        raise CardError(Message("card.not_yaml", file=path.name, reason=exc)) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise CardError(Message("card.invalid", file=path.name, where=where, reason=first["msg"])) from None
    if card.root.children is None:
        raise CardError(Message("card.root_group", file=path.name))
    out: dict[str, Any] = {"weights": {}, "indicators": {}, "names": {}, "paths": {}, "matrices": {}}
    _walk(card.root, ("root",), 1.0, out)
    return LoadedCard(card=card, **out)
