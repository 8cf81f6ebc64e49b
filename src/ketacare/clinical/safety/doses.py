"""A dose and after it: the post-dose check-in, adverse events, a dose not as planned.

CLINICAL.md D: a check-in after the observation (missed: urgent); adverse events graded
by a ketacare default mapping; a dose taken that differs from the plan is a fact, stored
as taken, and pages (above the session cap, an emergency).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from ketacare.clinical.safety.clock import duration, utc, when
from ketacare.clinical.safety.findings import AdverseEventSeverity, Cause, Finding, Severity
from ketacare.clinical.safety.inputs import (
    InvalidSafetyInput,
    _require_bool,
    _require_mg,
    require_aware,
    require_span,
)
from ketacare.clinical.safety.rules import DEFAULT_RULES, SafetyRules


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
    if checked_in_at is None:
        if now <= dosed_at + deadline + grace:
            return None
        return _missed_check_in(dosed_at, now, deadline, zone)
    return _late_check_in(dosed_at, checked_in_at, now, deadline, zone)


def _missed_check_in(
    dosed_at: datetime, now: datetime, deadline: timedelta, zone: tzinfo | None
) -> Finding:
    """No check-in by the deadline and its grace: urgent (times in UTC, worded in `zone`)."""
    due = dosed_at + deadline
    return Finding(
        severity=Severity.URGENT,
        cause=Cause.MISSED_CHECK_IN,
        message=f"No post-dose check-in {duration(now - dosed_at)} after the dose at "
        f"{when(dosed_at, zone)}; it was due by {when(due, zone)} "
        f"({duration(deadline)} after the dose).",
        source="CLINICAL.md D",
    )


def _late_check_in(
    dosed_at: datetime,
    checked_in_at: datetime,
    now: datetime,
    deadline: timedelta,
    zone: tzinfo | None,
) -> Finding | None:
    """A check-in after the deadline (info), or None on time.

    It must fall between the dose and now (`dosed_at` and `now` in UTC, worded in `zone`).
    """
    require_aware("checked_in_at", checked_in_at)
    checked_in_at = utc(checked_in_at)
    if not dosed_at <= checked_in_at <= now:
        raise InvalidSafetyInput(
            f"checked_in_at {when(checked_in_at, zone)} is not between the dose at "
            f"{when(dosed_at, zone)} and now {when(now, zone)}."
        )
    due = dosed_at + deadline
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
