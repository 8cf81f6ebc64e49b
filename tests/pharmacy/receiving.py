"""A delivery as the tests record it: 50 mg scored troches, lot KC-1001, 100 units."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ketacare.accounts.models import User
from ketacare.kernel.specs import read
from ketacare.pharmacy.models import Receipt
from ketacare.pharmacy.receipts import receive_stock, verify_receipt
from ketacare.pharmacy.specs.receipts import ReceiptSpec, VerifyReceiptSpec

# A year after tests.treatment.helpers.NOW (3 March 2025).
EXPIRES = dt.date(2026, 3, 31)
DELIVERY: dict[str, Any] = {
    "product": "Ketamine HCl 50 mg troche",
    "drug": "racemic",
    "formulation_kind": "troche",
    "strength_mg": "50",
    "scored": True,
    "supplier": "Compounding Pharmacy of Record",
    "supplier_dea_number": "AB1234563",
    "invoice_number": "INV-77",
    "lot_number": "KC-1001",
    "expires_on": EXPIRES.isoformat(),
    "quantity": 100,
}


def delivery(**changes: Any) -> ReceiptSpec:
    return read(ReceiptSpec, DELIVERY | changes)


def received(receiver: User, **changes: Any) -> Receipt:
    assert receiver.clinic is not None
    return receive_stock(receiver, receiver.clinic, delivery(**changes))


def on_shelf(receiver: User, verifier: User, **changes: Any) -> Receipt:
    """Received by one, verified by the other with the same count."""
    receipt = received(receiver, **changes)
    return verify_receipt(verifier, receipt, VerifyReceiptSpec(counted=int(receipt.quantity)))


# A transfer of 30 units to another registrant, and a return of 10 to the supplier.
TRANSFER: dict[str, Any] = {
    "quantity": 30,
    "registrant": "Riverside Psychiatry",
    "registrant_dea_number": "BR1234563",
    "address": "1 River Road, Springfield",
    "reference": "TR-9",
}
RETURN: dict[str, Any] = {
    "quantity": 10,
    "supplier": "Compounding Pharmacy of Record",
    "reference": "RA-55",
    "reason": "Damaged blister",
}
