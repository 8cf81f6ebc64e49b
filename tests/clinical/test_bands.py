"""Running percentiles: every row's answer is `np.percentile`'s, bit for bit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from ketacare.clinical.bands import MIN_BRACKETED, RunningPercentiles

BANDS = (5, 50, 95)


def _identical(got: NDArray[np.float64], want: NDArray[np.float64]) -> bool:
    """Equal bit for bit (a zero's sign aside: adding 0.0 makes -0.0 into 0.0)."""
    return got.dtype == np.float64 and (got + 0.0).tobytes() == (want + 0.0).tobytes()


def _check_rows(
    bands: RunningPercentiles, rows: Iterable[NDArray[np.float64]], percentiles: Sequence[float]
) -> None:
    for k, row in enumerate(rows):
        got, want = bands.add(row), np.percentile(row, percentiles)
        assert _identical(got, want), f"row {k}: {got!r} != {want!r}"


def _curves(n: int, times: NDArray[np.float64], seed: int) -> NDArray[np.float64]:
    """Rows of sums of exponentials (absorption, two disposition phases) per subject."""
    rng = np.random.default_rng(seed)
    absorb, fast, slow = (rng.lognormal(np.log(r), 0.5, n) for r in (3.0, 1.0, 0.2))
    weight = rng.lognormal(0.0, 0.4, (2, n))
    t = times[:, None]
    rows: NDArray[np.float64] = weight[0] * (np.exp(-fast * t) - np.exp(-absorb * t))
    rows += weight[1] * (np.exp(-slow * t) - np.exp(-absorb * t))
    return rows


def test_smooth_curves_match_numpy_and_rarely_fall_back() -> None:
    rows = _curves(20_000, np.arange(200) / 20, seed=1)
    bands = RunningPercentiles(20_000, BANDS)
    _check_rows(bands, rows, BANDS)
    assert bands.fallbacks <= 3  # the all-zero first row, and the row after it


def test_many_percentiles_on_smooth_curves() -> None:
    levels = (0, 0.1, 1, 2.5, 10, 25, 33.3, 50, 50.05, 75, 90, 97.5, 99, 99.9, 100)
    _check_rows(RunningPercentiles(8_000, levels), _curves(8_000, np.arange(60) / 10, 2), levels)


def test_jumps_fall_back_and_stay_exact() -> None:
    rng = np.random.default_rng(3)
    smooth = _curves(10_000, np.arange(1, 40) / 10, seed=4)
    rows = [*smooth[:10], smooth[10] * 50, rng.permutation(smooth[11]), *smooth[12:]]
    bands = RunningPercentiles(10_000, BANDS)
    _check_rows(bands, rows, BANDS)
    assert bands.fallbacks >= 2


def test_a_moderate_jump_is_caught_by_stretching_the_bracket() -> None:
    base = np.arange(1000.0)
    bands = RunningPercentiles(1000, (50,), margin=5, min_bracketed=1)
    _check_rows(bands, [base, base + 1, base + 50], (50,))
    assert (bands.retries, bands.fallbacks) == (1, 1)


def test_a_far_jump_that_stretching_misses_falls_back() -> None:
    base = np.arange(1000.0)
    far = np.where(base < 495, base, base * 1e6)
    bands = RunningPercentiles(1000, (50,), margin=5, min_bracketed=1)
    _check_rows(bands, [base, base + 1, far], (50,))
    assert (bands.retries, bands.fallbacks) == (1, 2)


def test_all_zero_rows_between_smooth_rows() -> None:
    smooth = _curves(6_000, np.arange(1, 30) / 10, seed=5)
    zeros = np.zeros(6_000)
    rows = [zeros, zeros, *smooth[:10], zeros, zeros, *smooth[10:]]
    _check_rows(RunningPercentiles(6_000, BANDS), rows, BANDS)


def test_ties_many_equal_values() -> None:
    smooth = _curves(5_000, np.arange(1, 50) / 10, seed=6)
    rounded = np.round(smooth * 4) / 4  # a handful of distinct values, thousands of each
    _check_rows(RunningPercentiles(5_000, BANDS), rounded, BANDS)


def test_mostly_zero_rows_and_a_bracket_of_one_repeated_value() -> None:
    rng = np.random.default_rng(7)
    rows = [np.where(rng.random(2_000) < share, 0.0, rng.random(2_000)) for share in (0.6,) * 3]
    rows += [np.zeros(2_000), rng.random(2_000), np.zeros(2_000), np.zeros(2_000)]
    _check_rows(RunningPercentiles(2_000, BANDS, min_bracketed=1), rows, BANDS)


def test_values_float32_cannot_tell_apart() -> None:
    # The top tenth beyond float32's range (all inf there), the bottom tenth below its
    # smallest (all 0): the brackets hold them all, and float64 tells them apart.
    rng = np.random.default_rng(8)
    scale = np.concatenate([np.full(500, 1e-50), np.ones(4_000), np.full(500, 1e39)])
    start = rng.permutation(np.sort(rng.lognormal(size=5_000)) * scale)
    bands = RunningPercentiles(5_000, BANDS)
    _check_rows(bands, [(start * (1 + k / 1000)).astype(np.float64) for k in range(10)], BANDS)
    assert bands.fallbacks == 1


def test_rows_all_beyond_float32() -> None:
    rng = np.random.default_rng(9)
    huge, tiny = rng.uniform(1e39, 2e39, 5_000), rng.uniform(0, 1e-50, 5_000)
    rows = [huge, -huge, np.flip(huge), tiny, np.flip(tiny), np.concatenate([tiny, huge])[::2]]
    _check_rows(RunningPercentiles(5_000, BANDS), rows, BANDS)


def test_close_values_the_same_in_float32() -> None:
    base = np.linspace(1.0, 1.0 + 5e-9, 5_000)  # all one float32 value
    later = np.linspace(1.0 + 1e-9, 1.0 + 6e-9, 5_000)
    _check_rows(RunningPercentiles(5_000, BANDS), [base, base[::-1], later], BANDS)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("min_bracketed", [1, MIN_BRACKETED])
def test_tiny_populations(n: int, min_bracketed: int) -> None:
    rng = np.random.default_rng(n)
    rows = [rng.random(n), rng.random(n), np.zeros(n), np.full(n, 2.5)]
    rows += [rows[0] + k * 0.01 for k in range(5)]
    levels = (0, 5, 50, 95, 100)
    _check_rows(RunningPercentiles(n, levels, margin=1, min_bracketed=min_bracketed), rows, levels)


def test_the_same_percentile_twice_and_out_of_order() -> None:
    levels = (95, 5, 50, 5)
    rows = _curves(5_000, np.arange(1, 20) / 10, seed=9)
    _check_rows(RunningPercentiles(5_000, levels), rows, levels)


def test_results_are_float64_in_the_order_asked() -> None:
    bands = RunningPercentiles(4, [50, 0, 100])
    result = bands.add(np.array([3.0, 1.0, 4.0, 2.0]))
    assert result.dtype == np.float64
    assert result.tolist() == [2.5, 1.0, 4.0]


@pytest.mark.parametrize(
    ("n", "percentiles", "margin", "message"),
    [
        (0, BANDS, None, "n must be at least 1"),
        (10, (), None, "one or more"),
        (10, (5, 101), None, "one or more of 0 to 100"),
        (10, (-1,), None, "one or more of 0 to 100"),
        (10, (float("nan"),), None, "one or more of 0 to 100"),
        (10, BANDS, -1, "margin must not be negative"),
    ],
)
def test_bad_arguments_are_refused(
    n: int, percentiles: tuple[float, ...], margin: int | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        RunningPercentiles(n, percentiles, margin=margin)


@pytest.mark.parametrize("shape", [(9,), (11,), (2, 5), ()])
def test_a_row_of_the_wrong_shape_is_refused(shape: tuple[int, ...]) -> None:
    bands = RunningPercentiles(10, BANDS)
    with pytest.raises(ValueError, match="expected a row of 10 values"):
        bands.add(np.zeros(shape))


_FLOATS = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
_LEVELS = st.lists(st.floats(0, 100), min_size=1, max_size=4)


@settings(deadline=None, max_examples=300)
@given(
    rows=st.integers(1, 40).flatmap(
        lambda n: st.lists(st.lists(_FLOATS, min_size=n, max_size=n), min_size=1, max_size=6)
    ),
    levels=_LEVELS,
    margin=st.integers(0, 4),
)
def test_any_rows_match_numpy(rows: list[list[float]], levels: list[float], margin: int) -> None:
    arrays = [np.array(row) for row in rows]
    bands = RunningPercentiles(len(rows[0]), levels, margin=margin, min_bracketed=1)
    _check_rows(bands, arrays, levels)


@settings(deadline=None, max_examples=200)
@given(
    start=st.lists(_FLOATS, min_size=2, max_size=60),
    data=st.data(),
    levels=_LEVELS,
    margin=st.integers(0, 6),
)
def test_drifting_rows_match_numpy(
    start: list[float], data: st.DataObject, levels: list[float], margin: int
) -> None:
    n = len(start)
    drift = np.array(data.draw(st.lists(st.floats(-1, 1), min_size=n, max_size=n)))
    rows = [np.array(start) + k * drift for k in range(data.draw(st.integers(2, 12)))]
    bands = RunningPercentiles(n, levels, margin=margin, min_bracketed=1)
    _check_rows(bands, rows, levels)
