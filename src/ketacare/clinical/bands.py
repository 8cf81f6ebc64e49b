"""Exact percentiles of a population, one row at a time, without sorting each row.

Row k holds every simulated patient's concentration at time k. `np.percentile`'s default
("linear") method interpolates between the order statistics at ranks floor(h) and
floor(h) + 1, h = (n - 1) p / 100, so a percentile needs two order statistics, not a sort.

Successive rows are close, so each percentile keeps a bracket [lo, hi]: last row's values a
margin of ranks either side of its pair, moved on by as much as the pair last moved. Passes
over the row count below = #(x < lo) and collect the values in the bracket, upto - below of
them; if below <= k and upto > k + 1 the pair is among them, and sorting those few (this
row's ranks below to upto - 1) gives the pair and next row's bracket. A bracket that misses
is stretched once past the pair, by the spacing of the values it held, and counted again;
if that misses too, `np.partition` of the whole row finds the pair. A miss doubles that
percentile's margin, which shrinks back while its brackets hold.

The passes compare a float32 copy of the row, at a third of the cost: rounding to float32 is
monotone, so with float32 bounds x32 < lo implies x < lo and x32 > hi implies x > hi, and
the values with lo <= x32 <= hi are exactly this row's order statistics at ranks below to
upto - 1. Those are sorted in float64, and the interpolation repeats numpy's arithmetic, so
every result equals `np.percentile(row, percentiles)` bit for bit (but for the sign of a
zero). Rows must be free of NaN.

    bands = RunningPercentiles(n=100_000, percentiles=(5, 50, 95))
    for row in concentrations:  # one time point at a time
        p5, p50, p95 = bands.add(row)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
Indices = NDArray[np.intp]

# Below this many values per row, `np.partition` of the whole row costs less than brackets.
MIN_BRACKETED = 4096
# The margin of ranks kept either side of a percentile's pair, as a fraction of n.
MARGIN_FRACTION = 1 / 2000
MIN_MARGIN = 8
# A miss doubles a margin, up to a fraction of n; it shrinks back by a fraction of itself
# per row its bracket holds.
MAX_MARGIN_FRACTION = 1 / 50
MARGIN_DECAY = 1 / 8
# A missed bracket is stretched once, this many times as far as its values' spacing says.
RETRY_REACH = 2
# A bracket holding more than this fraction of the row (ties) is not worth sorting.
MAX_INSIDE_FRACTION = 1 / 4
MIN_MAX_INSIDE = 64

_INFINITY = np.float32(np.inf)


@dataclass(slots=True)
class _Bracket:
    """One percentile's pair of ranks and the bracket of values expected around it."""

    low_rank: int
    high_rank: int
    margin: int
    # Empty before the first row: below >= upto, so the pair is never inside.
    lo: np.float32 = _INFINITY
    hi: np.float32 = -_INFINITY
    pair: tuple[float, float] | None = None  # last row's pair of order statistics

    def holds(self, below: int, upto: int) -> bool:
        """Whether a bracket with below = #(x < lo) and upto = #(x <= hi) holds the pair."""
        return below <= self.low_rank and upto > self.high_rank


class RunningPercentiles:
    """Exact percentiles of successive rows that change little from one row to the next."""

    def __init__(
        self,
        n: int,
        percentiles: Iterable[float],
        *,
        margin: int | None = None,
        min_bracketed: int = MIN_BRACKETED,
    ) -> None:
        """Percentiles (0-100) of rows of n values.

        margin: the fewest ranks kept either side of each pair (default n / 2000); rows
        shorter than min_bracketed are partitioned whole.
        """
        levels = tuple(float(p) for p in percentiles)
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        if not levels or not all(0 <= p <= 100 for p in levels):  # noqa: PLR2004 - percent
            raise ValueError(f"percentiles must be one or more of 0 to 100, got {levels}")
        self._n = n
        self._margin = max(MIN_MARGIN, int(n * MARGIN_FRACTION)) if margin is None else margin
        if self._margin < 0:
            raise ValueError(f"margin must not be negative, got {margin}")
        self._max_margin = max(self._margin, int(n * MAX_MARGIN_FRACTION))
        self._max_inside = max(MIN_MAX_INSIDE, int(n * MAX_INSIDE_FRACTION))
        self._bracketing = n >= min_bracketed
        self._low_ranks, self._high_ranks, self._gamma = _ranks(n, levels)
        self._brackets = [
            _Bracket(low, high, self._margin)
            for low, high in zip(self._low_ranks.tolist(), self._high_ranks.tolist(), strict=True)
        ]
        self._row32 = np.empty(n, dtype=np.float32)
        self._under = np.empty(n, dtype=bool)
        self._upto = np.empty(n, dtype=bool)
        self.fallbacks = 0  # rows partitioned whole
        self.retries = 0  # brackets missed and stretched

    def add(self, row: Array) -> Array:
        """The row's percentiles, in the order given: `np.percentile(row, percentiles)`."""
        values = np.asarray(row, dtype=np.float64)
        if values.shape != (self._n,):
            raise ValueError(f"expected a row of {self._n} values, got shape {values.shape}")
        if not self._bracketing:
            ordered = np.partition(values, sorted({*self._low_ranks, *self._high_ranks}))
            return _lerp(ordered[self._low_ranks], ordered[self._high_ranks], self._gamma)
        with np.errstate(over="ignore"):  # beyond float32's range is +-inf: still monotone
            return self._bracketed(values)

    def _bracketed(self, values: Array) -> Array:
        self._row32[...] = values
        low = np.empty(len(self._brackets))
        high = np.empty(len(self._brackets))
        missed = []
        for j, bracket in enumerate(self._brackets):
            pair = self._from_bracket(bracket, values)
            if pair is None:
                missed.append(j)
            else:
                low[j], high[j] = pair
        if missed:
            ordered = self._fall_back(values, missed)
            low[missed] = ordered[self._low_ranks[missed]]
            high[missed] = ordered[self._high_ranks[missed]]
        return _lerp(low, high, self._gamma)

    def _from_bracket(self, bracket: _Bracket, values: Array) -> tuple[float, float] | None:
        """The pair from the values in the bracket, or None when it is not in there."""
        below, inside = self._inside(bracket)
        if not bracket.holds(below, below + inside.size):
            if not self._widen(bracket, below, below + inside.size):
                return None
            below, inside = self._inside(bracket)
            if not bracket.holds(below, below + inside.size):
                return None
        if inside.size > self._max_inside:
            return None
        ordered = np.sort(values[inside])  # this row's order statistics from `below` on
        first, second = bracket.low_rank - below, bracket.high_rank - below
        pair = float(ordered[first]), float(ordered[second])
        bracket.margin = max(self._margin, bracket.margin - int(bracket.margin * MARGIN_DECAY))
        lo = _extend(ordered, first - bracket.margin)
        _aim(bracket, lo, _extend(ordered, second + bracket.margin), pair)
        return pair

    def _inside(self, bracket: _Bracket) -> tuple[int, Indices]:
        """#(x < lo) on this row, and the patients with lo <= x32 <= hi."""
        np.less(self._row32, bracket.lo, out=self._under)
        below = int(np.count_nonzero(self._under))
        np.less_equal(self._row32, bracket.hi, out=self._upto)
        return below, np.flatnonzero(np.greater(self._upto, self._under, out=self._upto))

    def _widen(self, bracket: _Bracket, below: int, upto: int) -> bool:
        """Stretch a missed bracket past the pair, by the ranks per value seen inside it.

        False if it held too few distinct values to tell.
        """
        lo, hi = float(bracket.lo), float(bracket.hi)
        if upto <= below or not lo < hi:
            return False
        self.retries += 1
        bracket.margin = self._grown(bracket.margin)
        step = RETRY_REACH * (hi - lo) / (upto - below)  # value per rank, with room to spare
        lo -= max(below - bracket.low_rank + bracket.margin, 0) * step
        hi += max(bracket.high_rank + bracket.margin + 1 - upto, 0) * step
        bracket.lo, bracket.hi = np.float32(lo), np.float32(hi)
        return True

    def _grown(self, margin: int) -> int:
        return min(max(2 * margin, 1), self._max_margin)

    def _fall_back(self, values: Array, missed: list[int]) -> Array:
        """The whole row partitioned at the missed pairs, with their next brackets' ranks."""
        self.fallbacks += 1
        brackets = [self._brackets[j] for j in missed]
        for bracket in brackets:
            bracket.margin = self._grown(bracket.margin)
        aims = [
            (max(b.low_rank - b.margin, 0), min(b.high_rank + b.margin, self._n - 1))
            for b in brackets
        ]
        kth = {rank for b in brackets for rank in (b.low_rank, b.high_rank)}
        ordered = np.partition(values, sorted(kth.union(*aims)))
        for bracket, (low_aim, high_aim) in zip(brackets, aims, strict=True):
            pair = float(ordered[bracket.low_rank]), float(ordered[bracket.high_rank])
            _aim(bracket, float(ordered[low_aim]), float(ordered[high_aim]), pair)
        return ordered


def _extend(ordered: Array, position: int) -> float:
    """The sorted values at a position, continued in a straight line beyond either end."""
    last = ordered.size - 1
    if 0 <= position <= last:
        return float(ordered[position])
    end = 0 if position < 0 else last
    step = (float(ordered[last]) - float(ordered[0])) / last if last else 0.0
    return float(ordered[end]) + (position - end) * step


def _aim(bracket: _Bracket, lo: float, hi: float, pair: tuple[float, float]) -> None:
    """Next row's bracket: [lo, hi] moved as far as the pair moved since last row."""
    if bracket.pair is not None:
        lo += pair[0] - bracket.pair[0]
        hi += pair[1] - bracket.pair[1]
    bracket.lo, bracket.hi, bracket.pair = np.float32(lo), np.float32(hi), pair


def _ranks(n: int, percentiles: tuple[float, ...]) -> tuple[Indices, Indices, Array]:
    """The ranks each percentile interpolates between, and the weight: numpy's arithmetic."""
    virtual = (n - 1) * np.true_divide(np.array(percentiles, dtype=np.float64), 100)
    previous = np.floor(virtual)
    following = previous + 1
    # numpy takes the last value (index -1) at or past the end, and the weight from -1.
    at_end = virtual >= n - 1
    previous[at_end] = -1
    following[at_end] = -1
    gamma = virtual - previous
    return previous.astype(np.intp) % n, following.astype(np.intp) % n, gamma


def _lerp(low: Array, high: Array, gamma: Array) -> Array:
    """The linear interpolation of numpy, operation for operation, so the results are its own."""
    diff = high - low
    result = low + diff * gamma
    np.subtract(high, diff * (1 - gamma), out=result, where=gamma >= 0.5)  # noqa: PLR2004
    return result
