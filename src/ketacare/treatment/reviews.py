"""The end-of-induction review: when it is due, the gate on dispensing, and recording it.

CLINICAL.md C (the esketamine label: "assess benefit at end of induction"; the ASA
principles: a defined course and end point). The review falls due once the patient has
taken the plan's induction sessions, or the clinic's days (28 by default, clinic's
choice) after the first dose, whichever comes first (clinical.dosing.review). A clinician
or prescriber then records whether treatment helped (benefit) and what follows
(decision), from the PHQ-9 outcome summary, which is copied onto the review.

Until it is recorded nothing more is dispensed (dispense, a correction that adds units,
a refill request): `refuse_dispensing_unless_reviewed`. After a decision to stop,
nothing more is dispensed either. The review moves no phase: "stop" does not discharge
(a clinician discharges from the record, with its reason), and "continue to
maintenance" does not start it (induction -> maintenance is the prescriber's decision,
`start_maintenance`, patients.phases.DECIDED_BY), so that recording the review means the
same thing whoever of the two roles records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from ketacare.assessments.queries import outcome_summary
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.clinical import dosing, outcomes
from ketacare.kernel import clock, usecase
from ketacare.kernel.errors import DomainError
from ketacare.kernel.usecase import use_case
from ketacare.patients.access import require
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.patients.protocol import clinic_rules, outcome_rules
from ketacare.treatment.access import TREATING, require_phase
from ketacare.treatment.errors import (
    InductionReviewDue,
    InductionReviewNotDue,
    InductionReviewRecorded,
    TreatmentStopped,
)
from ketacare.treatment.models import (
    DOSED_STATUSES,
    NOTE_REQUIRED,
    DosingSession,
    InductionReview,
    ReviewDecision,
    TreatmentPlan,
)
from ketacare.treatment.plans import active_plan
from ketacare.treatment.specs.reviews import InductionReviewSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import User

# A paused patient's review may be recorded too (the pause may be why it is late).
REVIEWING = TREATING | {Phase.PAUSED}
DUE_WORDS = (
    "The end-of-induction review is due ({why}): a clinician records whether treatment "
    "helped before more medicine is dispensed."
)


@dataclass(frozen=True)
class ReviewState:
    """Where the patient's end-of-induction review stands now."""

    course: dosing.InductionCourse | None  # None: no plan yet
    due: dosing.ReviewDue | None  # the rule's answer now; None: not due yet
    due_by_time: datetime | None  # when it falls due by time, whatever the sessions
    review: InductionReview | None  # recorded

    @property
    def pending(self) -> bool:
        """Due and not recorded: dispensing waits for it."""
        return self.due is not None and self.review is None


def induction_sessions(plan: TreatmentPlan) -> int | None:
    """The plan's induction sessions (clinical.dosing schedules); None when it sets none."""
    sessions = plan.schedule.get("sessions", []) if isinstance(plan.schedule, dict) else []
    count = sum(1 for s in sessions if isinstance(s, dict) and s.get("phase") == "induction")
    return count or None


def _course(patient: Patient, plan: TreatmentPlan) -> dosing.InductionCourse:
    taken = DosingSession.objects.filter(patient_id=patient.pk, status__in=DOSED_STATUSES)
    first = Patient.objects.filter(pk=patient.pk).values_list("first_dose_at", flat=True).get()
    return dosing.InductionCourse(
        first_dose_at=first, doses_taken=taken.count(), induction_sessions=induction_sessions(plan)
    )


def recorded_review(patient: Patient) -> InductionReview | None:
    return (
        InductionReview.objects.filter(patient_id=patient.pk).select_related("decided_by").first()
    )


def review_state(patient: Patient) -> ReviewState:
    """The patient's review now: due or not, and the one recorded (the faces read this)."""
    review = recorded_review(patient)
    plan = active_plan(patient)
    if plan is None:
        return ReviewState(course=None, due=None, due_by_time=None, review=review)
    rules = clinic_rules(patient.clinic_id).dosing
    course = _course(patient, plan)
    due = dosing.induction_review_due(course, now=clock.now(), rules=rules)
    by_time = dosing.review_due_by_time(course, rules)
    return ReviewState(course=course, due=due, due_by_time=by_time, review=review)


def phq9_course(patient: Patient) -> outcomes.Trajectory | None:
    """The PHQ-9 outcome summary the review is judged from (the clinic's outcome rules)."""
    return outcome_summary(patient, "phq9", rules=outcome_rules(patient.clinic_id))


def _hold(patient: Patient) -> DomainError | None:
    """The refusal the review puts on more medicine for `patient`; None when it puts none."""
    state = review_state(patient)
    review = state.review
    if review is not None:
        if review.decision != ReviewDecision.STOP:
            return None
        return TreatmentStopped(
            f"The end-of-induction review of {review.decided_at:%Y-%m-%d} decided to stop "
            f"treatment ({review.decided_by.display_name}): nothing more is dispensed; a "
            "clinician discharges the patient from the record."
        )
    if state.due is None:
        return None
    return InductionReviewDue(DUE_WORDS.format(why=state.due.reason))


def dispensing_held_because(patient: Patient) -> str | None:
    """Why the review holds dispensing for `patient`, in words; None when it does not."""
    hold = _hold(patient)
    return None if hold is None else hold.message


def refuse_dispensing_unless_reviewed(patient: Patient) -> None:
    """Refuse more medicine while the review is awaited, or after a decision to stop.

    Read under the patient's row lock, which `record_induction_review` takes too: a
    decision to stop recorded at the same instant is seen, never passed by.
    """
    locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
    hold = _hold(locked)
    if hold is not None:
        raise hold


def _not_due(state: ReviewState) -> InductionReviewNotDue:
    course = state.course
    if course is None:
        return InductionReviewNotDue("The patient has no treatment plan: there is no induction.")
    if state.due_by_time is None:
        return InductionReviewNotDue("No dose taken yet: the induction has not started.")
    sessions = (
        f"after the plan's {course.induction_sessions} induction sessions "
        f"({course.doses_taken} taken so far) or "
        if course.induction_sessions is not None
        else ""
    )
    return InductionReviewNotDue(
        f"The end-of-induction review is not due yet: it is due {sessions}on "
        f"{state.due_by_time:%Y-%m-%d}, whichever comes first."
    )


def _figures(patient: Patient) -> dict[str, object]:
    """The PHQ-9 outcome summary's figures at the decision (None where there are none)."""
    course = phq9_course(patient)
    latest = course.latest if course is not None else None
    baseline = course.baseline if course is not None else None
    return {
        "phq9_baseline": baseline.total if baseline is not None else None,
        "phq9_latest": latest.current if latest is not None else None,
        "phq9_percent_change": latest.percent if latest is not None else None,
        "phq9_response": latest.response if latest is not None else None,
        "phq9_remission": latest.remission if latest is not None else None,
    }


@use_case("record_induction_review")
def record_induction_review(
    actor: User, patient: Patient, spec: InductionReviewSpec
) -> InductionReview:
    """A clinician or prescriber records the end-of-induction review (once per patient).

    Refused before it is due (InductionReviewNotDue) and once recorded
    (InductionReviewRecorded); changing the dose or stopping needs a note saying why. The
    PHQ-9 outcome summary's figures are copied onto the review. No phase moves here.
    """
    require(actor, patient, "record_induction_review")
    locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
    require_phase(locked, REVIEWING, "record the end-of-induction review")
    if spec.decision in NOTE_REQUIRED and not spec.note:
        raise ValidationError({"note": "Say why: the new dose's reason, or why treatment stops."})
    if recorded_review(locked) is not None:
        raise InductionReviewRecorded(
            "The end-of-induction review is recorded already; a later change of course is a "
            "plan revision or a phase move, each with its reason."
        )
    state = review_state(locked)
    plan = active_plan(locked)
    if state.due is None or plan is None:
        raise _not_due(state)
    review = InductionReview.objects.create(
        patient=locked,
        plan=plan,
        benefit=spec.benefit,
        decision=spec.decision,
        note=spec.note,
        due_because=state.due.reason,
        decided_by=actor,
        decided_at=clock.now(),
        **_figures(locked),
    )
    detail = {"benefit": review.benefit, "decision": review.decision, "due": state.due.reason}
    usecase.note(Event.about(AuditAction.CREATE, review, detail=detail))
    return review
