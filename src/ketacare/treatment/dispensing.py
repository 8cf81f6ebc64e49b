"""Prescriptions (prescriber only), refill requests, and dispensing (pharmacist only).

A prescription allows `quantity` units a fill and `refills` more fills: never more than
quantity x (1 + refills) units and 1 + refills fills in all. Each dispense locks the
prescription row, and CHECK constraints on its running totals hold the rule in the
database too. A refill (fill 2 onwards) before the earliest refill date is an early
refill: the pharmacist may dispense it only with a written reason, and it is recorded
as a diversion finding (as is a refill request made before that date).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.patients.models import Patient
from ketacare.treatment import alerting, ledger
from ketacare.treatment.access import (
    PHARMACISTS,
    PRESCRIBERS,
    SESSION_STAFF,
    TREATING,
    require,
    require_phase,
)
from ketacare.treatment.errors import (
    EarlyRefill,
    NoActivePlan,
    PlanSuperseded,
    PrescriptionExhausted,
    ProductMismatch,
)
from ketacare.treatment.models import (
    Dispense,
    DiversionFinding,
    DiversionKind,
    LedgerEventKind,
    Prescription,
    RefillRequest,
    TreatmentPlan,
)
from ketacare.treatment.parsing import Errors, as_date, as_text, as_whole

if TYPE_CHECKING:
    from ketacare.accounts.models import User

# 21 CFR 1306.22(a): a Schedule III prescription (ketamine, CLINICAL.md E) may be
# refilled at most five times.
MAX_REFILLS = 5
PRODUCT_FIELDS = (
    "drug",
    "formulation_kind",
    "strength_mg",
    "scored",
    "concentration_mg_per_ml",
    "spray_volume_ml",
)


def patient_today(patient: Patient) -> date:
    """Today on the patient's clock: refill dates are the patient's calendar days."""
    return timezone.localdate(timezone=ZoneInfo(patient.timezone))


def _current_plan(patient: Patient) -> TreatmentPlan:
    plan = TreatmentPlan.objects.filter(patient_id=patient.pk, is_current=True).first()
    if plan is None:
        raise NoActivePlan("The patient has no treatment plan.")
    return plan


def write_prescription(  # noqa: PLR0913 - the prescription's fields
    actor: User,
    patient: Patient,
    *,
    plan: TreatmentPlan,
    quantity: int,
    refills: int,
    directions: str,
    earliest_refill_on: date | str | None,
) -> Prescription:
    """Prescribe the current plan's product: `quantity` units a fill, `refills` refills."""
    require(actor, patient, PRESCRIBERS, "write prescriptions")
    errors = Errors()
    units = as_whole(quantity, "quantity", errors, minimum=1, what="the units per fill")
    more = as_whole(refills, "refills", errors, minimum=0, what="the refills")
    if more is not None and more > MAX_REFILLS:
        errors.add("refills", f"At most {MAX_REFILLS} refills (Schedule III, 21 CFR 1306.22).")
    text = as_text(directions, "directions", errors, max_length=2000, required="Give directions.")
    earliest = None
    if earliest_refill_on is not None:
        earliest = as_date(earliest_refill_on, "earliest_refill_on", errors)
        if earliest is not None and earliest <= patient_today(patient):
            errors.add("earliest_refill_on", "The earliest refill date is after today.")
    elif more:
        errors.add("earliest_refill_on", "A prescription with refills needs the earliest date.")
    if plan.patient_id != patient.pk:
        errors.add("plan", "This plan belongs to another patient.")
    errors.raise_if_any()
    assert units is not None  # noqa: S101 - refused above
    assert more is not None  # noqa: S101 - refused above
    with transaction.atomic():
        locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
        require_phase(locked, TREATING, "write a prescription")
        current = _current_plan(locked)
        if current.pk != plan.pk:
            raise PlanSuperseded(
                f"Plan version {plan.version} is superseded; prescribe from version "
                f"{current.version}."
            )
        prescription = Prescription.objects.create(
            patient=locked,
            plan=current,
            **{name: getattr(current, name) for name in PRODUCT_FIELDS},
            product=current.formulation.name,
            unit=current.ledger_unit,
            quantity=units,
            refills=more,
            directions=text,
            earliest_refill_on=earliest,
            written_by=actor,
            written_at=timezone.now(),
        )
        record(Event.about(AuditAction.CREATE, prescription, detail={"refills": more}), actor=actor)
    return prescription


def _early(prescription: Prescription, fill_number: int) -> bool:
    earliest = prescription.earliest_refill_on
    return (
        fill_number > 1 and earliest is not None and patient_today(prescription.patient) < earliest
    )


def dispense(  # noqa: PLR0913 - the fill's fields
    actor: User,
    prescription: Prescription,
    *,
    quantity: int,
    lot_number: str,
    expires_on: date | str,
    early_reason: str = "",
) -> Dispense:
    """Fill a prescription: the units go into the patient's ledger (a `dispensed` event).

    Refused beyond the prescription's fills or units (PrescriptionExhausted); a refill
    before the earliest refill date needs `early_reason` (EarlyRefill without one) and
    is recorded as an early-refill diversion finding.
    """
    patient = prescription.patient
    require(actor, patient, PHARMACISTS, "dispense")
    errors = Errors()
    units = as_whole(quantity, "quantity", errors, minimum=1, what="the units dispensed")
    if units is not None and units > prescription.quantity:
        errors.add(
            "quantity",
            f"A fill is at most {prescription.quantity} {prescription.unit} on this prescription.",
        )
    lot = as_text(lot_number, "lot_number", errors, max_length=40, required="Give the lot number.")
    expiry = as_date(expires_on, "expires_on", errors)
    if expiry is not None and expiry <= patient_today(patient):
        errors.add("expires_on", "This lot has expired: dispense from an unexpired lot.")
    reason = as_text(early_reason, "early_reason", errors, max_length=2000)
    errors.raise_if_any()
    assert units is not None  # noqa: S101 - refused above
    assert expiry is not None  # noqa: S101 - refused above
    with transaction.atomic():
        rx = (
            Prescription.objects.select_for_update(no_key=True, of=("self",))
            .select_related("patient")
            .get(pk=prescription.pk)
        )
        require_phase(rx.patient, TREATING, "dispense")
        fill_number = rx.fills_dispensed + 1
        if fill_number > rx.fills_allowed or units > rx.quantity_left:
            raise PrescriptionExhausted(
                f"All {rx.fills_allowed} fills of this prescription are dispensed "
                f"({rx.dispensed_quantity} {rx.unit}); a new prescription is needed."
            )
        early = _early(rx, fill_number)
        if early and not reason:
            raise EarlyRefill(
                f"The earliest refill date is {rx.earliest_refill_on}; dispensing before it "
                "needs a reason.",
                field="early_reason",
            )
        account = ledger.locked_account(patient)
        # Read after the ledger lock: a plan revision changing the product holds it too.
        plan = _current_plan(patient)
        if plan.product_key != rx.product_key:
            raise ProductMismatch(
                f"This prescription is for {rx.product}; the current plan prescribes "
                f"{plan.formulation.name}."
            )
        event = ledger.post(
            account,
            kind=LedgerEventKind.DISPENSED,
            change=Decimal(units),
            actor=actor,
            note=f"Prescription {rx.pk}, fill {fill_number}, lot {lot}.",
        )
        filled = Dispense.objects.create(
            patient_id=patient.pk,
            prescription=rx,
            fill_number=fill_number,
            quantity=units,
            lot_number=lot,
            expires_on=expiry,
            early=early,
            early_reason=reason if early else "",
            ledger_event=event,
            dispensed_by=actor,
            dispensed_at=event.at,
        )
        rx.fills_dispensed, rx.dispensed_quantity = fill_number, rx.dispensed_quantity + units
        rx.save(update_fields=["fills_dispensed", "dispensed_quantity"])
        if early:
            finding = DiversionFinding.objects.create(
                patient_id=patient.pk,
                kind=DiversionKind.EARLY_REFILL,
                quantity=event.quantity,
                prescription=rx,
                dispense=filled,
                ledger_event=event,
                recorded_by=actor,
                note=f"Dispensed before {rx.earliest_refill_on}: {reason}",
            )
            alerting.diversion_finding(patient, finding, fill=fill_number)
        record(
            Event.about(AuditAction.CREATE, filled, detail={"fill": fill_number, "early": early}),
            actor=actor,
        )
    return filled


def request_refill(actor: User, prescription: Prescription, *, note: str = "") -> RefillRequest:
    """The patient (or staff for them) asks for the next fill; early: a diversion finding."""
    patient = prescription.patient
    require(actor, patient, SESSION_STAFF | PRESCRIBERS | PHARMACISTS, "request refills", own=True)
    errors = Errors()
    text = as_text(note, "note", errors, max_length=2000)
    errors.raise_if_any()
    with transaction.atomic():
        rx = (
            Prescription.objects.select_for_update(no_key=True, of=("self",))
            .select_related("patient")
            .get(pk=prescription.pk)
        )
        require_phase(rx.patient, TREATING, "request a refill")
        if rx.fills_dispensed >= rx.fills_allowed:
            raise PrescriptionExhausted(
                "No refills are left on this prescription; ask the prescriber for a new one."
            )
        early = _early(rx, rx.fills_dispensed + 1)
        request = RefillRequest.objects.create(
            patient_id=patient.pk,
            prescription=rx,
            early=early,
            note=text,
            requested_by=actor,
            requested_at=timezone.now(),
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
            alerting.diversion_finding(patient, finding, fill=rx.fills_dispensed + 1)
        record(Event.about(AuditAction.CREATE, request, detail={"early": early}), actor=actor)
    return request
