"""Inspection codes (检查码): a short code per visit that lets a firm confirm an inspection is genuine.

code = first 10 characters of base32(HMAC-SHA256(key, visit_id ‖ subject_id ‖ date ‖ departments)),
grouped as XXXXX-XXXXX. The key is the plan's code secret; knowing a code reveals nothing about others.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import polars as pl

__all__ = ["code_secret", "inspection_codes"]


def code_secret(seed: str) -> bytes:
    """The plan's code key, derived from the plan seed by a domain-separated hash.

    The seed is published after the draw (一公开), so a key derived from it alone lets anyone who has the
    seed recompute codes; issue #8 replaces this by a secret held in the plan ledger.
    """
    return hashlib.sha256(b"jointcheck inspection code\x1f" + seed.encode("utf-8")).digest()


def _code(key: bytes, message: str) -> str:
    digest = hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()
    text = base64.b32encode(digest).decode("ascii")[:10]
    return f"{text[:5]}-{text[5:]}"


def inspection_codes(visits: pl.DataFrame, key: bytes) -> pl.Series:
    """One code per visit row (visit_id, subject_id, date, departments)."""
    messages = visits.select(
        pl.concat_str(
            "visit_id", "subject_id", pl.col("date").cast(pl.String), pl.col("departments").list.join(","),
            separator="\x1f",
        )
    ).to_series()
    return pl.Series("inspection_code", [_code(key, m) for m in messages.to_list()], dtype=pl.String)
