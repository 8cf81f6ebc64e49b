"""Where words go: how much room a text takes, and labels placed where they hide nothing."""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Sequence
from typing import NamedTuple

from ketacare.reports.svg.markup import LABEL_SIZE, Point, text

CHAR_WIDTH = 0.6  # of the font size: about how wide a digit or letter of system-ui is


class Box(NamedTuple):
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )


def text_width(words: str, size: float) -> float:
    return len(words) * size * CHAR_WIDTH


def text_box(x: float, y: float, words: str, anchor: str, size: float = LABEL_SIZE) -> Box:
    """About where a text lands (its baseline at y): wide enough for system-ui digits."""
    width = text_width(words, size)
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return Box(left - 1, y - size * 0.8, left + width + 1, y + size * 0.25)


def wrap(words: str, width: float, size: float) -> list[str]:
    """A text in lines that fit `width` (px of the viewBox) at this font size."""
    return textwrap.wrap(words, int(width / (size * CHAR_WIDTH)), break_on_hyphens=False)


def pack(pieces: Sequence[str], width: float, size: float) -> list[str]:
    """Pieces joined by spaces into lines that fit `width`; a piece is never split."""
    lines: list[str] = []
    for piece in pieces:
        if lines and text_width(f"{lines[-1]} {piece}", size) <= width:
            lines[-1] += f" {piece}"
        else:
            lines.append(piece)
    return lines


class Layout:
    """What is drawn so far, so that a new label can go where it hides nothing.

    It knows the data lines and markers (in pixels) and the labels placed; `place`
    takes the first candidate position inside `bounds` that touches none of them.
    """

    def __init__(self, bounds: Box, size: float = LABEL_SIZE) -> None:
        self.bounds = bounds
        self.size = size
        self.boxes: list[Box] = []
        self.segments: list[tuple[Point, Point]] = []

    def add_line(self, pixels: Sequence[Point]) -> None:
        self.segments += list(itertools.pairwise(pixels))

    def add_marker(self, x: float, y: float, radius: float = 5) -> None:
        self.boxes.append(Box(x - radius, y - radius, x + radius, y + radius))

    def _crosses_data(self, box: Box) -> bool:
        for (ax, ay), (bx, by) in self.segments:
            steps = max(2, int(max(abs(bx - ax), abs(by - ay)) // 2))
            for i in range(steps + 1):
                px, py = ax + (bx - ax) * i / steps, ay + (by - ay) * i / steps
                if box.x0 <= px <= box.x1 and box.y0 <= py <= box.y1:
                    return True
        return False

    def is_free(self, box: Box) -> bool:
        edge = self.bounds
        inside = box.x0 >= edge.x0 and box.x1 <= edge.x1 and box.y0 >= edge.y0
        return (
            inside
            and box.y1 <= edge.y1
            and not any(box.overlaps(other) for other in self.boxes)
            and not self._crosses_data(box)
        )

    def place(
        self, words: str, candidates: Sequence[tuple[float, float, str]], *, required: bool
    ) -> str:
        """The label at the first free candidate (x, y, anchor).

        Where none is free: the first one if `required` (with its white halo), else
        nothing (a data table has the value).
        """
        for x, y, anchor in candidates:
            box = text_box(x, y, words, anchor, self.size)
            if self.is_free(box):
                self.boxes.append(box)
                return text(x, y, words, anchor=anchor, size=self.size)
        if not required:
            return ""
        x, y, anchor = candidates[0]
        self.boxes.append(text_box(x, y, words, anchor, self.size))
        return text(x, y, words, anchor=anchor, size=self.size)
