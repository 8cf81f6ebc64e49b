"""Safety rules: facts about a patient, a dose or a score in, findings out.

Pure functions, no clock of their own (the caller passes `now`). Every number comes
from CLINICAL.md (sections C and D, and the instrument sections for scores); where
CLINICAL.md has none, the rule is a clinic setting that is off (None) by default.
A clinic overrides any of them with `dataclasses.replace(DEFAULT_RULES, field=value)`.

The pre-dose gate blocks the dose on every failed item, the blood-pressure delay gate
included: CLINICAL.md D says "consider delaying if > 140/90", and at home there is no
clinician in the room to do the considering, so the gate delays and the patient calls
the clinic. A clinic that wants only the hard stop sets `bp_delay_gate=None`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum

from ketacare.clinical import checks, instruments, outcomes
from ketacare.clinical.instruments import SUICIDALITY, Score
from ketacare.clinical.vitals import (
    BP_DELAY_GATE_MMHG,
    BP_HARD_STOP_MMHG,
    BloodPressure,
    HeartRate,
)


class InvalidSafetyInput(ValueError):
    """Safety facts or rules that cannot be read; the message names the field and its values."""


# Validation: nothing is coerced (bool is not int, 1.0 is not 1, NaN is rejected).


def _require_whole(name: str, value: object, *, minimum: int) -> None:
    checks.require_whole(name, value, minimum=minimum, error=InvalidSafetyInput)


def _require_bool(name: str, value: object) -> None:
    checks.require_bool(name, value, error=InvalidSafetyInput)


def _require_span(name: str, value: object) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise InvalidSafetyInput(f"{name} must be a timedelta of zero or more, not {value!r}.")


def _require_mg(name: str, value: object, *, zero_allowed: bool = False) -> None:
    checks.require_amount(name, value, "mg", zero_allowed=zero_allowed, error=InvalidSafetyInput)


def _require_aware(name: str, value: object) -> None:
    checks.require_aware(name, value, error=InvalidSafetyInput)


def _require_not_after_now(name: str, at: datetime, now: datetime) -> None:
    if _utc(at) > _utc(now):
        raise InvalidSafetyInput(f"{name} {_when(at)} is after now {_when(now)}.")


class Severity(StrEnum):
    """How soon someone must act on a finding, least to most pressing."""

    INFO = "info"
    WARNING = "warning"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class Cause(StrEnum):
    """What a finding is about; the alerts app maps each cause to one kind of alert."""

    SUICIDALITY = "suicidality"
    BP_GATE_FAILED = "bp_gate_failed"
    BP_RISE_AFTER_DOSE = "bp_rise_after_dose"
    MISSED_CHECK_IN = "missed_check_in"
    LATE_CHECK_IN = "late_check_in"
    ADVERSE_EVENT = "adverse_event"
    HIGH_DISSOCIATION = "high_dissociation"
    WORSENING = "worsening"
    DOSE_OUTSIDE_PLAN = "dose_outside_plan"
    # Pre-dose gate items other than blood pressure.
    HEART_RATE_GATE_FAILED = "heart_rate_gate_failed"
    SITTER_ABSENT = "sitter_absent"
    NOT_FASTED = "not_fasted"
    DRIVING_PLANNED = "driving_planned"
    INTERACTING_SUBSTANCE = "interacting_substance"
    DOSE_TOO_SOON = "dose_too_soon"
    TOO_MANY_SESSIONS = "too_many_sessions"


class Substance(StrEnum):
    """Substances taken the day of a dose that interact with ketamine (CLINICAL.md D)."""

    ALCOHOL = "alcohol"
    BENZODIAZEPINES = "benzodiazepines"
    STIMULANTS = "stimulants"


class AdverseEventSeverity(StrEnum):
    """The grade of an adverse event as the patient, sitter or clinician reports it."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    LIFE_THREATENING = "life_threatening"


@dataclass(frozen=True)
class Finding:
    """One safety concern: how pressing, about what, in words, and where the rule comes from."""

    severity: Severity
    cause: Cause
    message: str  # for the care team, naming the values and the limit
    source: str  # e.g. "CLINICAL.md D"
    next_step: str = ""  # for the patient, on pre-dose gate findings; empty elsewhere


@dataclass(frozen=True)
class GateResult:
    """Whether a dose may be taken now, and every reason it may not."""

    allowed: bool
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class BloodPressureLimit:
    """A systolic/diastolic pair a reading is compared with (a limit, not a reading)."""

    systolic_mmhg: int
    diastolic_mmhg: int

    def __post_init__(self) -> None:
        _require_whole("systolic_mmhg", self.systolic_mmhg, minimum=1)
        _require_whole("diastolic_mmhg", self.diastolic_mmhg, minimum=1)

    def __str__(self) -> str:
        return f"{self.systolic_mmhg}/{self.diastolic_mmhg} mmHg"


@dataclass(frozen=True)
class SafetyRules:
    """Clinic-overridable safety thresholds (defaults from CLINICAL.md C and D)."""

    # CLINICAL.md D: "consider delaying if > 140/90 (default gate; configurable)". Blocks
    # when systolic > 140 OR diastolic > 90. None: no delay gate (the hard stop remains).
    bp_delay_gate: BloodPressureLimit | None = BloodPressureLimit(*BP_DELAY_GATE_MMHG)
    # CLINICAL.md D: ">= 160/100 is our clinic default, not a published number". Blocks
    # when systolic >= 160 OR diastolic >= 100, before the dose; urgent after it.
    bp_hard_stop: BloodPressureLimit | None = BloodPressureLimit(*BP_HARD_STOP_MMHG)
    # CLINICAL.md has no heart-rate limits: no check unless the clinic sets them. When
    # set, the gate fails below the minimum, above the maximum, or with no reading.
    heart_rate_min_bpm: int | None = None
    heart_rate_max_bpm: int | None = None
    # Fasting is a yes/no item of the at-home checklist (CLINICAL.md D lists nausea 28%
    # and vomiting 9%); CLINICAL.md gives no fasting time, so none is asked here.
    fasting_required: bool = True
    # CLINICAL.md D: the sitter stays at least 2 h after the dose (told to the patient).
    sitter_stay: timedelta = timedelta(hours=2)
    # CLINICAL.md C: at-home programs dose at most twice weekly; used only where the
    # plan gives no maximum of its own.
    default_max_sessions_per_7_days: int = 2
    # CLINICAL.md D: a rise of >= 40 mmHg systolic and/or >= 25 mmHg diastolic.
    bp_rise_systolic_mmhg: int = 40
    bp_rise_diastolic_mmhg: int = 25
    # CLINICAL.md D: post-dose check-in due by 2 h after the dose (default). The grace
    # period delays the missed-check-in alert; no number in CLINICAL.md, so 0 (off).
    check_in_deadline: timedelta = timedelta(hours=2)
    check_in_grace: timedelta = timedelta(0)
    # Ketacare mapping of the suicidality flag: C-SSRS triage "high" (CLINICAL.md A8) is
    # an emergency; every other flag (PHQ-9 item 9 > 0, A1: "same-day clinical
    # follow-up"; QIDS-SR16 item 12, A5; MADRS item 10, A6; C-SSRS moderate) is urgent.
    # The cssrs_screen module raises the flag on moderate and high triage only.
    emergency_cssrs_bands: frozenset[str] = frozenset({"high"})
    # C-SSRS triage "low" (A8: wish to be dead and/or suicidal thoughts, no method,
    # intent, plan or behaviour) raises no suicidality flag, but the care team must still
    # see it: a warning by default (ketacare default). None: no finding for "low".
    low_cssrs_severity: Severity | None = Severity.WARNING
    # CADSS-6 total at or above which dissociation is high (CLINICAL.md A7 has no
    # cut-off). None: the lower bound of the cadss6 instrument's "severe" band, read
    # from the instrument so the two never disagree.
    high_dissociation_total: int | None = None
    # The plan is the authority on the dose: any difference is a finding unless the
    # clinic allows a tolerance (no number in CLINICAL.md, so 0).
    dose_tolerance_mg: float = 0.0

    def __post_init__(self) -> None:
        for name in ("bp_delay_gate", "bp_hard_stop"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, BloodPressureLimit):
                raise InvalidSafetyInput(
                    f"{name} must be a BloodPressureLimit or None, not {value!r}."
                )
        for name in ("heart_rate_min_bpm", "heart_rate_max_bpm", "high_dissociation_total"):
            if getattr(self, name) is not None:
                _require_whole(name, getattr(self, name), minimum=0)
        for name in (
            "default_max_sessions_per_7_days",
            "bp_rise_systolic_mmhg",
            "bp_rise_diastolic_mmhg",
        ):
            _require_whole(name, getattr(self, name), minimum=1)
        for name in ("sitter_stay", "check_in_deadline", "check_in_grace"):
            _require_span(name, getattr(self, name))
        _require_bool("fasting_required", self.fasting_required)
        _require_mg("dose_tolerance_mg", self.dose_tolerance_mg, zero_allowed=True)
        if not isinstance(self.emergency_cssrs_bands, frozenset):
            raise InvalidSafetyInput(
                f"emergency_cssrs_bands must be a frozenset of band labels, "
                f"not {self.emergency_cssrs_bands!r}."
            )


DEFAULT_RULES = SafetyRules()

# CLINICAL.md C: "at most twice weekly" is counted over any rolling 7 days. A dose
# exactly 7 days before `now` has left the window.
ROLLING_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class PreDoseFacts:
    """What the patient and sitter confirm, and the plan allows, just before a dose."""

    blood_pressure: BloodPressure
    sitter_present: bool
    sitter_name: str
    fasted: bool
    no_driving_until_tomorrow: bool
    substances_today: frozenset[Substance]  # empty: none of them taken today
    now: datetime
    last_dose_at: datetime | None  # None: this is the first dose
    # Dose times of the recent past; those 7 days or more before `now` are not counted.
    recent_doses_at: tuple[datetime, ...]
    min_interval_between_doses: timedelta  # from the plan
    max_sessions_per_7_days: int | None = None  # from the plan; None: rules' default
    heart_rate: HeartRate | None = None

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
            _require_bool(name, getattr(self, name))
        if not isinstance(self.sitter_name, str):
            raise InvalidSafetyInput(f"sitter_name must be text, not {self.sitter_name!r}.")
        if not isinstance(self.substances_today, frozenset) or not all(
            isinstance(s, Substance) for s in self.substances_today
        ):
            raise InvalidSafetyInput(
                f"substances_today must be a frozenset of {', '.join(Substance)}, "
                f"not {self.substances_today!r}."
            )
        _require_aware("now", self.now)
        _require_span("min_interval_between_doses", self.min_interval_between_doses)
        if self.max_sessions_per_7_days is not None:
            _require_whole("max_sessions_per_7_days", self.max_sessions_per_7_days, minimum=1)
        self._check_dose_history()

    def _check_dose_history(self) -> None:
        if not isinstance(self.recent_doses_at, tuple):
            raise InvalidSafetyInput(
                f"recent_doses_at must be a tuple of datetimes, not {self.recent_doses_at!r}."
            )
        for at in self.recent_doses_at:
            _require_aware("recent_doses_at", at)
            _require_not_after_now("recent_doses_at", at, self.now)
        if self.last_dose_at is None:
            if self.recent_doses_at:
                raise InvalidSafetyInput("last_dose_at is None but recent_doses_at lists doses.")
            return
        _require_aware("last_dose_at", self.last_dose_at)
        _require_not_after_now("last_dose_at", self.last_dose_at, self.now)
        if any(_utc(at) > _utc(self.last_dose_at) for at in self.recent_doses_at):
            raise InvalidSafetyInput(
                f"recent_doses_at lists a dose after last_dose_at {_when(self.last_dose_at)}."
            )


def check_pre_dose(facts: PreDoseFacts, rules: SafetyRules = DEFAULT_RULES) -> GateResult:
    """The pre-dose gate: allowed only if every item passes; lists every failed item."""
    findings = [
        finding
        for finding in (
            _blood_pressure_gate(facts.blood_pressure, rules),
            _heart_rate_gate(facts.heart_rate, rules),
            _sitter_gate(facts, rules),
            _fasting_gate(facts, rules),
            _driving_gate(facts),
            *_substance_gate(facts.substances_today),
            _interval_gate(facts),
            _sessions_gate(facts, rules),
        )
        if finding is not None
    ]
    return GateResult(allowed=not findings, findings=tuple(findings))


def _gate_finding(
    cause: Cause, message: str, next_step: str, source: str, severity: Severity = Severity.WARNING
) -> Finding:
    return Finding(
        severity=severity, cause=cause, message=message, source=source, next_step=next_step
    )


def _at_or_above(reading: BloodPressure, limit: BloodPressureLimit) -> bool:
    return (
        reading.systolic_mmhg >= limit.systolic_mmhg
        or reading.diastolic_mmhg >= limit.diastolic_mmhg
    )


def _above(reading: BloodPressure, limit: BloodPressureLimit) -> bool:
    return (
        reading.systolic_mmhg > limit.systolic_mmhg or reading.diastolic_mmhg > limit.diastolic_mmhg
    )


def _blood_pressure_gate(reading: BloodPressure, rules: SafetyRules) -> Finding | None:
    # Only the more severe of the two limits is reported: a hard stop is also above the gate.
    if rules.bp_hard_stop is not None and _at_or_above(reading, rules.bp_hard_stop):
        return _gate_finding(
            Cause.BP_GATE_FAILED,
            f"Blood pressure {reading} is at or above the hard stop {rules.bp_hard_stop}.",
            "Do not take the dose. Call the clinic.",
            "CLINICAL.md D",
            Severity.URGENT,
        )
    if rules.bp_delay_gate is not None and _above(reading, rules.bp_delay_gate):
        return _gate_finding(
            Cause.BP_GATE_FAILED,
            f"Blood pressure {reading} is above the pre-dose limit {rules.bp_delay_gate}.",
            "Do not take the dose now. Measure your blood pressure again later, "
            "or call the clinic.",
            "CLINICAL.md D",
        )
    return None


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


def _sitter_gate(facts: PreDoseFacts, rules: SafetyRules) -> Finding | None:
    if facts.sitter_present and facts.sitter_name.strip():
        return None
    problem = "is not named" if facts.sitter_present else "is not present"
    return _gate_finding(
        Cause.SITTER_ABSENT,
        f"The sitter {problem}; a sitter must be present for every session.",
        "Do not take the dose until your sitter, a sober adult, is with you and named in "
        f"the app. They stay with you at least {_duration(rules.sitter_stay)} after the dose.",
        "CLINICAL.md C, D",
    )


def _fasting_gate(facts: PreDoseFacts, rules: SafetyRules) -> Finding | None:
    if facts.fasted or not rules.fasting_required:
        return None
    return _gate_finding(
        Cause.NOT_FASTED,
        "The patient has not fasted before the dose.",
        "Do not take the dose now. Take it once you have fasted as your program "
        "instructs, or call the clinic.",
        "ketacare at-home checklist (CLINICAL.md D: nausea and vomiting)",
    )


def _driving_gate(facts: PreDoseFacts) -> Finding | None:
    if facts.no_driving_until_tomorrow:
        return None
    return _gate_finding(
        Cause.DRIVING_PLANNED,
        "The patient has not confirmed no driving until the next day after sleep.",
        "Do not take the dose unless you can stay off the road until tomorrow, after "
        "sleep. Call the clinic to move the session if you need to drive.",
        "CLINICAL.md D",
    )


# CLINICAL.md D: benzodiazepines and other CNS depressants (alcohol is one), and
# stimulants, which raise blood pressure.
_SUBSTANCE_RISK = {
    Substance.ALCOHOL: "Alcohol taken today: a central nervous system depressant, "
    "which interacts with ketamine.",
    Substance.BENZODIAZEPINES: "Benzodiazepines taken today: central nervous system "
    "depressants, which interact with ketamine.",
    Substance.STIMULANTS: "Stimulants taken today: they raise blood pressure, as ketamine does.",
}


def _substance_gate(substances: frozenset[Substance]) -> Iterable[Finding]:
    return [
        _gate_finding(
            Cause.INTERACTING_SUBSTANCE,
            _SUBSTANCE_RISK[substance],
            "Do not take the dose today. Call the clinic.",
            "CLINICAL.md D",
        )
        for substance in Substance
        if substance in substances
    ]


def _interval_gate(facts: PreDoseFacts) -> Finding | None:
    if facts.last_dose_at is None:
        return None
    now, last_dose_at = _utc(facts.now), _utc(facts.last_dose_at)
    next_allowed = last_dose_at + facts.min_interval_between_doses
    if now >= next_allowed:
        return None
    zone = facts.now.tzinfo
    return _gate_finding(
        Cause.DOSE_TOO_SOON,
        f"The last dose was {_duration(now - last_dose_at)} ago "
        f"({_when(last_dose_at, zone)}); the plan asks for at least "
        f"{_duration(facts.min_interval_between_doses)} between doses.",
        f"Do not take the dose now. The next dose can be from "
        f"{_when(next_allowed, zone)}, or call the clinic.",
        "treatment plan (CLINICAL.md C)",
    )


def _sessions_gate(facts: PreDoseFacts, rules: SafetyRules) -> Finding | None:
    maximum = facts.max_sessions_per_7_days
    if maximum is None:
        maximum = rules.default_max_sessions_per_7_days
    window_start = _utc(facts.now) - ROLLING_WINDOW
    in_window = sorted(_utc(at) for at in facts.recent_doses_at if _utc(at) > window_start)
    if len(in_window) < maximum:
        return None
    # The dose becomes allowed once enough of the oldest doses leave the window.
    next_allowed = in_window[len(in_window) - maximum] + ROLLING_WINDOW
    return _gate_finding(
        Cause.TOO_MANY_SESSIONS,
        f"{len(in_window)} doses in the last 7 days; the plan allows at most {maximum} "
        "in any 7 days.",
        f"Do not take the dose now. The next dose can be from "
        f"{_when(next_allowed, facts.now.tzinfo)}, or call the clinic.",
        "treatment plan (CLINICAL.md C)",
    )


def check_post_dose_blood_pressure(
    before: BloodPressure, after: BloodPressure, rules: SafetyRules = DEFAULT_RULES
) -> Finding | None:
    """A blood-pressure rise after a dose, or a reading at or above the hard stop (urgent)."""
    for name, reading in (("before", before), ("after", after)):
        if not isinstance(reading, BloodPressure):
            raise InvalidSafetyInput(f"{name} must be a BloodPressure, not {reading!r}.")
    systolic_rise = after.systolic_mmhg - before.systolic_mmhg
    diastolic_rise = after.diastolic_mmhg - before.diastolic_mmhg
    reasons = []
    if systolic_rise >= rules.bp_rise_systolic_mmhg:
        reasons.append(
            f"systolic rose {systolic_rise} mmHg, at or above the {rules.bp_rise_systolic_mmhg} "
            "mmHg limit"
        )
    if diastolic_rise >= rules.bp_rise_diastolic_mmhg:
        reasons.append(
            f"diastolic rose {diastolic_rise} mmHg, at or above the "
            f"{rules.bp_rise_diastolic_mmhg} mmHg limit"
        )
    if rules.bp_hard_stop is not None and _at_or_above(after, rules.bp_hard_stop):
        reasons.append(f"at or above the hard stop {rules.bp_hard_stop}")
    if not reasons:
        return None
    return Finding(
        severity=Severity.URGENT,
        cause=Cause.BP_RISE_AFTER_DOSE,
        message=f"Blood pressure after the dose {after} (before: {before}): {'; '.join(reasons)}.",
        source="CLINICAL.md D",
    )


def check_in_status(  # noqa: PLR0913 - deadline and grace per call (e.g. the plan's) or the rules'
    dosed_at: datetime,
    checked_in_at: datetime | None,
    now: datetime,
    *,
    deadline: timedelta | None = None,
    grace: timedelta | None = None,
    rules: SafetyRules = DEFAULT_RULES,
) -> Finding | None:
    """The post-dose check-in: missed (urgent), late (info), or None (on time or not yet due).

    `deadline` and `grace` default to the rules' (2 h after the dose, CLINICAL.md D; no
    grace). The missed alert fires only after deadline + grace; a check-in after the
    deadline is late whatever the grace.
    """
    deadline = rules.check_in_deadline if deadline is None else deadline
    grace = rules.check_in_grace if grace is None else grace
    _require_span("deadline", deadline)
    _require_span("grace", grace)
    _require_aware("dosed_at", dosed_at)
    _require_aware("now", now)
    zone = now.tzinfo
    dosed_at, now = _utc(dosed_at), _utc(now)
    if now < dosed_at:
        raise InvalidSafetyInput(
            f"now {_when(now, zone)} is before the dose at {_when(dosed_at, zone)}."
        )
    due = dosed_at + deadline
    if checked_in_at is None:
        if now <= due + grace:
            return None
        return Finding(
            severity=Severity.URGENT,
            cause=Cause.MISSED_CHECK_IN,
            message=f"No post-dose check-in {_duration(now - dosed_at)} after the dose at "
            f"{_when(dosed_at, zone)}; it was due by {_when(due, zone)} "
            f"({_duration(deadline)} after the dose).",
            source="CLINICAL.md D",
        )
    _require_aware("checked_in_at", checked_in_at)
    checked_in_at = _utc(checked_in_at)
    if not dosed_at <= checked_in_at <= now:
        raise InvalidSafetyInput(
            f"checked_in_at {_when(checked_in_at, zone)} is not between the dose at "
            f"{_when(dosed_at, zone)} and now {_when(now, zone)}."
        )
    if checked_in_at <= due:
        return None
    return Finding(
        severity=Severity.INFO,
        cause=Cause.LATE_CHECK_IN,
        message=f"Post-dose check-in at {_when(checked_in_at, zone)} came "
        f"{_duration(checked_in_at - due)} after it was due ({_when(due, zone)}, "
        f"{_duration(deadline)} after the dose).",
        source="CLINICAL.md D",
    )


def check_suicidality(score: Score, rules: SafetyRules = DEFAULT_RULES) -> Finding | None:
    """A suicidality flag on any questionnaire: emergency for C-SSRS high risk, else urgent."""
    if not isinstance(score, Score):
        raise InvalidSafetyInput(f"score must be an instruments Score, not {score!r}.")
    instrument = instruments.get(score.instrument)
    if SUICIDALITY not in score.flags:
        if score.instrument == "cssrs_screen" and score.band == "low":
            return _low_cssrs(score, instrument.source, rules)
        return None
    if score.instrument == "cssrs_screen" and score.band in rules.emergency_cssrs_bands:
        severity, action = Severity.EMERGENCY, "needs immediate clinical contact"
    else:
        # CLINICAL.md A1: "same-day clinical follow-up", applied to every other flag.
        severity, action = Severity.URGENT, "needs same-day clinical follow-up"
    return Finding(
        severity=severity,
        cause=Cause.SUICIDALITY,
        message=f"{instrument.title} flags suicidality (total {score.total}, "
        f"{score.band.replace('_', ' ')}); {action}.",
        source=instrument.source,
    )


def _low_cssrs(score: Score, source: str, rules: SafetyRules) -> Finding | None:
    if rules.low_cssrs_severity is None:
        return None
    return Finding(
        severity=rules.low_cssrs_severity,
        cause=Cause.SUICIDALITY,
        message="C-SSRS screen: a wish to be dead or suicidal thoughts, without method, "
        "intent, plan or recent behaviour (low risk); a clinician should review it.",
        source=source,
    )


def high_dissociation_threshold(rules: SafetyRules = DEFAULT_RULES) -> int:
    """The CADSS-6 total at or above which dissociation after a session is high."""
    if rules.high_dissociation_total is not None:
        return rules.high_dissociation_total
    bands = {band.label: band for band in instruments.get("cadss6").bands}
    return bands["severe"].low


def check_dissociation(cadss6_total: int, rules: SafetyRules = DEFAULT_RULES) -> Finding | None:
    """A CADSS-6 total after a session at or above the high-dissociation threshold (warning)."""
    maximum = instruments.get("cadss6").max_total  # CLINICAL.md A7: 0-24
    if type(cadss6_total) is not int or not 0 <= cadss6_total <= maximum:
        raise InvalidSafetyInput(
            f"cadss6_total must be a whole number 0-{maximum}, not {cadss6_total!r}."
        )
    threshold = high_dissociation_threshold(rules)
    if cadss6_total < threshold:
        return None
    return Finding(
        severity=Severity.WARNING,
        cause=Cause.HIGH_DISSOCIATION,
        message=f"CADSS-6 total {cadss6_total} of {maximum} is at or above the "
        f"high-dissociation threshold {threshold}.",
        source="CLINICAL.md A7",
    )


def check_adverse_event(
    severity: AdverseEventSeverity,
    *,
    serious: bool,
    description: str,
) -> Finding:
    """An adverse event as a finding.

    Ketacare default mapping (no source grades these): life-threatening -> emergency;
    severe, or serious at any grade -> urgent; moderate -> warning; mild -> info.
    """
    if not isinstance(severity, AdverseEventSeverity):
        raise InvalidSafetyInput(
            f"severity must be one of {', '.join(AdverseEventSeverity)}, not {severity!r}."
        )
    _require_bool("serious", serious)
    if not isinstance(description, str) or not description.strip():
        raise InvalidSafetyInput(f"description must name the event, not {description!r}.")
    if severity is AdverseEventSeverity.LIFE_THREATENING:
        level = Severity.EMERGENCY
    elif severity is AdverseEventSeverity.SEVERE or serious:
        level = Severity.URGENT
    elif severity is AdverseEventSeverity.MODERATE:
        level = Severity.WARNING
    else:
        level = Severity.INFO
    grade = severity.replace("_", "-") + (", serious" if serious else "")
    return Finding(
        severity=level,
        cause=Cause.ADVERSE_EVENT,
        message=f"Adverse event ({grade}): {description.strip()}.",
        source="ketacare clinic default (CLINICAL.md D lists expected adverse reactions)",
    )


def check_worsening(
    code: str, *, baseline: int, current: int, rules: outcomes.OutcomeRules = outcomes.DEFAULT_RULES
) -> Finding | None:
    """A score that rose from baseline by at least the instrument's MCID (warning)."""
    result = outcomes.change(code, baseline=baseline, current=current, rules=rules)
    if not result.worsening:
        return None
    return Finding(
        severity=Severity.WARNING,
        cause=Cause.WORSENING,
        message=f"{instruments.get(code).title} rose from {baseline} at baseline to {current}, "
        f"up {result.delta} points, at or above the minimal clinically important difference "
        f"of {rules.mcid[code]} points.",
        source="CLINICAL.md A11",
    )


def check_dose_against_plan(
    *, taken_mg: float, planned_mg: float, rules: SafetyRules = DEFAULT_RULES
) -> Finding | None:
    """A dose taken that differs from the plan's dose by more than the tolerance (warning)."""
    _require_mg("taken_mg", taken_mg)
    _require_mg("planned_mg", planned_mg)
    difference = taken_mg - planned_mg
    if abs(difference) <= rules.dose_tolerance_mg:
        return None
    more_or_less = "more" if difference > 0 else "less"
    tolerance = f" (tolerance {rules.dose_tolerance_mg:g} mg)" if rules.dose_tolerance_mg else ""
    return Finding(
        severity=Severity.WARNING,
        cause=Cause.DOSE_OUTSIDE_PLAN,
        message=f"Dose taken {taken_mg:g} mg differs from the planned {planned_mg:g} mg: "
        f"{abs(difference):g} mg {more_or_less}{tolerance}.",
        source="treatment plan",
    )


# Time. The trap: Python subtracts and compares two datetimes that share a tzinfo by
# their wall clocks, ignoring a DST change between them (a dose at 00:30 before the
# clocks go forward plus 2 h is 02:30 on the wall but only 1 h later). So every
# computation runs on UTC instants, and only the wording goes back to the clinic's zone.


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC)


def _when(at: datetime, zone: tzinfo | None = None) -> str:
    """`at` as the clinic reads it, in `zone` (default its own)."""
    return at.astimezone(zone or at.tzinfo).strftime("%Y-%m-%d %H:%M %Z").rstrip()


# Wording.


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{days} day{'s' if days != 1 else ''}" if days else "",
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes else "",
    ]
    return " ".join(part for part in parts if part) or "under a minute"
