"""QR codes as inline SVG (segno): no image file, no script, sharp when printed."""

from __future__ import annotations

import segno


def svg(data: str) -> str:
    """An inline ``<svg>`` QR code of ``data``, scaled by CSS (viewBox, no fixed size).

    Error correction M survives a creased or smudged printout; segno picks the smallest
    version that fits. The markup holds only the code's geometry, never ``data`` as text.
    """
    code = segno.make(data, error="m", micro=False)
    return code.svg_inline(scale=1, omitsize=True, svgclass="qr-code", lineclass=None)
