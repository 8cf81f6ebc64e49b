"""The titration suggestion's inputs, read from the records (reading only, no writes).

clinical.dosing.suggest_titration is pure: it takes the plan's dose, the last sessions
(dose, CADSS-6, adverse events, vomiting, blood pressure before and after) and the PHQ-9
baseline and latest score. This module reads those from the database for any face (the
plan editor today) and hands them over; the medicine stays in clinical.dosing.
"""

from __future__ import annotations

from ketacare.assessments.queries import outcome_summary
from ketacare.clinical import dosing
from ketacare.clinical.safety import AdverseEventSeverity
from ketacare.clinical.vitals import BloodPressure
from ketacare.patients.protocol import clinic_rules
from ketacare.treatment.models import (
    AdverseEvent,
    DosingSession,
    PostDoseCheckIn,
    SideEffect,
    TreatmentPlan,
)
from ketacare.treatment.plans import plan_caps

# The grades in increasing order, to keep the worst one reported for a session.
GRADES = tuple(AdverseEventSeverity)


def _pressure(systolic: int | None, diastolic: int | None) -> BloodPressure | None:
    if systolic is None or diastolic is None:
        return None
    try:
        return BloodPressure(systolic, diastolic)
    except ValueError:  # an implausible reading is left out rather than guessed at
        return None


def _report(session: DosingSession, events: list[AdverseEvent]) -> dosing.SessionReport:
    check_in: PostDoseCheckIn | None = getattr(session, "check_in", None)
    before = _pressure(session.systolic_mmhg, session.diastolic_mmhg)
    after = None if check_in is None else _pressure(check_in.systolic_mmhg, check_in.diastolic_mmhg)
    grades = [AdverseEventSeverity(e.severity) for e in events]
    assert session.taken_at is not None  # noqa: S101 - only dosed sessions are read
    return dosing.SessionReport(
        at=session.taken_at,
        dose_mg=float(session.dose_mg or 0),
        cadss6_total=None if check_in is None else check_in.cadss6_total,
        adverse_event=max(grades, key=GRADES.index) if grades else None,
        serious_adverse_event=any(e.serious for e in events),
        vomited=check_in is not None and SideEffect.VOMITING.value in check_in.side_effects,
        bp_before=before if after is not None else None,
        bp_after=after if before is not None else None,
    )


def session_reports(plan: TreatmentPlan, count: int) -> list[dosing.SessionReport]:
    """The patient's last `count` dosed sessions, as clinical.dosing reads them."""
    sessions = list(
        DosingSession.objects.filter(patient_id=plan.patient_id, taken_at__isnull=False)
        .select_related("check_in")
        .order_by("-taken_at", "-pk")[:count]
    )
    events: dict[int, list[AdverseEvent]] = {s.pk: [] for s in sessions}
    for event in AdverseEvent.objects.filter(session__in=sessions):
        assert event.session_id is not None  # noqa: S101 - filtered on the session
        events[event.session_id].append(event)
    return [_report(s, events[s.pk]) for s in sessions]


def phq9_scores(plan: TreatmentPlan) -> tuple[int | None, int | None]:
    """The PHQ-9 baseline (the last score before the first dose) and the latest since."""
    course = outcome_summary(plan.patient, "phq9")
    if course is None:
        return None, None
    baseline = None if course.baseline is None else course.baseline.total
    current = course.follow_ups[-1].total if course.follow_ups else None
    return baseline, current


def suggestion(plan: TreatmentPlan) -> dosing.Suggestion | str:
    """clinical.dosing's suggestion for this plan, by its clinic's rules, or why none can be made.

    The clinic's rules (clinic_rules): its dissociation and blood-pressure limits, and
    the largest increase one plan revision may make (CLINICAL.md G5).
    """
    rules = clinic_rules(plan.patient.clinic_id).dosing
    try:
        dose = dosing.DosePlan(
            dosing.Route(plan.route),
            plan.formulation,
            float(plan.weight_kg),
            float(plan.dose_mg),
            plan_caps(plan),
        )
        baseline, current = phq9_scores(plan)
        return dosing.suggest_titration(
            dose,
            session_reports(plan, rules.sessions_before_step_up),
            phq9_baseline=baseline,
            phq9_current=current,
            rules=rules,
        )
    except ValueError as error:  # InvalidDosingInput: the records do not fit the rules
        return f"No suggestion: {error}"
