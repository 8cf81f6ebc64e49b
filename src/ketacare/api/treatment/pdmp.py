"""State PDMP checks of a patient: a prescriber records one; staff who see prescriptions list."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from ketacare.api.access import actor, audit_list, readable_patient, visible_patient
from ketacare.api.schemas import ERRORS, WRITE_ERRORS, id_in_path
from ketacare.treatment import services
from ketacare.treatment.models import PdmpCheck, PdmpResult
from ketacare.treatment.specs.pdmp import PdmpCheckSpec

router = Router(tags=["treatment"])


class PdmpCheckOut(Schema):
    id: int = Field(description="The check's id.")
    patient_id: int = Field(description="Whose.")
    checked_at: dt.datetime = Field(description="When the state PDMP was checked.")
    checked_by_id: int = Field(description="The prescriber who checked it.")
    result: PdmpResult = Field(description="nothing_of_concern, or concerns (with a note).")
    note: str = Field(description="What the concerns are.")


@router.get(
    "/{patient_id}/pdmp-checks",
    response={200: list[PdmpCheckOut], **ERRORS},
    summary="State PDMP checks",
    operation_id="ketacare_api_treatment_list_pdmp_checks",
)
def list_pdmp_checks(
    request: HttpRequest, patient_id: int = id_in_path("patient")
) -> list[PdmpCheckOut]:
    patient = readable_patient(request, patient_id, "read_prescriptions")
    rows = list(PdmpCheck.objects.visible_to(actor(request)).filter(patient=patient))
    audit_list(request, "treatment.PdmpCheck", [r.pk for r in rows], patient_id=patient.pk)
    return [PdmpCheckOut.model_validate(r) for r in rows]


@router.post(
    "/{patient_id}/pdmp-checks",
    response={201: PdmpCheckOut, **WRITE_ERRORS},
    summary="Record a state PDMP check",
    operation_id="ketacare_api_treatment_record_pdmp_check",
)
def record_pdmp_check(
    request: HttpRequest, payload: PdmpCheckSpec, patient_id: int = id_in_path("patient")
) -> Status[PdmpCheckOut]:
    """A prescriber records that the state PDMP was checked just now, and what it showed.

    A prescription, and each refill, needs one within the clinic's window (30 days unless
    the clinic chose otherwise): otherwise 409 `pdmp_check_missing`.
    """
    patient = visible_patient(request, patient_id)
    check = services.record_pdmp_check(actor(request), patient, payload)
    return Status(201, PdmpCheckOut.model_validate(check))
