"""The end-of-induction review: where it stands, and recording it."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from ketacare.api.access import actor, audit_read, readable_patient, visible_patient
from ketacare.api.schemas import ERRORS, WRITE_ERRORS, id_in_path
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.treatment import services
from ketacare.treatment.reviews import dispensing_held_because, review_state
from ketacare.treatment.specs.reviews import InductionReviewSpec

router = Router(tags=["treatment"])


class InductionReviewOut(Schema):
    id: int = Field(description="The review's id.")
    patient_id: int = Field(description="Whose.")
    plan_id: int = Field(description="The plan version in force at the decision.")
    benefit: str = Field(description="response, partial or none, as the clinician judged it.")
    decision: str = Field(description="continue_to_maintenance, change_dose or stop.")
    note: str = Field(description="Why (required to change the dose or stop).")
    due_because: str = Field(description="Why the review was due.")
    phq9_baseline: int | None = Field(description="PHQ-9 baseline at the decision.")
    phq9_latest: int | None = Field(description="The latest PHQ-9 on treatment at the decision.")
    phq9_percent_change: float | None = Field(description="Its change from baseline, %.")
    phq9_response: bool | None = Field(
        description="A response at the latest score; null: not judged (CLINICAL.md G9)."
    )
    phq9_remission: bool | None = Field(description="A remission at it; null: not judged.")
    decided_by_id: int = Field(description="The clinician or prescriber.")
    decided_at: dt.datetime = Field(description="When.")


class InductionReviewStateOut(Schema):
    due: bool = Field(description="Whether the review is due (recorded or not).")
    due_because: str | None = Field(description="Why it is due, in words.")
    due_by: dt.datetime | None = Field(
        description="When it falls due by time: the clinic's days after the first dose."
    )
    doses_taken: int | None = Field(description="Doses taken so far (null: no plan).")
    induction_sessions: int | None = Field(description="The plan's induction sessions.")
    dispensing_held: str | None = Field(
        description="Why the review holds dispensing (due and not recorded, or a decision to "
        "stop); null when it does not."
    )
    review: InductionReviewOut | None = Field(description="The review, once recorded.")


@router.get(
    "/{patient_id}/induction-review",
    response={200: InductionReviewStateOut, **ERRORS},
    summary="End-of-induction review",
    operation_id="ketacare_api_treatment_induction_review",
)
def induction_review(
    request: HttpRequest, patient_id: int = id_in_path("patient")
) -> InductionReviewStateOut:
    """Whether the review is due, and the review recorded, if any.

    Due after the plan's induction sessions or the clinic's days after the first dose (28
    by default), whichever comes first.
    """
    patient = readable_patient(request, patient_id, "read_plans")
    state = review_state(patient)
    if state.review is not None:
        audit_read(request, state.review)
    else:
        record(
            Event.about(AuditAction.READ, patient, detail={"via": "api induction review"}),
            actor=actor(request),
        )
    course = state.course
    return InductionReviewStateOut(
        due=state.due is not None,
        due_because=state.due.reason if state.due is not None else None,
        due_by=state.due_by_time,
        doses_taken=course.doses_taken if course is not None else None,
        induction_sessions=course.induction_sessions if course is not None else None,
        dispensing_held=dispensing_held_because(patient),
        review=None if state.review is None else InductionReviewOut.model_validate(state.review),
    )


@router.post(
    "/{patient_id}/induction-review",
    response={201: InductionReviewOut, **WRITE_ERRORS},
    summary="Record the end-of-induction review",
    operation_id="ketacare_api_treatment_record_induction_review",
)
def record_induction_review(
    request: HttpRequest, payload: InductionReviewSpec, patient_id: int = id_in_path("patient")
) -> Status[InductionReviewOut]:
    """A clinician or prescriber records whether treatment helped and what follows.

    409 `induction_review_not_due` before it is due, `induction_review_recorded` once
    recorded; a `note` is required to change the dose or stop (422). No phase moves:
    the prescriber starts maintenance, a clinician discharges, each with its own use case.
    """
    patient = visible_patient(request, patient_id)
    review = services.record_induction_review(actor(request), patient, payload)
    return Status(201, InductionReviewOut.model_validate(review))
