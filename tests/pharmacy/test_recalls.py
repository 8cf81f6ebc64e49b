"""Recalls: a recalled lot raises a task per patient who still received units of it.

Units received are the net of the patient's dispenses from the lot and the dispenses
voided; a recalled lot is never dispensed from again; a call is recorded once.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from ketacare.audit.models import AuditEntry
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.kernel.specs import read
from ketacare.patients.models import Patient
from ketacare.pharmacy import stock
from ketacare.pharmacy.errors import LotNotDispensable, LotRecalledAlready, RecallTaskDone
from ketacare.pharmacy.models import RecallTask
from ketacare.pharmacy.queries.recalls import recipients
from ketacare.pharmacy.recalls import complete_recall_task, recall_lot
from ketacare.pharmacy.specs.recalls import RecallOutcomeSpec, RecallSpec
from ketacare.treatment import services
from ketacare.treatment.specs.dispensing import DispenseSpec, VoidDispenseSpec
from tests.factories import PatientFactory
from tests.pharmacy.recalling import (
    LOT,
    OUTCOME,
    RECALL,
    outcome,
    recall_spec,
    the_lot,
    treated,
    troches,
)
from tests.treatment.helpers import NOW, fill, plan_for, prescribe

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_a_recall_marks_the_lot_and_raises_a_task_per_patient_who_received_it(
    clinic, prescriber, pharmacist
):
    first, _ = treated(clinic, prescriber, pharmacist)
    second, _ = treated(clinic, prescriber, pharmacist, quantity=6)
    treated(clinic, prescriber, pharmacist, lot_number="LOT-OTHER")  # another lot: no task
    entries = AuditEntry.objects.count()
    lot = recall_lot(pharmacist, the_lot(clinic), recall_spec())
    lot.refresh_from_db()
    assert lot.is_recalled
    assert lot.recalled_at == NOW
    assert lot.recalled_by == pharmacist
    assert (lot.recall_reason, lot.recall_reference) == (RECALL["reason"], RECALL["reference"])
    tasks = {t.patient_id: t for t in RecallTask.objects.filter(lot=lot)}
    assert set(tasks) == {first.pk, second.pk}
    assert tasks[first.pk].units_received == 8
    assert tasks[second.pk].units_received == 6
    assert all(not t.is_done and t.clinic_id == clinic.pk for t in tasks.values())
    # One audit entry: the lot, and how many tasks were raised.
    assert AuditEntry.objects.count() == entries + 1
    entry = AuditEntry.objects.latest("seq")
    assert (entry.object_type, entry.object_id) == ("pharmacy.Lot", str(lot.pk))
    assert entry.detail["tasks"] == 2
    assert entry.detail["lot_number"] == LOT


def test_a_dispense_voided_is_no_receipt_and_a_part_returned_counts_net(
    clinic, prescriber, pharmacist
):
    voided, dispense = treated(clinic, prescriber, pharmacist)
    services.void_dispense(pharmacist, dispense, VoidDispenseSpec(reason="Wrong patient"))
    kept, _ = treated(clinic, prescriber, pharmacist)
    # Units of the lot drawn, and some of them put back (a correction of fewer units).
    part, _ = treated(clinic, prescriber, pharmacist, lot_number="LOT-PART")
    lot = the_lot(clinic)
    locked = stock.locked_lot(lot.pk)
    stock.draw(locked, Decimal(5), patient=part, actor=pharmacist, note="test")
    stock.put_back(locked, Decimal("1.5"), patient=part, actor=pharmacist, note="test")
    assert {r.patient_id: r.units for r in recipients(lot)} == {
        kept.pk: Decimal(8),
        part.pk: Decimal("3.5"),
    }
    recall_lot(pharmacist, lot, recall_spec())
    tasks = RecallTask.objects.filter(lot=lot)
    assert {t.patient_id: t.units_received for t in tasks} == {
        kept.pk: Decimal(8),
        part.pk: Decimal("3.5"),
    }
    assert not tasks.filter(patient=voided).exists()


def test_the_recipients_read_their_first_and_last_dispense(clinic, prescriber, pharmacist, clock):
    patient, _ = treated(clinic, prescriber, pharmacist)
    lot = the_lot(clinic)
    later = NOW.replace(day=10)
    clock.move_to(later)
    stock.draw(stock.locked_lot(lot.pk), Decimal(2), patient=patient, actor=pharmacist, note="")
    [received] = recipients(lot)
    assert received.units == 10
    assert (received.first_dispensed_at, received.last_dispensed_at) == (NOW, later)


def test_a_lot_nobody_received_is_recalled_with_no_task(clinic, pharmacist):
    lot = troches(clinic, "LOT-UNUSED")
    recall_lot(pharmacist, lot, recall_spec())
    assert not RecallTask.objects.exists()
    assert AuditEntry.objects.latest("seq").detail["tasks"] == 0


def test_a_lot_recalled_already_is_refused_and_nothing_changes(clinic, prescriber, pharmacist):
    treated(clinic, prescriber, pharmacist)
    lot = recall_lot(pharmacist, the_lot(clinic), recall_spec())
    entries = AuditEntry.objects.count()
    with pytest.raises(LotRecalledAlready) as refused:
        recall_lot(prescriber, lot, recall_spec(reason="Again", reference="OTHER-1"))
    assert refused.value.code == "lot_recalled_already"
    assert "recalled on 3 March 2025" in refused.value.message  # the clinic's day, not UTC's
    lot.refresh_from_db()
    assert (lot.recall_reference, lot.recalled_by) == (RECALL["reference"], pharmacist)
    assert RecallTask.objects.count() == 1
    assert AuditEntry.objects.count() == entries


def test_only_pharmacists_and_prescribers_recall_a_lot(clinic, coordinator, clinician):
    lot = troches(clinic)
    for user in (coordinator, clinician):
        with pytest.raises(NotAllowed):
            recall_lot(user, lot, recall_spec())
    lot.refresh_from_db()
    assert not lot.is_recalled


def test_another_clinics_lot_is_not_found(clinic, other_pharmacist):
    lot = troches(clinic)
    with pytest.raises(NotFound):
        recall_lot(other_pharmacist, lot, recall_spec())
    lot.refresh_from_db()
    assert not lot.is_recalled


def test_a_recalled_lot_cannot_be_dispensed(clinic, prescriber, pharmacist):
    patient: Patient = PatientFactory(clinic=clinic, with_account=True, phase="approved")
    plan_for(prescriber, patient)
    fill(pharmacist, prescribe(prescriber, patient, quantity=2, refills=0), quantity=2)
    recall_lot(pharmacist, the_lot(clinic), recall_spec())
    rx = prescribe(prescriber, patient, quantity=2, refills=0)
    with pytest.raises(LotNotDispensable) as refused:
        services.dispense(pharmacist, rx, read(DispenseSpec, {"quantity": 2, "lot_number": LOT}))
    assert refused.value.code == "lot_not_dispensable"
    assert "recalled" in refused.value.message


def test_a_call_is_recorded_once_with_its_outcome(clinic, prescriber, pharmacist, coordinator):
    treated(clinic, prescriber, pharmacist)
    lot = recall_lot(pharmacist, the_lot(clinic), recall_spec())
    task = RecallTask.objects.get(lot=lot)
    entries = AuditEntry.objects.count()
    done = complete_recall_task(coordinator, task, outcome())
    assert (done.done_by, done.done_at, done.outcome) == (coordinator, NOW, OUTCOME)
    assert AuditEntry.objects.count() == entries + 1
    entry = AuditEntry.objects.latest("seq")
    assert (entry.object_type, entry.patient_id) == ("pharmacy.RecallTask", task.patient_id)
    with pytest.raises(RecallTaskDone) as refused:
        complete_recall_task(pharmacist, task, outcome("Called again."))
    assert refused.value.code == "recall_task_done"
    task.refresh_from_db()
    assert (task.done_by, task.outcome) == (coordinator, OUTCOME)


def test_a_call_is_recorded_by_the_clinics_staff_only(
    clinic, prescriber, pharmacist, clinic_admin, outsider
):
    patient, _ = treated(clinic, prescriber, pharmacist)
    lot = recall_lot(pharmacist, the_lot(clinic), recall_spec())
    task = RecallTask.objects.get(lot=lot)
    for user in (patient.user, clinic_admin):
        with pytest.raises(NotAllowed):
            complete_recall_task(user, task, outcome())
    with pytest.raises(NotFound):
        complete_recall_task(outsider, task, outcome())
    task.refresh_from_db()
    assert not task.is_done


@pytest.mark.parametrize(
    ("spec", "data", "field"),
    [
        (RecallSpec, {"reason": " ", "reference": "FDA-1"}, "reason"),
        (RecallSpec, {"reason": "Sub-potent", "reference": ""}, "reference"),
        (RecallSpec, {"reason": "Sub-potent", "reference": "X" * 101}, "reference"),
        (RecallOutcomeSpec, {"outcome": "  "}, "outcome"),
    ],
)
def test_the_commands_name_what_is_missing(spec, data, field):
    with pytest.raises(ValidationError) as refused:
        read(spec, data)
    assert set(refused.value.message_dict) == {field}
