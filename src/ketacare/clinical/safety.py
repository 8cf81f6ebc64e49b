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
)


class InvalidSafetyInput(ValueError):
    """Safety facts or rules that cannot be read; the message names the field and its values."""


# Validation: nothing is coerced (bool is not int, 1.0 is not 1, NaN is rejected).


def _require_whole(name: str, value: object, *, minimum: int) -> None:
    checks.require_whole(name, value, minimum=minimum, error=InvalidSafetyInput)


def _require_bool(name: str, value: object) -> None:
    checks.require_bool(name, value, error=InvalidSafetyInput)


def require_span(name: str, value: object) -> None:
    if not isinstance(value, timedelta) or value < timedelta(0):
        raise InvalidSafetyInput(f"{name} must be a timedelta of zero or more, not {value!r}.")


def _require_mg(name: str, value: object, *, zero_allowed: bool = False) -> None:
    checks.require_amount(name, value, "mg", zero_allowed=zero_allowed, error=InvalidSafetyInput)


def require_aware(name: str, value: object) -> None:
    checks.require_aware(name, value, error=InvalidSafetyInput)


def require_not_after_now(name: str, at: datetime, now: datetime) -> None:
    if utc(at) > utc(now):
        raise InvalidSafetyInput(f"{name} {when(at)} is after now {when(now)}.")


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
    DOSE_TODAY_ALREADY = "dose_today_already"
    CHECKLIST_EXPIRED = "checklist_expired"
    BP_HARD_STOP_TODAY = "bp_hard_stop_today"
    BP_REMEASURE_TOO_SOON = "bp_remeasure_too_soon"
    BP_TRIES_USED = "bp_tries_used"
    SUICIDALITY_HOLD = "suicidality_hold"
    # After the dose (clinical.postdose).
    HYPERTENSIVE_CRISIS = "hypertensive_crisis"
    POST_DOSE_BP_MISSED = "post_dose_bp_missed"
    SITTER_NOT_RELEASED = "sitter_not_released"
    DOSE_AGAINST_GATE = "dose_against_gate"


class Substance(StrEnum):
    """Substances taken the day of a dose that interact with ketamine (CLINICAL.md D).

    D names benzodiazepines "or other CNS depressants" (alcohol, opioids, gabapentinoids,
    Z-drugs, sedating antihistamines and cannabis are such), stimulants and MAOIs (which
    raise blood pressure).
    """

    ALCOHOL = "alcohol"
    BENZODIAZEPINES = "benzodiazepines"
    STIMULANTS = "stimulants"
    OPIOIDS = "opioids"
    GABAPENTINOIDS = "gabapentinoids"
    Z_DRUGS = "z_drugs"
    SEDATING_ANTIHISTAMINES = "sedating_antihistamines"
    CANNABIS = "cannabis"
    MAOIS = "maois"


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
class BloodPressureLimit:
    """A systolic/diastolic pair a reading is compared with (a limit, not a reading)."""

    systolic_mmhg: int
    diastolic_mmhg: int

    def __post_init__(self) -> None:
        _require_whole("systolic_mmhg", self.systolic_mmhg, minimum=1)
        _require_whole("diastolic_mmhg", self.diastolic_mmhg, minimum=1)

    def __str__(self) -> str:
        return f"{self.systolic_mmhg}/{self.diastolic_mmhg} mmHg"

    def reached_by(self, reading: BloodPressure) -> bool:
        """Systolic or diastolic at or above the limit (a hard stop is reached at 160/100)."""
        return (
            reading.systolic_mmhg >= self.systolic_mmhg
            or reading.diastolic_mmhg >= self.diastolic_mmhg
        )

    def exceeded_by(self, reading: BloodPressure) -> bool:
        """Systolic or diastolic above the limit (the gate is passed at 140/90 itself)."""
        return (
            reading.systolic_mmhg > self.systolic_mmhg
            or reading.diastolic_mmhg > self.diastolic_mmhg
        )


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
    # CLINICAL.md D: observation at least 2 h after the dose (Spravato REMS). The release
    # check-in is accepted only once it has passed, so the check-in falls due after it:
    # the deadline is the observation plus a window to check in (30 min: clinic's choice).
    # The grace period delays the missed-check-in alert; no number in CLINICAL.md: 0.
    observation_minimum: timedelta = timedelta(hours=2)
    check_in_deadline: timedelta = timedelta(hours=2, minutes=30)
    check_in_grace: timedelta = timedelta(0)
    # Ketacare mapping of the suicidality flag: C-SSRS triage "high" (CLINICAL.md A8) is
    # an emergency; every other flag (PHQ-9 item 9 > 0, A1: "same-day clinical
    # follow-up"; QIDS-SR16 item 12, A5; MADRS item 10, A6; C-SSRS moderate) is urgent.
    # The cssrs_screen module raises the flag on moderate and high triage only.
    emergency_cssrs_bands: frozenset[str] = frozenset({"high"})
    # C-SSRS triage "low" (A8: wish to be dead and/or suicidal thoughts, no method,
    # intent, plan or behaviour) raises no flag in the instrument, but at home no
    # clinician is present, so any ideation is at least urgent and holds dosing
    # (CLINICAL.md G3, clinic's choice consistent with A1). Never below urgent.
    low_cssrs_severity: Severity = Severity.URGENT
    # CLINICAL.md G1: at most twice weekly, first sessions 3-7 days apart: at least 72 h
    # between at-home doses (a clinic may set 48 h), and never two doses on one calendar
    # day on the patient's clock.
    min_interval_between_doses: timedelta = timedelta(hours=72)
    # CLINICAL.md G2: the pre-dose blood pressure is taken "prior to dosing"; a passed
    # checklist authorises a dose for 60 min (clinic's choice).
    checklist_valid_for: timedelta = timedelta(minutes=60)
    # CLINICAL.md G2: after a delay-gate failure, a new reading is accepted no sooner than
    # 15 min later, at most 3 readings over the delay gate a day (clinic's choice).
    bp_remeasure_wait: timedelta = timedelta(minutes=15)
    bp_tries_per_day: int = 3
    # The sitter confirms being with the patient (their own sign-in or a code to their
    # phone) no more than 2 h before the gate runs (clinic's choice: CLINICAL.md D's
    # 2-hour stay, so a confirmation covers one session).
    sitter_confirmation_valid_for: timedelta = timedelta(hours=2)
    # CLINICAL.md D and G4: blood pressure again at about 40 min after the dose; missed
    # when none came 20 min after that (clinic's choice).
    post_dose_bp_due: timedelta = timedelta(minutes=40)
    post_dose_bp_grace: timedelta = timedelta(minutes=20)
    # A high reading after the dose asks for a re-measure 15 min later (as G2 before the
    # dose); still high, or none by then plus the grace above, pages (clinic's choice).
    post_dose_remeasure_after: timedelta = timedelta(minutes=15)
    # CLINICAL.md G6 (ACC/AHA 2017): a hypertensive crisis is systolic > 180 and/or
    # diastolic > 120 mmHg.
    hypertensive_crisis: BloodPressureLimit = BloodPressureLimit(180, 120)
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
        for name in (
            "sitter_stay",
            "check_in_deadline",
            "check_in_grace",
            "observation_minimum",
            "min_interval_between_doses",
            "checklist_valid_for",
            "bp_remeasure_wait",
            "sitter_confirmation_valid_for",
            "post_dose_bp_due",
            "post_dose_bp_grace",
            "post_dose_remeasure_after",
        ):
            require_span(name, getattr(self, name))
        _require_whole("bp_tries_per_day", self.bp_tries_per_day, minimum=1)
        self._check_after_dose()

    def _check_after_dose(self) -> None:
        if self.check_in_deadline <= self.observation_minimum:
            raise InvalidSafetyInput(
                f"check_in_deadline {duration(self.check_in_deadline)} must come after the "
                f"observation_minimum {duration(self.observation_minimum)}: the release "
                "check-in is accepted only once the observation has ended."
            )
        if not isinstance(self.hypertensive_crisis, BloodPressureLimit):
            raise InvalidSafetyInput(
                "hypertensive_crisis must be a BloodPressureLimit, "
                f"not {self.hypertensive_crisis!r}."
            )
        if self.low_cssrs_severity not in (Severity.URGENT, Severity.EMERGENCY):
            raise InvalidSafetyInput(
                f"low_cssrs_severity must be urgent or emergency (CLINICAL.md G3), "
                f"not {self.low_cssrs_severity!r}."
            )
        _require_bool("fasting_required", self.fasting_required)
        _require_mg("dose_tolerance_mg", self.dose_tolerance_mg, zero_allowed=True)
        if not isinstance(self.emergency_cssrs_bands, frozenset):
            raise InvalidSafetyInput(
                f"emergency_cssrs_bands must be a frozenset of band labels, "
                f"not {self.emergency_cssrs_bands!r}."
            )


DEFAULT_RULES = SafetyRules()


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
    require_span("deadline", deadline)
    require_span("grace", grace)
    require_aware("dosed_at", dosed_at)
    require_aware("now", now)
    zone = now.tzinfo
    dosed_at, now = utc(dosed_at), utc(now)
    if now < dosed_at:
        raise InvalidSafetyInput(
            f"now {when(now, zone)} is before the dose at {when(dosed_at, zone)}."
        )
    due = dosed_at + deadline
    if checked_in_at is None:
        if now <= due + grace:
            return None
        return Finding(
            severity=Severity.URGENT,
            cause=Cause.MISSED_CHECK_IN,
            message=f"No post-dose check-in {duration(now - dosed_at)} after the dose at "
            f"{when(dosed_at, zone)}; it was due by {when(due, zone)} "
            f"({duration(deadline)} after the dose).",
            source="CLINICAL.md D",
        )
    require_aware("checked_in_at", checked_in_at)
    checked_in_at = utc(checked_in_at)
    if not dosed_at <= checked_in_at <= now:
        raise InvalidSafetyInput(
            f"checked_in_at {when(checked_in_at, zone)} is not between the dose at "
            f"{when(dosed_at, zone)} and now {when(now, zone)}."
        )
    if checked_in_at <= due:
        return None
    return Finding(
        severity=Severity.INFO,
        cause=Cause.LATE_CHECK_IN,
        message=f"Post-dose check-in at {when(checked_in_at, zone)} came "
        f"{duration(checked_in_at - due)} after it was due ({when(due, zone)}, "
        f"{duration(deadline)} after the dose).",
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


def _low_cssrs(score: Score, source: str, rules: SafetyRules) -> Finding:
    return Finding(
        severity=rules.low_cssrs_severity,
        cause=Cause.SUICIDALITY,
        message="C-SSRS screen: a wish to be dead or suicidal thoughts, without method, "
        "intent, plan or recent behaviour (low triage); at home with no clinician present "
        "it needs same-day clinical follow-up (CLINICAL.md G3), and dosing is held until "
        "a clinician clears it.",
        source=f"{source}, G3",
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
    *,
    taken_mg: float,
    planned_mg: float,
    session_cap_mg: float | None = None,
    rules: SafetyRules = DEFAULT_RULES,
) -> Finding | None:
    """A dose taken that differs from the plan's dose by more than the tolerance.

    What the patient reports taking is a fact, stored as taken-not-as-planned: more or
    less than planned is urgent (same-day follow-up: a misunderstanding, stock kept back,
    or a dose that cannot be judged), above the plan's session cap an emergency (clinic's
    choice; issue-level rule, no published number).
    """
    _require_mg("taken_mg", taken_mg)
    _require_mg("planned_mg", planned_mg)
    if session_cap_mg is not None:
        _require_mg("session_cap_mg", session_cap_mg)
    difference = taken_mg - planned_mg
    if abs(difference) <= rules.dose_tolerance_mg:
        return None
    more_or_less = "more" if difference > 0 else "less"
    tolerance = f" (tolerance {rules.dose_tolerance_mg:g} mg)" if rules.dose_tolerance_mg else ""
    above_cap = session_cap_mg is not None and taken_mg > session_cap_mg
    cap = f"; above the plan's session cap of {session_cap_mg:g} mg" if above_cap else ""
    return Finding(
        severity=Severity.EMERGENCY if above_cap else Severity.URGENT,
        cause=Cause.DOSE_OUTSIDE_PLAN,
        message=f"Dose taken {taken_mg:g} mg differs from the planned {planned_mg:g} mg: "
        f"{abs(difference):g} mg {more_or_less}{tolerance}{cap}.",
        source="treatment plan",
    )


def is_suicidality_signal(instrument: str, band: str, flags: Iterable[str]) -> bool:
    """Whether a stored response holds dosing: any suicidality flag, or C-SSRS ideation.

    C-SSRS "low" (Q1/Q2) carries no flag in the instrument, but at home it is at least
    urgent and holds dosing until a clinician clears it (CLINICAL.md G3).
    """
    return SUICIDALITY in flags or (instrument == "cssrs_screen" and band != "none")


# Time. The trap: Python subtracts and compares two datetimes that share a tzinfo by
# their wall clocks, ignoring a DST change between them (a dose at 00:30 before the
# clocks go forward plus 2 h is 02:30 on the wall but only 1 h later). So every
# computation runs on UTC instants, and only the wording goes back to the clinic's zone.


def utc(at: datetime) -> datetime:
    return at.astimezone(UTC)


def when(at: datetime, zone: tzinfo | None = None) -> str:
    """`at` as the clinic reads it, in `zone` (default its own)."""
    return at.astimezone(zone or at.tzinfo).strftime("%Y-%m-%d %H:%M %Z").rstrip()


def clock_time(at: datetime, zone: tzinfo, now: datetime) -> str:
    """`at` as a patient reads it on their own clock: "18:05", or "Thu 6 Mar, 18:05".

    The day is named unless `at` falls on `now`'s day in `zone`; never a zone name.
    """
    local, today = at.astimezone(zone), now.astimezone(zone)
    if local.date() == today.date():
        return local.strftime("%H:%M")
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


# Wording.


def duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{days} day{'s' if days != 1 else ''}" if days else "",
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes else "",
    ]
    return " ".join(part for part in parts if part) or "under a minute"
