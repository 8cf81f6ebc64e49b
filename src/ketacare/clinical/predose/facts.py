"""What the pre-dose gate reads, and what it gives.

The caller passes what the patient and sitter confirmed, the plan's limits and the
patient's recent history (doses, readings, suicidality signals): `PreDoseFacts`, checked
where it is made. The gate gives a `GateResult`: allowed, and every finding with a
message for the care team and a next step in the patient's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from ketacare.clinical.instruments import Score
from ketacare.clinical.safety import (
    Cause,
    Finding,
    InvalidSafetyInput,
    Severity,
    Substance,
    clock_time,
    require_aware,
    require_not_after_now,
    require_span,
    utc,
    when,
)
from ketacare.clinical.vitals import BloodPressure, HeartRate


@dataclass(frozen=True)
class GateResult:
    """Whether a dose may be taken now, and every reason it may not."""

    allowed: bool
    findings: tuple[Finding, ...]

    @property
    def suicidality_hold(self) -> bool:
        """The gate held the dose over suicidality: crisis help comes first."""
        return any(f.cause == Cause.SUICIDALITY_HOLD for f in self.findings)


@dataclass(frozen=True)
class SitterConfirmation:
    """A sitter's confirmation of being with the patient, as the records show it."""

    name: str
    confirmed_at: datetime
    registered_for_patient: bool  # on file as a sitter of this patient
    adult: bool  # confirmed 18 or older when registered
    is_the_patient: bool  # the sitter's sign-in is the patient's own

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise InvalidSafetyInput(f"sitter name must be text, not {self.name!r}.")
        require_aware("sitter confirmed_at", self.confirmed_at)
        for name in ("registered_for_patient", "adult", "is_the_patient"):
            if type(getattr(self, name)) is not bool:
                raise InvalidSafetyInput(f"sitter {name} must be True or False.")


@dataclass(frozen=True)
class EarlierReading:
    """A pre-dose blood pressure taken earlier on the patient's day (every one is kept)."""

    at: datetime
    reading: BloodPressure

    def __post_init__(self) -> None:
        require_aware("earlier reading at", self.at)
        if not isinstance(self.reading, BloodPressure):
            raise InvalidSafetyInput(f"an earlier reading must be a BloodPressure, not {self!r}.")


@dataclass(frozen=True)
class SuicidalitySignal:
    """A reason dosing is held: an unresolved suicidality alert, or a flag since review."""

    at: datetime
    what: str  # for the care team, e.g. "PHQ-9 item 9 answered 2"

    def __post_init__(self) -> None:
        require_aware("suicidality signal at", self.at)
        if not isinstance(self.what, str) or not self.what.strip():
            raise InvalidSafetyInput("a suicidality signal must say what it is.")


@dataclass(frozen=True)
class PreDoseFacts:
    """What the patient and sitter confirmed, the plan allows and the records show."""

    blood_pressure: BloodPressure
    measured_at: datetime  # when the checklist (and its reading) was answered
    now: datetime  # when the gate runs: the checklist, or the dose
    zone: tzinfo  # the patient's clock: calendar days and the times they read
    sitter_present: bool  # the patient's own answer
    sitter: SitterConfirmation | None  # None: no sitter has confirmed
    fasted: bool
    no_driving_until_tomorrow: bool
    substances_today: frozenset[Substance]  # empty: none of them taken today
    last_dose_at: datetime | None  # None: this is the first dose
    # Dose times of the recent past; those 7 days or more before `now` are not counted.
    recent_doses_at: tuple[datetime, ...]
    min_interval_between_doses: (
        timedelta  # the plan's; the gate keeps the longer of it and the rules'
    )
    max_sessions_per_7_days: int | None = None  # from the plan; None: rules' default
    heart_rate: HeartRate | None = None
    # Pre-dose readings earlier on the patient's day, before `measured_at`.
    earlier_readings_today: tuple[EarlierReading, ...] = ()
    # When a clinician last cleared a blood-pressure hold today (None: not today).
    bp_cleared_at: datetime | None = None
    # Unresolved suicidality alerts and flags since the last clinician review.
    suicidality: tuple[SuicidalitySignal, ...] = ()
    # The checklist's own C-SSRS screen (since the last contact).
    cssrs: Score | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.blood_pressure, BloodPressure):
            raise InvalidSafetyInput(
                f"blood_pressure must be a BloodPressure, not {self.blood_pressure!r}."
            )
        if self.heart_rate is not None and not isinstance(self.heart_rate, HeartRate):
            raise InvalidSafetyInput(
                f"heart_rate must be a HeartRate or None, not {self.heart_rate!r}."
            )
        for name in ("sitter_present", "fasted", "no_driving_until_tomorrow"):
            if type(getattr(self, name)) is not bool:
                raise InvalidSafetyInput(f"{name} must be True or False.")
        if self.sitter is not None and not isinstance(self.sitter, SitterConfirmation):
            raise InvalidSafetyInput(
                f"sitter must be a SitterConfirmation or None, not {self.sitter!r}."
            )
        if not isinstance(self.substances_today, frozenset) or not all(
            isinstance(s, Substance) for s in self.substances_today
        ):
            raise InvalidSafetyInput(
                f"substances_today must be a frozenset of {', '.join(Substance)}, "
                f"not {self.substances_today!r}."
            )
        if not isinstance(self.zone, tzinfo):
            raise InvalidSafetyInput(f"zone must be a tzinfo, not {self.zone!r}.")
        require_aware("now", self.now)
        require_aware("measured_at", self.measured_at)
        require_not_after_now("measured_at", self.measured_at, self.now)
        require_span("min_interval_between_doses", self.min_interval_between_doses)
        if self.max_sessions_per_7_days is not None and (
            type(self.max_sessions_per_7_days) is not int or self.max_sessions_per_7_days < 1
        ):
            raise InvalidSafetyInput(
                "max_sessions_per_7_days must be a whole number of at least 1, "
                f"not {self.max_sessions_per_7_days!r}."
            )
        if self.cssrs is not None and (
            not isinstance(self.cssrs, Score) or self.cssrs.instrument != "cssrs_screen"
        ):
            raise InvalidSafetyInput(f"cssrs must be a C-SSRS screen score, not {self.cssrs!r}.")
        self._check_history()

    def _check_history(self) -> None:
        for name in ("recent_doses_at", "earlier_readings_today", "suicidality"):
            if not isinstance(getattr(self, name), tuple):
                raise InvalidSafetyInput(f"{name} must be a tuple, not {getattr(self, name)!r}.")
        for earlier in self.earlier_readings_today:
            if not isinstance(earlier, EarlierReading):
                raise InvalidSafetyInput(f"{earlier!r} is not an EarlierReading.")
            require_not_after_now("an earlier reading", earlier.at, self.measured_at)
        for signal in self.suicidality:
            if not isinstance(signal, SuicidalitySignal):
                raise InvalidSafetyInput(f"{signal!r} is not a SuicidalitySignal.")
        if self.bp_cleared_at is not None:
            require_aware("bp_cleared_at", self.bp_cleared_at)
        if self.sitter is not None:
            require_not_after_now("sitter confirmed_at", self.sitter.confirmed_at, self.now)
        self._check_doses()

    def _check_doses(self) -> None:
        for at in self.recent_doses_at:
            require_aware("recent_doses_at", at)
            require_not_after_now("recent_doses_at", at, self.now)
        if self.last_dose_at is None:
            if self.recent_doses_at:
                raise InvalidSafetyInput("last_dose_at is None but recent_doses_at lists doses.")
            return
        require_aware("last_dose_at", self.last_dose_at)
        require_not_after_now("last_dose_at", self.last_dose_at, self.now)
        if any(utc(at) > utc(self.last_dose_at) for at in self.recent_doses_at):
            raise InvalidSafetyInput(
                f"recent_doses_at lists a dose after last_dose_at {when(self.last_dose_at)}."
            )

    def at(self, moment: datetime) -> str:
        """A time as the patient reads it (their clock, the day named unless today)."""
        return clock_time(moment, self.zone, self.now)


def _gate_finding(
    cause: Cause, message: str, next_step: str, source: str, severity: Severity = Severity.WARNING
) -> Finding:
    return Finding(
        severity=severity, cause=cause, message=message, source=source, next_step=next_step
    )
