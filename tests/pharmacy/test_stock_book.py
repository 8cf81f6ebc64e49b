"""The clinic's stock book against its patients' ledgers: consistent through every use case.

The property: whatever sequence of receipts, dispenses, voids, corrections, transfers and
losses runs through the real services (each refused or not), the book and the ledgers sum
consistently and no lot holds less than nothing. Then: a book tampered with is found, and
dispenses from before the lot master are listed apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ketacare.accounts.models import User
from ketacare.kernel.errors import DomainError
from ketacare.kernel.specs import read
from ketacare.patients.phases import Phase
from ketacare.pharmacy import stock
from ketacare.pharmacy.models import Lot, MovementKind, StockMovement
from ketacare.pharmacy.outgoing import transfer_stock
from ketacare.pharmacy.reconcile import report_stock_lost
from ketacare.pharmacy.specs.outgoing import TransferSpec
from ketacare.pharmacy.specs.reconcile import LossSpec
from ketacare.treatment import ledger, services
from ketacare.treatment.models import Dispense, LedgerEventKind, Prescription
from ketacare.treatment.specs.dispensing import (
    DispenseCorrectionSpec,
    DispenseSpec,
    VoidDispenseSpec,
)
from ketacare.treatment.stock_book import Unlotted, book_against_ledgers, unlotted_dispenses
from tests.factories import ClinicFactory, PatientFactory, UserFactory
from tests.pharmacy.receiving import EXPIRES, on_shelf
from tests.treatment.helpers import NOW, plan_for, prescribe

pytestmark = pytest.mark.django_db

LOTS = ("KC-1001", "KC-1002")
TRANSFER = {
    "registrant": "Riverside Psychiatry",
    "registrant_dea_number": "BR1234563",
    "address": "1 River Road, Springfield",
    "reference": "TR-9",
}


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


class Shelf:
    """One clinic: a pharmacist, a prescriber, two patients with a prescription, two lots."""

    def __init__(self) -> None:
        clinic = ClinicFactory()
        self.clinic = clinic
        self.pharmacist: User = UserFactory(clinic=clinic, pharmacist=True)
        self.prescriber: User = UserFactory(clinic=clinic, prescriber=True)
        self.receipts = 0
        for number in LOTS:
            self.receive(number, 6)
        self.lots = list(Lot.objects.filter(clinic=clinic).order_by("lot_number"))
        self.rxs: list[Prescription] = []
        for _ in range(2):
            patient = PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED.value)
            plan_for(self.prescriber, patient)
            self.rxs.append(prescribe(self.prescriber, patient))

    def receive(self, lot_number: str, quantity: int) -> None:
        self.receipts += 1
        on_shelf(
            self.pharmacist,
            self.prescriber,
            lot_number=lot_number,
            quantity=quantity,
            invoice_number=f"INV-{self.receipts}",
        )

    def dispenses(self) -> list[Dispense]:
        return list(
            Dispense.objects.filter(patient__clinic=self.clinic, voided_at__isnull=True).order_by(
                "pk"
            )
        )

    def step(self, step: tuple[Any, ...]) -> None:
        """One use case of `step`; a refusal is an answer too (nothing changes)."""
        kind, *args = step
        try:
            getattr(self, kind)(*args)
        except (DomainError, ValidationError):
            return
        DONE[kind] += 1

    def dispense(self, rx: int, lot: int, quantity: int) -> None:
        fields = {"quantity": quantity, "lot_number": LOTS[lot], "early_reason": "Travelling."}
        services.dispense(self.pharmacist, self.rxs[rx], read(DispenseSpec, fields))

    def void(self, which: int) -> None:
        open_ = self.dispenses()
        if open_:
            spec = read(VoidDispenseSpec, {"reason": "Wrong patient."})
            services.void_dispense(self.pharmacist, open_[which % len(open_)], spec)

    def correct(self, which: int, lot: int, quantity: int) -> None:
        open_ = self.dispenses()
        if open_:
            fields = {"quantity": quantity, "lot_number": LOTS[lot], "reason": "Miscounted."}
            spec = read(DispenseCorrectionSpec, fields | {"early_reason": "Travelling."})
            services.correct_dispense(self.pharmacist, open_[which % len(open_)], spec)

    def transfer(self, lot: int, quantity: int) -> None:
        spec = read(TransferSpec, TRANSFER | {"quantity": quantity})
        transfer_stock(self.pharmacist, self.lots[lot], spec)

    def loss(self, lot: int, quantity: int) -> None:
        spec = read(LossSpec, {"quantity": quantity, "what_happened": "Missing from the safe."})
        report_stock_lost(self.pharmacist, self.lots[lot], spec)

    def receipt(self, lot: int, quantity: int) -> None:
        self.receive(LOTS[lot], quantity)


# The use cases that went through, over every example (the property is not vacuous).
DONE: Counter[str] = Counter()
LOT = st.integers(0, len(LOTS) - 1)
UNITS = st.integers(1, 6)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("receipt"), LOT, UNITS),
        st.tuples(st.just("dispense"), st.integers(0, 1), LOT, st.integers(1, 4)),
        st.tuples(st.just("void"), st.integers(0, 10)),
        st.tuples(st.just("correct"), st.integers(0, 10), LOT, st.integers(1, 4)),
        st.tuples(st.just("transfer"), LOT, UNITS),
        st.tuples(st.just("loss"), LOT, UNITS),
    ),
    min_size=1,
    max_size=12,
)


EVERY_KIND = [
    ("receipt", 0, 4),
    ("dispense", 0, 0, 4),
    ("dispense", 1, 1, 3),
    ("correct", 0, 1, 2),
    ("void", 1),
    ("transfer", 0, 2),
    ("loss", 1, 1),
]


def test_every_sequence_of_use_cases_keeps_the_book_and_the_ledgers_consistent():
    # Each example has a clinic of its own: the database is not rolled back in between.
    @settings(
        settings.get_profile("ci"),
        deadline=None,
        max_examples=12,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(steps=STEPS)
    @example(steps=EVERY_KIND)
    def run(steps: list[tuple[Any, ...]]) -> None:
        shelf = Shelf()
        for step in steps:
            shelf.step(step)
        assert book_against_ledgers(shelf.clinic.pk) == []
        assert unlotted_dispenses(shelf.clinic.pk) == []
        assert all(lot.on_hand >= 0 for lot in Lot.objects.filter(clinic=shelf.clinic))

    DONE.clear()
    run()
    assert set(DONE) == {"receipt", "dispense", "void", "correct", "transfer", "loss"}, DONE


@pytest.fixture
def shelf() -> Shelf:
    return Shelf()


def test_a_shelf_that_moved_is_consistent_and_the_command_says_so(shelf):
    for step in [("dispense", 0, 0, 4), ("dispense", 1, 1, 3), ("void", 0), ("loss", 1, 1)]:
        shelf.step(step)
    assert Dispense.objects.filter(patient__clinic=shelf.clinic).count() == 2
    assert book_against_ledgers(shelf.clinic.pk) == []
    out = StringIO()
    call_command("stock", "check", "--clinic", str(shelf.clinic.pk), stdout=out)
    assert "consistent" in out.getvalue()


def _tamper(lot: Lot, actor: User, **fields: Any) -> StockMovement:
    """A movement written straight into the book, the lot's stock on hand left as it was."""
    return StockMovement.objects.create(
        clinic_id=lot.clinic_id,
        lot=lot,
        actor=actor,
        **({"kind": MovementKind.TRANSFERRED, "quantity": -2, "on_hand_after": 4} | fields),
    )


def test_a_movement_written_without_its_lot_is_found(shelf):
    lot = shelf.lots[0]
    _tamper(lot, shelf.pharmacist)
    [found] = book_against_ledgers(shelf.clinic.pk)
    assert (found.check, found.lot_id, found.expected, found.found) == ("lot_on_hand", lot.pk, 4, 6)
    out = StringIO()
    with pytest.raises(CommandError, match="INCONSISTENT: 1"):
        call_command("stock", "check", stdout=out)
    assert f"Lot {lot.pk}: its movements sum to 4.0, it holds 6.0." in out.getvalue()


def test_a_wrong_running_balance_is_found(shelf):
    lot = shelf.lots[0]
    moved = _tamper(lot, shelf.pharmacist, on_hand_after=5)
    checks = {(f.check, f.movement_id) for f in book_against_ledgers(shelf.clinic.pk)}
    assert ("running_sum", moved.pk) in checks


def test_units_the_book_gave_a_patient_without_a_dispense_are_found(shelf):
    lot, patient = shelf.lots[0], shelf.rxs[0].patient
    with transaction.atomic():
        from_lot = Lot.objects.select_for_update().get(pk=lot.pk)
        stock.draw(from_lot, Decimal(2), patient=patient, actor=shelf.pharmacist, note="Off-book")
    [found] = book_against_ledgers(shelf.clinic.pk)
    assert (found.check, found.patient_id, found.lot_id) == ("patient_book", patient.pk, lot.pk)
    assert (found.expected, found.found) == (0, 2)


def test_dispenses_from_before_the_lot_master_are_listed_apart(shelf):
    rx = shelf.rxs[0]
    with transaction.atomic():
        account = ledger.locked_account(rx.patient)
        event = ledger.post(
            account,
            kind=LedgerEventKind.DISPENSED,
            change=Decimal(8),
            actor=shelf.pharmacist,
            note="Before the lot master.",
        )
        Dispense.objects.create(
            patient=rx.patient,
            prescription=rx,
            fill_number=1,
            quantity=8,
            lot_number="OLD-7",
            expires_on=EXPIRES,
            ledger_event=event,
            dispensed_by=shelf.pharmacist,
        )
    assert book_against_ledgers(shelf.clinic.pk) == []
    assert unlotted_dispenses(shelf.clinic.pk) == [Unlotted(rx.patient.pk, 1, Decimal(8))]
    out = StringIO()
    call_command("stock", "check", stdout=out)
    assert "1 dispenses (8 units net of voids) from before the lot master" in out.getvalue()
