"""Checking a dose against a plan's caps: every limit it breaks, with its reason.

Per session (mg and mg/kg), per rolling 7 days on the patient's clock (mg, mg/kg and
sessions) and the least time between doses (CLINICAL.md C: at most twice weekly; G1).
Every broken cap is a `Violation` naming the values, the limit and its source.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from zoneinfo import ZoneInfo

from ketacare.clinical.dosing.clock import _moved, _moved_back, _when, _zone
from ketacare.clinical.dosing.inputs import (
    InvalidDosingInput,
    _exact,
    _require_amount,
    _require_aware,
    _require_weight,
    _text,
)
from ketacare.clinical.dosing.rules import DoseCaps
from ketacare.clinical.safety.clock import duration


class CapBreach(StrEnum):
    """Which limit a dose breaks."""

    SESSION_MG = "session_mg"
    SESSION_MG_PER_KG = "session_mg_per_kg"
    BELOW_SESSION_MINIMUM = "below_session_minimum"
    SEVEN_DAY_MG = "seven_day_mg"
    SEVEN_DAY_MG_PER_KG = "seven_day_mg_per_kg"
    TOO_MANY_SESSIONS = "too_many_sessions"
    TOO_SOON = "too_soon"


@dataclass(frozen=True)
class Violation:
    """One cap a dose breaks, in words naming the values and the limit, and its source."""

    breach: CapBreach
    message: str
    source: str


@dataclass(frozen=True)
class PastDose:
    """A dose already taken: when (aware) and how much."""

    at: datetime
    dose_mg: float

    def __post_init__(self) -> None:
        _require_aware("at", self.at)
        _require_amount("dose_mg", self.dose_mg, "mg")


# CLINICAL.md C: "at most twice weekly", counted over any 7 days on the patient's clock.
ROLLING_DAYS = timedelta(days=7)


def _window_start(at: datetime, zone: ZoneInfo) -> datetime:
    """The start of the 7 days before `at` on the patient's clock, in UTC (exclusive).

    A dose exactly 7 days earlier, at the same wall-clock time, has left the window. Where
    that time is ambiguous (repeated) or missing (skipped), the window starts at the earliest
    instant it names (`clock._moved_back`): it counts more doses, never fewer.
    """
    return _moved_back(at, ROLLING_DAYS, zone)


def _timing_violations(
    caps: DoseCaps, at: datetime, sessions_in_window: int, last: datetime | None, zone: ZoneInfo
) -> list[Violation]:
    found = []
    maximum = caps.max_sessions_per_7_days
    if maximum is not None and sessions_in_window >= maximum:
        found.append(
            Violation(
                CapBreach.TOO_MANY_SESSIONS,
                f"A dose at {_when(at, zone)} would be session {sessions_in_window + 1} in 7 "
                f"days; the plan allows at most {maximum} in any 7 days.",
                caps.source,
            )
        )
    if caps.min_interval is not None and last is not None:
        allowed_from = _moved(last, caps.min_interval, zone)
        if at.astimezone(UTC) < allowed_from:
            found.append(
                Violation(
                    CapBreach.TOO_SOON,
                    f"A dose at {_when(at, zone)} is too soon after the dose at "
                    f"{_when(last, zone)}: the plan asks for at least "
                    f"{duration(caps.min_interval)} between doses, so not before "
                    f"{_when(allowed_from, zone)}.",
                    caps.source,
                )
            )
    return found


def _amount_violations(
    caps: DoseCaps, dose_mg: float, weight_kg: float | None, earlier_in_window_mg: Fraction
) -> list[Violation]:
    """The mg and mg/kg caps a dose breaks, given the mg taken earlier in its 7 days."""
    dose = _exact(dose_mg)
    week = dose + earlier_in_window_mg
    limits = [
        (CapBreach.SESSION_MG, "The dose", dose, caps.max_mg_per_session, "mg"),
        (CapBreach.SEVEN_DAY_MG, "The 7-day total with it", week, caps.max_mg_per_7_days, "mg"),
    ]
    if weight_kg is not None:  # a schedule has no weight; mg/kg is checked at the dose
        kg, at_weight = _exact(weight_kg), f" at {_text(weight_kg)} kg"
        limits += [
            (
                CapBreach.SESSION_MG_PER_KG,
                "The dose" + at_weight,
                dose / kg,
                caps.max_mg_per_kg_per_session,
                "mg/kg",
            ),
            (
                CapBreach.SEVEN_DAY_MG_PER_KG,
                "The 7-day total with it" + at_weight,
                week / kg,
                caps.max_mg_per_kg_per_7_days,
                "mg/kg",
            ),
        ]
    found = [
        Violation(
            breach,
            f"{what}, {_text(amount)} {unit}, is above the cap of {_text(cap)} {unit} "
            f"{'per session' if what.startswith('The dose') else 'per 7 days'}.",
            caps.source,
        )
        for breach, what, amount, cap, unit in limits
        if cap is not None and amount > _exact(cap)
    ]
    lowest = caps.min_mg_per_session
    if lowest is not None and dose < _exact(lowest):
        found.append(
            Violation(
                CapBreach.BELOW_SESSION_MINIMUM,
                f"The dose, {_text(dose)} mg, is below the lowest session dose of "
                f"{_text(lowest)} mg.",
                caps.source,
            )
        )
    order = list(CapBreach)
    return sorted(found, key=lambda v: order.index(v.breach))


def _past_doses(previous: Iterable[PastDose], at: datetime) -> tuple[PastDose, ...]:
    doses = tuple(previous)
    for dose in doses:
        if not isinstance(dose, PastDose):
            raise InvalidDosingInput(f"previous must hold PastDose entries, not {dose!r}.")
        if dose.at.astimezone(UTC) > at.astimezone(UTC):
            raise InvalidDosingInput(
                f"previous lists a dose at {dose.at.isoformat()}, after at {at.isoformat()}."
            )
    return doses


def check_dose(  # noqa: PLR0913 - the dose, the patient and the clock are all needed
    caps: DoseCaps,
    *,
    dose_mg: float,
    weight_kg: float,
    previous: Iterable[PastDose],
    at: datetime,
    zone: str,
) -> tuple[Violation, ...]:
    """Every cap a dose at `at` breaks, with its reason; empty when it breaks none.

    `previous` are the doses already taken (older ones than 7 days may be included);
    `zone` is the patient's IANA time zone, on whose clock the 7 days and the minimum
    interval are counted. Note: predose.check_pre_dose counts its 7 days and interval in
    elapsed hours, so in the week after the clocks go forward it allows a dose at the
    same time of day one hour later than this check does.
    """
    if not isinstance(caps, DoseCaps):
        raise InvalidDosingInput(f"caps must be a DoseCaps, not {caps!r}.")
    _require_amount("dose_mg", dose_mg, "mg")
    _require_weight(weight_kg)
    _require_aware("at", at)
    patient_zone = _zone(zone)
    doses = _past_doses(previous, at)
    start = _window_start(at, patient_zone)
    in_window = [p for p in doses if p.at.astimezone(UTC) > start]
    last = max((p.at for p in doses), key=lambda when: when.astimezone(UTC), default=None)
    earlier_mg = sum((_exact(p.dose_mg) for p in in_window), Fraction(0))
    return tuple(
        _amount_violations(caps, dose_mg, weight_kg, earlier_mg)
        + _timing_violations(caps, at, len(in_window), last, patient_zone)
    )
