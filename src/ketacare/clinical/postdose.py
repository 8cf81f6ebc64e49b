"""After the dose: the observation window, blood pressure readings, the release check-in.

The window (CLINICAL.md D, G4): blood pressure again at about 40 min, observation for
at least 2 h, then the release check-in (with a blood pressure), then the sitter ends
the window by attesting that the patient is alert and stable. Pure functions: the
caller passes the times and the readings; findings come back with their severity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from types import MappingProxyType

from ketacare.clinical.safety import (
    DEFAULT_RULES,
    Cause,
    Finding,
    InvalidSafetyInput,
    SafetyRules,
    Severity,
    duration,
    require_aware,
    require_span,
    utc,
    when,
)
from ketacare.clinical.vitals import BloodPressure


class Feeling(StrEnum):
    """How the patient feels at the release check-in."""

    VERY_WELL = "very_well"
    WELL = "well"
    OKAY = "okay"
    UNWELL = "unwell"
    VERY_UNWELL = "very_unwell"


class Symptom(StrEnum):
    """What the patient or sitter may tick at the check-in (CLINICAL.md D, G6, G7)."""

    NAUSEA = "nausea"
    VOMITING = "vomiting"
    DIZZINESS = "dizziness"
    HEADACHE = "headache"
    SEDATION = "sedation"  # drowsy, easy to wake
    MARKED_SEDATION = "marked_sedation"  # very drowsy, hard to keep awake
    ANXIETY = "anxiety"
    SEVERE_HEADACHE = "severe_headache"  # sudden and severe (G6)
    VISION_CHANGE = "vision_change"  # sudden (G6)
    CHEST_PAIN = "chest_pain"
    TROUBLE_BREATHING = "trouble_breathing"
    LOSS_OF_CONSCIOUSNESS = "loss_of_consciousness"  # fainted, or could not be woken
    SEIZURE = "seizure"
    OTHER = "other"


# CLINICAL.md G7 (clinic's choice): "very unwell" or marked sedation is urgent; unrousable,
# trouble breathing, chest pain or seizure is an emergency. G6: a sudden severe headache or
# vision change with raised blood pressure needs emergency care at once (urgent without
# a raised reading). The rest (D's common reactions) are graded here as ketacare's own
# choice: what the care team reads next day (info), or reviews today (warning).
SYMPTOM_SEVERITY: Mapping[Symptom, Severity] = MappingProxyType(
    {
        Symptom.NAUSEA: Severity.INFO,
        Symptom.DIZZINESS: Severity.INFO,
        Symptom.HEADACHE: Severity.INFO,
        Symptom.ANXIETY: Severity.INFO,
        Symptom.VOMITING: Severity.WARNING,
        Symptom.SEDATION: Severity.WARNING,
        Symptom.OTHER: Severity.WARNING,
        Symptom.MARKED_SEDATION: Severity.URGENT,
        Symptom.SEVERE_HEADACHE: Severity.URGENT,
        Symptom.VISION_CHANGE: Severity.URGENT,
        Symptom.CHEST_PAIN: Severity.EMERGENCY,
        Symptom.TROUBLE_BREATHING: Severity.EMERGENCY,
        Symptom.LOSS_OF_CONSCIOUSNESS: Severity.EMERGENCY,
        Symptom.SEIZURE: Severity.EMERGENCY,
    }
)
# CLINICAL.md G6: these with raised blood pressure are an emergency.
_EMERGENCY_WITH_RAISED_BP = frozenset({Symptom.SEVERE_HEADACHE, Symptom.VISION_CHANGE})
FEELING_SEVERITY: Mapping[Feeling, Severity | None] = MappingProxyType(
    {
        Feeling.VERY_WELL: None,
        Feeling.WELL: None,
        Feeling.OKAY: None,
        Feeling.UNWELL: Severity.WARNING,  # ketacare's choice: reviewed today
        Feeling.VERY_UNWELL: Severity.URGENT,  # CLINICAL.md G7
    }
)
_RANK = {s: i for i, s in enumerate(Severity)}

CALL_EMERGENCY_NOW = (
    "Call the emergency number now. Your sitter stays with you; do not take anything "
    "else, and do not drive."
)


@dataclass(frozen=True)
class PostDoseWindow:
    """The times of one dose's observation window."""

    dosed_at: datetime
    bp_due_at: datetime  # the ~40-minute reading
    bp_missed_at: datetime  # no reading by then: an alert
    observation_ends_at: datetime  # the release check-in opens
    check_in_due_at: datetime  # the release check-in is due by then


def post_dose_window(
    dosed_at: datetime,
    rules: SafetyRules = DEFAULT_RULES,
    *,
    check_in_deadline: timedelta | None = None,
) -> PostDoseWindow:
    """The window after a dose taken at `dosed_at` (real hours, whatever the clock says).

    `check_in_deadline` is the plan's (after the dose); None: the rules'.
    """
    require_aware("dosed_at", dosed_at)
    deadline = rules.check_in_deadline if check_in_deadline is None else check_in_deadline
    require_span("check_in_deadline", deadline)
    if deadline <= rules.observation_minimum:
        raise InvalidSafetyInput(
            f"check_in_deadline {duration(deadline)} must come after the observation of "
            f"{duration(rules.observation_minimum)}."
        )
    at = utc(dosed_at)
    return PostDoseWindow(
        dosed_at=at,
        bp_due_at=at + rules.post_dose_bp_due,
        bp_missed_at=at + rules.post_dose_bp_due + rules.post_dose_bp_grace,
        observation_ends_at=at + rules.observation_minimum,
        check_in_due_at=at + deadline,
    )


def is_high_after_dose(
    before: BloodPressure, reading: BloodPressure, rules: SafetyRules = DEFAULT_RULES
) -> bool:
    """Above the pre-dose gate, at the hard stop, or a rise of 40/25 mmHg (CLINICAL.md D)."""
    reasons, _ = _high_reasons(before, reading, rules)
    return bool(reasons)


def _high_reasons(
    before: BloodPressure, reading: BloodPressure, rules: SafetyRules
) -> tuple[list[str], bool]:
    """Why a reading after the dose is high, and whether that is urgent on its own.

    Urgent on its own: a rise of 40/25 mmHg or the hard stop (CLINICAL.md D); above the
    pre-dose gate alone is not.
    """
    for name, value in (("before", before), ("reading", reading)):
        if not isinstance(value, BloodPressure):
            raise InvalidSafetyInput(f"{name} must be a BloodPressure, not {value!r}.")
    systolic_rise = reading.systolic_mmhg - before.systolic_mmhg
    diastolic_rise = reading.diastolic_mmhg - before.diastolic_mmhg
    reasons = []
    rose = (
        systolic_rise >= rules.bp_rise_systolic_mmhg
        or diastolic_rise >= rules.bp_rise_diastolic_mmhg
    )
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
    hard = rules.bp_hard_stop is not None and rules.bp_hard_stop.reached_by(reading)
    if hard:
        reasons.append(f"at or above the no-dose-today limit {rules.bp_hard_stop}")
    elif rules.bp_delay_gate is not None and rules.bp_delay_gate.exceeded_by(reading):
        reasons.append(f"above the pre-dose limit {rules.bp_delay_gate}")
    return reasons, rose or hard


def check_post_dose_reading(
    before: BloodPressure,
    reading: BloodPressure,
    *,
    earlier_high: bool,
    rules: SafetyRules = DEFAULT_RULES,
) -> Finding | None:
    """A blood pressure after the dose, against the pre-dose reading and the limits.

    CLINICAL.md G6: above 180 systolic or 120 diastolic is a hypertensive crisis, an
    emergency: the patient and sitter call emergency services. CLINICAL.md D: a rise of
    40/25 mmHg or a reading at the hard stop is urgent. Above the pre-dose gate alone
    asks for a re-measure (a warning), and is urgent when an earlier reading after this
    dose was high too ("stays high"). None: nothing wrong. Every high finding asks for
    a re-measure (`next_step`).
    """
    reasons, large = _high_reasons(before, reading, rules)
    if rules.hypertensive_crisis.exceeded_by(reading):
        return Finding(
            severity=Severity.EMERGENCY,
            cause=Cause.HYPERTENSIVE_CRISIS,
            message=f"Blood pressure after the dose {reading} (before: {before}) is above "
            f"{rules.hypertensive_crisis}: a hypertensive crisis.",
            source="CLINICAL.md G6",
            next_step=f"Your blood pressure is dangerously high. {CALL_EMERGENCY_NOW}",
        )
    if not reasons:
        return None
    severity = Severity.URGENT if large or earlier_high else Severity.WARNING
    stays = "; it stays high after an earlier high reading" if earlier_high else ""
    return Finding(
        severity=severity,
        cause=Cause.BP_RISE_AFTER_DOSE,
        message=f"Blood pressure after the dose {reading} (before: {before}): "
        f"{'; '.join(reasons)}{stays}.",
        source="CLINICAL.md D",
        next_step=(
            "Your blood pressure is higher than it should be. Sit or lie down and rest with "
            f"your sitter, and measure it again in {duration(rules.post_dose_remeasure_after)}. "
            "If you get chest pain, a sudden severe headache, trouble breathing, a change in "
            "your vision or a seizure, call the emergency number now."
        ),
    )


def check_in_report(
    feeling: Feeling,
    symptoms: Iterable[Symptom],
    *,
    raised_bp: bool,
    other: str = "",
) -> Finding | None:
    """How the patient is at the check-in, graded (CLINICAL.md G6, G7); None: all well.

    One finding for the whole report, at the most pressing grade of its parts; an
    emergency's next step is to call emergency services, first.
    """
    if not isinstance(feeling, Feeling):
        raise InvalidSafetyInput(f"feeling must be one of {', '.join(Feeling)}, not {feeling!r}.")
    ticked = tuple(symptoms)
    if not all(isinstance(s, Symptom) for s in ticked):
        raise InvalidSafetyInput(f"symptoms must be of {', '.join(Symptom)}, not {ticked!r}.")
    if type(raised_bp) is not bool:
        raise InvalidSafetyInput("raised_bp must be True or False.")
    grades = [
        Severity.EMERGENCY if raised_bp and s in _EMERGENCY_WITH_RAISED_BP else SYMPTOM_SEVERITY[s]
        for s in ticked
    ]
    feeling_grade = FEELING_SEVERITY[feeling]
    if feeling_grade is not None:
        grades.append(feeling_grade)
    if not grades:
        return None
    severity = max(grades, key=_RANK.__getitem__)
    names = [s.value.replace("_", " ") for s in ticked if s is not Symptom.OTHER]
    if Symptom.OTHER in ticked:
        names.append(other.strip() or "other")
    said = f"feels {feeling.value.replace('_', ' ')}" + (
        f"; reports {', '.join(names)}" if names else ""
    )
    return Finding(
        severity=severity,
        cause=Cause.ADVERSE_EVENT,
        message=f"At the post-dose check-in the patient {said}"
        + (" with raised blood pressure" if raised_bp else "")
        + ".",
        source="CLINICAL.md D, G6, G7",
        next_step=CALL_EMERGENCY_NOW if severity is Severity.EMERGENCY else "",
    )


def check_release(*, stable: bool, sitter_name: str) -> Finding | None:
    """The sitter ends the window: the patient is alert and stable, or the clinic is paged."""
    if type(stable) is not bool:
        raise InvalidSafetyInput("stable must be True or False.")
    if stable:
        return None
    return Finding(
        severity=Severity.URGENT,
        cause=Cause.SITTER_NOT_RELEASED,
        message=f"The sitter {sitter_name} could not confirm that the patient is alert and "
        "stable at the end of the observation window.",
        source="CLINICAL.md D",
        next_step="Stay with them. The on-call clinician has been paged and will call you. "
        "If they cannot be woken, have trouble breathing or chest pain, call the emergency "
        "number now.",
    )


def bp_reading_missed(window: PostDoseWindow, now: datetime, zone: tzinfo) -> Finding | None:
    """No blood pressure reading after the dose by its due time plus the grace (urgent)."""
    require_aware("now", now)
    if utc(now) <= window.bp_missed_at:
        return None
    return Finding(
        severity=Severity.URGENT,
        cause=Cause.POST_DOSE_BP_MISSED,
        message=f"No blood pressure after the dose at {when(window.dosed_at, zone)}; it was "
        f"due at {when(window.bp_due_at, zone)}, {duration(window.bp_due_at - window.dosed_at)} "
        "after the dose, when the rise peaks.",
        source="CLINICAL.md D, G4",
    )


def remeasure_missed(
    high_at: datetime, now: datetime, zone: tzinfo, rules: SafetyRules = DEFAULT_RULES
) -> Finding | None:
    """A high reading after the dose not measured again in time (urgent)."""
    require_aware("high_at", high_at)
    require_aware("now", now)
    due = utc(high_at) + rules.post_dose_remeasure_after
    if utc(now) <= due + rules.post_dose_bp_grace:
        return None
    return Finding(
        severity=Severity.URGENT,
        cause=Cause.BP_RISE_AFTER_DOSE,
        message=f"A high blood pressure after the dose at {when(high_at, zone)} was not "
        f"measured again by {when(due, zone)}.",
        source="CLINICAL.md D",
    )


def release_missing(
    check_in_due_at: datetime, now: datetime, zone: tzinfo, rules: SafetyRules = DEFAULT_RULES
) -> Finding | None:
    """No sitter release by the check-in deadline plus the grace (a warning for review)."""
    require_aware("check_in_due_at", check_in_due_at)
    require_aware("now", now)
    if utc(now) <= utc(check_in_due_at) + rules.check_in_grace:
        return None
    return Finding(
        severity=Severity.WARNING,
        cause=Cause.SITTER_NOT_RELEASED,
        message=f"The sitter has not ended the observation window; the check-in was due by "
        f"{when(check_in_due_at, zone)}.",
        source="CLINICAL.md D",
    )
