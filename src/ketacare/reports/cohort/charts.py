"""The cohort report's two pictures, server-side SVG with a data table each.

- `rates_chart`: per instrument, each rate (response, remission, worsening) at each
  endpoint, all treated (ITT, a filled circle) and completers (a hollow square), as a dot
  and its 95% interval as a whisker; Hull 2022's rate (CLINICAL.md F) as a dashed mark
  across the rows of its endpoint.
- `trajectory_chart`: the mean score of each trajectory class at each assessment, one
  line a class, told apart by dash pattern and marker shape and labelled at its end.

Nothing depends on colour; every picture has <title>/<desc> and the same numbers as a
table (`Chart.headers`, `Chart.rows`).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.safestring import mark_safe

from ketacare.clinical.outcomes.published import REFERENCE_NAME, REFERENCE_SESSION, reference_rate
from ketacare.reports import svg
from ketacare.reports.charts.common import Chart
from ketacare.reports.cohort.rows import (
    ANALYSIS_WORDS,
    INSTRUMENT_WORDS,
    MEASURE_WORDS,
    RateRow,
    endpoint_session,
    endpoint_words,
    percent,
)

WIDTH = 680
# Shown at its own size (px): a wide page does not blow it up; a narrow one scrolls it.
SHOWN_WIDTH = str(WIDTH)
ROW_HEIGHT = 16
LEFT, RIGHT, TOP = 250, 24, 56
GROUP_GAP = 22
MARKERS = {"itt": ("circle", True), "completer": ("square", False)}  # shape, filled
DASH_REFERENCE = "4 3"
# Line styles of the trajectory classes: dash and marker differ, not only the colour.
CLASS_STYLES = (
    (None, "circle"),
    ("8 4", "square"),
    ("2 4", "diamond"),
    ("10 3 2 3", "triangle"),
    ("6 2", "triangle-down"),
)


def _rate_rows(rows: Sequence[RateRow], measure: str) -> list[RateRow]:
    return [r for r in rows if r.measure == measure]


def _whisker(plot: svg.Plot, row: RateRow, y: float) -> str:
    if row.rate is None or row.low is None or row.high is None:
        return svg.text(plot.x(0) + 4, y + 4, "no patient to judge", size=11)
    shape, filled = MARKERS[row.analysis]
    x_low, x_high = plot.x(row.low * 100), plot.x(row.high * 100)
    return svg.group(
        [
            svg.line(x_low, y, x_high, y, stroke=svg.SERIES, width=2),
            svg.line(x_low, y - 4, x_low, y + 4, stroke=svg.SERIES, width=2),
            svg.line(x_high, y - 4, x_high, y + 4, stroke=svg.SERIES, width=2),
            svg.marker(
                shape,
                plot.x(row.rate * 100),
                y,
                fill=svg.SERIES if filled else svg.WHITE,
                value=round(row.rate * 100, 1),
            ),
        ],
        css=f"rate {row.analysis}",
    )


def _row_label(row: RateRow) -> str:
    """A label short enough to sit left of the plot: "Session 2, ITT (n=40)"."""
    session = endpoint_session(row.endpoint)
    where = endpoint_words(row.endpoint) if session is None else f"Session {session}"
    who = "ITT" if row.analysis == "itt" else "completers"
    return f"{where}, {who} (n={row.n})"


def _reference(
    plot: svg.Plot, instrument: str, measure: str, ys: list[float], heading_y: float
) -> str:
    """Hull 2022's rate: a dashed mark across its endpoint's rows, labelled on the heading."""
    rate = reference_rate(instrument, measure)
    if rate is None or not ys:
        return ""
    x = plot.x(rate * 100)
    words = f"{REFERENCE_NAME} {percent(rate)}"
    return svg.group(
        [
            svg.line(
                x, min(ys) - 7, x, max(ys) + 7, stroke=svg.REFERENCE, width=1.5, dash=DASH_REFERENCE
            ),
            svg.text(x, heading_y, words, size=11, fill=svg.MUTED, anchor="middle"),
        ],
        css="reference",
    )


def _group(plot: svg.Plot, instrument: str, measure: str, rows: list[RateRow], top: float) -> str:
    parts = [svg.text(8, top, MEASURE_WORDS.get(measure, measure), size=13, weight="bold")]
    ys, reference_ys = [], []
    for i, row in enumerate(rows):
        y = top + 14 + i * ROW_HEIGHT
        ys.append(y)
        if endpoint_session(row.endpoint) == REFERENCE_SESSION:
            reference_ys.append(y)
        parts.append(svg.text(LEFT - 8, y + 4, _row_label(row), anchor="end", size=11))
        parts.append(_whisker(plot, row, y))
    parts.append(_reference(plot, instrument, measure, reference_ys, top))
    return "".join(parts)


def _rates_height(groups: list[list[RateRow]]) -> float:
    return TOP + sum(14 + len(g) * ROW_HEIGHT + GROUP_GAP for g in groups) + 30


def _rates_legend() -> str:
    """The two markers as drawn (filled circle, hollow square) and the reference mark."""
    itt = svg.marker("circle", 16, 14, size=4.5)
    completers = svg.marker("square", 196, 14, size=4.5, fill=svg.WHITE)
    mark = svg.line(360, 6, 360, 22, stroke=svg.REFERENCE, width=1.5, dash=DASH_REFERENCE)
    return svg.group(
        [
            itt,
            svg.text(28, 18, "All treated (ITT)", size=12),
            completers,
            svg.text(208, 18, "Completers", size=12),
            mark,
            svg.text(370, 18, f"{REFERENCE_NAME}, after session 4", size=12),
        ],
        css="legend",
    )


def rates_chart(instrument: str, rows: Sequence[RateRow]) -> Chart:
    """Each rate of `instrument` with its 95% interval, ITT and completers, against Hull 2022."""
    name = INSTRUMENT_WORDS.get(instrument, instrument)
    groups = [g for m in MEASURE_WORDS if (g := _rate_rows(rows, m))]
    height = _rates_height(groups)
    plot = svg.Plot.of(svg.Area(LEFT, TOP, WIDTH - RIGHT, height - 30), x=(0, 100), y=(0, 1))
    ticks = [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    body = [svg.backdrop(svg.Canvas(WIDTH, height)), svg.grid(plot, xs=ticks), _rates_legend()]
    body.append(svg.x_labels(plot, ticks, fmt=lambda v: f"{v:g}%"))
    top = TOP + 6
    for group in groups:
        body.append(_group(plot, instrument, group[0].measure, group, top))
        top += 14 + len(group) * ROW_HEIGHT + GROUP_GAP
    description = "; ".join(
        f"{MEASURE_WORDS[r.measure]} {endpoint_words(r.endpoint)} "
        f"{ANALYSIS_WORDS[r.analysis]}: {r.count} of {r.n}, {percent(r.rate)} ({r.interval})"
        for r in rows
    )
    picture = svg.document(
        svg.Ids(f"cohort-rates-{instrument}"),
        svg.Canvas(WIDTH, height, shown_width=SHOWN_WIDTH),
        f"{name}: response, remission and worsening with 95% intervals",
        description or "No rate to show.",
        "".join(body),
    )
    return Chart(
        key=f"rates-{instrument}",
        title=f"{name} rates with 95% intervals",
        svg=mark_safe(picture),  # noqa: S308 - built by reports.svg, every text escaped
        headers=("Measure", "Endpoint", "Analysis", "Count", "n", "Rate", "95% interval"),
        rows=tuple(
            (
                MEASURE_WORDS[r.measure],
                endpoint_words(r.endpoint),
                ANALYSIS_WORDS[r.analysis],
                str(r.count),
                str(r.n),
                percent(r.rate),
                r.interval,
            )
            for r in rows
        ),
    )
