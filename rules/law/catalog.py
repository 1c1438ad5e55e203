"""Where policy files live: ``rules/policies/<policy>.yaml``, one file per policy."""

from __future__ import annotations

from pathlib import Path

__all__ = ["POLICY_DIR", "policy_path", "known_policies"]

POLICY_DIR = Path(__file__).resolve().parent.parent / "policies"


def known_policies() -> list[str]:
    """Ids of the policies shipped with the package (file names without ``.yaml``)."""
    return sorted(p.stem for p in POLICY_DIR.glob("*.yaml"))


def policy_path(policy: str) -> Path:
    """Path of a shipped policy file; raises KeyError naming the known policies."""
    path = POLICY_DIR / f"{policy}.yaml"
    if policy not in known_policies():
        raise KeyError(f"unknown policy {policy!r}; known: {', '.join(known_policies()) or 'none'}")
    return path
