"""Stock leaving the clinic otherwise than to a patient: a transfer, a return to the supplier.

A transfer sends units of a lot to another DEA registrant (its name, registration number
and address are recorded: 21 CFR 1304.22(a)(2) and (c)); a return sends them back to the
supplier on its return authorisation, which is what an expired or recalled lot is for.
Each is one movement of the stock book, under the lot's lock, refused (LotShort) beyond
what the lot holds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.kernel import usecase
from ketacare.kernel.errors import NotFound
from ketacare.kernel.usecase import use_case
from ketacare.pharmacy import stock
from ketacare.pharmacy.errors import LotNotTransferable
from ketacare.pharmacy.models import Lot, MovementKind, StockMovement
from ketacare.pharmacy.queries.stock import clinic_today
from ketacare.pharmacy.specs.outgoing import SupplierReturnSpec, TransferSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import User


def _locked(actor: User, lot: Lot) -> Lot:
    """The lot, locked, if it is of the actor's clinic (NotFound otherwise)."""
    if actor.clinic_id != lot.clinic_id:
        raise NotFound
    return stock.locked_lot(lot.pk)


def _noted(movement: StockMovement) -> StockMovement:
    usecase.note(
        Event.about(
            AuditAction.CREATE,
            movement,
            detail={"kind": str(movement.kind), "quantity": str(movement.quantity)},
        )
    )
    return movement


@use_case("transfer_stock")
def transfer_stock(actor: User, lot: Lot, spec: TransferSpec) -> StockMovement:
    """Units of the lot go to another DEA registrant: a `transferred` movement.

    Refused (LotNotTransferable) for a recalled or expired lot (it goes back to the
    supplier, or is destroyed); (LotShort) beyond what the lot holds.
    """
    locked = _locked(actor, lot)
    if locked.is_recalled or locked.expires_on <= clinic_today(locked.clinic):
        why = "recalled" if locked.is_recalled else f"expired on {locked.expires_on:%d %B %Y}"
        raise LotNotTransferable(
            f"Lot {locked.lot_number} is {why}: it is not passed on to another registrant. "
            "Return it to the supplier, or destroy it before two witnesses."
        )
    note = f"To {spec.registrant}, {spec.address}." + (f" {spec.note}" if spec.note else "")
    movement = stock.post(
        locked,
        kind=MovementKind.TRANSFERRED,
        change=-Decimal(spec.quantity),
        actor=actor,
        counterparty=spec.registrant,
        counterparty_dea_number=spec.registrant_dea_number,
        reference=spec.reference,
        note=note,
    )
    return _noted(movement)


@use_case("return_stock_to_supplier")
def return_to_supplier(actor: User, lot: Lot, spec: SupplierReturnSpec) -> StockMovement:
    """Units of the lot go back to the supplier: a `returned_to_supplier` movement.

    An expired or recalled lot may be returned (that is what a return is for); refused
    (LotShort) beyond what the lot holds.
    """
    locked = _locked(actor, lot)
    movement = stock.post(
        locked,
        kind=MovementKind.RETURNED_TO_SUPPLIER,
        change=-Decimal(spec.quantity),
        actor=actor,
        counterparty=spec.supplier,
        counterparty_dea_number=spec.supplier_dea_number,
        reference=spec.reference,
        note=spec.reason,
    )
    return _noted(movement)
