"""The stock book: every change of a lot's stock on hand, under the lot's row lock.

Each movement locks the lot (`select_for_update(no_key=True)`, as the ledger locks a
patient's account), computes the new stock on hand, and writes the movement and the
lot in the use case's transaction: two dispenses from one lot at once queue on the lock,
so the second sees the first's draw, and the CHECK constraints (on hand >= 0 on the lot
and on every movement) are the backstop. On SQLite the lock is a no-op: SQLite runs one
write transaction at a time anyway.

Lock order, after the patient's (treatment.ledger): ... -> ledger account -> lots (by
id) -> audit head.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from ketacare.kernel import clock
from ketacare.pharmacy.errors import LotNotDispensable, LotShort, LotUnknown
from ketacare.pharmacy.models import UNIT_NOUNS, Lot, MovementKind, StockMovement

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ketacare.accounts.models import User
    from ketacare.patients.models import Patient


def locked_lot(lot_id: int) -> Lot:
    """The lot, locked until the transaction ends."""
    return Lot.objects.select_for_update(no_key=True).get(pk=lot_id)


def locked_lots(lot_ids: Iterable[int]) -> dict[int, Lot]:
    """Several lots, locked in the order of their ids (so two use cases never deadlock)."""
    ids = sorted(set(lot_ids))
    lots = Lot.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
    return {lot.pk: lot for lot in lots}


def units(lot: Lot, quantity: Decimal) -> str:
    """A quantity of the lot's product in its own words: "12 troches", "1 spray"."""
    singular, plural = UNIT_NOUNS[lot.formulation_kind]
    return f"{quantity.normalize():f} {singular if quantity == 1 else plural}"


def post(  # noqa: PLR0913 - a movement is its kind, amount, signer, and whom it concerns
    lot: Lot,
    *,
    kind: MovementKind,
    change: Decimal,
    actor: User,
    patient: Patient | None = None,
    counterparty: str = "",
    counterparty_dea_number: str = "",
    reference: str = "",
    note: str = "",
) -> StockMovement:
    """Append one movement to a locked lot; LotShort (nothing written) below zero."""
    on_hand = lot.on_hand + change
    if on_hand < 0:
        raise LotShort(
            f"Lot {lot.lot_number} holds {units(lot, lot.on_hand)}; "
            f"{kind.label.lower()} {units(lot, -change)} would take it below zero.",
            field="quantity",
        )
    at = clock.now()
    movement = StockMovement.objects.create(
        clinic_id=lot.clinic_id,
        lot=lot,
        kind=kind,
        quantity=change,
        on_hand_after=on_hand,
        patient=patient,
        counterparty=counterparty,
        counterparty_dea_number=counterparty_dea_number,
        reference=reference,
        actor=actor,
        note=note,
        at=at,
    )
    lot.on_hand = on_hand
    lot.save(update_fields=["on_hand"])
    return movement


def dispensable_lot(
    clinic_id: int, product_key: tuple[object, ...], lot_number: str, today: date
) -> Lot:
    """The clinic's lot `lot_number` of the product, if it may be dispensed from today.

    Refused: not in the lot master, or of another product (LotUnknown); expired on the
    patient's calendar day, or recalled (LotNotDispensable). Its stock is checked when
    it is drawn from, under its lock.
    """
    lot = Lot.objects.filter(clinic_id=clinic_id, lot_number=lot_number).first()
    if lot is None:
        raise LotUnknown(
            f"Lot {lot_number} is not in the clinic's stock: record its receipt (and have a "
            "second person verify it) before dispensing from it.",
            field="lot_number",
        )
    if lot.product_key != product_key:
        raise LotUnknown(
            f"Lot {lot_number} is {lot.product}, not the product of this prescription: "
            "dispense from a lot of the prescribed product.",
            field="lot_number",
        )
    refuse_unless_dispensable(lot, today)
    return lot


def refuse_unless_dispensable(lot: Lot, today: date) -> None:
    """LotNotDispensable when the lot is recalled or expired on `today`."""
    if lot.is_recalled:
        raise LotNotDispensable(
            f"Lot {lot.lot_number} is recalled ({lot.recall_reason}): dispense from another "
            "lot, and return or destroy this one.",
            field="lot_number",
        )
    if lot.expires_on <= today:
        raise LotNotDispensable(
            f"Lot {lot.lot_number} expired on {lot.expires_on:%d %B %Y}: dispense from an "
            "unexpired lot, and destroy or return this one.",
            field="lot_number",
        )


def draw(lot: Lot, quantity: Decimal, *, patient: Patient, actor: User, note: str) -> StockMovement:
    """Units of a locked lot go to a patient's ledger; LotShort when it holds fewer."""
    return post(
        lot, kind=MovementKind.DISPENSED, change=-quantity, actor=actor, patient=patient, note=note
    )


def put_back(
    lot: Lot, quantity: Decimal, *, patient: Patient, actor: User, note: str
) -> StockMovement:
    """A voided dispense's units come back on the shelf of their locked lot."""
    return post(
        lot,
        kind=MovementKind.DISPENSE_VOIDED,
        change=quantity,
        actor=actor,
        patient=patient,
        note=note,
    )
