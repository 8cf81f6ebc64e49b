"""What the score and blood-pressure charts share: the frame, the day axis, the references.

The drawing: a 360 x 250 viewBox shown at width 100%: legible on a 360 px phone (the text
shrinks by the card's padding only) and it grows on a desktop. Time runs in days from the
start of the first day shown: the axis is split into whole days, so two sessions of one
day sit inside that day's band.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import NamedTuple

from django.utils.safestring import SafeString, mark_safe

from ketacare.reports import svg

WIDTH, HEIGHT = 360, 250
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 40, 34
AREA = svg.Area(LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM)
LABEL_SIZE = svg.LABEL_SIZE
# Dash patterns tell the reference lines apart without colour (each also has a label).
DASH_BASELINE = "8 4"
DASH_RESPONSE = "3 3"
DASH_REMISSION = "10 3 2 3"
DASH_MCID = "2 6"
DASH_AFTER_DOSE = "6 3"
DASH_GATE = "3 3"
DASH_STOP = "10 3 2 3"
# Beyond this many points the numbers on the points would overlap: the table has them.
MAX_LABELLED_POINTS = 12
_DAILY_TICKS, _WEEKLY_TICKS = 14, 120  # days shown: a tick a day up to 14, a week up to 120
_PAD = 14  # between the axis and the first and last points
_LABEL_HEIGHT = 12

Pixel = tuple[float, float, float]  # x, y and the value drawn there


@dataclass(frozen=True)
class Chart:
    key: str  # "phq9", "gad7", "pcl5", "vitals"
    title: str  # "PHQ-9 over time"
    svg: SafeString  # inline <svg role="img"> with <title>/<desc>, no external refs
    headers: tuple[str, ...]  # the data table alternative
    rows: tuple[tuple[str, ...], ...]


def day(at: datetime, zone: tzinfo) -> date:
    return at.astimezone(zone).date()


def short_date(when: date) -> str:
    return f"{when.day} {when:%b %Y}"


def long_date(when: date) -> str:
    return f"{when.day} {when:%B %Y}"


def frame(t0: float, t1: float, y0: float, y1: float) -> svg.Plot:
    """Days t0 to t1 across the plot (kept off the axes), values y0 to y1 up it."""
    return svg.Plot.of(AREA, x=(t0, t1), y=(y0, y1), x_pad=_PAD)


def layout() -> svg.Layout:
    """Where the labels of a chart may go: anywhere in the picture below its legend."""
    return svg.Layout(svg.Box(0, TOP - 4, WIDTH, HEIGHT))


def day_positions(times: Sequence[datetime], zone: tzinfo) -> tuple[list[float], date, int]:
    """Where each time goes on a day axis: (positions, first day, number of days shown).

    Day k covers [k, k + 1); the n readings of one day are spread evenly inside it, in
    order, so they neither overlap nor look days apart.
    """
    days = [day(at, zone) for at in times]
    first = min(days)
    span = (max(days) - first).days + 1
    per_day = Counter(days)
    seen: Counter[date] = Counter()
    positions = []
    for when in days:
        seen[when] += 1
        positions.append((when - first).days + seen[when] / (per_day[when] + 1))
    return positions, first, span


class Ref(NamedTuple):
    """A labelled horizontal reference line (a baseline, a threshold, a limit)."""

    value: float
    label: str
    dash: str
    css: str


def references(plot: svg.Plot, refs: Sequence[Ref], placed: svg.Layout) -> tuple[str, str]:
    """The lines across the plot, and their labels (drawn last).

    A label goes where it crosses no data line and no other label: above its line at the
    right end, else below it, else at the left end; each line and its label share the
    ref's class.
    """
    lines, labels = [], []
    area = plot.area
    right, left = area.right - 2, area.left + 4
    for ref in sorted(refs, key=lambda r: -r.value):
        y = plot.y(ref.value)
        above, below = y - 3, y + _LABEL_HEIGHT
        rule = svg.line(area.left, y, area.right, y, stroke=svg.REFERENCE, width=1.5, dash=ref.dash)
        lines.append(svg.group([rule], css=ref.css))
        candidates = [
            (right, above, "end"),
            (right, below, "end"),
            (left, above, "start"),
            (left, below, "start"),
        ]
        labels.append(svg.group([placed.place(ref.label, candidates, required=True)], css=ref.css))
    return "".join(lines), "".join(labels)


def _day_step(days: int) -> int:
    """Tick marks on the time axis: every day, or every week, or every four weeks."""
    if days <= _DAILY_TICKS:
        return 1
    return 7 if days <= _WEEKLY_TICKS else 28


def _date_labels(plot: svg.Plot, first_day: date, days: int) -> list[str]:
    """The first and the last day, under their bands (the table lists every reading)."""
    y = plot.area.bottom + 18
    if days == 1:
        return [svg.text(plot.x(0.5), y, short_date(first_day), anchor="middle", size=LABEL_SIZE)]
    last_day = first_day + timedelta(days=days - 1)
    return [
        svg.text(plot.x(0), y, short_date(first_day), size=LABEL_SIZE),
        svg.text(plot.x(days), y, short_date(last_day), anchor="end", size=LABEL_SIZE),
    ]


def axes(plot: svg.Plot, y_label: str, first_day: date, days: int) -> str:
    """Grid and values up the side; a tick at the start of each day (or week) along it."""
    values = svg.nice_ticks(plot.y.low, plot.y.high, integer=True)
    step = _day_step(days)
    # A tick at the start of each day (or week): readings of one day share its band.
    ticks = sorted({*range(0, days + 1, step), days})
    return "".join(
        [
            svg.grid(plot, ys=values),
            svg.y_labels(plot, values),
            svg.axis_lines(plot.area),
            svg.tick_marks(plot, ticks, css="day-ticks"),
            *_date_labels(plot, first_day, days),
            svg.text(4, 14, y_label, size=LABEL_SIZE),
        ]
    )


def value_labels(placed: svg.Layout, pixels: Sequence[Pixel], which: Sequence[int]) -> list[str]:
    """The values of the points `which` (indexes), each where it hides nothing.

    Above, below, right or left of the point; else not at all (the table has it).
    """
    return [
        placed.place(
            svg.num(v),
            [
                (x, y - 8, "middle"),
                (x, y + 18, "middle"),
                (x + 8, y + 4, "start"),
                (x - 8, y + 4, "end"),
            ],
            required=False,
        )
        for x, y, v in (pixels[i] for i in dict.fromkeys(which) if 0 <= i < len(pixels))
    ]


def pixels_of(plot: svg.Plot, points: Sequence[tuple[float, float]]) -> list[Pixel]:
    return [(plot.x(t), plot.y(v), v) for t, v in points]


def series(
    pixels: Sequence[Pixel],
    labels: Sequence[str],
    *,
    css: str,
    dash: str | None = None,
    hollow: bool = False,
) -> str:
    """One line of points (already laid out) with the value labels placed for it."""
    if not pixels:
        return ""
    parts = []
    if len(pixels) > 1:
        parts.append(svg.polyline([(x, y) for x, y, _ in pixels], stroke=svg.SERIES, dash=dash))
    fill = svg.WHITE if hollow else svg.SERIES
    parts += [svg.marker("circle", x, y, fill=fill, value=v) for x, y, v in pixels]
    return svg.group([*parts, *labels], css=css)


def diamonds(pixels: Sequence[Pixel], *, css: str) -> str:
    """Markers on their own, joined to nothing: readings of a session without a dose."""
    if not pixels:
        return ""
    shapes = [
        svg.marker("diamond", x, y, size=6, fill=svg.WHITE, stroke=svg.INK, value=v)
        for x, y, v in pixels
    ]
    return svg.group(shapes, css=css)


def picture(chart_id: str, title: str, description: str, body: str) -> SafeString:
    markup = svg.document(svg.Ids(chart_id), svg.Canvas(WIDTH, HEIGHT), title, description, body)
    # Every piece of text in the picture was escaped where it was written.
    return mark_safe(markup)  # noqa: S308 - built from escaped parts
