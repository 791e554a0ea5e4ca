"""QR codes as inline SVG (segno, pure Python): nothing loaded from outside the page."""

import segno
from django.utils.safestring import SafeString, mark_safe


def qr_svg(text: str, *, scale: int = 4) -> SafeString:
    """An ``<svg>`` element encoding ``text`` (error correction M), to put straight into a page."""
    svg = segno.make(text, error="m", micro=False).svg_inline(scale=scale, dark="#000", light="#fff")
    return mark_safe(svg)  # noqa: S308 - segno's own markup; ``text`` is XML-escaped in no part of it
