"""Dispensing (pharmacist only), its voids and corrections, and refill requests.

A prescription allows `quantity` units a fill and `refills` more fills: never more than
quantity x (1 + refills) units and 1 + refills fills in all. A fill may be dispensed in
parts (21 CFR 1306.23 allows partial fills of Schedule III): the next dispense continues
the fill until its quantity is reached, a new fill starts only when every fill started
is complete, and one dispense never straddles two fills. Each dispense locks the
prescription row, and CHECK constraints on its running totals hold the rule in the
database too. A refill (a new fill from the second on) before the earliest refill date
is an early refill: the pharmacist may dispense it only with a written reason, and it is
recorded as a diversion finding (as is a refill request made before that date).

Nothing is dispensed on a prescription that is voided, awaits its co-sign, is past its
last fill day (6 months after the date of issue, CLINICAL.md G8), or is for a product
not for home use (esketamine, G4). A dispense is never deleted: its pharmacist voids it
with a reason (a `dispense_reversed` ledger event takes its units back, refused when
the patient no longer holds them), and `correct_dispense` voids it and dispenses its
replacement, linked, in one transaction.

Lock order (ledger.py): prescription -> ledger account -> audit head.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db import transaction

from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical import dosing
from ketacare.kernel import clock
from ketacare.kernel.errors import NotAllowed
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
    AwaitingCosign,
    DispenseVoided,
    EarlyRefill,
    ExceedsFill,
    NoActivePlan,
    NotForHomeUse,
    PrescriptionExhausted,
    PrescriptionExpired,
    PrescriptionVoided,
    ProductMismatch,
    UnitsNotOnHand,
)
from ketacare.treatment.models import (
    UNIT_NOUNS,
    Dispense,
    DiversionFinding,
    DiversionKind,
    LedgerAccount,
    LedgerEventKind,
    Prescription,
    PrescriptionState,
    Product,
    RefillRequest,
    TreatmentPlan,
)
from ketacare.treatment.parsing import Errors, as_date, as_text, as_whole

if TYPE_CHECKING:
    from ketacare.accounts.models import User


def patient_today(patient: Patient) -> date:
    """Today on the patient's clock: refill dates are the patient's calendar days."""
    return clock.localdate(ZoneInfo(patient.timezone))


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def units_in_words(product: Product, count: float) -> str:
    """`count` units of the product in its own word: "24 troches", "1 spray", "17.5 tablets"."""
    singular, plural = UNIT_NOUNS[product.formulation_kind]
    number = f"{count:,.1f}".removesuffix(".0")
    return f"{number} {singular if 0 < count <= 1 else plural}"


def current_plan(patient: Patient) -> TreatmentPlan:
    plan = TreatmentPlan.objects.filter(patient_id=patient.pk, is_current=True).first()
    if plan is None:
        raise NoActivePlan("The patient has no treatment plan.")
    return plan


def locked_prescription(pk: int) -> Prescription:
    """The prescription, locked until the transaction ends."""
    rx: Prescription = (
        Prescription.objects.select_for_update(no_key=True, of=("self",))
        .select_related("patient")
        .get(pk=pk)
    )
    return rx


# --- Which fill comes next ---------------------------------------------------------------------


@dataclass(frozen=True)
class Fill:
    """Where the next dispense goes: part `part` of fill `number`, `units_left` units left."""

    number: int
    part: int
    units_left: int
    new: bool  # the fill starts with this dispense (a refill from the second fill on)


def fill_after(
    rx: Prescription, dispenses: Iterable[Dispense], *, ignoring: Dispense | None = None
) -> Fill | None:
    """Where the next dispense of `rx` goes, given its dispenses; None when no fill is left.

    The first fill started and not complete, else a new fill while fills are left. A
    voided dispense gives its units back to its fill (its part number stays taken);
    `ignoring` counts as voided already (the dispense a correction replaces).
    """
    units: dict[int, int] = {}
    parts: dict[int, int] = {}
    for filled in dispenses:
        parts[filled.fill_number] = max(parts.get(filled.fill_number, 0), filled.part)
        if not filled.is_voided and (ignoring is None or filled.pk != ignoring.pk):
            units[filled.fill_number] = units.get(filled.fill_number, 0) + filled.quantity
    for number in range(1, rx.fills_dispensed + 1):
        left = rx.quantity - units.get(number, 0)
        if left > 0:
            return Fill(number, parts.get(number, 0) + 1, left, new=False)
    if rx.fills_dispensed < rx.fills_allowed:
        return Fill(rx.fills_dispensed + 1, 1, rx.quantity, new=True)
    return None


def next_fill(rx: Prescription, *, ignoring: Dispense | None = None) -> Fill | None:
    """Where the next dispense of `rx` goes (`fill_after`, its dispenses read now)."""
    return fill_after(rx, Dispense.objects.filter(prescription_id=rx.pk), ignoring=ignoring)


def _early(prescription: Prescription, fill: Fill) -> bool:
    earliest = prescription.earliest_refill_on
    return (
        fill.new
        and fill.number > 1
        and earliest is not None
        and patient_today(prescription.patient) < earliest
    )


def _refuse_unless_fillable(rx: Prescription) -> None:
    """Refuse a dispense on a prescription that is voided, unsigned, expired or not for home."""
    state = rx.state
    if state == PrescriptionState.VOIDED:
        raise PrescriptionVoided(
            f"Prescription {rx.pk} was voided by its prescriber ({rx.void_reason}): nothing "
            "more is dispensed on it; the prescriber writes a new one if needed."
        )
    if state == PrescriptionState.AWAITING_COSIGN:
        raise AwaitingCosign(
            f"Prescription {rx.pk} is for more than the plan needs and awaits a second "
            "prescriber's co-sign: dispense it once co-signed."
        )
    last = rx.last_fill_on
    if patient_today(rx.patient) > last:
        raise PrescriptionExpired(
            f"Prescription {rx.pk} was written on {_day(rx.written_on)}; a Schedule "
            "III prescription is not filled more than 6 months after its date of issue (21 CFR "
            f"1306.22(a)), so its last fill day was {_day(last)}. Ask the prescriber for a "
            "new prescription."
        )
    try:
        dosing.check_at_home(rx.formulation)
    except dosing.NotForHomeUse as exc:
        raise NotForHomeUse(str(exc)) from None


def not_fillable_because(rx: Prescription, today: date) -> str | None:
    """Why nothing can be dispensed on `rx` today, in a few words; None when it can.

    What the pages show and the queue leaves out; `dispense` refuses the same cases (and
    also checks the patient's phase, the fill and the product against the current plan).
    """
    if rx.state == PrescriptionState.VOIDED:
        return "voided"
    if rx.state == PrescriptionState.AWAITING_COSIGN:
        return "awaiting a second prescriber's co-sign"
    if today > rx.last_fill_on:
        return f"past its last fill day, {_day(rx.last_fill_on)}"
    try:
        dosing.check_at_home(rx.formulation)
    except dosing.NotForHomeUse:
        return "not for home use (esketamine)"
    if rx.quantity_left <= 0:
        return "fully dispensed"
    return None


# --- Dispensing -------------------------------------------------------------------------------


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


def _dispense(
    actor: User, rx: Prescription, lot: _Lot, *, corrects: Dispense | None = None
) -> Dispense:
    """Dispense on a locked prescription; a correction also voids `corrects` (same units)."""
    patient = rx.patient
    require_phase(patient, TREATING, "dispense")
    _refuse_unless_fillable(rx)
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
    early = _early(rx, fill)
    if early and not lot.early_reason:
        raise EarlyRefill(
            f"The earliest refill date is {rx.earliest_refill_on}; dispensing before it "
            "needs a reason.",
            field="early_reason",
        )
    account = ledger.locked_account(patient)
    # Read after the ledger lock: a plan revision changing the product holds it too.
    plan = current_plan(patient)
    if plan.product_key != rx.product_key:
        raise ProductMismatch(
            f"This prescription is for {rx.product}; the current plan prescribes "
            f"{plan.formulation.name}."
        )
    taken_back = corrects.quantity if corrects is not None else 0
    if account.balance + lot.quantity < taken_back:
        raise _not_on_hand(rx, account.balance, taken_back, correcting=True)
    event = ledger.post(
        account,
        kind=LedgerEventKind.DISPENSED,
        change=Decimal(lot.quantity),
        actor=actor,
        note=f"Prescription {rx.pk}, fill {fill.number}"
        + (f" part {fill.part}" if fill.part > 1 else "")
        + f", lot {lot.lot_number}."
        + (f" Corrects dispense {corrects.pk}." if corrects is not None else ""),
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
        _reverse(actor, account, corrects, corrected_by=filled)
    rx.fills_dispensed = max(rx.fills_dispensed, fill.number)
    rx.dispensed_quantity += lot.quantity - taken_back
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
            note=f"Dispensed before {rx.earliest_refill_on}: {lot.early_reason}",
        )
        alerting.diversion_finding(patient, finding, fill=fill.number)
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


# --- Voiding and correcting a dispense -----------------------------------------------------------


def _not_on_hand(
    rx: Prescription, balance: Decimal, units: int, *, correcting: bool = False
) -> UnitsNotOnHand:
    """The patient no longer holds what a dispense put in the ledger: say what to do."""
    holds = (
        f"The patient holds {units_in_words(rx, float(balance))}, fewer than the "
        f"{units_in_words(rx, units)} this dispense put in the ledger: some were taken already"
    )
    instead = "what happened instead: units returned or destroyed, or a pill count."
    if correcting:
        least = units_in_words(rx, float(units - balance))
        return UnitsNotOnHand(
            f"{holds}, so a correction is at least {least}. Correct it to at least that, or "
            f"record {instead}",
            field="quantity",
        )
    return UnitsNotOnHand(f"{holds}, so it cannot be voided. Record {instead}")


def _reverse(
    actor: User, account: LedgerAccount, filled: Dispense, *, corrected_by: Dispense | None = None
) -> None:
    """Take a dispense's units back out of the locked account and mark it voided.

    `filled.void_reason` holds the reason; the ledger event's note names the dispense.
    """
    event = ledger.post(
        account,
        kind=LedgerEventKind.DISPENSE_REVERSED,
        change=-Decimal(filled.quantity),
        actor=actor,
        note=f"Voids dispense {filled.pk} (prescription {filled.prescription_id}, fill "
        f"{filled.fill_number} part {filled.part}, lot {filled.lot_number}): "
        f"{filled.void_reason}"
        + (f" Corrected by dispense {corrected_by.pk}." if corrected_by is not None else ""),
    )
    filled.voided_by, filled.voided_at, filled.reversal_event = actor, event.at, event
    filled.save(update_fields=["voided_by", "voided_at", "void_reason", "reversal_event"])
    record(Event.about(AuditAction.UPDATE, filled, detail={"voided": True}), actor=actor)


def _author(actor: User, filled: Dispense, what: str) -> None:
    require(actor, filled.patient, PHARMACISTS, f"{what} dispenses")
    if filled.dispensed_by_id != actor.pk:
        raise NotAllowed(f"Only the pharmacist who dispensed it may {what} a dispense.")


def _locked_dispense(filled: Dispense) -> tuple[Prescription, Dispense]:
    """The dispense's prescription locked (every change of its dispenses holds it), and it."""
    rx = locked_prescription(filled.prescription_id)
    again = Dispense.objects.select_related("patient").get(pk=filled.pk)
    if again.is_voided:
        raise DispenseVoided(f"Dispense {again.pk} is voided already.")
    return rx, again


def void_dispense(actor: User, filled: Dispense, *, reason: str) -> Dispense:
    """Its pharmacist voids a dispense, with a reason: its units leave the ledger again.

    A `dispense_reversed` event takes them back out and the prescription's totals go
    back; refused (UnitsNotOnHand) when the patient no longer holds them.
    """
    _author(actor, filled, "void")
    errors = Errors()
    why = as_text(reason, "reason", errors, max_length=2000, required="Say why it is voided.")
    errors.raise_if_any()
    with transaction.atomic():
        rx, voided = _locked_dispense(filled)
        account = ledger.locked_account(rx.patient)
        if account.balance < voided.quantity:
            raise _not_on_hand(rx, account.balance, voided.quantity)
        voided.void_reason = why
        _reverse(actor, account, voided)
        rx.dispensed_quantity -= voided.quantity
        rx.save(update_fields=["dispensed_quantity"])
    return voided


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
    _author(actor, filled, "correct")
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
        rx, original = _locked_dispense(filled)
        original.void_reason = why
        return _dispense(actor, rx, lot, corrects=original)


# --- Refill requests ----------------------------------------------------------------------------


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
            f"This prescription can no longer be filled: its last day was {_day(last)}, 6 "
            "months after it was written. Ask your prescriber for a new one."
        )


def request_refill(actor: User, prescription: Prescription, *, note: str = "") -> RefillRequest:
    """The patient (or staff for them) asks for the next fill; early: a diversion finding."""
    patient = prescription.patient
    require(actor, patient, SESSION_STAFF | PRESCRIBERS | PHARMACISTS, "request refills", own=True)
    errors = Errors()
    text = as_text(note, "note", errors, max_length=2000)
    errors.raise_if_any()
    with transaction.atomic():
        rx = locked_prescription(prescription.pk)
        require_phase(rx.patient, TREATING, "request a refill")
        _refuse_refill_unless_fillable(rx)
        fill = next_fill(rx)
        if fill is None:
            raise PrescriptionExhausted(
                "No refills are left on this prescription; ask the prescriber for a new one."
            )
        early = _early(rx, fill)
        request = RefillRequest.objects.create(
            patient_id=patient.pk,
            prescription=rx,
            early=early,
            note=text,
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
        record(Event.about(AuditAction.CREATE, request, detail={"early": early}), actor=actor)
    return request
