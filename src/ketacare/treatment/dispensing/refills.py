"""Refill requests: the patient (or staff for them) asks for the next fill."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock, usecase
from ketacare.kernel.usecase import use_case
from ketacare.patients.access import require
from ketacare.treatment import alerting
from ketacare.treatment.access import TREATING, require_phase
from ketacare.treatment.dispensing.fills import (
    day_in_words,
    is_early,
    locked_prescription,
    next_fill,
    patient_today,
)
from ketacare.treatment.errors import (
    AwaitingCosign,
    PrescriptionExhausted,
    PrescriptionExpired,
    PrescriptionVoided,
)
from ketacare.treatment.models import (
    DiversionFinding,
    DiversionKind,
    Prescription,
    PrescriptionState,
    RefillRequest,
)
from ketacare.treatment.reviews import refuse_dispensing_unless_reviewed
from ketacare.treatment.specs.dispensing import RefillRequestSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import User


def _refuse_refill_unless_fillable(rx: Prescription) -> None:
    """The refusals of a refill request, in words a patient reads."""
    state = rx.state
    if state == PrescriptionState.VOIDED:
        raise PrescriptionVoided(
            "This prescription was cancelled by your prescriber; ask them for a new one."
        )
    if state == PrescriptionState.AWAITING_COSIGN:
        raise AwaitingCosign(
            "This prescription is waiting for a second prescriber's approval; nothing can be "
            "filled on it yet."
        )
    last = rx.last_fill_on
    if patient_today(rx.patient) > last:
        raise PrescriptionExpired(
            f"This prescription can no longer be filled: its last day was {day_in_words(last)}, 6 "
            "months after it was written. Ask your prescriber for a new one."
        )


@use_case("request_refill")
def request_refill(
    actor: User, prescription: Prescription, spec: RefillRequestSpec
) -> RefillRequest:
    """The patient (or staff for them) asks for the next fill; early: a diversion finding."""
    patient = prescription.patient
    require(actor, patient, "request_refill")
    rx = locked_prescription(prescription.pk)
    require_phase(rx.patient, TREATING, "request a refill")
    refuse_dispensing_unless_reviewed(rx.patient)
    _refuse_refill_unless_fillable(rx)
    fill = next_fill(rx)
    if fill is None:
        raise PrescriptionExhausted(
            "No refills are left on this prescription; ask the prescriber for a new one."
        )
    early = is_early(rx, fill)
    request = RefillRequest.objects.create(
        patient_id=patient.pk,
        prescription=rx,
        early=early,
        note=spec.note,
        requested_by=actor,
        requested_at=clock.now(),
    )
    if early:
        finding = DiversionFinding.objects.create(
            patient_id=patient.pk,
            kind=DiversionKind.EARLY_REFILL,
            prescription=rx,
            refill_request=request,
            recorded_by=actor,
            note=f"Refill requested before {rx.earliest_refill_on}.",
        )
        alerting.diversion_finding(patient, finding, fill=fill.number)
    usecase.note(Event.about(AuditAction.CREATE, request, detail={"early": early}))
    return request
