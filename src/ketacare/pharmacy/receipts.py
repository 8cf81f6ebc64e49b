"""Receipts of stock: one person records a delivery, a second verifies it with their own count.

The receiver records what came (supplier, invoice, product, lot, expiry, units): the
lot is entered in the lot master on its first receipt, and nothing goes on hand. Another
pharmacist or prescriber of the clinic then counts it themself: the same count verifies
the receipt and posts the units to the stock book (a `received` movement); a different
count is refused, and the receipt is rejected with the reason instead (the supplier is
called). Records of receipts: 21 CFR 1304.22(a)(2) and (c).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock, usecase
from ketacare.kernel.errors import NotFound
from ketacare.kernel.usecase import use_case
from ketacare.pharmacy import stock
from ketacare.pharmacy.errors import (
    LotRecalledOnReceipt,
    ReceiptCountDiffers,
    ReceiptNotPending,
    SecondPersonNeeded,
)
from ketacare.pharmacy.models import Lot, MovementKind, Receipt
from ketacare.pharmacy.queries.stock import clinic_today
from ketacare.pharmacy.specs.receipts import ReceiptSpec, RejectReceiptSpec, VerifyReceiptSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import Clinic, User

# The lot master's fields a later receipt of the same lot must match, and their names.
_PRODUCT_FIELDS = {
    "drug": "drug",
    "formulation_kind": "kind of product",
    "strength_mg": "strength (mg)",
    "scored": "scored",
    "concentration_mg_per_ml": "concentration (mg/mL)",
    "spray_volume_ml": "volume per spray (mL)",
}
SECOND_PERSON = "another pharmacist or prescriber of the clinic"


def _mine(actor: User, clinic_id: int) -> None:
    """Stock is handled at the actor's own clinic only (another clinic's is not found)."""
    if actor.clinic_id != clinic_id:
        raise NotFound


def _product_fields(spec: ReceiptSpec) -> dict[str, object]:
    return {name: getattr(spec, name) for name in _PRODUCT_FIELDS}


def _differences(lot: Lot, spec: ReceiptSpec) -> dict[str, str]:
    """What a later receipt says otherwise than the lot master, by field."""
    errors = {}
    for name, value in _product_fields(spec).items():
        if getattr(lot, name) != value:
            label = _PRODUCT_FIELDS[name]
            errors[name] = (
                f"Lot {lot.lot_number} is in the clinic's stock as {lot.product} with "
                f"{label} {getattr(lot, name)!s}, not {value!s}: check the label and the lot "
                "number."
            )
    if lot.expires_on != spec.expires_on:
        errors["expires_on"] = (
            f"Lot {lot.lot_number} is in the clinic's stock expiring on "
            f"{lot.expires_on:%d %B %Y}, not {spec.expires_on:%d %B %Y}: check the label and "
            "the lot number."
        )
    return errors


def _lot_for(actor: User, clinic: Clinic, spec: ReceiptSpec) -> Lot:
    """The lot of the receipt: from the lot master, or entered in it now (its first receipt)."""
    lot = Lot.objects.filter(clinic_id=clinic.pk, lot_number=spec.lot_number).first()
    if lot is None:
        shape = Lot(**_product_fields(spec))
        return Lot.objects.create(
            clinic=clinic,
            product=spec.product,
            unit=shape.ledger_unit,
            lot_number=spec.lot_number,
            expires_on=spec.expires_on,
            supplier=spec.supplier,
            created_by=actor,
            created_at=clock.now(),
            **_product_fields(spec),
        )
    differences = _differences(lot, spec)
    if differences:
        raise ValidationError(differences)
    if lot.is_recalled:
        raise LotRecalledOnReceipt(
            f"Lot {lot.lot_number} is recalled ({lot.recall_reason}): do not take it into "
            "stock; send it back to the supplier with its recall reference."
        )
    return lot


@use_case("receive_stock")
def receive_stock(actor: User, clinic: Clinic, spec: ReceiptSpec) -> Receipt:
    """Record a delivery of one lot: a pending receipt; nothing goes on hand yet.

    Refused with a field error for an expiry on or before the clinic's today, or a lot
    number the lot master holds with another product or expiry; LotRecalledOnReceipt for
    a recalled lot.
    """
    _mine(actor, clinic.pk)
    today = clinic_today(clinic)
    if spec.expires_on <= today:
        raise ValidationError(
            {
                "expires_on": f"This lot expired on {spec.expires_on:%d %B %Y}: expired stock "
                "is not taken in. Send it back to the supplier."
            }
        )
    lot = _lot_for(actor, clinic, spec)
    receipt = Receipt.objects.create(
        clinic=clinic,
        lot=lot,
        quantity=spec.units,
        supplier=spec.supplier,
        supplier_dea_number=spec.supplier_dea_number,
        invoice_number=spec.invoice_number,
        received_by=actor,
        received_at=clock.now(),
    )
    usecase.note(
        Event.about(
            AuditAction.CREATE,
            receipt,
            detail={"lot": lot.lot_number, "quantity": str(receipt.quantity)},
        )
    )
    return receipt


def _pending(actor: User, receipt: Receipt, doing: str) -> tuple[Receipt, Lot]:
    """The receipt, re-read under its lot's lock (and the lot), if `actor` may `doing` it now.

    Every verification and rejection locks the lot first, so two of them queue.
    """
    _mine(actor, receipt.clinic_id)
    lot = stock.locked_lot(receipt.lot_id)
    current = Receipt.objects.select_related("received_by").get(pk=receipt.pk)
    current.lot = lot
    if not current.is_pending:
        done = "verified" if current.verified_at is not None else "rejected"
        raise ReceiptNotPending(
            f"Receipt {current.pk} (lot {lot.lot_number}) was {done} already: "
            "nothing more is done with it. Record a new receipt for a new delivery."
        )
    if current.received_by_id == actor.pk:
        raise SecondPersonNeeded(
            f"You recorded receipt {current.pk}: a second person {doing} it. Ask "
            f"{SECOND_PERSON} to count it and {doing} it from their own account."
        )
    return current, lot


@use_case("verify_receipt")
def verify_receipt(actor: User, receipt: Receipt, spec: VerifyReceiptSpec) -> Receipt:
    """A second person's own count verifies the receipt: its units go on hand.

    Refused (SecondPersonNeeded) for the receiver; (ReceiptCountDiffers) when the count
    is not the receipt's quantity; (ReceiptNotPending) once verified or rejected.
    """
    current, lot = _pending(actor, receipt, "verifies")
    counted = Decimal(spec.counted)
    if counted != current.quantity:
        raise ReceiptCountDiffers(
            f"You counted {stock.units(lot, counted)}; receipt {current.pk} says "
            f"{stock.units(lot, current.quantity)}. Nothing went on hand. Count again; if the "
            "count still differs, reject the receipt giving both counts as the reason, and "
            "contact the supplier."
        )
    movement = stock.post(
        lot,
        kind=MovementKind.RECEIVED,
        change=current.quantity,
        actor=actor,
        counterparty=current.supplier,
        counterparty_dea_number=current.supplier_dea_number,
        reference=current.invoice_number,
        note=(
            f"Receipt {current.pk}: received by {current.received_by.display_name}, "
            f"verified by {actor.display_name}."
        ),
    )
    current.verified_by = actor
    current.verified_at = movement.at
    current.movement = movement
    current.save(update_fields=["verified_by", "verified_at", "movement"])
    usecase.note(
        Event.about(
            AuditAction.UPDATE,
            current,
            detail={"verified": True, "counted": str(counted), "movement": movement.pk},
        )
    )
    return current


@use_case("reject_receipt")
def reject_receipt(actor: User, receipt: Receipt, spec: RejectReceiptSpec) -> Receipt:
    """A second person rejects the receipt, with the reason: nothing goes on hand."""
    current, _ = _pending(actor, receipt, "rejects")
    current.rejected_by = actor
    current.rejected_at = clock.now()
    current.rejection_reason = spec.reason
    current.save(update_fields=["rejected_by", "rejected_at", "rejection_reason"])
    usecase.note(Event.about(AuditAction.UPDATE, current, detail={"rejected": True}))
    return current
