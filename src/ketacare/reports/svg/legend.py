"""Legends: what each line, band or marker is, in words beside a sample of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ketacare.reports.svg.markup import WHITE, element, group, line, marker, text

SWATCH_WIDTH = 28
_SWATCH_GAP = 8  # between the sample and its words


@dataclass(frozen=True)
class Swatch:
    """A sample of what is drawn: a line (its colour, dash), a shaded band, or a marker."""

    colour: str
    dash: str | None = None
    width: float = 2.5
    shaded: float | None = None  # the band's opacity: a filled block instead of a line
    marker: str | None = None  # a shape of svg.MARKER_SHAPES, hollow, on the line
    line: bool = True


@dataclass(frozen=True)
class Entry:
    lines: tuple[str, ...]
    swatch: Swatch | None = None


def _sample(swatch: Swatch, x: float, middle: float, size: float) -> str:
    parts = []
    if swatch.shaded is not None:
        parts.append(
            element(
                "rect",
                x=x,
                y=middle - size * 0.45,
                width=SWATCH_WIDTH,
                height=size * 0.9,
                fill=swatch.colour,
                fill_opacity=swatch.shaded,
            )
        )
    elif swatch.line:
        parts.append(
            line(
                x,
                middle,
                x + SWATCH_WIDTH,
                middle,
                stroke=swatch.colour,
                width=swatch.width,
                dash=swatch.dash,
            )
        )
    if swatch.marker is not None:
        parts.append(
            marker(
                swatch.marker,
                x + SWATCH_WIDTH / 2,
                middle,
                size=4,
                fill=WHITE,
                stroke=swatch.colour,
                width=1.6,
            )
        )
    return "".join(parts)


def legend_height(entries: Sequence[Entry], *, leading: float, gap: float) -> float:
    """From the first baseline to below the last line."""
    lines = sum(len(entry.lines) for entry in entries)
    return lines * leading + max(0, len(entries) - 1) * gap


def legend(  # noqa: PLR0913 - where, and the spacing of its lines
    entries: Sequence[Entry],
    *,
    x: float,
    y: float,
    size: float = 12,
    leading: float | None = None,
    gap: float = 0,
    anchor: str = "start",
) -> str:
    """The entries one under the other, the first baseline at y.

    Anchored at the start, each entry's sample is at x and its words after it; anchored
    at the end (words only), the lines end at x.
    """
    step = size * 1.3 if leading is None else leading
    words_x = x + SWATCH_WIDTH + _SWATCH_GAP if anchor == "start" else x
    parts = []
    baseline = y
    for entry in entries:
        if entry.swatch is not None and anchor == "start":
            parts.append(_sample(entry.swatch, x, baseline - size * 0.35, size))
        for words in entry.lines:
            parts.append(text(words_x, baseline, words, anchor=anchor, size=size))
            baseline += step
        baseline += gap
    return group(parts, css="legend")
