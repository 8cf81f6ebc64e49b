"""Intake: start it, save the draft, submit it; the clinician's ratings and eligibility review."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, cast

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.params.functions import Body
from pydantic import Field

from ketacare.api.access import (
    actor,
    audit_list,
    audit_read,
    readable_patient,
    visible,
    visible_patient,
)
from ketacare.api.errors import FIELD_ROOT
from ketacare.api.schemas import ERRORS, WRITE_ERRORS, id_in_path, refuse_nul
from ketacare.intake import services
from ketacare.intake.answers import IntakeData
from ketacare.intake.models import EligibilityReview, Intake
from ketacare.intake.ratings import StaffRatingSpec
from ketacare.intake.specs import ReviewSpec, draft

router = Router(tags=["intake"])


class ReviewOut(Schema):
    id: int = Field(description="The review's id.")
    intake_id: int = Field(description="The intake reviewed.")
    patient_id: int = Field(description="Whose.")
    reviewer_id: int = Field(description="The clinician or prescriber who decided.")
    decision: Literal["approve", "decline"] = Field(description="The decision.")
    justification: str = Field(description="Why (declining; approving over cautions).")
    eligibility: dict[str, Any] = Field(description="The assessment as the reviewer saw it.")
    at: dt.datetime = Field(description="When.")


class IntakeOut(Schema):
    id: int = Field(description="The intake's id.")
    patient_id: int = Field(description="Whose.")
    status: Literal["draft", "submitted"] = Field(description="A draft, or submitted.")
    data: dict[str, Any] = Field(
        description="The answers (the shape of `IntakeDraft`; a draft may be incomplete)."
    )
    submitted_at: dt.datetime | None = Field(description="When it was submitted.")
    submitted_by_id: int | None = Field(description="Who submitted it.")
    eligibility: dict[str, Any] | None = Field(
        description="The eligibility assessment computed at submission: decision, findings "
        "[code, severity, message, source], trd, failed_adequate_trials, maudsley (the "
        "staff's rating, once rated), medicines [name, recognised, generics, groups, classes] "
        "and unrecognised_medicines [names to check by hand] (absent from assessments "
        "stored before medicine names were read)."
    )
    staff_ratings: dict[str, Any] | None = Field(
        description="What a clinician or prescriber rated before the review, each part once "
        "rated: maudsley {duration, severity, treatment_failures, rated_by, rated_at}, madrs "
        "{response_id, total, band, rated_by, rated_at}."
    )
    review: ReviewOut | None = Field(description="The clinician's review, once made.")
    created_at: dt.datetime = Field(description="When the intake was started.")
    updated_at: dt.datetime = Field(description="When it last changed.")


def _as_draft(node: Any, defs: dict[str, Any]) -> Any:
    """IntakeData's JSON schema, inlined and with nothing required.

    Inlined: OpenAPI would resolve `#/$defs/...` from the document's root. Nothing
    required: a draft may leave out any part.
    """
    if isinstance(node, dict):
        if "$ref" in node:
            return _as_draft(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
        return {k: _as_draft(v, defs) for k, v in node.items() if k not in {"$defs", "required"}}
    if isinstance(node, list):
        return [_as_draft(v, defs) for v in node]
    return node


_FULL = IntakeData.model_json_schema()
DRAFT_SCHEMA = {
    **_as_draft(_FULL, _FULL.get("$defs", {})),
    "title": "IntakeDraft",
    "description": "The intake's answers; in a draft any part may be missing. Submission "
    "needs every answer (422 naming each one missing).",
}


def intake_out(intake: Intake) -> IntakeOut:
    review = EligibilityReview.objects.filter(intake=intake).first()
    return IntakeOut(
        id=intake.pk,
        patient_id=intake.patient.pk,
        status=intake.status,  # type: ignore[arg-type]  # a TextChoices value of the literals
        data=intake.data,
        submitted_at=intake.submitted_at,
        submitted_by_id=intake.submitted_by.pk if intake.submitted_by else None,
        eligibility=intake.eligibility,
        staff_ratings=intake.staff_ratings,
        review=ReviewOut.model_validate(review) if review is not None else None,
        created_at=intake.created_at,
        updated_at=intake.updated_at,
    )


def _intake(request: HttpRequest, patient_id: int, intake_id: int) -> Intake:
    patient = visible_patient(request, patient_id)
    found: Intake = visible(request, Intake.objects, pk=intake_id, patient=patient)
    return found


@router.post(
    "/{patient_id}/intakes", response={200: IntakeOut, **WRITE_ERRORS}, summary="Start intake"
)
def start_intake(request: HttpRequest, patient_id: int = id_in_path("patient")) -> IntakeOut:
    """The patient's open intake, started now (screening moves to intake) if there is none."""
    patient = visible_patient(request, patient_id)
    return intake_out(services.start_intake(actor(request), patient))


@router.get("/{patient_id}/intakes", response={200: list[IntakeOut], **ERRORS}, summary="Intakes")
def list_intakes(request: HttpRequest, patient_id: int = id_in_path("patient")) -> list[IntakeOut]:
    patient = readable_patient(request, patient_id, "read_intake")
    scoped = Intake.objects.visible_to(actor(request)).filter(patient=patient)
    # ScopedQuerySet.as_manager() is not parametrised for mypy: name the model here.
    intakes = cast("list[Intake]", list(scoped.select_related("patient", "submitted_by")))
    audit_list(request, "intake.Intake", [i.pk for i in intakes], patient_id=patient.pk)
    return [intake_out(i) for i in intakes]


@router.get(
    "/{patient_id}/intakes/{intake_id}", response={200: IntakeOut, **ERRORS}, summary="One intake"
)
def get_intake(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    intake_id: int = id_in_path("intake"),
) -> IntakeOut:
    patient = readable_patient(request, patient_id, "read_intake")
    intake: Intake = visible(request, Intake.objects, pk=intake_id, patient=patient)
    audit_read(request, intake)
    return intake_out(intake)


@router.put(
    "/{patient_id}/intakes/{intake_id}/draft",
    response={200: IntakeOut, **WRITE_ERRORS},
    summary="Save the draft",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": DRAFT_SCHEMA}},
        }
    },
)
def save_draft(
    request: HttpRequest,
    payload: dict[str, Any] = Body(...),  # noqa: B008 - ninja's way of declaring a body
    patient_id: int = id_in_path("patient"),
    intake_id: int = id_in_path("intake"),
) -> IntakeOut:
    """Replace the draft's answers.

    Any part may be missing; a present value must be valid (422 naming it, e.g.
    `body.trials.0.duration_weeks`). The scores the clinic's clinicians rate (`maudsley`,
    `questionnaires.madrs`) are refused (422): they are rated with `staff-ratings`.
    """
    intake = _intake(request, patient_id, intake_id)
    refuse_nul(payload)
    saved = services.save_intake_draft(actor(request), intake, draft(payload))
    return intake_out(saved)


@router.post(
    "/{patient_id}/intakes/{intake_id}/submit",
    response={200: IntakeOut, **WRITE_ERRORS},
    summary="Submit the intake",
)
def submit_intake(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    intake_id: int = id_in_path("intake"),
) -> IntakeOut:
    """Submit a complete intake (the current consent signed).

    The baseline questionnaires are stored, eligibility assessed, and the patient moves
    to under review.
    """
    intake = _intake(request, patient_id, intake_id)
    # A missing answer is named by its place in the intake's data ("data.trials.0.dose").
    setattr(request, FIELD_ROOT, "data")
    return intake_out(services.submit_intake(actor(request), intake))


@router.post(
    "/{patient_id}/intakes/{intake_id}/review",
    response={201: ReviewOut, **WRITE_ERRORS},
    summary="Review eligibility",
)
def review_intake(
    request: HttpRequest,
    payload: ReviewSpec,
    patient_id: int = id_in_path("patient"),
    intake_id: int = id_in_path("intake"),
) -> Status[ReviewOut]:
    """Approve or decline (a clinician or prescriber).

    An absolute exclusion cannot be approved (409 `ineligible`); approving over cautions
    needs a justification.
    """
    intake = _intake(request, patient_id, intake_id)
    review = services.review_intake(actor(request), intake, payload)
    return Status(201, ReviewOut.model_validate(review))


@router.post(
    "/{patient_id}/intakes/{intake_id}/staff-ratings",
    response={200: IntakeOut, **WRITE_ERRORS},
    summary="Rate the Maudsley staging and the MADRS",
)
def rate_intake(
    request: HttpRequest,
    payload: StaffRatingSpec,
    patient_id: int = id_in_path("patient"),
    intake_id: int = id_in_path("intake"),
) -> IntakeOut:
    """A clinician's or prescriber's ratings of a submitted intake, before its review.

    The Maudsley domains (all three) replace an earlier rating and the stored assessment
    shows their stage; the MADRS is recorded as a new questionnaire response. After the
    review: 409 `already_reviewed`.
    """
    intake = _intake(request, patient_id, intake_id)
    return intake_out(services.rate_intake(actor(request), intake, payload))
