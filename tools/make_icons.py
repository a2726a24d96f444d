"""Draw the app's icons (static/icons/*.png): run once, the PNG files are committed.

Needs Pillow, which the app itself does not use: `pip install pillow` then
`python tools/make_icons.py`. The drawing: three stops joined by a walking line,
white on the app's blue; the maskable icon keeps it inside the central safe circle
(80 % of the width) that launchers may crop to.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (11, 92, 173, 255)  # --accent in static/css/app.css
WHITE = (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "static" / "icons"
SCALE = 4  # draw large, then shrink: smooth edges without an anti-aliasing API


def draw(size: int, maskable: bool) -> Image.Image:
    """One icon of ``size`` pixels, square and full-bleed when ``maskable``."""
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle([0, 0, big, big], fill=BLUE)
        box = 0.62  # the drawing's share of the width, well inside the safe circle
    else:
        pen.rounded_rectangle([0, 0, big - 1, big - 1], radius=big * 0.18, fill=BLUE)
        box = 0.78
    margin = big * (1 - box) / 2
    span = big * box

    def at(x: float, y: float) -> tuple[float, float]:
        return margin + x * span, margin + y * span

    stops = [at(0.12, 0.82), at(0.42, 0.50), at(0.86, 0.18)]
    line = max(2, round(span * 0.06))
    # The walk: dashes between the stops, like the map's unrouted legs.
    for (x0, y0), (x1, y1) in zip(stops, stops[1:], strict=False):
        steps = 7
        for i in range(0, steps, 2):
            a = (x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps)
            b = (x0 + (x1 - x0) * (i + 1) / steps, y0 + (y1 - y0) * (i + 1) / steps)
            pen.line([a, b], fill=WHITE, width=line)
    for index, (x, y) in enumerate(stops):
        radius = span * (0.13 if index == len(stops) - 1 else 0.09)
        pen.ellipse([x - radius, y - radius, x + radius, y + radius], fill=WHITE)
        inner = radius * 0.45
        pen.ellipse([x - inner, y - inner, x + inner, y + inner], fill=BLUE)
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    """Write icon-192.png, icon-512.png and maskable-512.png."""
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in [
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("maskable-512.png", 512, True),
    ]:
        draw(size, maskable).save(OUT / name, optimize=True)
        print(OUT / name)


if __name__ == "__main__":
    main()
