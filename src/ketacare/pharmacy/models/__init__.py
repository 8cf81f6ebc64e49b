"""The clinic's controlled-substance stock: lots, receipts, book, counts, destructions, recalls.

Rows are written only by the pharmacy's services; the constraints of these models hold
what they can (a lot never below zero, a receipt verified by someone else than its
receiver, a destruction witnessed by two other people), so a bug or a race in Python
still cannot store a broken book. The models live by topic in this package.
"""

from ketacare.pharmacy.models.base import HALF, LEDGER_MAX_DIGITS, LEDGER_PLACES, ONE
from ketacare.pharmacy.models.destruction import Destruction, DestructionMethod, DestructionReason
from ketacare.pharmacy.models.lots import Lot
from ketacare.pharmacy.models.movements import (
    INCOMING,
    OUTGOING,
    PATIENT_KINDS,
    MovementKind,
    StockMovement,
)
from ketacare.pharmacy.models.product import (
    TABLET_KINDS,
    UNIT_NOUNS,
    Drug,
    FormulationKind,
    LedgerUnit,
    Product,
    Route,
)
from ketacare.pharmacy.models.recalls import RecallTask
from ketacare.pharmacy.models.receipts import Receipt
from ketacare.pharmacy.models.reconciliation import Reconciliation, StockCount, StockDiscrepancy

__all__ = [
    "HALF",
    "INCOMING",
    "LEDGER_MAX_DIGITS",
    "LEDGER_PLACES",
    "ONE",
    "OUTGOING",
    "PATIENT_KINDS",
    "TABLET_KINDS",
    "UNIT_NOUNS",
    "Destruction",
    "DestructionMethod",
    "DestructionReason",
    "Drug",
    "FormulationKind",
    "LedgerUnit",
    "Lot",
    "MovementKind",
    "Product",
    "RecallTask",
    "Receipt",
    "Reconciliation",
    "Route",
    "StockCount",
    "StockDiscrepancy",
    "StockMovement",
]
