"""Recalls over the API: who received a lot, recall it, the tasks and their calls.

The roles of kernel.policy decide (403 before anything is read); another clinic's lot or
task is a 404 and nothing is stored; a recalled lot is refused at dispensing (409).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from ketacare.pharmacy.models import Lot, RecallTask
from tests.factories import PatientFactory, SitterFactory
from tests.pharmacy.recalling import LOT, OUTCOME, RECALL, the_lot, treated
from tests.treatment.helpers import NOW, fill, plan_for, prescribe


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def lot(clinic, prescriber, pharmacist) -> Lot:
    """LOT, of which two patients received 8 troches; the first has a sitter."""
    first, _ = treated(clinic, prescriber, pharmacist)
    SitterFactory(clinic=clinic, patients=[first], name="Sam Sitter", phone="+1 555 222 3333")
    treated(clinic, prescriber, pharmacist)
    return the_lot(clinic)


def _stored() -> tuple[Any, ...]:
    lots = tuple(Lot.objects.values_list("pk", "recalled_at", "recall_reference"))
    tasks = tuple(RecallTask.objects.values_list("pk", "done_at", "outcome"))
    return lots, tasks


def test_who_received_a_lot(lot, pharmacist, as_user):
    response = as_user(pharmacist).get(f"stock/lots/{lot.pk}/recipients")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["lot"]["lot_number"] == LOT
    assert body["lot"]["recalled_at"] is None
    rows = body["recipients"]
    assert len(rows) == 2
    for row in rows:
        assert float(row["units_received"]) == 8
        assert float(row["balance"]) == 8
        assert row["balance_unit"] == "tablets"
        assert row["phone"]
        assert row["address"] == ["12 Elm Street", "Springfield, IL 62701"]
        assert row["task"] is None
    sitters = [s for row in rows for s in row["sitters"]]
    assert sitters == [{"name": "Sam Sitter", "phone": "+1 555 222 3333"}]


def test_recall_a_lot_then_record_a_call(lot, pharmacist, coordinator, as_user):
    recalled = as_user(pharmacist).post(f"stock/lots/{lot.pk}/recall", RECALL)
    assert recalled.status_code == 200, recalled.json()
    assert recalled.json()["recall_reference"] == RECALL["reference"]
    assert recalled.json()["open_tasks"] == 2
    again = as_user(pharmacist).post(f"stock/lots/{lot.pk}/recall", RECALL)
    assert again.status_code == 409
    assert again.json()["code"] == "lot_recalled_already"
    caller = as_user(coordinator)
    open_tasks = caller.get("stock/recall-tasks", query={"open": "1"}).json()
    assert len(open_tasks) == 2
    task_id = open_tasks[0]["id"]
    done = caller.post(f"stock/recall-tasks/{task_id}/done", {"outcome": OUTCOME})
    assert done.status_code == 200, done.json()
    assert (done.json()["done"], done.json()["outcome"]) == (True, OUTCOME)
    twice = caller.post(f"stock/recall-tasks/{task_id}/done", {"outcome": "Again."})
    assert twice.status_code == 409
    assert twice.json()["code"] == "recall_task_done"
    assert [t["id"] for t in caller.get("stock/recall-tasks", query={"open": "1"}).json()] == [
        open_tasks[1]["id"]
    ]
    assert len(caller.get("stock/recall-tasks").json()) == 2
    rows = caller.get(f"stock/lots/{lot.pk}/recipients").json()["recipients"]
    assert sorted(row["task"]["done"] for row in rows) == [False, True]


def test_bad_bodies_name_the_field(lot, pharmacist, as_user):
    response = as_user(pharmacist).post(f"stock/lots/{lot.pk}/recall", {"reason": "Recalled."})
    assert response.status_code == 422
    assert "reference" in str(response.json())
    assert _stored()[0][0][1] is None


def test_the_roles_decide(lot, pharmacist, coordinator, clinic_admin, as_user):
    patient = PatientFactory(clinic=lot.clinic, with_account=True)
    before = _stored()
    assert as_user(coordinator).post(f"stock/lots/{lot.pk}/recall", RECALL).status_code == 403
    for user in (clinic_admin, patient.user):
        assert as_user(user).get(f"stock/lots/{lot.pk}/recipients").status_code == 403
        assert as_user(user).get("stock/recall-tasks").status_code == 403
    assert _stored() == before
    as_user(pharmacist).post(f"stock/lots/{lot.pk}/recall", RECALL)
    task = RecallTask.objects.first()
    assert task is not None
    for user in (clinic_admin, task.patient.user):
        refused = as_user(user).post(f"stock/recall-tasks/{task.pk}/done", {"outcome": OUTCOME})
        assert refused.status_code == 403, user
    assert as_user(None).get(f"stock/lots/{lot.pk}/recipients").status_code == 401


def test_another_clinics_lot_and_task_are_not_found(
    lot, pharmacist, outsider, other_pharmacist, as_user
):
    as_user(pharmacist).post(f"stock/lots/{lot.pk}/recall", RECALL)
    task = RecallTask.objects.first()
    assert task is not None
    before = _stored()
    charlie, other = as_user(outsider), as_user(other_pharmacist)
    for response in (
        charlie.get(f"stock/lots/{lot.pk}/recipients"),
        other.get(f"stock/lots/{lot.pk}/recipients"),
        other.post(f"stock/lots/{lot.pk}/recall", RECALL),
        charlie.post(f"stock/recall-tasks/{task.pk}/done", {"outcome": OUTCOME}),
    ):
        assert response.status_code == 404, response.json()
        assert response.json()["code"] == "not_found"
    assert charlie.get("stock/recall-tasks").json() == []
    assert _stored() == before


def test_a_recalled_lot_is_refused_at_dispensing(clinic, prescriber, pharmacist, as_user):
    patient = PatientFactory(clinic=clinic, with_account=True, phase="approved")
    plan_for(prescriber, patient)
    fill(pharmacist, prescribe(prescriber, patient, quantity=2, refills=0), quantity=2)
    client = as_user(pharmacist)
    assert client.post(f"stock/lots/{the_lot(clinic).pk}/recall", RECALL).status_code == 200
    rx = prescribe(prescriber, patient, quantity=2, refills=0)
    response = client.post(
        f"patients/{patient.pk}/prescriptions/{rx.pk}/dispenses",
        {"quantity": 2, "lot_number": LOT},
    )
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "lot_not_dispensable"
