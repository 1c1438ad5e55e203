"""The 检查码 as a QR code (segno: pure Python, no image library): an inline SVG for HTML, modules for PDF.

The QR code holds the code itself (``ABCDE-FGH23``), so a phone's camera reads what ``jointcheck code
check`` takes; nothing else about the visit is in it.
"""

from __future__ import annotations

import segno

__all__ = ["qr_svg", "qr_modules"]


def _qr(code: str) -> segno.QRCode:
    return segno.make(code, error="m", micro=False)


def qr_svg(code: str, scale: int = 3) -> str:
    """An inline ``<svg>`` element (no XML declaration), dark modules in black, quiet zone of 4."""
    return _qr(code).svg_inline(scale=scale, border=4, dark="#000", light="#fff")


def qr_modules(code: str) -> list[list[bool]]:
    """The module matrix with its quiet zone of 4: True where a module is dark."""
    return [[bool(m) for m in row] for row in _qr(code).matrix_iter(border=4)]
