"""The controlled-substance ledger: its balance, every event, and recording one."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from ketacare.accounts.models import User
from ketacare.api.access import actor, audit_list, readable_patient, visible_patient
from ketacare.api.schemas import ERRORS, WRITE_ERRORS, id_in_path
from ketacare.treatment import services
from ketacare.treatment.models import LedgerAccount, LedgerEvent
from ketacare.treatment.specs.ledger import LedgerEventSpec

router = Router(tags=["treatment"])


class LedgerEventOut(Schema):
    id: int = Field(description="The event's id.")
    kind: str = Field(description="dispensed, taken, returned, destroyed, lost_or_stolen, counted.")
    quantity: float = Field(description="Signed change of the balance (a count changes nothing).")
    balance_after: float = Field(description="The expected balance after it.")
    counted: float | None = Field(description="What was counted (counts).")
    actor_id: int = Field(description="Who recorded it.")
    witness_id: int | None = Field(description="The witness (destruction).")
    note: str = Field(description="Note.")
    at: dt.datetime = Field(description="When.")


class LedgerOut(Schema):
    unit: str = Field(description="tablets, sprays or devices.")
    balance: float = Field(description="Units the patient should hold (derived from events).")
    events: list[LedgerEventOut] = Field(description="Every event, newest first.")


@router.get(
    "/{patient_id}/ledger",
    response={200: LedgerOut, **ERRORS},
    summary="The ledger",
    operation_id="ketacare_api_treatment_get_ledger",
)
def get_ledger(request: HttpRequest, patient_id: int = id_in_path("patient")) -> LedgerOut:
    """The controlled-substance ledger: the balance and every event."""
    patient = readable_patient(request, patient_id, "read_ledger")
    events = list(
        LedgerEvent.objects.visible_to(actor(request))
        .filter(patient=patient)
        .order_by("-at", "-pk")
    )
    account = LedgerAccount.objects.filter(patient=patient).first()
    audit_list(request, "treatment.LedgerEvent", [e.pk for e in events], patient_id=patient.pk)
    return LedgerOut(
        unit=account.unit if account else "tablets",
        balance=float(services.ledger_balance(patient)),
        events=[LedgerEventOut.model_validate(e) for e in events],
    )


@router.post(
    "/{patient_id}/ledger/events",
    response={201: LedgerEventOut, **WRITE_ERRORS},
    summary="Record a ledger event",
    operation_id="ketacare_api_treatment_record_ledger_event",
)
def record_ledger_event(
    request: HttpRequest, payload: LedgerEventSpec, patient_id: int = id_in_path("patient")
) -> Status[LedgerEventOut]:
    """Units returned, destroyed (witnessed), lost or stolen, or counted.

    A return or a destruction is 409 `returns_not_accepted` unless the clinic's protocol
    says it is an authorised collector (21 CFR 1317.30).
    """
    patient = visible_patient(request, patient_id)
    witness_id = payload.witness_id
    in_clinic = User.objects.filter(pk=witness_id or 0, clinic_id=patient.clinic_id)
    if witness_id is not None and not in_clinic.exists():
        raise ValidationError({"witness_id": "No such person in this clinic."})
    event = services.record_ledger_event(actor(request), patient, payload)
    return Status(201, LedgerEventOut.model_validate(event))
