"""Its pharmacist voids a dispense: its units leave the ledger again."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.kernel import usecase
from ketacare.kernel.errors import NotAllowed
from ketacare.kernel.usecase import use_case
from ketacare.patients.access import require
from ketacare.pharmacy import stock
from ketacare.pharmacy.models import Lot
from ketacare.treatment import ledger
from ketacare.treatment.dispensing.fills import locked_prescription, units_in_words
from ketacare.treatment.errors import DispenseVoided, UnitsNotOnHand
from ketacare.treatment.models import Dispense, LedgerAccount, LedgerEventKind, Prescription
from ketacare.treatment.specs.dispensing import VoidDispenseSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import User


def not_on_hand(
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


def reverse_dispense(
    actor: User,
    account: LedgerAccount,
    filled: Dispense,
    *,
    corrected_by: Dispense | None = None,
    shelf: dict[int, Lot] | None = None,
) -> None:
    """Take a dispense's units back out of the locked account and mark it voided.

    They go back on the shelf of the lot they were drawn from (`shelf` holds it locked
    already, else it is locked here). `filled.void_reason` holds the reason; the ledger
    event's note names the dispense.
    """
    note = (
        f"Voids dispense {filled.pk} (prescription {filled.prescription_id}, fill "
        f"{filled.fill_number} part {filled.part}, lot {filled.lot_number}): "
        f"{filled.void_reason}"
        + (f" Corrected by dispense {corrected_by.pk}." if corrected_by is not None else "")
    )
    event = ledger.post(
        account,
        kind=LedgerEventKind.DISPENSE_REVERSED,
        change=-Decimal(filled.quantity),
        actor=actor,
        note=note,
    )
    if filled.lot_id is not None:
        lot = (shelf or {}).get(filled.lot_id) or stock.locked_lot(filled.lot_id)
        filled.stock_return = stock.put_back(
            lot, Decimal(filled.quantity), patient=filled.patient, actor=actor, note=note
        )
    filled.voided_by, filled.voided_at, filled.reversal_event = actor, event.at, event
    filled.save(
        update_fields=["voided_by", "voided_at", "void_reason", "reversal_event", "stock_return"]
    )
    usecase.note(Event.about(AuditAction.UPDATE, filled, detail={"voided": True}))


def require_author(actor: User, filled: Dispense, name: str, what: str) -> None:
    """The use case `name`'s row lets the actor act for the patient, and they dispensed it."""
    require(actor, filled.patient, name)
    if filled.dispensed_by_id != actor.pk:
        raise NotAllowed(f"Only the pharmacist who dispensed it may {what} a dispense.")


def locked_dispense(filled: Dispense) -> tuple[Prescription, Dispense]:
    """The dispense's prescription locked (every change of its dispenses holds it), and it."""
    rx = locked_prescription(filled.prescription_id)
    again = Dispense.objects.select_related("patient").get(pk=filled.pk)
    if again.is_voided:
        raise DispenseVoided(f"Dispense {again.pk} is voided already.")
    return rx, again


@use_case("void_dispense")
def void_dispense(actor: User, filled: Dispense, spec: VoidDispenseSpec) -> Dispense:
    """Its pharmacist voids a dispense, with a reason: its units leave the ledger again.

    A `dispense_reversed` event takes them back out and the prescription's totals go
    back; refused (UnitsNotOnHand) when the patient no longer holds them.
    """
    require_author(actor, filled, "void_dispense", "void")
    rx, voided = locked_dispense(filled)
    account = ledger.locked_account(rx.patient)
    if account.balance < voided.quantity:
        raise not_on_hand(rx, account.balance, voided.quantity)
    voided.void_reason = spec.reason
    reverse_dispense(actor, account, voided)
    rx.dispensed_quantity -= voided.quantity
    rx.save(update_fields=["dispensed_quantity"])
    return voided
