"""The ledger under concurrent requests: 20 at once, never below zero, never beyond a prescription.

On PostgreSQL each test fires 20 requests from 20 threads released together by a
barrier, each on its own database connection: only the row locks and constraints keep
the ledger exact. On SQLite the test database lives in one connection's memory, which
threads cannot share, so the same requests run one after another: the outcome must be
the same, which checks the counting, but proves nothing about concurrency.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections

from ketacare.audit.log import verify
from ketacare.kernel.errors import DomainError
from ketacare.patients.models import PhaseChange
from ketacare.patients.phases import Phase
from ketacare.treatment import services
from ketacare.treatment.errors import GateOutdated, Overdraw, PrescriptionExhausted
from ketacare.treatment.models import (
    Dispense,
    DosingSession,
    LedgerAccount,
    LedgerEvent,
    Prescription,
)
from ketacare.treatment.specs.sessions import DoseSpec
from tests.treatment.helpers import accept_returns, fill, ledger_spec, prescribe, ready_session
from tests.treatment.rx_helpers import set_margin

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 20


def run_at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Each call's result, or the DomainError it raised, in the order of `calls`."""

    def outcome(call: Callable[[], object]) -> object:
        try:
            return call()
        except DomainError as refusal:
            return refusal

    if connection.vendor != "postgresql":
        return [outcome(call) for call in calls]
    barrier = threading.Barrier(len(calls))

    def in_thread(call: Callable[[], object]) -> object:
        try:
            barrier.wait(timeout=30)
            return outcome(call)
        finally:
            connections.close_all()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(in_thread, calls))


def assert_ledger_is_exact(patient) -> Decimal:
    """The events' running sum is each event's balance_after; the account holds the sum."""
    running = Decimal(0)
    for event in LedgerEvent.objects.filter(patient=patient).order_by("pk"):
        running += event.quantity
        assert event.balance_after == running >= 0
    assert LedgerAccount.objects.get(patient=patient).balance == running
    assert services.ledger_balance(patient) == running
    assert verify().ok  # the audit chain stayed whole too
    return running


def _kinds(results: list[object]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in results:
        name = type(result).__name__
        counts[name] = counts.get(name, 0) + 1
    return counts


def test_20_concurrent_returns_never_overdraw(pharmacist, prescriber, approved, plan):
    accept_returns(approved.clinic)
    set_margin(approved.clinic, 3)  # 30 units: the plan's 24 and 3 spare sessions of 2
    fill(pharmacist, prescribe(prescriber, approved, quantity=30, refills=0), quantity=30)

    def give_back() -> object:
        return services.record_ledger_event(pharmacist, approved, ledger_spec("returned", 3))

    results = run_at_once([give_back] * REQUESTS)

    # 30 units, 3 at a time: exactly 10 returns fit, the other 10 are refused.
    assert _kinds(results) == {"LedgerEvent": 10, "Overdraw": 10}
    assert all(r.code == "overdraw" for r in results if isinstance(r, Overdraw))
    assert assert_ledger_is_exact(approved) == 0
    assert LedgerEvent.objects.filter(patient=approved).count() == 1 + 10


def test_20_concurrent_dispenses_never_exceed_the_prescription(
    pharmacist, prescriber, approved, plan, clock
):
    set_margin(approved.clinic, 3)  # 30 units: the plan's 24 and 3 spare sessions of 2
    rx = prescribe(prescriber, approved, quantity=5, refills=5, earliest_refill_on=date(2025, 3, 4))
    clock.move_to("2025-03-04T16:00:00Z")  # refills are due

    results = run_at_once([lambda: fill(pharmacist, rx, quantity=5)] * REQUESTS)

    # 1 + 5 refills of 5 units: exactly 6 fills, 30 units.
    assert _kinds(results) == {"Dispense": 6, "PrescriptionExhausted": 14}
    rx.refresh_from_db()
    assert (rx.fills_dispensed, rx.dispensed_quantity) == (6, 30)
    assert sorted(Dispense.objects.values_list("fill_number", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert assert_ledger_is_exact(approved) == 30
    assert LedgerEvent.objects.filter(patient=approved, kind="dispensed").count() == 6


def test_20_concurrent_doses_take_one_dose(approved, plan, stocked):
    sessions = [ready_session(approved.user, approved) for _ in range(REQUESTS)]
    assert {s.status for s in sessions} == {"ready"}  # no dose yet: every checklist passes

    def take(session: DosingSession) -> Callable[[], object]:
        return lambda: services.record_dose_taken(approved.user, session, DoseSpec(dose_mg=100))

    results = run_at_once([take(s) for s in sessions])

    # One dose; every other checklist is outdated by it (a second dose needs a new gate).
    assert _kinds(results) == {"DosingSession": 1, "GateOutdated": 19}
    assert all(isinstance(r, DosingSession | GateOutdated) for r in results)
    assert DosingSession.objects.filter(status="dosed").count() == 1
    assert assert_ledger_is_exact(approved) == 8 - 2
    assert LedgerEvent.objects.filter(patient=approved, kind="taken").count() == 1
    approved.refresh_from_db()
    assert approved.phase == Phase.INDUCTION
    assert PhaseChange.objects.filter(patient=approved, to_phase=Phase.INDUCTION).count() == 1


def test_20_concurrent_dispenses_and_returns_keep_the_balance_exact(
    pharmacist, prescriber, approved, plan, clock
):
    accept_returns(approved.clinic)
    rx = prescribe(prescriber, approved, quantity=2, refills=5, earliest_refill_on=date(2025, 3, 4))
    fill(pharmacist, rx, quantity=2)
    clock.move_to("2025-03-04T16:00:00Z")

    def give_back() -> object:
        return services.record_ledger_event(pharmacist, approved, ledger_spec("returned", 1))

    calls = [lambda: fill(pharmacist, rx, quantity=2)] * 5 + [give_back] * 15
    results = run_at_once(calls)

    # Every refill fits the prescription; a return succeeds only while units are there.
    dispensed = [r for r in results[:5] if isinstance(r, Dispense)]
    returned = [r for r in results[5:] if isinstance(r, LedgerEvent)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(dispensed) == 5
    assert all(isinstance(r, Overdraw) for r in refused)
    assert len(returned) + len(refused) == 15
    assert len(returned) <= 12  # at most the 12 units ever dispensed
    assert assert_ledger_is_exact(approved) == 12 - len(returned)
    assert Prescription.objects.get(pk=rx.pk).fills_dispensed == 6
    assert not isinstance(results[0], PrescriptionExhausted)


def test_concurrent_doses_and_returns_neither_deadlock_nor_drift(
    pharmacist, approved, plan, stocked
):
    accept_returns(approved.clinic)
    sessions = [ready_session(approved.user, approved) for _ in range(REQUESTS // 2)]

    def take(session: DosingSession) -> Callable[[], object]:
        return lambda: services.record_dose_taken(approved.user, session, DoseSpec(dose_mg=100))

    def give_back() -> object:
        return services.record_ledger_event(
            pharmacist, approved, ledger_spec("returned", Decimal("0.5"))
        )

    # A dose locks the patient, then the account; a return locks the account and refers to
    # the patient. 8 troches cover one dose (2) and ten half-troche returns (5) in any order.
    results = run_at_once([take(s) for s in sessions] + [give_back] * (REQUESTS // 2))

    assert _kinds(results) == {"DosingSession": 1, "GateOutdated": 9, "LedgerEvent": 10}
    assert assert_ledger_is_exact(approved) == 8 - 2 - 5
