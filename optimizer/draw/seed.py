"""The plan seed: made in public, bound to the scenario, committed before the draw (一公开).

seed = SHA-256(scenario hash ‖ public value ‖ plan id), written as 64 hex digits. The public value is
what a ceremony produced in front of witnesses (dice rolls, a lottery result, a published beacon value);
the scenario hash (:func:`scenarios.load.canonical_hash`) binds the seed to the exact directory and
plan, so nobody can pick a seed after seeing the directory; the plan id separates plans made from
the same scenario. A new year's scenario has a new hash, so each year draws from fresh numbers and the
same firms are not always first.

Before the draw, the planners publish the commitment SHA-256(seed); after it, the seed itself, and
anyone can re-run the draw (``jointcheck verify``).
"""

from __future__ import annotations

import hashlib

__all__ = ["plan_seed", "seed_commitment"]

SEPARATOR = "\x1f"  # unit separator: no field can fake another's boundary


def plan_seed(scenario_hash: str, public_value: str | int, plan_id: str) -> str:
    """SHA-256(scenario hash ‖ public value ‖ plan id) as hex; the seed every random choice flows from."""
    text = SEPARATOR.join([scenario_hash, str(public_value), plan_id])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seed_commitment(seed: str) -> str:
    """SHA-256 of the seed: published before the draw, checked against the seed revealed after it."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()
