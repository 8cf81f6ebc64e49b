"""Vital-sign readings refuse what cannot be a measurement."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical.vitals import BloodPressure, HeartRate


def test_a_plausible_reading_reads_as_usual() -> None:
    bp = BloodPressure(systolic_mmhg=128, diastolic_mmhg=82)
    assert str(bp) == "128/82 mmHg"
    assert HeartRate(72).bpm == 72


@pytest.mark.parametrize(
    ("systolic", "diastolic", "field"),
    [
        (49, 30, "top number"),
        (301, 90, "top number"),
        (120, 19, "bottom number"),
        (250, 201, "bottom number"),
        (True, 80, "top number"),
        ("120", 80, "top number"),
        (120, math.nan, "bottom number"),
    ],
)
def test_an_impossible_reading_names_its_number_in_plain_words(
    systolic: object, diastolic: object, field: str
) -> None:
    # A patient reads this (issue 14): the number in their words, never "systolic_mmhg".
    with pytest.raises(ValueError, match=field) as refused:
        BloodPressure(systolic_mmhg=systolic, diastolic_mmhg=diastolic)  # type: ignore[arg-type]
    assert "_mmhg" not in str(refused.value)


def test_swapped_numbers_are_caught() -> None:
    with pytest.raises(ValueError, match="swapped"):
        BloodPressure(systolic_mmhg=80, diastolic_mmhg=120)


@pytest.mark.parametrize("bpm", [19, 251, math.nan, False])
def test_an_impossible_heart_rate_is_refused(bpm: float) -> None:
    with pytest.raises(ValueError, match="heart rate"):
        HeartRate(bpm)  # type: ignore[arg-type]


@given(st.integers(50, 300), st.integers(20, 200))
def test_any_ordered_reading_in_range_is_accepted(systolic: int, diastolic: int) -> None:
    if diastolic < systolic:
        assert BloodPressure(systolic, diastolic).systolic_mmhg == systolic
    else:
        with pytest.raises(ValueError, match="swapped"):
            BloodPressure(systolic, diastolic)
