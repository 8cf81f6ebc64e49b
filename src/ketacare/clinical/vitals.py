"""Vital signs as the clinical rules read them (units in the names)."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Plausibility bounds for a typed or cuffed reading: values outside are an entry or
# device error to re-measure, not a physiological state to reason about. These are
# input-validation limits, not clinical thresholds (those live with their rules).
_SYSTOLIC_RANGE = (50, 300)
_DIASTOLIC_RANGE = (20, 200)
_HEART_RATE_RANGE = (20, 250)


# The blood-pressure limits every rule starts from, in one place (eligibility at intake,
# the pre-dose gate, post-dose checks); each rule's settings may override them.
# CLINICAL.md D: "consider delaying if > 140/90 (default gate; configurable)".
BP_DELAY_GATE_MMHG = (140, 90)
# CLINICAL.md D: a hard stop at >= 160/100 is "our clinic default, not a published number".
BP_HARD_STOP_MMHG = (160, 100)


def _check(what: str, value: float, bounds: tuple[int, int]) -> None:
    """`what` in the reader's words ("the top number (systolic)"): a patient reads these."""
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ValueError(f"Give {what} as a number.")
    if not low <= value <= high:
        raise ValueError(
            f"{what[0].upper()}{what[1:]} cannot be {value}: it is between {low} and {high}. "
            "Measure again and type the number your monitor shows."
        )


def check_systolic(value: float) -> None:
    """One reading's top number alone (a form may give it before the other)."""
    _check("the top number (systolic)", value, _SYSTOLIC_RANGE)


def check_diastolic(value: float) -> None:
    _check("the bottom number (diastolic)", value, _DIASTOLIC_RANGE)


@dataclass(frozen=True)
class BloodPressure:
    systolic_mmhg: int
    diastolic_mmhg: int

    def __post_init__(self) -> None:
        check_systolic(self.systolic_mmhg)
        check_diastolic(self.diastolic_mmhg)
        if self.diastolic_mmhg >= self.systolic_mmhg:
            raise ValueError(
                f"The bottom number ({self.diastolic_mmhg}) is not below the top number "
                f"({self.systolic_mmhg}): the two were probably swapped."
            )

    def __str__(self) -> str:
        return f"{self.systolic_mmhg}/{self.diastolic_mmhg} mmHg"


@dataclass(frozen=True)
class HeartRate:
    bpm: int

    def __post_init__(self) -> None:
        _check("the heart rate", self.bpm, _HEART_RATE_RANGE)
