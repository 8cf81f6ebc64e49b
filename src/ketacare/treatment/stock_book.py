"""The clinic's stock book held against its patients' ledgers: whether they sum consistently.

Three checks, each one query, for one clinic:

- each patient: the units their ledger received by dispensing, net of voided dispenses
  (ledger events `dispensed` + `dispense_reversed`), are the units of their dispenses
  net of the voided ones (treatment.Dispense);
- each patient and lot: the units of their dispenses drawn from the lot, net of the
  voided ones, are what the stock book's `dispensed` + `dispense_voided` movements naming
  them took from the lot;
- each lot: its stock on hand is the sum of its movements, and each movement's
  `on_hand_after` is the running sum (in the order they were written, under the lot's lock).

Dispenses recorded before the lot master (issue 17: `Dispense.lot` is empty) drew from
no lot of the book: they are listed apart (`unlotted_dispenses`), not as inconsistencies.
It reads both the stock (ketacare.pharmacy) and the ledgers, so it lives in treatment.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from ketacare.pharmacy.models import PATIENT_KINDS, Lot, StockMovement
from ketacare.treatment.models import Dispense, LedgerEvent, LedgerEventKind

ZERO = Decimal(0)
DISPENSING_KINDS = (LedgerEventKind.DISPENSED, LedgerEventKind.DISPENSE_REVERSED)


@dataclass(frozen=True)
class Inconsistency:
    """One place where the book and the ledgers (or the book and itself) disagree."""

    check: str  # "ledger", "patient_book", "lot_on_hand", "running_sum"
    expected: Decimal
    found: Decimal
    message: str
    patient_id: int | None = None
    lot_id: int | None = None
    movement_id: int | None = None


@dataclass(frozen=True)
class Unlotted:
    """A patient's dispenses from before the lot master: units net of voids, and how many."""

    patient_id: int
    dispenses: int
    units: Decimal


def _net_dispensed(clinic_id: int) -> dict[tuple[int, int | None], Decimal]:
    """(patient, lot or None) -> units of the dispenses, net of the voided ones."""
    rows = (
        Dispense.objects.filter(patient__clinic_id=clinic_id)
        .values("patient_id", "lot_id")
        .annotate(total=Sum("quantity"), voided=Sum("quantity", filter=Q(voided_at__isnull=False)))
    )
    return {
        (r["patient_id"], r["lot_id"]): Decimal(r["total"] or 0) - Decimal(r["voided"] or 0)
        for r in rows
    }


def _ledger_checks(
    clinic_id: int, net: dict[tuple[int, int | None], Decimal]
) -> list[Inconsistency]:
    ledger = dict(
        LedgerEvent.objects.filter(patient__clinic_id=clinic_id, kind__in=DISPENSING_KINDS)
        .values("patient_id")
        .annotate(total=Sum("quantity"))
        .values_list("patient_id", "total")
    )
    by_patient: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for (patient_id, _lot), units in net.items():
        by_patient[patient_id] += units
    found = []
    for patient_id in sorted(set(ledger) | set(by_patient)):
        expected, got = by_patient[patient_id], Decimal(ledger.get(patient_id) or 0)
        if expected != got:
            found.append(
                Inconsistency(
                    "ledger",
                    expected,
                    got,
                    f"Patient {patient_id}: their dispenses net of voids are {expected} units, "
                    f"their ledger's dispensed and voided events {got}.",
                    patient_id=patient_id,
                )
            )
    return found


def _patient_book_checks(
    clinic_id: int, net: dict[tuple[int, int | None], Decimal]
) -> list[Inconsistency]:
    book = {
        (r["patient_id"], r["lot_id"]): -Decimal(r["total"] or 0)
        for r in StockMovement.objects.filter(clinic_id=clinic_id, kind__in=PATIENT_KINDS)
        .values("patient_id", "lot_id")
        .annotate(total=Sum("quantity"))
    }
    lotted = {key: units for key, units in net.items() if key[1] is not None}
    found = []
    for key in sorted(set(book) | set(lotted), key=lambda k: (k[0], k[1] or 0)):
        expected, got = lotted.get(key, ZERO), book.get(key, ZERO)
        if expected != got:
            patient_id, lot_id = key
            found.append(
                Inconsistency(
                    "patient_book",
                    expected,
                    got,
                    f"Patient {patient_id}, lot {lot_id}: their dispenses from the lot net of "
                    f"voids are {expected} units, the stock book gave them {got}.",
                    patient_id=patient_id,
                    lot_id=lot_id,
                )
            )
    return found


def _lot_checks(clinic_id: int) -> list[Inconsistency]:
    on_hand = dict(Lot.objects.filter(clinic_id=clinic_id).values_list("pk", "on_hand"))
    running: dict[int, Decimal] = defaultdict(lambda: ZERO)
    found = []
    movements = StockMovement.objects.filter(clinic_id=clinic_id).order_by("lot_id", "pk")
    for pk, lot_id, quantity, after in movements.values_list(
        "pk", "lot_id", "quantity", "on_hand_after"
    ):
        running[lot_id] += quantity
        if after != running[lot_id]:
            found.append(
                Inconsistency(
                    "running_sum",
                    running[lot_id],
                    after,
                    f"Lot {lot_id}, movement {pk}: the movements up to it sum to "
                    f"{running[lot_id]}, it says {after} on hand after it.",
                    lot_id=lot_id,
                    movement_id=pk,
                )
            )
    for lot_id, units in sorted(on_hand.items()):
        if units != running[lot_id]:
            found.append(
                Inconsistency(
                    "lot_on_hand",
                    running[lot_id],
                    units,
                    f"Lot {lot_id}: its movements sum to {running[lot_id]}, it holds {units}.",
                    lot_id=lot_id,
                )
            )
    return found


def book_against_ledgers(clinic_id: int) -> list[Inconsistency]:
    """Every inconsistency of the clinic's book with its patients' ledgers and itself."""
    net = _net_dispensed(clinic_id)
    return (
        _ledger_checks(clinic_id, net)
        + _patient_book_checks(clinic_id, net)
        + _lot_checks(clinic_id)
    )


def unlotted_dispenses(clinic_id: int) -> list[Unlotted]:
    """Dispenses recorded before the lot master, by patient (apart from the check)."""
    rows = (
        Dispense.objects.filter(patient__clinic_id=clinic_id, lot__isnull=True)
        .values("patient_id")
        .annotate(
            count=Count("pk"),
            total=Sum("quantity"),
            voided=Sum("quantity", filter=Q(voided_at__isnull=False)),
        )
        .order_by("patient_id")
    )
    return [
        Unlotted(
            r["patient_id"], int(r["count"]), Decimal(r["total"] or 0) - Decimal(r["voided"] or 0)
        )
        for r in rows
    ]
