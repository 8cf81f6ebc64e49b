"""The inspector's records: each figure from the book and the records, in fixed queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketacare.accounts.models import Clinic, User
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.patients.models import ClinicProtocol, PatientReturns
from ketacare.pharmacy.models import MovementKind, Reconciliation, StockCount, StockDiscrepancy
from ketacare.reports.inspection import destructions, dispensing_log, inventory, loss
from ketacare.reports.inspection.destructions import NOT_CONFIRMED
from ketacare.reports.inspection.inventory import BusinessHours, InventoryKind
from ketacare.reports.inspection.render import document_html
from ketacare.treatment import services
from ketacare.treatment.models import Dispense, LedgerEvent, LedgerEventKind, Prescription
from ketacare.treatment.specs.dispensing import VoidDispenseSpec
from tests.factories import UserFactory
from tests.reports.inspection_helpers import (
    ADDRESS,
    DEA_NUMBER,
    destroyed,
    move,
    received,
    registered,
)
from tests.treatment.helpers import NOW, fill

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
ET = dt.timezone(dt.timedelta(hours=-5))  # New York in March before DST: the clinic's clock


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def witnesses(clinic: Clinic) -> tuple[User, User]:
    return (
        UserFactory(clinic=clinic, pharmacist=True, first_name="Wes", last_name="Witness"),
        UserFactory(clinic=clinic, prescriber=True, first_name="Wanda", last_name="Witness"),
    )


def test_the_inventory_as_of_a_past_moment_shows_the_stock_then(clinic, pharmacist):
    registered(clinic)
    a = received(clinic, "A-100", 1200, pharmacist, NOW - 10 * DAY)
    move(a, MovementKind.LOST_OR_STOLEN, -250, pharmacist, NOW - 2 * DAY, note="Broken vial")
    received(clinic, "B-200", 60, pharmacist, NOW - DAY)
    empty = received(clinic, "C-300", 5, pharmacist, NOW - 9 * DAY)
    move(empty, MovementKind.RETURNED_TO_SUPPLIER, -5, pharmacist, NOW - 8 * DAY)
    then = inventory.gather(pharmacist, moment=NOW - 5 * DAY, kind=InventoryKind.INITIAL)
    assert [(x.lot_number, x.on_hand) for x in then.lines] == [("A-100", Decimal(1200))]
    assert then.lines[0].on_hand_words == "1,200 troches"
    assert then.lines[0].count == "Exact count required"  # more than 1,000 units
    assert then.kind == "Initial inventory"
    now = inventory.gather(pharmacist, business_hours=BusinessHours.OPENING)
    assert [(x.lot_number, x.on_hand) for x in now.lines] == [
        ("A-100", Decimal(950)),
        ("B-200", Decimal(60)),
    ]
    assert now.lines[1].count == "Estimated count allowed"
    assert now.lines[0].strength_and_form == "50 mg troche, scored"
    assert now.business_hours == "Taken at the opening of business"
    assert (now.taken_by, now.as_of) == (pharmacist.display_name, "2025-03-03 18:00")


def test_the_header_names_the_registrant_and_the_returns_setting(clinic, pharmacist):
    registered(clinic)
    rec = inventory.gather(pharmacist)
    reg = rec.registrant
    assert (reg.name, reg.registration_number) == ("Clinic A", DEA_NUMBER)
    assert reg.address_lines == tuple(ADDRESS.splitlines())
    assert reg.returns.startswith("Patient returns not accepted")
    assert reg.law.inventory == "21 CFR 1304.11"
    ClinicProtocol.objects.create(
        clinic=clinic,
        version=1,
        reason="Registered as a collector.",
        written_by=pharmacist,
        patient_returns=PatientReturns.AUTHORISED_COLLECTOR,
    )
    html = document_html(inventory.gather(pharmacist))
    assert "accepted for destruction by an authorised collector" in html
    assert DEA_NUMBER in html
    assert "UTC" not in html


def test_an_unconfirmed_witness_says_not_confirmed(clinic, pharmacist, witnesses):
    lot = received(clinic, "D-1", 40, pharmacist, NOW - 20 * DAY)
    first = destroyed(
        lot, 10, pharmacist, witnesses, at=NOW - 3 * DAY, confirmed=(NOW - 3 * DAY, None)
    )
    destroyed(
        lot, 5, pharmacist, witnesses, at=NOW - 40 * DAY, confirmed=(None, None)
    )  # out of range
    rec = destructions.gather(pharmacist, first=dt.date(2025, 2, 20), last=dt.date(2025, 3, 3))
    (line,) = rec.lines
    assert line.number == first.pk
    assert (line.lot_number, line.quantity) == ("D-1", "10 troches")
    assert line.method == "Chemical digestion kit (non-retrievable)"
    assert line.witnesses[0].confirmed == "2025-02-28 18:00"
    assert line.witnesses[1].confirmed == NOT_CONFIRMED
    assert not line.complete
    assert "NOT CONFIRMED" in document_html(rec)


def test_one_destruction_of_another_clinic_is_not_found(
    clinic, pharmacist, witnesses, other_pharmacist
):
    lot = received(clinic, "D-2", 40, pharmacist, NOW - 20 * DAY)
    done = destroyed(lot, 10, pharmacist, witnesses, at=NOW - DAY, confirmed=(NOW, NOW))
    assert destructions.gather_one(pharmacist, done.pk).lines[0].complete
    with pytest.raises(NotFound):
        destructions.gather_one(other_pharmacist, done.pk)


def test_the_loss_report_draft_lists_every_lot_of_the_incident(clinic, pharmacist):
    registered(clinic)
    a = received(clinic, "L-1", 100, pharmacist, NOW - 9 * DAY)
    b = received(clinic, "L-2", 100, pharmacist, NOW - 9 * DAY)
    note = "Break-in overnight: the safe was forced."
    one = move(a, MovementKind.LOST_OR_STOLEN, -30, pharmacist, NOW, note=note, reference="PR-7")
    move(b, MovementKind.LOST_OR_STOLEN, -12, pharmacist, NOW, note=note, reference="PR-7")
    rec = loss.gather(pharmacist, one.pk)
    assert [(x.lot_number, x.quantity_words) for x in rec.lines] == [
        ("L-1", "30 troches"),
        ("L-2", "12 troches"),
    ]
    assert (rec.loss_type, rec.reference, rec.discovered_at) == (note, "PR-7", "2025-03-03 18:00")
    html = document_html(rec)
    assert "DRAFT: to be filed by the registrant through the DEA&#x27;s system" in html
    assert "not on this report" in html
    assert "21 CFR 1301.76(b)" in html


def test_only_a_loss_of_the_clinics_stock_drafts_a_report(clinic, pharmacist, other_pharmacist):
    lot = received(clinic, "L-3", 100, pharmacist, NOW - 9 * DAY)
    taken = move(lot, MovementKind.RETURNED_TO_SUPPLIER, -10, pharmacist, NOW)
    with pytest.raises(NotFound):
        loss.gather(pharmacist, taken.pk)
    lost = move(lot, MovementKind.LOST_OR_STOLEN, -1, pharmacist, NOW)
    with pytest.raises(NotFound):
        loss.gather(other_pharmacist, lost.pk)


def test_a_discrepancy_drafts_the_units_missing(clinic, pharmacist):
    lot = received(clinic, "L-4", 100, pharmacist, NOW - 9 * DAY)
    count = StockCount.objects.create(
        reconciliation=Reconciliation.objects.create(clinic=clinic, counted_by=pharmacist),
        lot=lot,
        expected=Decimal(100),
        counted=Decimal(94),
    )
    found = StockDiscrepancy.objects.create(
        clinic=clinic, lot=lot, count=count, expected=100, counted=94, found_by=pharmacist
    )
    rec = loss.gather_discrepancy(pharmacist, found.pk)
    assert rec.lines[0].quantity_words == "6 troches"
    assert rec.loss_type.startswith("Missing at a count")


def test_the_dispensing_log_shows_a_voided_dispense_as_voided(
    clinic, pharmacist, prescription: Prescription
):
    kept = fill(pharmacist, prescription, quantity=4)
    voided = fill(pharmacist, prescription, quantity=2)
    services.void_dispense(pharmacist, voided, VoidDispenseSpec(reason="Counted twice."))
    rec = dispensing_log.gather(pharmacist, first=dt.date(2025, 3, 3), last=dt.date(2025, 3, 3))
    by_number = {line.number: line for line in rec.lines}
    assert by_number[kept.pk].voided == ""
    assert by_number[voided.pk].voided.startswith("VOIDED 2025-03-03 18:00 by")
    assert by_number[voided.pk].voided.endswith("Counted twice.")
    line = by_number[kept.pk]
    assert (line.quantity, line.lot_number, line.prescription) == (
        "4 troches",
        "LOT-2025-01",
        f"Rx {prescription.pk}",
    )
    assert line.prescriber_dea_number == prescription.prescriber_dea_number != ""
    assert line.patient_address[0] == "12 Elm Street"
    assert line.dispensed_at == "2025-03-03 18:00"
    assert (
        dispensing_log.gather(pharmacist, first=dt.date(2025, 3, 4), last=dt.date(2025, 3, 5)).lines
        == ()
    )


def test_a_coordinator_may_not_read_the_records(coordinator):
    with pytest.raises(NotAllowed):
        inventory.gather(coordinator)


def _reads(fn, *args, **kwargs) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        fn(*args, **kwargs)
    return len([q for q in captured.captured_queries if "audit_" not in q["sql"]])


def _more_dispenses(dispense: Dispense, n: int) -> None:
    """`n` more one-troche parts of the dispense's fill, written straight into the tables."""
    last = dispense.prescription.dispenses.order_by("-part").first()
    assert last is not None
    for part in range(last.part + 1, last.part + 1 + n):
        event = LedgerEvent.objects.create(
            patient=dispense.patient,
            kind=LedgerEventKind.DISPENSED,
            quantity=1,
            balance_after=100,
            actor=dispense.dispensed_by,
        )
        Dispense.objects.create(
            patient=dispense.patient,
            prescription=dispense.prescription,
            fill_number=1,
            part=part,
            quantity=1,
            lot_number=dispense.lot_number,
            expires_on=dispense.expires_on,
            ledger_event=event,
            dispensed_by=dispense.dispensed_by,
        )


def test_each_record_reads_a_fixed_number_of_queries_at_3_and_30_rows(
    clinic, pharmacist, witnesses, stocked: Dispense
):
    day = {"first": dt.date(2025, 3, 1), "last": dt.date(2025, 3, 3)}

    def counts() -> tuple[int, int, int]:
        return (
            _reads(inventory.gather, pharmacist),
            _reads(destructions.gather, pharmacist, **day),
            _reads(dispensing_log.gather, pharmacist, **day),
        )

    def grow(lots: int, start: int) -> None:
        for i in range(start, start + lots):
            lot = received(clinic, f"Q-{i}", 50, pharmacist, NOW - 3 * DAY)
            destroyed(lot, 1, pharmacist, witnesses, at=NOW - DAY, confirmed=(NOW, None))

    grow(3, 0)
    _more_dispenses(stocked, 2)
    few = counts()
    grow(27, 3)
    _more_dispenses(stocked, 27)
    assert len(dispensing_log.gather(pharmacist, **day).lines) == 30
    assert counts() == few
    assert few[0] <= 4  # the clinic, its protocol, the roles, the lots
