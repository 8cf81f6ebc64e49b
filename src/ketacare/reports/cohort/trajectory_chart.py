"""The trajectory classes over time: each class's mean score at each assessment.

One line a class, told apart by dash pattern and marker shape (never by colour alone)
and labelled at its right end with its name and share; the table holds every number.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.safestring import mark_safe

from ketacare.reports import svg
from ketacare.reports.charts.common import Chart
from ketacare.reports.cohort.charts import CLASS_STYLES
from ketacare.reports.cohort.rows import INSTRUMENT_WORDS, ClassPath, percent

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 170, 40, 40
LABEL_GAP = 15  # between two class labels at the right end


def _assessments(classes: Sequence[ClassPath]) -> list[str]:
    names: dict[str, None] = {}
    for cls in classes:
        names.update(dict.fromkeys(label for label, _ in cls.points))
    return list(names)


def _line(plot: svg.Plot, cls: ClassPath, where: dict[str, int], style: int) -> str:
    dash, shape = CLASS_STYLES[style % len(CLASS_STYLES)]
    pixels = [(plot.x(where[label]), plot.y(value)) for label, value in cls.points]
    parts = [svg.polyline(pixels, stroke=svg.SERIES, dash=dash)] if len(pixels) > 1 else []
    parts += [
        svg.marker(shape, x, y, fill=svg.WHITE, value=round(v, 1))
        for (x, y), (_, v) in zip(pixels, cls.points, strict=True)
    ]
    return svg.group(parts, css=f"class class-{style}")


def _end_labels(plot: svg.Plot, classes: Sequence[ClassPath], where: dict[str, int]) -> str:
    """Each class named at its line's end, pushed apart so no two overlap."""
    ends = sorted(
        ((plot.y(cls.points[-1][1]), plot.x(where[cls.points[-1][0]]), cls)
         for cls in classes if cls.points),
        key=lambda end: end[0],
    )  # fmt: skip
    parts: list[str] = []
    lowest: float = -LABEL_GAP
    for y, x, cls in ends:
        y_shown = max(y + 4, lowest + LABEL_GAP)
        lowest = y_shown
        words = f"{cls.label} ({percent(cls.share)}, n={cls.n})"
        parts.append(svg.text(x + 10, y_shown, words, size=12))
    return svg.group(parts, css="class-labels")


def trajectory_chart(instrument: str, classes: Sequence[ClassPath]) -> Chart:
    """The mean path of each class of `instrument` (a line each, labelled)."""
    name = INSTRUMENT_WORDS.get(instrument, instrument)
    labels = _assessments(classes)
    where = {label: i for i, label in enumerate(labels)}
    values = [v for cls in classes for _, v in cls.points] or [0.0]
    top = svg.nice_top(max(values))
    area = svg.Area(LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM)
    plot = svg.Plot.of(area, x=(0, max(1, len(labels) - 1)), y=(0, top), x_pad=16)
    ticks = svg.nice_ticks(0, top, integer=True)
    body = [
        svg.backdrop(svg.Canvas(WIDTH, HEIGHT)),
        svg.grid(plot, ys=ticks),
        svg.y_labels(plot, ticks),
        svg.axis_lines(area),
        svg.x_labels(plot, list(range(len(labels))), size=11, fmt=lambda v: labels[int(v)]),
        svg.text(4, 20, f"Mean {name} total", size=12),
        *(_line(plot, cls, where, i) for i, cls in enumerate(classes)),
        _end_labels(plot, classes, where),
    ]
    description = "; ".join(
        f"{cls.label}: {cls.n} patients ({percent(cls.share)}), mean "
        + ", ".join(f"{label} {value:.1f}" for label, value in cls.points)
        for cls in classes
    )
    picture = svg.document(
        svg.Ids(f"cohort-classes-{instrument}"),
        svg.Canvas(WIDTH, HEIGHT, shown_width=str(WIDTH)),
        f"{name} trajectory classes: mean score at each assessment",
        description or "No trajectory class to show.",
        "".join(body),
    )
    return Chart(
        key=f"classes-{instrument}",
        title=f"{name} trajectory classes",
        svg=mark_safe(picture),  # noqa: S308 - built by reports.svg, every text escaped
        headers=("Class", "Patients", "Share", *labels),
        rows=tuple(
            (
                cls.label,
                str(cls.n),
                percent(cls.share),
                *(_value(cls, label) for label in labels),
            )
            for cls in classes
        ),
    )


def _value(cls: ClassPath, label: str) -> str:
    found = dict(cls.points).get(label)
    return "" if found is None else f"{found:.1f}"
