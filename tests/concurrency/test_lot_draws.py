"""Pharmacists dispensing from one lot at once, on PostgreSQL: the lot is never overdrawn.

A lot holds N units; 2, then 8 pharmacists dispense to different patients from it at
the same moment (threads released together by a barrier, each on its own database
connection), asking together for more than N. Only the lot's row lock and its CHECK keep
the book exact: the draws that succeed sum to at most N, the others are refused
`lot_short`, the lot never holds less than nothing, and the book still sums consistently
with the patients' ledgers. SQLite runs one writer at a time: nothing to prove there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, connections

from ketacare.audit.log import verify
from ketacare.kernel.errors import DomainError
from ketacare.kernel.specs import read
from ketacare.patients.phases import Phase
from ketacare.pharmacy.models import Lot, MovementKind, StockMovement
from ketacare.treatment import services
from ketacare.treatment.models import Dispense, Prescription
from ketacare.treatment.specs.dispensing import DispenseSpec
from ketacare.treatment.stock_book import book_against_ledgers
from tests.factories import PatientFactory, UserFactory
from tests.pharmacy.receiving import on_shelf
from tests.treatment.helpers import NOW, plan_for, prescribe

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    # The lot is in date and the prescriptions current on the tests' day (every thread's).
    with time_machine.travel(NOW, tick=False):
        yield


def at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Each call's result or refusal; all released together, each on its own connection."""
    barrier = threading.Barrier(len(calls))

    def in_thread(call: Callable[[], object]) -> object:
        try:
            barrier.wait(timeout=30)
            try:
                return call()
            except DomainError as refusal:
                return refusal
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(in_thread, calls))


def _race(clinic, *, pharmacists: int, lot_units: int, each: int) -> tuple[Lot, list[object]]:
    """`pharmacists` dispensing `each` units at once from a lot of `lot_units`."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer anyway")
    prescriber = UserFactory(clinic=clinic, prescriber=True)
    verifier = UserFactory(clinic=clinic, pharmacist=True)
    people = [UserFactory(clinic=clinic, pharmacist=True) for _ in range(pharmacists)]
    lot = on_shelf(people[0], verifier, quantity=lot_units).lot
    rxs: list[Prescription] = []
    for _ in people:
        patient = PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED.value)
        plan_for(prescriber, patient)
        rxs.append(prescribe(prescriber, patient))
    spec = read(DispenseSpec, {"quantity": each, "lot_number": lot.lot_number})

    def dispense(who: int) -> Callable[[], object]:
        return lambda: services.dispense(people[who], rxs[who], spec)

    results = at_once([dispense(i) for i in range(pharmacists)])
    lot.refresh_from_db()
    return lot, results


def _assert_never_overdrawn(lot: Lot, results: list[object], lot_units: int) -> int:
    """The draws fit the lot, the others are lot_short, the book sums; how many drew."""
    drawn = [r for r in results if isinstance(r, Dispense)]
    refused = [r for r in results if not isinstance(r, Dispense)]
    assert all(getattr(r, "code", None) == "lot_short" for r in refused), refused
    total = sum((Decimal(d.quantity) for d in drawn), Decimal(0))
    assert total <= lot_units
    assert lot.on_hand == lot_units - total >= 0
    draws = StockMovement.objects.filter(lot=lot, kind=MovementKind.DISPENSED)
    assert draws.count() == len(drawn)
    assert all(m.on_hand_after >= 0 for m in StockMovement.objects.filter(lot=lot))
    assert book_against_ledgers(lot.clinic_id) == []
    assert verify().ok
    return len(drawn)


def test_two_pharmacists_at_once_never_overdraw_a_lot(clinic):
    lot, results = _race(clinic, pharmacists=2, lot_units=10, each=8)
    # 10 units, 8 each: exactly one draw fits.
    assert _assert_never_overdrawn(lot, results, 10) == 1
    assert lot.on_hand == 2


def test_eight_pharmacists_at_once_never_overdraw_a_lot(clinic):
    lot, results = _race(clinic, pharmacists=8, lot_units=20, each=4)
    # 20 units, 4 each, 32 asked for: exactly five draws fit, three are lot_short.
    assert _assert_never_overdrawn(lot, results, 20) == 5
    assert lot.on_hand == 0
