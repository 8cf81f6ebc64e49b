"""Blood pressure and heart rate before a dose (CLINICAL.md D, G2).

The reading against the delay gate and the hard stop; the day's earlier readings (a hard
stop holds the day, a failure sets a wait before the next reading and counts against
the day's tries); the clinic's heart-rate limits, if it sets any.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ketacare.clinical.predose.facts import EarlierReading, PreDoseFacts, _gate_finding
from ketacare.clinical.safety import (
    DEFAULT_RULES,
    Cause,
    Finding,
    SafetyRules,
    Severity,
    duration,
    utc,
    when,
)
from ketacare.clinical.vitals import BloodPressure, HeartRate

# --- Blood pressure (CLINICAL.md D, G2) ------------------------------------------------------


def _blood_pressure_gate(reading: BloodPressure, rules: SafetyRules) -> Finding | None:
    # Only the more severe of the two limits is reported: a hard stop is also above the gate.
    if rules.bp_hard_stop is not None and rules.bp_hard_stop.reached_by(reading):
        return _gate_finding(
            Cause.BP_GATE_FAILED,
            f"Blood pressure {reading} is at or above the no-dose-today limit "
            f"{rules.bp_hard_stop}.",
            "Do not take the dose today. Your blood pressure is too high for a dose. Call "
            "the clinic: only your clinician can clear a dose today.",
            "CLINICAL.md D",
            Severity.URGENT,
        )
    if rules.bp_delay_gate is not None and rules.bp_delay_gate.exceeded_by(reading):
        return _gate_finding(
            Cause.BP_GATE_FAILED,
            f"Blood pressure {reading} is above the pre-dose limit {rules.bp_delay_gate}.",
            f"Do not take the dose now. Sit quietly and measure your blood pressure again "
            f"in {duration(rules.bp_remeasure_wait)}, or call the clinic.",
            "CLINICAL.md D",
        )
    return None


def _over_limits(reading: BloodPressure, rules: SafetyRules) -> tuple[bool, bool]:
    """(at or above the hard stop, above the delay gate)."""
    hard = rules.bp_hard_stop is not None and rules.bp_hard_stop.reached_by(reading)
    delay = rules.bp_delay_gate is not None and rules.bp_delay_gate.exceeded_by(reading)
    return hard, hard or delay


@dataclass(frozen=True)
class BloodPressureDay:
    """The readings of a patient's day that count: since a clinician's clearance, if any."""

    hard_stops: tuple[EarlierReading, ...]  # at or above the hard stop
    over: tuple[EarlierReading, ...]  # above the delay gate (hard stops included)

    def holds(self, rules: SafetyRules = DEFAULT_RULES) -> bool:
        """Whether only a clinician may clear a dose today (CLINICAL.md G2)."""
        return bool(self.hard_stops) or len(self.over) >= rules.bp_tries_per_day


def blood_pressure_day(
    readings: Iterable[EarlierReading],
    cleared_at: datetime | None,
    rules: SafetyRules = DEFAULT_RULES,
) -> BloodPressureDay:
    """The day's readings over the limits; those before `cleared_at` no longer count."""
    counted = [e for e in readings if cleared_at is None or utc(e.at) > utc(cleared_at)]
    return BloodPressureDay(
        hard_stops=tuple(e for e in counted if _over_limits(e.reading, rules)[0]),
        over=tuple(e for e in counted if _over_limits(e.reading, rules)[1]),
    )


def _blood_pressure_history(facts: PreDoseFacts, rules: SafetyRules) -> list[Finding]:
    """Earlier readings today: a hard stop holds the day, a failure sets a wait and a count.

    Readings before a clinician's clearance today no longer count.
    """
    day = blood_pressure_day(facts.earlier_readings_today, facts.bp_cleared_at, rules)
    hard_stops, failed = day.hard_stops, day.over
    findings: list[Finding] = []
    if hard_stops:
        first = hard_stops[0]
        findings.append(
            _gate_finding(
                Cause.BP_HARD_STOP_TODAY,
                f"A reading of {first.reading} at {when(first.at, facts.zone)} reached the hard "
                "stop today; no dose that day until a clinician clears it.",
                f"Do not take a dose today: your blood pressure was too high at "
                f"{facts.at(first.at)}. Call the clinic: only your clinician can clear a "
                "dose today.",
                "CLINICAL.md D, G2",
            )
        )
    if failed and not hard_stops:  # a hard stop holds the day: no re-measure to wait for
        last = max(failed, key=lambda e: utc(e.at))
        ready = utc(last.at) + rules.bp_remeasure_wait
        if utc(facts.measured_at) < ready:
            findings.append(
                _gate_finding(
                    Cause.BP_REMEASURE_TOO_SOON,
                    f"Re-measured {duration(utc(facts.measured_at) - utc(last.at))} after a "
                    f"reading over the limit ({last.reading} at {when(last.at, facts.zone)}); "
                    f"the wait is {duration(rules.bp_remeasure_wait)}.",
                    f"Please wait: sit quietly and measure again from {facts.at(ready)}.",
                    "CLINICAL.md G2",
                )
            )
    tries = len(failed) + int(_over_limits(facts.blood_pressure, rules)[1])
    if tries >= rules.bp_tries_per_day and not hard_stops:
        findings.append(
            _gate_finding(
                Cause.BP_TRIES_USED,
                f"{tries} readings over the limit today; the clinic allows "
                f"{rules.bp_tries_per_day} a day before a clinician must clear the dose.",
                "No more tries today: your blood pressure has been over the limit too many "
                "times. Call the clinic.",
                "CLINICAL.md G2",
            )
        )
    return findings


def _heart_rate_gate(reading: HeartRate | None, rules: SafetyRules) -> Finding | None:
    low, high = rules.heart_rate_min_bpm, rules.heart_rate_max_bpm
    if low is None and high is None:
        return None
    if reading is None:
        problem = "was not measured; the clinic checks it before every dose"
    elif low is not None and reading.bpm < low:
        problem = f"{reading.bpm} bpm is below the clinic's minimum {low} bpm"
    elif high is not None and reading.bpm > high:
        problem = f"{reading.bpm} bpm is above the clinic's maximum {high} bpm"
    else:
        return None
    return _gate_finding(
        Cause.HEART_RATE_GATE_FAILED,
        f"Heart rate {problem}.",
        "Do not take the dose now. Measure your heart rate again later, or call the clinic.",
        "ketacare clinic setting (CLINICAL.md has no heart-rate limit)",
    )
