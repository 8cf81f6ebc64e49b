"""A clinic's stock book written straight into the tables, for the inspection records.

The records read the book and the rows the pharmacy's services write; these helpers
write those rows as the services would (each movement's `on_hand_after`, the lot's
`on_hand`), at chosen moments, without the services (other tests cover them).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ketacare.accounts.models import Clinic, User
from ketacare.pharmacy.models import (
    Destruction,
    Lot,
    MovementKind,
    Reconciliation,
    StockCount,
    StockDiscrepancy,
    StockMovement,
)

DEA_NUMBER = "FK1234563"  # a valid check digit: 1+3+5 + 2*(2+4+6) = 33
ADDRESS = "100 Harbor Way, Suite 4\nPortland, ME 04101"
TROCHE = {"drug": "racemic", "formulation_kind": "troche", "strength_mg": Decimal(50)}


def registered(clinic: Clinic) -> Clinic:
    """The clinic as a DEA registrant: its number and registered address."""
    clinic.dea_registration_number = DEA_NUMBER
    clinic.registered_address = ADDRESS
    clinic.save(update_fields=["dea_registration_number", "registered_address"])
    return clinic


def move(  # noqa: PLR0913 - a movement is its lot, kind, amount, signer, moment and words
    lot: Lot,
    kind: MovementKind,
    change: Decimal | int,
    actor: User,
    at: dt.datetime,
    *,
    note: str = "",
    reference: str = "",
) -> StockMovement:
    lot.on_hand += Decimal(change)
    lot.save(update_fields=["on_hand"])
    return StockMovement.objects.create(
        clinic_id=lot.clinic_id,
        lot=lot,
        kind=kind,
        quantity=Decimal(change),
        on_hand_after=lot.on_hand,
        actor=actor,
        at=at,
        note=note,
        reference=reference,
    )


def received(  # noqa: PLR0913 - a lot's number, amount, expiry, receiver and moment
    clinic: Clinic,
    lot_number: str,
    quantity: int,
    actor: User,
    at: dt.datetime,
    *,
    expires_on: dt.date = dt.date(2026, 6, 30),
    strength_mg: int = 50,
) -> Lot:
    """A lot of 50 mg scored troches received at `at` (one RECEIVED movement)."""
    lot = Lot.objects.create(
        clinic=clinic,
        product=f"Ketamine HCl {strength_mg} mg troche",
        unit="tablets",
        lot_number=lot_number,
        expires_on=expires_on,
        supplier="Compounding Pharmacy of Record",
        created_by=actor,
        created_at=at,
        scored=True,
        **(TROCHE | {"strength_mg": Decimal(strength_mg)}),
    )
    move(lot, MovementKind.RECEIVED, quantity, actor, at, reference="INV-4471")
    return lot


def destroyed(  # noqa: PLR0913 - what, how much, who and the two witnesses' confirmations
    lot: Lot,
    quantity: int,
    by: User,
    witnesses: tuple[User, User],
    *,
    at: dt.datetime,
    confirmed: tuple[dt.datetime | None, dt.datetime | None],
) -> Destruction:
    movement = move(lot, MovementKind.DESTROYED, -quantity, by, at)
    return Destruction.objects.create(
        clinic_id=lot.clinic_id,
        lot=lot,
        quantity=Decimal(quantity),
        method="chemical_digestion",
        reason="expired",
        destroyed_by=by,
        destroyed_at=at,
        movement=movement,
        first_witness=witnesses[0],
        first_confirmed_at=confirmed[0],
        second_witness=witnesses[1],
        second_confirmed_at=confirmed[1],
    )


def missing_at_a_count(lot: Lot, counter: User, missing: int = 6) -> StockDiscrepancy:
    """A count of the lot that found `missing` units fewer than the book."""
    count = StockCount.objects.create(
        reconciliation=Reconciliation.objects.create(clinic_id=lot.clinic_id, counted_by=counter),
        lot=lot,
        expected=lot.on_hand,
        counted=lot.on_hand - missing,
    )
    return StockDiscrepancy.objects.create(
        clinic_id=lot.clinic_id,
        lot=lot,
        count=count,
        expected=count.expected,
        counted=count.counted,
        found_by=counter,
    )
