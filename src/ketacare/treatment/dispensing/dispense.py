"""A pharmacist dispenses (part of) a fill, or corrects a dispense with its replacement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.treatment import alerting, ledger
from ketacare.treatment.access import PHARMACISTS, TREATING, require, require_phase
from ketacare.treatment.dispensing.fills import (
    Fill,
    current_plan,
    is_early,
    locked_prescription,
    next_fill,
    patient_today,
    refuse_unless_fillable,
    units_in_words,
)
from ketacare.treatment.dispensing.voiding import (
    locked_dispense,
    not_on_hand,
    require_author,
    reverse_dispense,
)
from ketacare.treatment.errors import (
    EarlyRefill,
    ExceedsFill,
    PrescriptionExhausted,
    ProductMismatch,
)
from ketacare.treatment.models import (
    Dispense,
    DiversionFinding,
    DiversionKind,
    LedgerEvent,
    LedgerEventKind,
    Prescription,
)
from ketacare.treatment.parsing import Errors, as_date, as_text, as_whole

if TYPE_CHECKING:
    from ketacare.accounts.models import User


@dataclass(frozen=True)
class _Lot:
    """A dispense's fields, as read and checked before any lock."""

    quantity: int
    lot_number: str
    expires_on: date
    early_reason: str


def _read(  # noqa: PLR0913 - the dispense's fields
    prescription: Prescription,
    *,
    quantity: object,
    lot_number: object,
    expires_on: object,
    early_reason: object,
    errors: Errors,
) -> _Lot | None:
    units = as_whole(quantity, "quantity", errors, minimum=1, what="the units dispensed")
    if units is not None and units > prescription.quantity:
        errors.add(
            "quantity",
            f"A fill is at most {prescription.quantity} {prescription.unit} on this prescription.",
        )
    lot = as_text(lot_number, "lot_number", errors, max_length=40, required="Give the lot number.")
    expiry = as_date(expires_on, "expires_on", errors)
    if expiry is not None and expiry <= patient_today(prescription.patient):
        errors.add("expires_on", "This lot has expired: dispense from an unexpired lot.")
    reason = as_text(early_reason, "early_reason", errors, max_length=2000)
    if units is None or expiry is None:
        return None
    return _Lot(units, lot, expiry, reason)


def _place(rx: Prescription, lot: _Lot, corrects: Dispense | None) -> tuple[Fill, bool]:
    """Where the dispense goes, and whether it is early; refused when it may not be dispensed."""
    require_phase(rx.patient, TREATING, "dispense")
    refuse_unless_fillable(rx)
    fill = next_fill(rx, ignoring=corrects)
    if fill is None:
        raise PrescriptionExhausted(
            f"All {rx.fills_allowed} fills of this prescription are dispensed "
            f"({rx.dispensed_quantity} {rx.unit}); a new prescription is needed."
        )
    if lot.quantity > fill.units_left:
        raise ExceedsFill(
            f"Fill {fill.number} of this prescription has {units_in_words(rx, fill.units_left)} "
            f"left: dispense at most {fill.units_left} now. A dispense never straddles two "
            "fills; the next fill starts once this one is complete.",
            field="quantity",
        )
    early = is_early(rx, fill)
    if early and not lot.early_reason:
        raise EarlyRefill(
            f"The earliest refill date is {rx.earliest_refill_on}; dispensing before it "
            "needs a reason.",
            field="early_reason",
        )
    return fill, early


def _require_plan_product(rx: Prescription) -> None:
    """The prescription is for the current plan's product (ProductMismatch otherwise)."""
    plan = current_plan(rx.patient)
    if plan.product_key != rx.product_key:
        raise ProductMismatch(
            f"This prescription is for {rx.product}; the current plan prescribes "
            f"{plan.formulation.name}."
        )


def _ledger_note(rx: Prescription, fill: Fill, lot: _Lot, corrects: Dispense | None) -> str:
    return (
        f"Prescription {rx.pk}, fill {fill.number}"
        + (f" part {fill.part}" if fill.part > 1 else "")
        + f", lot {lot.lot_number}."
        + (f" Corrects dispense {corrects.pk}." if corrects is not None else "")
    )


def _early_refill_finding(
    actor: User, rx: Prescription, filled: Dispense, event: LedgerEvent
) -> None:
    """An early refill dispensed (with its reason) is a diversion finding, and its alert."""
    finding = DiversionFinding.objects.create(
        patient_id=rx.patient.pk,
        kind=DiversionKind.EARLY_REFILL,
        quantity=event.quantity,
        prescription=rx,
        dispense=filled,
        ledger_event=event,
        recorded_by=actor,
        note=f"Dispensed before {rx.earliest_refill_on}: {filled.early_reason}",
    )
    alerting.diversion_finding(rx.patient, finding, fill=filled.fill_number)


def _dispense(
    actor: User, rx: Prescription, lot: _Lot, *, corrects: Dispense | None = None
) -> Dispense:
    """Dispense on a locked prescription; a correction also voids `corrects` (same units)."""
    patient = rx.patient
    fill, early = _place(rx, lot, corrects)
    account = ledger.locked_account(patient)
    # Read after the ledger lock: a plan revision changing the product holds it too.
    _require_plan_product(rx)
    taken_back = corrects.quantity if corrects is not None else 0
    if account.balance + lot.quantity < taken_back:
        raise not_on_hand(rx, account.balance, taken_back, correcting=True)
    event = ledger.post(
        account,
        kind=LedgerEventKind.DISPENSED,
        change=Decimal(lot.quantity),
        actor=actor,
        note=_ledger_note(rx, fill, lot, corrects),
    )
    filled = Dispense.objects.create(
        patient_id=patient.pk,
        prescription=rx,
        fill_number=fill.number,
        part=fill.part,
        quantity=lot.quantity,
        lot_number=lot.lot_number,
        expires_on=lot.expires_on,
        early=early,
        early_reason=lot.early_reason if early else "",
        ledger_event=event,
        dispensed_by=actor,
        dispensed_at=event.at,
        corrects=corrects,
    )
    if corrects is not None:
        reverse_dispense(actor, account, corrects, corrected_by=filled)
    rx.fills_dispensed = max(rx.fills_dispensed, fill.number)
    rx.dispensed_quantity += lot.quantity - taken_back
    rx.save(update_fields=["fills_dispensed", "dispensed_quantity"])
    if early:
        _early_refill_finding(actor, rx, filled, event)
    detail: dict[str, object] = {"fill": fill.number, "early": early}
    if corrects is not None:
        detail["corrects"] = corrects.pk
    record(Event.about(AuditAction.CREATE, filled, detail=detail), actor=actor)
    return filled


def dispense(  # noqa: PLR0913 - the fill's fields
    actor: User,
    prescription: Prescription,
    *,
    quantity: int,
    lot_number: str,
    expires_on: date | str,
    early_reason: str = "",
) -> Dispense:
    """Dispense (part of) a fill: the units go into the patient's ledger (a `dispensed` event).

    Refused beyond the prescription's fills or units (PrescriptionExhausted), beyond what
    the current fill has left (ExceedsFill), on a prescription voided, awaiting its co-sign,
    past its last fill day or not for home use; a refill before the earliest refill date
    needs `early_reason` (EarlyRefill without one) and is recorded as an early-refill
    diversion finding.
    """
    require(actor, prescription.patient, PHARMACISTS, "dispense")
    errors = Errors()
    lot = _read(
        prescription,
        quantity=quantity,
        lot_number=lot_number,
        expires_on=expires_on,
        early_reason=early_reason,
        errors=errors,
    )
    errors.raise_if_any()
    assert lot is not None  # noqa: S101 - refused above
    with transaction.atomic():
        return _dispense(actor, locked_prescription(prescription.pk), lot)


def correct_dispense(  # noqa: PLR0913 - the reason, and the new dispense's fields
    actor: User,
    filled: Dispense,
    *,
    reason: str,
    quantity: int,
    lot_number: str,
    expires_on: date | str,
    early_reason: str = "",
) -> Dispense:
    """Its pharmacist voids a dispense and dispenses its replacement, in one transaction.

    The new dispense `corrects` the voided one and takes its place in the fills; it is
    checked as any dispense. The ledger gets the new units, then the old ones back out:
    refused (UnitsNotOnHand) only when the patient would hold less than nothing.
    """
    require_author(actor, filled, "correct")
    errors = Errors()
    why = as_text(reason, "reason", errors, max_length=2000, required="Say why it is corrected.")
    lot = _read(
        filled.prescription,
        quantity=quantity,
        lot_number=lot_number,
        expires_on=expires_on,
        early_reason=early_reason,
        errors=errors,
    )
    errors.raise_if_any()
    assert lot is not None  # noqa: S101 - refused above
    with transaction.atomic():
        rx, original = locked_dispense(filled)
        original.void_reason = why
        return _dispense(actor, rx, lot, corrects=original)
