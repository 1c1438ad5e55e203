"""Where a printed line may break, for Chinese and English alike (the PDF writer measures; HTML marks tokens).

The rules, after GB/T 15834 (标点符号用法) and the line-breaking practice of Chinese typesetting (JLREQ/CLREQ
禁则), simplified to what the papers print:

* a line may break between two Chinese characters and at a space; never inside a run of Latin letters, digits
  and the joiners ``- _ . / : # + ~`` — ids, 检查码, dates (``2023-02-15``), officer numbers and English words
  stay whole — nor inside a document number (文号, ``沪府发〔2024〕6号``);
* closing punctuation (``，。、；：？！）》」』】〕”’…`` and their Latin forms) and the range mark ``~`` never
  start a line: they stay with what they follow; opening punctuation (``（《「『【〔“‘``) never ends one: it stays with what it opens.

:func:`wrap` fills lines greedily with a measuring function; a token wider than the whole line (a 60-letter
code in a narrow column) is the one thing cut, by characters, as a last resort — the writers size columns and
fonts so that it does not happen (:func:`longest`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["CLOSING", "OPENING", "RANGE", "tokens", "wrap", "longest", "keep_together"]

CLOSING = "，。、；：？！）》」』】〕〉”’…—,.;:?!)]}%"
OPENING = "（《「『【〔〈“‘([{"
RANGE = "~～"
"""The range mark of ``2023-02-15 ~ 2023-03-31``: never starts a line, even after a space."""

_DOCNO = r"[\u4e00-\u9fff]{2,4}[〔\[［(（]\d{4}[〕\]］)）]\d+号"
"""A document number (文号) such as 沪府发〔2024〕6号: one piece, never split."""
_TOKEN = re.compile(_DOCNO + r"|[A-Za-z0-9](?:[A-Za-z0-9_\-./:#+~@'’]*[A-Za-z0-9%])?|\s+|.", re.S)
_NOBREAK = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_\-./:#+~@]*[A-Za-z0-9])?")


def tokens(text: str) -> list[str]:
    """The unbreakable pieces of ``text`` in order, spaces as their own pieces (break points).

    Closing punctuation is glued to the piece before it and opening punctuation to the piece after it, so that
    a break between two pieces obeys both rules."""
    raw = _TOKEN.findall(text)
    out: list[str] = []
    pending = ""  # opening punctuation waiting for what it opens
    for piece in raw:
        if piece.isspace():
            if pending:
                out.append(pending)
                pending = ""
            out.append(piece)
        elif piece in OPENING:
            pending += piece
        elif piece in CLOSING and out and not out[-1].isspace() and not pending:
            out[-1] += piece
        elif piece in RANGE and len(out) > 1 and out[-1].isspace() and not pending:  # "2023-02-15 ~": stays behind
            space = out.pop()
            out[-1] += space + piece
        else:
            out.append(pending + piece)
            pending = ""
    if pending:
        out.append(pending)
    return out


def wrap(text: str, measure: Callable[[str], float], width: float) -> list[str]:
    """``text`` as lines no wider than ``width`` by ``measure``, broken only where the rules allow.

    Explicit newlines are kept; spaces at a break are dropped. Widths add up piece by piece (no kerning across
    pieces), so each piece is measured once."""
    lines: list[str] = []
    for para in text.split("\n"):
        line, used = "", 0.0
        for piece in tokens(para):
            w = measure(piece)
            if piece.isspace():
                if line:
                    line, used = line + piece, used + w
                continue
            if used + w <= width:
                line, used = line + piece, used + w
                continue
            if line.strip():
                lines.append(line.rstrip())
                line, used = "", 0.0
            if w <= width:
                line, used = piece, w
                continue
            for ch in piece:  # one piece wider than a line: cut it, the last resort
                cw = measure(ch)
                if ch in CLOSING and line and used + cw > width:  # closing punctuation hangs in the margin
                    line += ch
                    continue
                if line and used + cw > width:
                    lines.append(line)
                    line, used = "", 0.0
                line, used = line + ch, used + cw
        lines.append(line.rstrip())
    return lines


def longest(text: str, measure: Callable[[str], float]) -> float:
    """The width of the widest unbreakable piece of ``text``: the narrowest a column may be to hold it whole."""
    return max((measure(p) for p in tokens(text) if not p.isspace()), default=0.0)


def keep_together(text: str, mark: Callable[[str], str]) -> str:
    """``text`` with every id-like run that holds a joiner (``2023-02-15``, ``DPXCT-P3MVP``) passed through
    ``mark`` (HTML wraps it in a no-break span); the rest untouched. ``mark`` receives the raw run."""
    text = _NOBREAK.sub(lambda m: mark(m.group(0)) if re.search(r"[\-_./:#+~@]", m.group(0)) else m.group(0), text)
    return re.sub(_DOCNO, lambda m: mark(m.group(0)), text)
