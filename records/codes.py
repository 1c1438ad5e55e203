"""Inspection codes (检查码): a short code per visit that lets a firm confirm an inspection is genuine.

code = first 10 characters of base32(HMAC-SHA256(key, visit_id ‖ subject_id ‖ date ‖ departments)),
grouped as XXXXX-XXXXX (50 bits). Knowing one code reveals nothing about any other.

Where the key comes from — the choice and why:

* The key must not be derivable from anything public. The plan seed is revealed after the draw
  (一公开), so ``key = H(seed)`` lets anyone recompute every code, and an impostor who learns a real
  visit's subject and date could show a "genuine" code.
* Plans must stay byte-identical for the same scenario, policy and public value, so the key cannot be
  a fresh random value per plan.
* Therefore: ``key = HMAC-SHA256(district_key, "jointcheck inspection code" ‖ seed)``. The *district
  key* is 32 random bytes (``secrets.token_bytes``) made once and held in a local key file
  (default ``./jointcheck.key``, mode 0600), never in a plan directory and never in the ledger (the
  ledger is an audit record others may read; it holds only the key's fingerprint, :func:`key_id`).
  Same key file + same seed → same codes → byte-identical plans; a new seed gives unrelated codes; the
  revealed seed without the key file gives nothing.

:func:`code_secret` without a district key keeps the old seed-only derivation so that library callers
and tests that never touch a key file still work; ``jointcheck plan`` re-keys every plan's codes with
the district key before writing (:func:`seal_codes`), so no plan it writes uses the seed-only key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

import polars as pl

from scenarios.messages import Message

__all__ = [
    "CodeKeyError", "code_secret", "inspection_codes", "load_or_create_key", "load_key", "key_id",
    "normalize_code", "code_matches", "seal_codes", "default_key_path", "key_file_warnings",
]

KEY_BYTES = 32
_DOMAIN = b"jointcheck inspection code\x1f"
_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_LOOKALIKE = str.maketrans({"0": "O", "1": "I", "8": "B"})  # characters read aloud or typed from paper


def default_key_path() -> Path:
    """Where the district key lives unless told otherwise: ``$JOINTCHECK_KEY_FILE`` or ``./jointcheck.key``."""
    return Path(os.environ.get("JOINTCHECK_KEY_FILE") or "jointcheck.key")


class CodeKeyError(ValueError):
    """The district key file is missing, unreadable or malformed."""


def code_secret(seed: str, district_key: bytes | None = None) -> bytes:
    """The plan's code key: HMAC(district key, domain ‖ seed); seed-only hash when no district key is given."""
    if district_key is None:
        return hashlib.sha256(_DOMAIN + seed.encode("utf-8")).digest()
    return hmac.new(district_key, _DOMAIN + seed.encode("utf-8"), hashlib.sha256).digest()


def _code(key: bytes, message: str) -> str:
    digest = hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()
    text = base64.b32encode(digest).decode("ascii")[:10]
    return f"{text[:5]}-{text[5:]}"


def _messages(visits: pl.DataFrame) -> list[str]:
    return visits.select(
        pl.concat_str(
            "visit_id", "subject_id", pl.col("date").cast(pl.String), pl.col("departments").list.join(","),
            separator="\x1f",
        )
    ).to_series().to_list()


def inspection_codes(visits: pl.DataFrame, key: bytes) -> pl.Series:
    """One code per visit row (visit_id, subject_id, date, departments)."""
    return pl.Series("inspection_code", [_code(key, m) for m in _messages(visits)], dtype=pl.String)


def seal_codes(visits: pl.DataFrame, seed: str, district_key: bytes) -> pl.DataFrame:
    """The visits with ``inspection_code`` recomputed under the district key (same columns, same order)."""
    return visits.with_columns(inspection_codes(visits, code_secret(seed, district_key)))


def key_id(district_key: bytes) -> str:
    """A public fingerprint of the district key (16 hex digits): names the key without revealing it."""
    return hashlib.sha256(b"jointcheck key id\x1f" + district_key).hexdigest()[:16]


def load_key(path: str | Path) -> bytes:
    """Read a district key file (64 hex digits); :class:`CodeKeyError` with a clear message otherwise."""
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise CodeKeyError(Message("key.not_found", path=path)) from None
    except UnicodeDecodeError:  # not text at all: say what the file should hold, not the codec's complaint
        raise CodeKeyError(Message("key.malformed", path=path, digits=KEY_BYTES * 2)) from None
    except OSError as exc:
        raise CodeKeyError(Message("key.unreadable", path=path, reason=exc.strerror or exc)) from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise CodeKeyError(Message("key.malformed", path=path, digits=KEY_BYTES * 2))
    return key


def key_file_warnings(path: str | Path) -> list[str]:
    """What is unsafe about a district key file: readable by others (group/world), or a symbolic link
    (whoever controls the link's target controls the codes)."""
    path = Path(path)
    out = []
    if path.is_symlink():
        out.append(Message("key.symlink", path=path, target=os.readlink(path)))
    try:
        mode = path.stat().st_mode
    except OSError:
        return out
    if mode & 0o077:
        out.append(Message("key.readable", path=path, mode=f"{mode & 0o777:o}"))
    return out


def load_or_create_key(path: str | Path) -> bytes:
    """The district key in ``path``, made once with ``secrets.token_bytes`` if the file does not exist.

    The file appears complete or not at all (written beside it, then hard-linked into place, which
    fails if another process won the race — then that process's key is used).
    """
    path = Path(path)
    if path.exists():
        return load_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (secrets.token_bytes(KEY_BYTES).hex() + "\n").encode("ascii"))
        os.fsync(fd)
        os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        Path(tmp).unlink(missing_ok=True)
    return load_key(path)


def normalize_code(text: str) -> str | None:
    """``XXXXX-XXXXX`` from what a person typed (case, spaces, dashes, 0/1/8 for O/I/B); None if not a code."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -_\t").translate(_LOOKALIKE)
    if len(cleaned) != 10 or not set(cleaned) <= _ALPHABET:
        return None
    return f"{cleaned[:5]}-{cleaned[5:]}"


def code_matches(visit: dict, code: str, seed_key: bytes) -> bool:
    """Whether ``code`` is the HMAC of this visit's fields under the plan's code key (constant time)."""
    frame = pl.DataFrame([visit]).select("visit_id", "subject_id", "date", "departments")
    return hmac.compare_digest(_code(seed_key, _messages(frame)[0]), code)
