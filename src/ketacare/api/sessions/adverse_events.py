"""Adverse events: side effects worth reporting, by the patient, their sitter or staff."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import AwareDatetime, Field, StringConstraints

from ketacare.api.access import actor, audit_list, visible_patient
from ketacare.api.idempotency import IDEMPOTENCY_KEY, idempotent
from ketacare.api.schemas import ERRORS, MAX_ID, NO_NUL, WRITE_ERRORS, id_in_path
from ketacare.api.sessions.common import FindingOut
from ketacare.treatment import services
from ketacare.treatment.models import AdverseEvent, AdverseEventOutcome, DosingSession, Severity

router = Router(tags=["sessions"])


class AdverseEventIn(Schema):
    description: Annotated[
        str, StringConstraints(pattern=NO_NUL, min_length=1, max_length=4000)
    ] = Field(description="What happened.")
    severity: Severity = Field(description="mild, moderate, severe, life_threatening.")
    serious: bool = Field(description="Serious (ICH E2A): life-threatening or fatal always is.")
    outcome: AdverseEventOutcome = Field(description="How it ended (FHIR outcome).")
    session_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The session it followed."
    )
    onset_at: AwareDatetime | None = Field(default=None, description="When it began.")


class AdverseEventOut(Schema):
    id: int = Field(description="The event's id.")
    patient_id: int = Field(description="Whose.")
    session_id: int | None = Field(description="The session it followed.")
    description: str = Field(description="What happened.")
    severity: str = Field(description="How severe.")
    serious: bool = Field(description="Serious.")
    outcome: str = Field(description="Outcome.")
    onset_at: dt.datetime | None = Field(description="When it began.")
    finding: FindingOut = Field(description="How pressing (clinical.safety).")
    reported_by_id: int = Field(description="Who reported it.")
    reported_at: dt.datetime = Field(description="When.")


@router.get(
    "/{patient_id}/adverse-events",
    response={200: list[AdverseEventOut], **ERRORS},
    summary="Adverse events",
    operation_id="ketacare_api_sessions_list_adverse_events",
)
def list_adverse_events(
    request: HttpRequest, patient_id: int = id_in_path("patient")
) -> list[AdverseEventOut]:
    patient = visible_patient(request, patient_id)
    rows = list(AdverseEvent.objects.visible_to(actor(request)).filter(patient=patient))
    audit_list(request, "treatment.AdverseEvent", [r.pk for r in rows], patient_id=patient.pk)
    return [AdverseEventOut.model_validate(r) for r in rows]


@router.post(
    "/{patient_id}/adverse-events",
    response={201: AdverseEventOut, **WRITE_ERRORS},
    summary="Report an adverse event",
    operation_id="ketacare_api_sessions_report_adverse_event",
)
def report_adverse_event(
    request: HttpRequest,
    payload: AdverseEventIn,
    patient_id: int = id_in_path("patient"),
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> Status[AdverseEventOut] | HttpResponse:
    """A side effect worth reporting (the patient, their sitter, or staff)."""
    user = actor(request)
    patient = visible_patient(request, patient_id)
    session = None
    if payload.session_id is not None:
        session = DosingSession.objects.filter(pk=payload.session_id, patient=patient).first()
        if session is None:
            raise ValidationError({"session_id": "No such session of this patient."})

    def run() -> Status[AdverseEventOut]:
        event = services.report_adverse_event(
            user,
            patient,
            description=payload.description,
            severity=payload.severity.value,
            serious=payload.serious,
            outcome=payload.outcome.value,
            session=session,
            onset_at=payload.onset_at,
        )
        return Status(201, AdverseEventOut.model_validate(event))

    return idempotent(request, user, idempotency_key, run)
