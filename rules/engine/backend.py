"""The engine interface: given the law in force and a list of fact records of one scope, say which rules
fire on each record. Policies, effects and the optimiser never see how; swapping the engine means
writing another :class:`Backend`.

Two backends exist: :class:`rules.engine.durable_backend.DurableBackend` (durable-rules) and
:class:`PythonBackend`, a direct evaluation of the same conditions (the reference semantics). The default,
:class:`CheckedBackend`, runs both on every record and stops with :class:`EngineDisagreement` — naming the
scope, the fact profile and the rule — when they differ: a wrong draw is never made silently.
"""

from __future__ import annotations

from typing import Any, Protocol

from rules.engine.conditions import holds
from rules.engine.errors import EngineDisagreement, EngineError
from rules.law.policy import InForce

__all__ = [
    "Backend", "PythonBackend", "CheckedBackend", "EngineError", "EngineDisagreement", "get_backend", "set_backend",
]


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


def _profile(record: dict[str, Any]) -> str:
    shown = ", ".join(f"{k}={v!r}" for k, v in record.items() if not isinstance(v, (list, tuple)) or len(v) <= 8)
    return shown if len(shown) <= 400 else shown[:400] + "…"


class CheckedBackend:
    """Fires with ``primary`` and checks every record against ``reference``; any difference raises.

    The message names the scope, the profile (the fact record) and each rule fired by one engine only.
    """

    def __init__(self, primary: Backend, reference: Backend | None = None) -> None:
        self.primary = primary
        self.reference = reference or PythonBackend()

    def fire(self, law: InForce, scope: str, records: list[dict[str, Any]]) -> list[list[str]]:
        want = self.reference.fire(law, scope, records)
        got = self.primary.fire(law, scope, records)
        if len(got) != len(want):
            raise EngineDisagreement(f"scope {scope}: the rule engine answered for {len(got)} of {len(want)} records")
        for rec, g, w in zip(records, got, want):
            if g != w:
                only_engine = sorted(set(g) - set(w))
                only_ref = sorted(set(w) - set(g))
                parts = [f"{r} fired in durable-rules only" for r in only_engine]
                parts += [f"{r} fired in the Python reference only" for r in only_ref] or ["rules fired in another order"]
                raise EngineDisagreement(
                    f"the rule engines disagree in scope {scope} on profile {_profile(rec)}: {'; '.join(parts)}; "
                    f"no plan is made from an evaluation the two engines do not agree on")
        return got


_DEFAULT: Backend | None = None


def get_backend() -> Backend:
    """The process-wide backend (durable-rules checked against the Python reference unless
    :func:`set_backend` chose another)."""
    global _DEFAULT
    if _DEFAULT is None:
        from rules.engine.durable_backend import DurableBackend

        _DEFAULT = CheckedBackend(DurableBackend.shared(), PythonBackend())
    return _DEFAULT


def set_backend(backend: Backend | None) -> None:
    """Use ``backend`` for later evaluations (None: back to the checked durable-rules default)."""
    global _DEFAULT
    _DEFAULT = backend
