"""Adverse events: side effects worth reporting, by the patient, their sitter or staff."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from ketacare.api.access import actor, audit_list, readable_patient, visible_patient
from ketacare.api.idempotency import IDEMPOTENCY_KEY, Idempotent, once
from ketacare.api.schemas import ERRORS, WRITE_ERRORS, id_in_path
from ketacare.api.sessions.common import FindingOut
from ketacare.treatment import services
from ketacare.treatment.models import AdverseEvent
from ketacare.treatment.specs.sessions import AdverseEventSpec

router = Router(tags=["sessions"])


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
    patient = readable_patient(request, patient_id, "read_adverse_events")
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
    payload: AdverseEventSpec,
    patient_id: int = id_in_path("patient"),
    idempotency_key: str | None = IDEMPOTENCY_KEY,
) -> Status[AdverseEventOut]:
    """A side effect worth reporting (the patient, their sitter, or staff)."""
    user = actor(request)
    patient = visible_patient(request, patient_id)
    return once(
        Idempotent(request, user, idempotency_key, _reported),
        lambda: services.report_adverse_event(user, patient, payload),
    )


def _reported(event: AdverseEvent) -> Status[AdverseEventOut]:
    return Status(201, AdverseEventOut.model_validate(event))
