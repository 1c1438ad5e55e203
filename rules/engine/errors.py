"""Errors of the rule engines (a bug or an engine defect, never a policy error)."""

from __future__ import annotations

__all__ = ["EngineError", "EngineDisagreement"]


class EngineError(RuntimeError):
    """The rule engine failed in a way the policy cannot explain (a bug, not a policy error)."""


class EngineDisagreement(EngineError):
    """durable-rules and the Python reference fired different rules on the same fact record."""
