"""The dose preview: plasma ketamine over time, drawn as an SVG the plan editor can inline.

Django-free: the `ketacare pk plot` command and the plan editor both draw
`render_svg(pk_preview(...))`.
The medicine (the model, the population) is `ketacare.clinical.pk`; `pk_doses` runs it and
says it in words; this module draws it with the shared primitives (`ketacare.reports.svg`):
the planned dose's median and its 5-95% band, the comparison dashed, the legend and the
model's caveats under the plot, and an SVG <title> and <desc> for screen readers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ketacare.clinical.pk import IV_REFERENCE_INFUSION_MIN, IV_REFERENCE_MG_PER_KG
from ketacare.reports import svg
from ketacare.reports.pk_doses import (
    AUC_UNIT,
    ROUTE_NAMES,
    Curve,
    Exposure,
    PkPreview,
    Regimen,
    chart_description,
    chart_title,
    concentration_axes,
    footnotes,
    iv_reference,
    model_notes,
    peak_words,
    pk_preview,
    route_name,
    simulate,
)

__all__ = [
    "AUC_UNIT",
    "COMPARE_COLOUR",
    "IV_REFERENCE_INFUSION_MIN",
    "IV_REFERENCE_MG_PER_KG",
    "PLANNED_COLOUR",
    "ROUTE_NAMES",
    "Exposure",
    "PkPreview",
    "Regimen",
    "chart_description",
    "chart_title",
    "iv_reference",
    "model_notes",
    "pk_preview",
    "render_svg",
    "route_name",
    "simulate",
]

# Drawing: the model's 1-minute curves are thinned to one point every 5 minutes (plus the
# peak itself) so the SVG stays small; the eye cannot tell the difference at this size.
DRAW_STEP_H = 5 / 60
MODEL_STEP_H = 1 / 60  # pk.simulate's and pk.population's default sampling step
PLANNED_COLOUR = "#1f5a99"  # dark blue: 7:1 contrast on white
COMPARE_COLOUR = "#b34700"  # dark orange: 5.5:1 on white, and dashed, so not colour alone
COMPARE_DASH = "12 6"
BAND_OPACITY = 0.18
CURVE_WIDTH = 2.5
# The picture: 720 units wide, as wide as the plan editor shows it, so its text is about
# the size of the page's (13 units; 12 for the footnotes).
WIDTH = 720
MARGIN = 14
TITLE_SIZE, TITLE_LEADING = 16, 20
SIZE, LEADING, ENTRY_GAP = 13, 17, 6
NOTE_SIZE, NOTE_LEADING = 12, 15
PLOT = svg.Area(left=56, top=90, right=WIDTH - 20, bottom=350)
X_TICKS, Y_TICKS = 12, 8  # at most this many steps along each axis
HEADROOM = 1.05  # above the highest curve, before rounding up to a tick


def render_svg(preview: PkPreview) -> str:
    """The preview as a self-contained SVG document: no fonts, scripts or links to fetch.

    The same inputs draw the same picture, byte for byte; its ids all start with one
    made from those inputs, so two previews inlined in one page share none.
    """
    ids = svg.Ids(f"pk-chart-{_salt(preview)}")
    plot = _plot(preview)
    body, height = _body(preview, plot, ids)
    canvas = svg.Canvas(WIDTH, height, shown_width=svg.num(WIDTH), shown_height=svg.num(height))
    return svg.document(
        ids,
        canvas,
        chart_title(preview),
        chart_description(preview),
        svg.backdrop(canvas) + body,
        css=None,
        id_first=True,
    )


def _salt(preview: PkPreview) -> str:
    """A short stable id for this picture, so two charts inlined on one page do not share ids."""
    key = repr((preview.planned, preview.compare, preview.weight_kg, preview.n, preview.hours))
    return hashlib.sha256(key.encode()).hexdigest()[:10]


def _drawn_points(conc: Curve) -> npt.NDArray[np.intp]:
    """Indices to draw: one sample every 5 minutes, plus the sampled peak and the last one."""
    stride = max(1, round(DRAW_STEP_H / MODEL_STEP_H))
    last = conc.size - 1
    return np.union1d(np.arange(0, last + 1, stride), [int(np.argmax(conc)), last]).astype(np.intp)


def _plot(preview: PkPreview) -> svg.Plot:
    """Hours along, ng/mL up: from 0 to a round number above the highest curve."""
    highest = max(float(preview.p95_ng_ml.max()), float(preview.compare_ng_ml.max()))
    top = svg.nice_top(max(highest, 1.0) * HEADROOM, Y_TICKS)
    return svg.Plot.of(PLOT, x=(0, preview.hours), y=(0, top))


def _pixels(plot: svg.Plot, t_h: Curve, conc: Curve) -> list[svg.Point]:
    return [(plot.x(float(t)), plot.y(float(c))) for t, c in zip(t_h, conc, strict=True)]


def _curves(preview: PkPreview, plot: svg.Plot, ids: svg.Ids) -> str:
    """The band, the median and the comparison, clipped to the plot area."""
    drawn = _drawn_points(preview.median_ng_ml)
    t = preview.population_t_h[drawn]
    band = svg.band(
        _pixels(plot, t, preview.p95_ng_ml[drawn]),
        _pixels(plot, t, preview.p5_ng_ml[drawn]),
        fill=PLANNED_COLOUR,
        opacity=BAND_OPACITY,
    )
    median = svg.polyline(
        _pixels(plot, t, preview.median_ng_ml[drawn]), stroke=PLANNED_COLOUR, width=CURVE_WIDTH
    )
    ref = _drawn_points(preview.compare_ng_ml)
    comparison = svg.polyline(
        _pixels(plot, preview.compare_t_h[ref], preview.compare_ng_ml[ref]),
        stroke=COMPARE_COLOUR,
        width=CURVE_WIDTH,
        dash=COMPARE_DASH,
    )
    return svg.clip_to(ids, "plot", plot.area) + svg.group(
        [
            svg.group([band], css="population"),
            svg.group([median], css="median"),
            svg.group([comparison], css="comparison"),
        ],
        clip_path=ids.url("plot"),
    )


def _axes(preview: PkPreview, plot: svg.Plot) -> str:
    hours = svg.nice_ticks(0, preview.hours, X_TICKS, integer=True)
    levels = svg.nice_ticks(plot.y.low, plot.y.high, Y_TICKS)
    return concentration_axes(plot, hours, levels, size=SIZE, y_title_x=MARGIN)


def _legend_entries(preview: PkPreview) -> list[svg.Entry]:
    weight_kg, planned = preview.weight_kg, preview.planned
    return [
        svg.Entry(
            (
                f"{planned.describe(weight_kg)}, median",
                f"typical patient: {peak_words(preview.planned_typical)}",
            ),
            svg.Swatch(PLANNED_COLOUR, width=CURVE_WIDTH),
        ),
        svg.Entry(
            (
                (
                    f"{route_name(planned.route)}: 90% of {preview.n:,} simulated patients "
                    "(5th-95th percentile)"
                ),
            ),
            svg.Swatch(PLANNED_COLOUR, shaded=BAND_OPACITY),
        ),
        svg.Entry(
            (
                f"{preview.compare.describe(weight_kg)}, dashed",
                f"typical patient: {peak_words(preview.compare_typical)}",
            ),
            svg.Swatch(COMPARE_COLOUR, dash=COMPARE_DASH, width=CURVE_WIDTH),
        ),
    ]


def _lines(x: float, y: float, lines: Sequence[str], *, size: float, leading: float) -> str:
    """Lines of text one under the other, the first baseline at y."""
    return "".join(
        svg.text(x, y + i * leading, words, size=size, fill=svg.MUTED, halo=False)
        for i, words in enumerate(lines)
    )


def _body(preview: PkPreview, plot: svg.Plot, ids: svg.Ids) -> tuple[str, float]:
    """Everything drawn, top to bottom, and the height it takes."""
    title = [chart_title(preview), f"compared with {preview.compare.describe(preview.weight_kg)}"]
    heading = svg.group(
        [
            svg.text(MARGIN, MARGIN + 10 + i * TITLE_LEADING, words, size=TITLE_SIZE, halo=False)
            for i, words in enumerate(title)
        ],
        css="heading",
    )
    entries = _legend_entries(preview)
    legend_top = plot.area.bottom + 64
    legend = svg.legend(entries, x=MARGIN, y=legend_top, size=SIZE, leading=LEADING, gap=ENTRY_GAP)
    notes_top = legend_top + svg.legend_height(entries, leading=LEADING, gap=ENTRY_GAP) + 10
    notes = [
        line
        for note in footnotes(preview)
        for line in svg.wrap(note, WIDTH - 2 * MARGIN, NOTE_SIZE)
    ]
    written = svg.group(
        [_lines(MARGIN, notes_top, notes, size=NOTE_SIZE, leading=NOTE_LEADING)], css="footnotes"
    )
    height = notes_top + (len(notes) - 1) * NOTE_LEADING + MARGIN
    body = heading + _axes(preview, plot) + _curves(preview, plot, ids) + legend + written
    return body, height
