"""Prescriptions of the current plan: writing, co-signing, voiding and correcting them."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from ketacare.api.access import (
    actor,
    audit_list,
    audit_read,
    readable_patient,
    visible,
    visible_patient,
)
from ketacare.api.schemas import ERRORS, WRITE_ERRORS, id_in_path
from ketacare.api.treatment.common import prescription_of
from ketacare.treatment import services
from ketacare.treatment.models import Prescription, PrescriptionState
from ketacare.treatment.specs.prescriptions import CorrectionSpec, PrescriptionSpec, VoidSpec
from ketacare.treatment.specs.staging import FillReleaseSpec
from ketacare.treatment.staging import holds_for

router = Router(tags=["treatment"])


class PrescriptionOut(Schema):
    id: int = Field(description="The prescription's id.")
    patient_id: int = Field(description="Whose.")
    plan_id: int = Field(description="The plan version prescribed.")
    state: PrescriptionState = Field(
        description="active; awaiting_cosign (larger than the plan needs: no dispensing until "
        "a second prescriber co-signs); voided (nothing more is dispensed)."
    )
    product: str = Field(description="The product as the prescriber names it.")
    unit: str = Field(description="tablets, sprays or devices.")
    quantity: int = Field(description="Units per fill.")
    refills: int = Field(description="Refills allowed after the first fill.")
    directions: str = Field(description="Directions for use.")
    earliest_refill_on: dt.date | None = Field(description="No refill before this day.")
    last_fill_on: dt.date = Field(
        description="No fill after this day: 6 months after the date of issue (21 CFR 1306.22)."
    )
    dispensed_quantity: int = Field(description="Units dispensed so far (voided ones not).")
    fills_dispensed: int = Field(description="Fills started so far (a fill may come in parts).")
    quantity_reason: str = Field(description="Why more units than the plan still needs.")
    needs_cosign: bool = Field(description="Larger than the plan needs: a co-sign is needed.")
    cosigned_by_id: int | None = Field(description="The second prescriber who co-signed.")
    cosigned_at: dt.datetime | None = Field(description="When it was co-signed.")
    voided_by_id: int | None = Field(description="The prescriber who voided it.")
    voided_at: dt.datetime | None = Field(description="When it was voided.")
    void_reason: str = Field(description="Why it was voided.")
    corrects_id: int | None = Field(description="The voided prescription this one replaces.")
    written_by_id: int = Field(description="The prescriber.")
    prescriber_dea_number: str = Field(
        description="The prescriber's DEA registration number when it was written."
    )
    prescriber_npi: str = Field(description="The prescriber's NPI when it was written.")
    patient_address: str = Field(
        description="The patient's home address when it was written (lines)."
    )
    written_at: dt.datetime = Field(description="When.")
    holds: list[str] = Field(
        default_factory=list,
        description="Why its next fill is held (staged dispensing), in words; empty: not held "
        "(or released by a prescriber).",
    )


def _out(rows: list[Prescription]) -> list[PrescriptionOut]:
    """The prescriptions with the holds on their next fill (a fixed number of queries)."""
    holds = holds_for(rows)
    return [
        PrescriptionOut.model_validate(r).model_copy(
            update={"holds": list(holds[r.pk].reasons.values())}
        )
        for r in rows
    ]


@router.get(
    "/{patient_id}/prescriptions",
    response={200: list[PrescriptionOut], **ERRORS},
    summary="Prescriptions",
    operation_id="ketacare_api_treatment_list_prescriptions",
)
def list_prescriptions(
    request: HttpRequest, patient_id: int = id_in_path("patient")
) -> list[PrescriptionOut]:
    patient = readable_patient(request, patient_id, "read_prescriptions")
    rows = list(
        Prescription.objects.visible_to(actor(request))
        .filter(patient=patient)
        .select_related("patient")
    )
    audit_list(request, "treatment.Prescription", [r.pk for r in rows], patient_id=patient.pk)
    return _out(rows)


@router.post(
    "/{patient_id}/prescriptions",
    response={201: PrescriptionOut, **WRITE_ERRORS},
    summary="Write a prescription",
    operation_id="ketacare_api_treatment_write_prescription",
)
def write_prescription(
    request: HttpRequest, payload: PrescriptionSpec, patient_id: int = id_in_path("patient")
) -> Status[PrescriptionOut]:
    """Prescribe the current plan's product (a prescriber).

    More units in all than the plan still needs: 409 `quantity_beyond_plan`, unless
    `quantity_reason` says why; then it awaits a second prescriber's co-sign. No DEA
    number or NPI on the prescriber's account, or no home address on the patient's
    record: 409 `prescriber_identity_missing`; no state PDMP check within the clinic's
    window: 409 `pdmp_check_missing`.
    """
    patient = visible_patient(request, patient_id)
    prescription = services.write_prescription(actor(request), patient, payload)
    return Status(201, PrescriptionOut.model_validate(prescription))


@router.get(
    "/{patient_id}/prescriptions/{prescription_id}",
    response={200: PrescriptionOut, **ERRORS},
    summary="One prescription",
    operation_id="ketacare_api_treatment_get_prescription",
)
def get_prescription(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    prescription_id: int = id_in_path("prescription"),
) -> PrescriptionOut:
    patient = readable_patient(request, patient_id, "read_prescriptions")
    found = visible(request, Prescription.objects, pk=prescription_id, patient=patient)
    audit_read(request, found)
    return _out([found])[0]


@router.post(
    "/{patient_id}/prescriptions/{prescription_id}/cosign",
    response={200: PrescriptionOut, **WRITE_ERRORS},
    summary="Co-sign a prescription",
    operation_id="ketacare_api_treatment_cosign_prescription",
)
def cosign_prescription(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    prescription_id: int = id_in_path("prescription"),
) -> PrescriptionOut:
    """A second prescriber co-signs a prescription larger than the plan needs."""
    prescription = prescription_of(request, patient_id, prescription_id)
    cosigned = services.cosign_prescription(actor(request), prescription)
    return PrescriptionOut.model_validate(cosigned)


@router.post(
    "/{patient_id}/prescriptions/{prescription_id}/void",
    response={200: PrescriptionOut, **WRITE_ERRORS},
    summary="Void a prescription",
    operation_id="ketacare_api_treatment_void_prescription",
)
def void_prescription(
    request: HttpRequest,
    payload: VoidSpec,
    patient_id: int = id_in_path("patient"),
    prescription_id: int = id_in_path("prescription"),
) -> PrescriptionOut:
    """Its prescriber voids it, with a reason: nothing more is dispensed on it."""
    prescription = prescription_of(request, patient_id, prescription_id)
    voided = services.void_prescription(actor(request), prescription, payload)
    return PrescriptionOut.model_validate(voided)


@router.post(
    "/{patient_id}/prescriptions/{prescription_id}/corrections",
    response={201: PrescriptionOut, **WRITE_ERRORS},
    summary="Correct a prescription",
    operation_id="ketacare_api_treatment_correct_prescription",
)
def correct_prescription(
    request: HttpRequest,
    payload: CorrectionSpec,
    patient_id: int = id_in_path("patient"),
    prescription_id: int = id_in_path("prescription"),
) -> Status[PrescriptionOut]:
    """Its prescriber voids it and writes its replacement (which `corrects` it)."""
    prescription = prescription_of(request, patient_id, prescription_id)
    written = services.correct_prescription(actor(request), prescription, payload)
    return Status(201, PrescriptionOut.model_validate(written))


@router.post(
    "/{patient_id}/prescriptions/{prescription_id}/release-hold",
    response={200: PrescriptionOut, **WRITE_ERRORS},
    summary="Release a held fill",
    operation_id="ketacare_api_treatment_release_held_fill",
)
def release_held_fill(
    request: HttpRequest,
    payload: FillReleaseSpec,
    patient_id: int = id_in_path("patient"),
    prescription_id: int = id_in_path("prescription"),
) -> PrescriptionOut:
    """A prescriber lets the next fill be dispensed despite its holds, with a note.

    Its next fill not held: 409 `fill_not_held`. A dispense of a held fill not released
    is refused with 409 `fill_held`, naming the holds.
    """
    prescription = prescription_of(request, patient_id, prescription_id)
    services.release_held_fill(actor(request), prescription, payload)
    prescription.refresh_from_db()
    return _out([prescription])[0]
