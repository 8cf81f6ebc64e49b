"""A lot recalled while pharmacists dispense from it, on PostgreSQL: no recipient is missed.

A prescriber recalls the lot at the same moment as 5 pharmacists dispense from it to 5
patients (threads released together, each on its own connection). The recall and each
dispense lock the lot: a dispense that goes first is read by the recall (its patient gets
a task); one that comes after reads the recall and is refused `lot_not_dispensable`. So
the tasks name exactly the patients whose dispense went through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import time_machine
from django.db import connection

from ketacare.audit.log import verify
from ketacare.kernel.specs import read
from ketacare.patients.phases import Phase
from ketacare.pharmacy.models import RecallTask
from ketacare.pharmacy.queries.recalls import recipients
from ketacare.pharmacy.recalls import recall_lot
from ketacare.treatment import services
from ketacare.treatment.models import Dispense, Prescription
from ketacare.treatment.specs.dispensing import DispenseSpec
from tests.concurrency.test_lot_draws import at_once
from tests.factories import PatientFactory, UserFactory
from tests.pharmacy.recalling import recall_spec, troches
from tests.treatment.helpers import NOW, plan_for, prescribe

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PHARMACISTS = 5


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_recall_during_dispenses_raises_a_task_for_each_dispense_that_went_through(clinic):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer anyway")
    prescriber = UserFactory(clinic=clinic, prescriber=True)
    people = [UserFactory(clinic=clinic, pharmacist=True) for _ in range(PHARMACISTS)]
    lot = troches(clinic, "LOT-RACE")
    rxs: list[Prescription] = []
    for _ in people:
        patient = PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED.value)
        plan_for(prescriber, patient)
        rxs.append(prescribe(prescriber, patient))
    spec = read(DispenseSpec, {"quantity": 4, "lot_number": lot.lot_number})

    def dispense(who: int) -> Callable[[], object]:
        return lambda: services.dispense(people[who], rxs[who], spec)

    calls = [lambda: recall_lot(prescriber, lot, recall_spec())]
    results = at_once(calls + [dispense(i) for i in range(PHARMACISTS)])
    lot.refresh_from_db()
    assert lot.is_recalled
    dispensed = [r for r in results[1:] if isinstance(r, Dispense)]
    refused = [r for r in results[1:] if not isinstance(r, Dispense)]
    assert all(getattr(r, "code", None) == "lot_not_dispensable" for r in refused), refused
    tasked = {t.patient_id: t.units_received for t in RecallTask.objects.filter(lot=lot)}
    assert tasked == {d.patient_id: 4 for d in dispensed}
    assert tasked == {r.patient_id: r.units for r in recipients(lot)}
    assert verify().ok
