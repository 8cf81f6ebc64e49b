"""Who received lot X: each patient with their units, balance, contacts and recall task.

Scoped to the actor's clinic, for the roles who call patients, audited once, and read in
a fixed number of queries whatever the number of patients.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.pharmacy import stock
from ketacare.pharmacy.models import RecallTask
from ketacare.pharmacy.recalls import complete_recall_task, recall_lot
from ketacare.treatment.models import LedgerAccount
from ketacare.treatment.recall_lookup import who_received
from tests.factories import SitterFactory
from tests.pharmacy.recalling import LOT, handed, outcome, recall_spec, the_lot, treated, troches
from tests.treatment.helpers import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_each_patient_who_received_the_lot_with_what_it_takes_to_call_them(
    clinic, prescriber, pharmacist, coordinator
):
    zed, _ = treated(clinic, prescriber, pharmacist)
    amy, _ = treated(clinic, prescriber, pharmacist, quantity=6)
    for patient, name in ((zed, "Zed Zimmer"), (amy, "Amy Adams")):
        patient.legal_name = name
        patient.save(update_fields=["legal_name"])
    SitterFactory(clinic=clinic, patients=[amy], name="Sam Sitter", phone="+1 555 222 3333")
    # What Amy holds now: the ledger, of any lot (she took two troches since).
    LedgerAccount.objects.filter(patient=amy).update(balance=Decimal(4))
    found = who_received(coordinator, lot_number=f" {LOT} ", via="test")
    assert found.lot == the_lot(clinic)
    assert [r.patient for r in found.recipients] == [amy, zed]  # by name
    first = found.recipients[0]
    assert (first.units_received, first.balance, first.balance_unit) == (6, 4, "tablets")
    assert first.first_dispensed_at == first.last_dispensed_at == NOW
    assert first.patient.phone == amy.phone
    assert first.patient.email == amy.email
    assert first.address == ["12 Elm Street", "Springfield, IL 62701"]
    assert [(s.name, s.phone) for s in first.sitters] == [("Sam Sitter", "+1 555 222 3333")]
    assert first.task is None  # not recalled yet
    assert found.open_tasks == 0


def test_the_recall_tasks_and_their_state_are_read_with_the_lot(
    clinic, prescriber, pharmacist, coordinator
):
    one, _ = treated(clinic, prescriber, pharmacist)
    treated(clinic, prescriber, pharmacist)
    lot = recall_lot(pharmacist, the_lot(clinic), recall_spec())
    complete_recall_task(coordinator, RecallTask.objects.get(patient=one), outcome())
    found = who_received(pharmacist, lot_id=lot.pk, via="test")
    states = {r.patient.pk: r.task.is_done for r in found.recipients if r.task is not None}
    assert len(states) == 2
    assert states[one.pk] is True
    assert found.open_tasks == 1


def test_a_dispense_voided_lists_no_one(clinic, pharmacist, coordinator):
    lot = troches(clinic, "LOT-V")
    patient = handed(lot, pharmacist, 4)
    stock.put_back(lot, Decimal(4), patient=patient, actor=pharmacist, note="voided")
    assert who_received(coordinator, lot_id=lot.pk, via="test").recipients == []


def test_another_clinics_lot_is_not_found(clinic, other_clinic, pharmacist, outsider):
    lot = troches(clinic, "LOT-A")
    troches(other_clinic, "LOT-B")
    for asked in ({"lot_id": lot.pk}, {"lot_number": "LOT-A"}, {"lot_number": "NOPE"}):
        with pytest.raises(NotFound):
            who_received(outsider, via="test", **asked)
    # The same number at another clinic is that clinic's own lot.
    mine = troches(other_clinic, "LOT-A")
    assert who_received(outsider, lot_number="LOT-A", via="test").lot == mine


def test_only_the_people_who_call_patients_look_up_recipients(
    clinic, pharmacist, clinic_admin, patient
):
    lot = troches(clinic)
    handed(lot, pharmacist)
    for user in (clinic_admin, patient.user):
        with pytest.raises(NotAllowed):
            who_received(user, lot_id=lot.pk, via="test")


def test_the_lookup_is_audited_once_with_the_patients_ids(clinic, pharmacist, coordinator):
    lot = troches(clinic)
    ids = sorted(handed(lot, pharmacist).pk for _ in range(2))
    entries = AuditEntry.objects.count()
    who_received(coordinator, lot_id=lot.pk, via="test")
    assert AuditEntry.objects.count() == entries + 1
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == AuditAction.LIST
    assert sorted(entry.detail["ids"]) == ids
    assert entry.detail["recipients_of_lot"] == lot.pk


def _queries(user, lot) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        found = who_received(user, lot_id=lot.pk, via="test")
        # Everything a face shows of a row is read already.
        for row in found.recipients:
            _ = (row.patient.phone, row.address, [s.name for s in row.sitters], row.balance)
            _ = row.task.is_done if row.task is not None else None
    return len(captured.captured_queries)


def test_the_lookup_reads_as_many_queries_for_3_patients_as_for_30(clinic, pharmacist):
    few, many = troches(clinic, "LOT-FEW"), troches(clinic, "LOT-MANY")
    for _ in range(3):
        handed(few, pharmacist, sitters=2)
    for _ in range(30):
        handed(many, pharmacist, sitters=2)
    for lot in (few, many):
        recall_lot(pharmacist, lot, recall_spec())
    assert len(who_received(pharmacist, lot_id=many.pk, via="test").recipients) == 30
    assert _queries(pharmacist, few) == _queries(pharmacist, many)
