"""The drawing primitives every chart shares: one SVG implementation of each.

    from ketacare.reports import svg

    plot = svg.Plot.of(svg.Area(40, 30, 350, 210), x=(0, 12), y=(0, 300))
    body = svg.grid(plot, ys=svg.nice_ticks(0, 300)) + svg.polyline(pixels, stroke=svg.SERIES)
    picture = svg.document(svg.Ids("chart-x"), svg.Canvas(360, 250), "Title", "In words", body)

Hand-written SVG: a chart is a few lines, points and words, drawn in well under a
millisecond, scaled through its viewBox, with text that stays text (screen readers read
it, nothing to fetch). Every picture says what it shows in words (<title>, <desc>), its
ids start with its own (several pictures inline in one page), and nothing tells a series
apart by colour alone: dash patterns, marker shapes and labels do. Django-free.
"""

from ketacare.reports.svg.axes import (
    MIN_SPAN,
    Area,
    Plot,
    Scale,
    axis_lines,
    clip_to,
    grid,
    nice_step,
    nice_ticks,
    nice_top,
    tick_marks,
    x_labels,
    x_title,
    y_labels,
    y_title,
)
from ketacare.reports.svg.layout import CHAR_WIDTH, Box, Layout, pack, text_box, text_width, wrap
from ketacare.reports.svg.legend import SWATCH_WIDTH, Entry, Swatch, legend, legend_height
from ketacare.reports.svg.markup import (
    FONT_FAMILY,
    GRID,
    INK,
    LABEL_SIZE,
    MARKER_SHAPES,
    MUTED,
    NAMESPACE,
    REFERENCE,
    SERIES,
    WHITE,
    XML_PROLOGUE,
    Canvas,
    Ids,
    Point,
    attributes,
    backdrop,
    band,
    document,
    element,
    group,
    line,
    marker,
    num,
    points,
    polygon,
    polyline,
    text,
)

__all__ = [
    "CHAR_WIDTH",
    "FONT_FAMILY",
    "GRID",
    "INK",
    "LABEL_SIZE",
    "MARKER_SHAPES",
    "MIN_SPAN",
    "MUTED",
    "NAMESPACE",
    "REFERENCE",
    "SERIES",
    "SWATCH_WIDTH",
    "WHITE",
    "XML_PROLOGUE",
    "Area",
    "Box",
    "Canvas",
    "Entry",
    "Ids",
    "Layout",
    "Plot",
    "Point",
    "Scale",
    "Swatch",
    "attributes",
    "axis_lines",
    "backdrop",
    "band",
    "clip_to",
    "document",
    "element",
    "grid",
    "group",
    "legend",
    "legend_height",
    "line",
    "marker",
    "nice_step",
    "nice_ticks",
    "nice_top",
    "num",
    "pack",
    "points",
    "polygon",
    "polyline",
    "text",
    "text_box",
    "text_width",
    "tick_marks",
    "wrap",
    "x_labels",
    "x_title",
    "y_labels",
    "y_title",
]
