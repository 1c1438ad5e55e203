"""The engine interface: given the law in force and a list of fact records of one scope, say which rules
fire on each record. Policies, effects and the optimiser never see how; swapping the engine means
writing another :class:`Backend`.

Two backends exist: :class:`rules.engine.durable_backend.DurableBackend` (durable-rules, the default) and
:class:`PythonBackend`, a direct evaluation of the same conditions used as the reference in tests.
"""

from __future__ import annotations

from typing import Any, Protocol

from rules.engine.conditions import holds
from rules.law.policy import InForce

__all__ = ["Backend", "PythonBackend", "get_backend", "set_backend"]


class Backend(Protocol):
    """Fires the rules of one scope on fact records."""

    def fire(self, law: InForce, scope: str, records: list[dict[str, Any]]) -> list[list[str]]:
        """For each record, the ids of the rules of ``scope`` in force that fire, in policy order."""
        ...


class PythonBackend:
    """Evaluates each resolved condition directly (the reference semantics of :mod:`rules.engine.conditions`)."""

    def fire(self, law: InForce, scope: str, records: list[dict[str, Any]]) -> list[list[str]]:
        rules = law.scope(scope)
        return [[r.rule.id for r in rules if holds(r.cond, rec)] for rec in records]


_DEFAULT: Backend | None = None


def get_backend() -> Backend:
    """The process-wide backend (durable-rules unless :func:`set_backend` chose another)."""
    global _DEFAULT
    if _DEFAULT is None:
        from rules.engine.durable_backend import DurableBackend

        _DEFAULT = DurableBackend.shared()
    return _DEFAULT


def set_backend(backend: Backend | None) -> None:
    """Use ``backend`` for later evaluations (None: back to the durable-rules default)."""
    global _DEFAULT
    _DEFAULT = backend
