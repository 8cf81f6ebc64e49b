"""A pharmacist dispenses (part of) a fill, or corrects a dispense with its replacement."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.kernel import usecase
from ketacare.kernel.usecase import use_case
from ketacare.patients.access import require
from ketacare.pharmacy import stock
from ketacare.pharmacy.models import Lot
from ketacare.treatment import alerting, ledger, pdmp, staging
from ketacare.treatment.access import TREATING, require_phase
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
from ketacare.treatment.reviews import refuse_dispensing_unless_reviewed
from ketacare.treatment.specs.dispensing import DispenseCorrectionSpec, DispenseSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import User
    from ketacare.patients.models import Patient


def _refuse_lot(prescription: Prescription, spec: DispenseSpec) -> Lot:
    """The lot named, from the clinic's lot master; the fields it and the prescription judge.

    Refused (LotUnknown, LotNotDispensable) for a lot not in the master, of another
    product, expired on the patient's calendar day or recalled; a ValidationError for a
    fill beyond the prescription's quantity or an expiry that differs from the label's.
    """
    if spec.quantity > prescription.quantity:
        raise ValidationError(
            {
                "quantity": f"A fill is at most {prescription.quantity} {prescription.unit} on "
                "this prescription."
            }
        )
    patient = prescription.patient
    lot = stock.dispensable_lot(
        patient.clinic_id, prescription.product_key, spec.lot_number, patient_today(patient)
    )
    if spec.expires_on is not None and spec.expires_on != lot.expires_on:
        raise ValidationError(
            {
                "expires_on": f"The clinic's stock has lot {lot.lot_number} expiring on "
                f"{lot.expires_on:%d %B %Y}: check the label, and the lot number."
            }
        )
    return lot


def _place(rx: Prescription, spec: DispenseSpec, corrects: Dispense | None) -> tuple[Fill, bool]:
    """Where the dispense goes, and whether it is early; refused when it may not be dispensed."""
    require_phase(rx.patient, TREATING, "dispense")
    refuse_unless_fillable(rx)
    fill = next_fill(rx, ignoring=corrects)
    if fill is None:
        raise PrescriptionExhausted(
            f"All {rx.fills_allowed} fills of this prescription are dispensed "
            f"({rx.dispensed_quantity} {rx.unit}); a new prescription is needed."
        )
    if spec.quantity > fill.units_left:
        raise ExceedsFill(
            f"Fill {fill.number} of this prescription has {units_in_words(rx, fill.units_left)} "
            f"left: dispense at most {fill.units_left} now. A dispense never straddles two "
            "fills; the next fill starts once this one is complete.",
            field="quantity",
        )
    if corrects is None:  # a correction replaces units handed over already: never held
        # Staged dispensing (issue 17): a new fill waits for its conditions or a release.
        staging.require_unheld(rx, fill)
    if fill.new and fill.number > 1:
        # A refill, like a new prescription, follows a recent state PDMP check (issue 17).
        pdmp.require_recent_check(rx.patient, "dispense this refill")
    early = is_early(rx, fill)
    if early and not spec.early_reason:
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


def _ledger_note(rx: Prescription, fill: Fill, lot: Lot, corrects: Dispense | None) -> str:
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


def _locked_shelf(lot: Lot, corrects: Dispense | None, patient: Patient) -> dict[int, Lot]:
    """The lot drawn from (and a corrected dispense's lot) locked, in the order of their ids.

    The lot is judged again under its lock: a recall at the same moment holds it too.
    """
    shelf = stock.locked_lots(
        [lot.pk] + ([corrects.lot_id] if corrects is not None and corrects.lot_id else [])
    )
    stock.refuse_unless_dispensable(shelf[lot.pk], patient_today(patient))
    return shelf


def _dispense(
    actor: User,
    rx: Prescription,
    spec: DispenseSpec,
    lot: Lot,
    *,
    corrects: Dispense | None = None,
) -> Dispense:
    """Dispense on a locked prescription; a correction also voids `corrects` (same units)."""
    patient = rx.patient
    fill, early = _place(rx, spec, corrects)
    account = ledger.locked_account(patient)
    # Read after the ledger lock: a plan revision changing the product holds it too.
    _require_plan_product(rx)
    taken_back = corrects.quantity if corrects is not None else 0
    if account.balance + spec.quantity < taken_back:
        raise not_on_hand(rx, account.balance, taken_back, correcting=True)
    shelf = _locked_shelf(lot, corrects, patient)
    lot = shelf[lot.pk]
    note = _ledger_note(rx, fill, lot, corrects)
    drawn = stock.draw(lot, Decimal(spec.quantity), patient=patient, actor=actor, note=note)
    event = ledger.post(
        account,
        kind=LedgerEventKind.DISPENSED,
        change=Decimal(spec.quantity),
        actor=actor,
        note=note,
    )
    filled = Dispense.objects.create(
        patient_id=patient.pk,
        prescription=rx,
        fill_number=fill.number,
        part=fill.part,
        quantity=spec.quantity,
        lot=lot,
        stock_draw=drawn,
        lot_number=lot.lot_number,
        expires_on=lot.expires_on,
        early=early,
        early_reason=spec.early_reason if early else "",
        ledger_event=event,
        dispensed_by=actor,
        dispensed_at=event.at,
        corrects=corrects,
    )
    if corrects is not None:
        reverse_dispense(actor, account, corrects, corrected_by=filled, shelf=shelf)
    _settle(actor, rx, filled, taken_back)
    return filled


def _settle(actor: User, rx: Prescription, filled: Dispense, taken_back: int) -> None:
    """The prescription's running totals, an early refill's finding, and the audit entry."""
    rx.fills_dispensed = max(rx.fills_dispensed, filled.fill_number)
    rx.dispensed_quantity += filled.quantity - taken_back
    rx.save(update_fields=["fills_dispensed", "dispensed_quantity"])
    if filled.early:
        _early_refill_finding(actor, rx, filled, filled.ledger_event)
    detail: dict[str, object] = {"fill": filled.fill_number, "early": filled.early}
    if filled.corrects_id is not None:
        detail["corrects"] = filled.corrects_id
    usecase.note(Event.about(AuditAction.CREATE, filled, detail=detail))


@use_case("dispense")
def dispense(actor: User, prescription: Prescription, spec: DispenseSpec) -> Dispense:
    """Dispense (part of) a fill: the units go into the patient's ledger (a `dispensed` event).

    Refused beyond the prescription's fills or units (PrescriptionExhausted), beyond what
    the current fill has left (ExceedsFill), on a prescription voided, awaiting its co-sign,
    past its last fill day or not for home use; a refill before the earliest refill date
    needs `early_reason` (EarlyRefill without one) and is recorded as an early-refill
    diversion finding. Refused while the end-of-induction review is awaited, or after it
    decided to stop (treatment.reviews).
    """
    require(actor, prescription.patient, "dispense")
    refuse_dispensing_unless_reviewed(prescription.patient)
    lot = _refuse_lot(prescription, spec)
    return _dispense(actor, locked_prescription(prescription.pk), spec, lot)


@use_case("correct_dispense")
def correct_dispense(actor: User, filled: Dispense, spec: DispenseCorrectionSpec) -> Dispense:
    """Its pharmacist voids a dispense and dispenses its replacement, in one transaction.

    The new dispense `corrects` the voided one and takes its place in the fills; it is
    checked as any dispense. The ledger gets the new units, then the old ones back out:
    refused (UnitsNotOnHand) only when the patient would hold less than nothing.
    """
    require_author(actor, filled, "correct_dispense", "correct")
    if spec.quantity > filled.quantity:  # more units than were handed over: more medicine
        refuse_dispensing_unless_reviewed(filled.patient)
    lot = _refuse_lot(filled.prescription, spec)
    rx, original = locked_dispense(filled)
    original.void_reason = spec.reason
    return _dispense(actor, rx, spec, lot, corrects=original)
