"""QR codes as inline SVG (segno, pure Python): nothing loaded from outside the page."""

from functools import lru_cache

import segno
from django.utils.safestring import SafeString, mark_safe


@lru_cache(maxsize=1024)
def qr_svg(text: str, *, scale: int = 4) -> SafeString:
    """An ``<svg>`` element encoding ``text`` (error correction M), to put straight into a page.

    Kept per process by ``text``: encoding takes a few tens of milliseconds in pure Python, and a
    cadre opens the same closed issue's or platform's page, with the same link, again and again."""
    svg = segno.make(text, error="m", micro=False).svg_inline(scale=scale, dark="#000", light="#fff")
    return mark_safe(svg)  # noqa: S308 - segno's own markup; ``text`` is XML-escaped in no part of it
