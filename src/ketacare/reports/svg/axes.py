"""Axes: scales from data to the viewBox, round ticks, grid lines, tick marks and labels."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ketacare.reports.svg.markup import GRID, LABEL_SIZE, Ids, element, group, line, num, text

MIN_SPAN = 1e-9
_MANTISSAS = (1.0, 2.0, 2.5, 5.0)  # round steps: 1, 2, 2.5 and 5 times a power of ten


@dataclass(frozen=True)
class Scale:
    """A linear map from data (low to high) to pixels (start to end; end < start is fine).

    A span of no width maps every value to the middle.
    """

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        if abs(self.high - self.low) < MIN_SPAN:
            return (self.start + self.end) / 2
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


@dataclass(frozen=True)
class Area:
    """The plot area in the viewBox: inside its axes."""

    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class Plot:
    area: Area
    x: Scale
    y: Scale

    @classmethod
    def of(
        cls, area: Area, x: tuple[float, float], y: tuple[float, float], *, x_pad: float = 0
    ) -> Plot:
        """Data ranges over the area; `x_pad` keeps the first and last x off the axes."""
        return cls(
            area,
            Scale(x[0], x[1], area.left + x_pad, area.right - x_pad),
            Scale(y[0], y[1], area.bottom, area.top),
        )


def clip_to(ids: Ids, part: str, area: Area) -> str:
    """The area as a clip path, in <defs>: draw inside it with clip_path=ids.url(part)."""
    rect = element(
        "rect",
        x=area.left,
        y=area.top,
        width=area.right - area.left,
        height=area.bottom - area.top,
    )
    return element("defs", element("clipPath", rect, id=ids(part)))


def nice_step(span: float, target: int, *, integer: bool = False) -> float:
    """The smallest round step that cuts `span` into at most `target` parts."""
    span = max(span, 1.0 if integer else MIN_SPAN)
    scale = 10.0 ** math.floor(math.log10(span / target))
    if integer:
        scale = max(scale, 1.0)
    while True:
        for mantissa in _MANTISSAS:
            step = mantissa * scale
            if integer and step != int(step):
                continue
            if span / step <= target + MIN_SPAN:
                return step
        scale *= 10


def nice_ticks(low: float, high: float, target: int = 5, *, integer: bool = False) -> list[float]:
    """Round ticks from low to high (both inside), about `target` of them."""
    step = nice_step(high - low, target, integer=integer)
    first = math.floor(low / step) * step
    count = math.floor((high - first) / step + MIN_SPAN)
    ticks = [first + i * step for i in range(count + 1)]
    return [round(t, 10) for t in ticks if t >= low - MIN_SPAN]


def nice_top(high: float, target: int = 5) -> float:
    """The round number at or just above `high`: where an axis from 0 should end."""
    step = nice_step(high, target)
    return math.ceil(high / step - MIN_SPAN) * step


def grid(plot: Plot, *, xs: Iterable[float] = (), ys: Iterable[float] = ()) -> str:
    """Light lines across the plot area at these values."""
    a = plot.area
    across = [line(a.left, plot.y(v), a.right, plot.y(v), stroke=GRID) for v in ys]
    down = [line(plot.x(v), a.top, plot.x(v), a.bottom, stroke=GRID) for v in xs]
    return group([*across, *down], css="grid")


def axis_lines(area: Area, *, box: bool = False) -> str:
    """The left and the bottom axis (and the top and right with `box`)."""
    lines = [
        line(area.left, area.bottom, area.right, area.bottom),
        line(area.left, area.top, area.left, area.bottom),
    ]
    if box:
        lines += [
            line(area.left, area.top, area.right, area.top),
            line(area.right, area.top, area.right, area.bottom),
        ]
    return "".join(lines)


def tick_marks(plot: Plot, xs: Iterable[float], *, length: float = 5, css: str = "x-marks") -> str:
    """Short marks under the bottom axis at these x values."""
    bottom = plot.area.bottom
    return group(
        [line(plot.x(v), bottom, plot.x(v), bottom + length) for v in xs],
        css=css,
    )


Format = Callable[[float], str]


def y_labels(
    plot: Plot, values: Sequence[float], *, size: float = LABEL_SIZE, fmt: Format = num
) -> str:
    """The values left of the axis, level with their grid lines."""
    x = plot.area.left - 5
    return group(
        [text(x, plot.y(v) + size * 0.3, fmt(v), anchor="end", size=size) for v in values],
        css="y-ticks",
    )


def x_labels(
    plot: Plot, values: Sequence[float], *, size: float = LABEL_SIZE, fmt: Format = num
) -> str:
    """The values under the axis, each centred on its tick."""
    y = plot.area.bottom + 5 + size * 1.05
    return group(
        [text(plot.x(v), y, fmt(v), anchor="middle", size=size) for v in values],
        css="x-ticks",
    )


def x_title(plot: Plot, words: str, *, size: float = LABEL_SIZE) -> str:
    """What the x axis measures, centred under its labels."""
    a = plot.area
    return text(
        (a.left + a.right) / 2, a.bottom + 5 + size * 2.4, words, anchor="middle", size=size
    )


def y_title(plot: Plot, words: str, *, size: float = LABEL_SIZE, x: float | None = None) -> str:
    """What the y axis measures, written level above the plot (no turned text to read)."""
    left = plot.area.left - 5 if x is None else x
    return text(left, plot.area.top - size, words, size=size)
