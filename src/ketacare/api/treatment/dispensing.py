"""Dispenses: filling a prescription (in parts), voiding and correcting a dispense."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from ketacare.api.access import actor, audit_list, readable_patient, visible, visible_patient
from ketacare.api.schemas import ERRORS, WRITE_ERRORS, id_in_path
from ketacare.api.treatment.common import prescription_of
from ketacare.treatment import services
from ketacare.treatment.models import Dispense
from ketacare.treatment.specs.dispensing import (
    DispenseCorrectionSpec,
    DispenseSpec,
    VoidDispenseSpec,
)

router = Router(tags=["treatment"])


class DispenseOut(Schema):
    id: int = Field(description="The dispense's id.")
    patient_id: int = Field(description="Whose.")
    prescription_id: int = Field(description="The prescription filled.")
    fill_number: int = Field(description="1 for the first fill.")
    part: int = Field(description="The part of the fill (a fill may be dispensed in parts).")
    quantity: int = Field(description="Units dispensed.")
    lot_id: int | None = Field(description="The lot of the clinic's stock it was drawn from.")
    lot_number: str = Field(description="The lot's number.")
    expires_on: dt.date = Field(description="The lot's expiry, from the clinic's lot master.")
    early: bool = Field(description="Before the earliest refill date.")
    early_reason: str = Field(description="Why early.")
    dispensed_by_id: int = Field(description="The pharmacist.")
    dispensed_at: dt.datetime = Field(description="When.")
    voided_by_id: int | None = Field(description="The pharmacist who voided it.")
    voided_at: dt.datetime | None = Field(description="When it was voided.")
    void_reason: str = Field(description="Why it was voided.")
    reversal_event_id: int | None = Field(description="The ledger event taking its units back.")
    corrects_id: int | None = Field(description="The voided dispense this one replaces.")


@router.post(
    "/{patient_id}/prescriptions/{prescription_id}/dispenses",
    response={201: DispenseOut, **WRITE_ERRORS},
    summary="Dispense a fill",
    operation_id="ketacare_api_treatment_dispense",
)
def dispense(
    request: HttpRequest,
    payload: DispenseSpec,
    patient_id: int = id_in_path("patient"),
    prescription_id: int = id_in_path("prescription"),
) -> Status[DispenseOut]:
    """Dispense (part of) a fill (a pharmacist): the units go into the patient's ledger.

    They are drawn from `lot_number`, a lot of the clinic's stock (its lot master knows
    the expiry; `expires_on` may be left out, and when given must be the master's: 400 on
    `expires_on` otherwise). 409 `lot_unknown` for a lot not in the clinic's stock or of
    another product, `lot_not_dispensable` for a lot expired on the patient's calendar day
    or recalled, `lot_short` when the lot holds fewer units (nothing is stored).
    """
    prescription = prescription_of(request, patient_id, prescription_id)
    filled = services.dispense(actor(request), prescription, payload)
    return Status(201, DispenseOut.model_validate(filled))


@router.get(
    "/{patient_id}/dispenses",
    response={200: list[DispenseOut], **ERRORS},
    summary="Dispenses",
    operation_id="ketacare_api_treatment_list_dispenses",
)
def list_dispenses(
    request: HttpRequest, patient_id: int = id_in_path("patient")
) -> list[DispenseOut]:
    patient = readable_patient(request, patient_id, "read_ledger")
    rows = list(Dispense.objects.visible_to(actor(request)).filter(patient=patient))
    audit_list(request, "treatment.Dispense", [r.pk for r in rows], patient_id=patient.pk)
    return [DispenseOut.model_validate(r) for r in rows]


def _dispense(request: HttpRequest, patient_id: int, dispense_id: int) -> Dispense:
    patient = visible_patient(request, patient_id)
    found: Dispense = visible(request, Dispense.objects, pk=dispense_id, patient=patient)
    return found


@router.post(
    "/{patient_id}/dispenses/{dispense_id}/void",
    response={200: DispenseOut, **WRITE_ERRORS},
    summary="Void a dispense",
    operation_id="ketacare_api_treatment_void_dispense",
)
def void_dispense(
    request: HttpRequest,
    payload: VoidDispenseSpec,
    patient_id: int = id_in_path("patient"),
    dispense_id: int = id_in_path("dispense"),
) -> DispenseOut:
    """Its pharmacist voids it, with a reason: its units leave the ledger again.

    They go back on the lot they were drawn from (a `dispense_voided` movement of the
    clinic's stock). 409 `units_not_on_hand` when the patient no longer holds them.
    """
    filled = _dispense(request, patient_id, dispense_id)
    voided = services.void_dispense(actor(request), filled, payload)
    return DispenseOut.model_validate(voided)


@router.post(
    "/{patient_id}/dispenses/{dispense_id}/corrections",
    response={201: DispenseOut, **WRITE_ERRORS},
    summary="Correct a dispense",
    operation_id="ketacare_api_treatment_correct_dispense",
)
def correct_dispense(
    request: HttpRequest,
    payload: DispenseCorrectionSpec,
    patient_id: int = id_in_path("patient"),
    dispense_id: int = id_in_path("dispense"),
) -> Status[DispenseOut]:
    """Its pharmacist voids it and dispenses its replacement (which `corrects` it).

    The replacement is checked as any dispense, lot included: its units come off its lot,
    and the voided dispense's go back on theirs.
    """
    filled = _dispense(request, patient_id, dispense_id)
    corrected = services.correct_dispense(actor(request), filled, payload)
    return Status(201, DispenseOut.model_validate(corrected))
