"""The pieces of an SVG picture as text: numbers, attributes, shapes, text, the document.

Every function returns markup with its text already escaped; the document around it is
self-contained (no fonts, scripts, images or links to fetch) and says what it shows in
words (<title>, <desc>, pointed at by aria-labelledby). Django-free: the `ketacare pk`
command draws with it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

NAMESPACE = "http://www.w3.org/2000/svg"
XML_PROLOGUE = '<?xml version="1.0" encoding="utf-8"?>\n'  # for a file on its own: no DTD
FONT_FAMILY = "system-ui, sans-serif"
INK = "#1a1a1a"  # 17:1 on white
MUTED = "#404040"  # footnotes: 10:1 on white
WHITE = "#ffffff"
SERIES = "#1f5a99"  # dark blue, 7:1 on white
REFERENCE = "#595959"  # grey, 7:1 on white
GRID = "#e0e0e0"
LABEL_SIZE = 13  # px of the viewBox: about 11 px on a 360 px phone, inside a card
MARKER_SHAPES = ("circle", "square", "diamond", "triangle", "triangle-down")

Attribute = str | float | None
Point = tuple[float, float]


def num(value: float) -> str:
    """A coordinate or value, to a tenth: "12", "12.5" (never "-0")."""
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def attributes(values: dict[str, Attribute]) -> str:
    """` name="value"` for each value that is not None: numbers to a tenth, text escaped.

    Python names stand for SVG's: a trailing underscore goes (`class_`), underscores are
    hyphens (`stroke_width`, `data_value`).
    """
    parts = []
    for name, value in values.items():
        if value is None:
            continue
        shown = value if isinstance(value, str) else num(value)
        key = name.removesuffix("_").replace("_", "-")
        parts.append(f' {key}="{escape(shown, {chr(34): "&quot;"})}"')
    return "".join(parts)


def element(tag: str, content: str | None = None, /, **values: Attribute) -> str:
    """One element; `content` is markup (already escaped), None for an empty element."""
    opening = f"<{tag}{attributes(values)}"
    return f"{opening}/>" if content is None else f"{opening}>{content}</{tag}>"


def group(parts: Iterable[str], /, *, css: str | None = None, **values: Attribute) -> str:
    return element("g", "".join(parts), class_=css, **values)


def text(  # noqa: PLR0913 - a text's place, words and look, keyword-only
    x: float,
    y: float,
    words: str,
    *,
    anchor: str = "start",
    size: float = 12,
    fill: str = INK,
    weight: str | None = None,
    halo: bool = True,
) -> str:
    """Words with their baseline at y; a white halo keeps them legible over lines."""
    return element(
        "text",
        escape(words),
        x=x,
        y=y,
        text_anchor=anchor,
        font_size=size,
        font_weight=weight,
        fill=fill,
        stroke=WHITE if halo else None,
        stroke_width=3 if halo else None,
        paint_order="stroke" if halo else None,
    )


def line(  # noqa: PLR0913 - two ends and a stroke
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    *,
    stroke: str = INK,
    width: float = 1,
    dash: str | None = None,
) -> str:
    return element(
        "line",
        x1=x1,
        x2=x2,
        y1=y1,
        y2=y2,
        stroke=stroke,
        stroke_width=width,
        stroke_dasharray=dash,
    )


def points(pixels: Iterable[Point]) -> str:
    return " ".join(f"{num(x)},{num(y)}" for x, y in pixels)


def polyline(
    pixels: Sequence[Point], *, stroke: str, width: float = 2.5, dash: str | None = None
) -> str:
    """A line through the points, not filled."""
    return element(
        "polyline",
        points=points(pixels),
        fill="none",
        stroke=stroke,
        stroke_width=width,
        stroke_dasharray=dash,
        stroke_linejoin="round",
    )


def polygon(pixels: Sequence[Point], *, fill: str, opacity: float = 1) -> str:
    """A shaded area: a band between two curves is the upper one there, the lower one back."""
    return element(
        "polygon", points=points(pixels), fill=fill, fill_opacity=None if opacity == 1 else opacity
    )


def band(upper: Sequence[Point], lower: Sequence[Point], *, fill: str, opacity: float) -> str:
    """The area between two curves drawn at the same times."""
    return polygon([*upper, *reversed(lower)], fill=fill, opacity=opacity)


def _outline(shape: str, x: float, y: float, size: float) -> str:
    corners = {
        "square": [(x - size, y - size), (x + size, y - size), (x + size, y + size)],
        "diamond": [(x, y - size), (x + size, y), (x, y + size), (x - size, y)],
        "triangle": [(x, y - size), (x + size, y + size * 0.8), (x - size, y + size * 0.8)],
        "triangle-down": [(x, y + size), (x + size, y - size * 0.8), (x - size, y - size * 0.8)],
    }[shape]
    if shape == "square":
        corners.append((x - size, y + size))
    (x0, y0), *rest = corners
    return f"M{num(x0)} {num(y0)}" + "".join(f"L{num(a)} {num(b)}" for a, b in rest) + "Z"


def marker(  # noqa: PLR0913 - where, which shape, and how it looks
    shape: str,
    x: float,
    y: float,
    *,
    size: float = 4.5,
    fill: str = SERIES,
    stroke: str = SERIES,
    width: float = 2,
    value: float | None = None,
) -> str:
    """A point: one of MARKER_SHAPES; `value` is kept as data-value for the reader."""
    if shape == "circle":
        return element(
            "circle",
            cx=x,
            cy=y,
            r=size,
            fill=fill,
            stroke=stroke,
            stroke_width=width,
            data_value=value,
        )
    return element(
        "path",
        d=_outline(shape, x, y, size),
        fill=fill,
        stroke=stroke,
        stroke_width=width,
        data_value=value,
    )


@dataclass(frozen=True)
class Ids:
    """The ids of one picture, all under its own: several pictures inline in one page."""

    chart: str

    def __call__(self, part: str) -> str:
        return f"{self.chart}-{part}"

    def url(self, part: str) -> str:
        return f"url(#{self(part)})"


@dataclass(frozen=True)
class Canvas:
    """The viewBox of a picture and how big it is shown (by default: as wide as its box)."""

    width: float
    height: float
    shown_width: str = "100%"
    shown_height: str | None = None


def backdrop(canvas: Canvas) -> str:
    """A white ground under the whole picture: legible on a dark page or viewer too."""
    return element("rect", x=0, y=0, width=canvas.width, height=canvas.height, fill=WHITE)


def document(  # noqa: PLR0913 - the picture, its words, and how the root is written
    ids: Ids,
    canvas: Canvas,
    title: str,
    description: str,
    body: str,
    *,
    css: str | None = "chart",
    id_first: bool = False,
) -> str:
    """The whole <svg>, named and described for screen readers.

    `id_first` writes the id before the namespace (pages and tests find the PK preview by
    `<svg id="pk-chart-`); otherwise the namespace comes first.
    """
    first = {"id": ids.chart, "xmlns": NAMESPACE} if id_first else {"xmlns": NAMESPACE}
    opening = "<svg" + attributes(
        {
            **first,
            "id": ids.chart,
            "class": css,
            "role": "img",
            "viewBox": f"0 0 {num(canvas.width)} {num(canvas.height)}",
            "width": canvas.shown_width,
            "height": canvas.shown_height,
            "preserveAspectRatio": "xMidYMid meet",
            "font-family": FONT_FAMILY,
            "aria-labelledby": f"{ids('title')} {ids('desc')}",
        }
    )
    words = element("title", escape(title), id=ids("title")) + element(
        "desc", escape(description), id=ids("desc")
    )
    return f"{opening}>{words}{body}</svg>"
