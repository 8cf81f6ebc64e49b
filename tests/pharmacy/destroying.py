"""A destruction as the tests record it: units of a lot of 50 mg scored troches, two witnesses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ketacare.accounts.models import Clinic, User
from ketacare.kernel.specs import read
from ketacare.pharmacy.destruction import destroy_stock
from ketacare.pharmacy.models import Destruction, Lot
from ketacare.pharmacy.specs.destruction import DestructionSpec
from tests.factories import shelve

TROCHES = Lot(
    product="Ketamine HCl 50 mg troche",
    drug="racemic",
    formulation_kind="troche",
    strength_mg=Decimal(50),
    scored=True,
)
SPRAY = Lot(
    product="Ketamine HCl nasal spray 100 mg/mL",
    drug="racemic",
    formulation_kind="nasal_spray",
    concentration_mg_per_ml=Decimal(100),
    spray_volume_ml=Decimal("0.1"),
)
EXPIRED = {"quantity": "4", "method": "chemical_digestion", "reason": "expired"}


def lot_of(clinic: Clinic, product: Lot = TROCHES, **changes: Any) -> Lot:
    """A lot of `product` on the clinic's shelf (100 units unless said)."""
    return shelve(product, clinic, **{"quantity": Decimal(100), **changes})


def spec(first: User, second: User, **changes: Any) -> DestructionSpec:
    body = EXPIRED | {"first_witness_id": first.pk, "second_witness_id": second.pk}
    return read(DestructionSpec, body | changes)


def destroyed(pharmacist: User, lot: Lot, first: User, second: User, **changes: Any) -> Destruction:
    return destroy_stock(pharmacist, lot, spec(first, second, **changes))
