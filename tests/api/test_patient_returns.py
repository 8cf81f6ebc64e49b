"""Issue 17: a return or destruction on a patient's ledger is a 409 where the law forbids it.

Only an authorised collector takes back a patient's controlled substances (21 CFR
1317.30): the clinic's protocol says whether it is one (not, by default).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from ketacare.treatment.models import LedgerEvent
from tests.treatment.helpers import NOW, accept_returns, fill, plan_for, prescribe

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def events(approved, prescriber, pharmacist, as_user):  # type: ignore[no-untyped-def]
    plan_for(prescriber, approved)
    fill(pharmacist, prescribe(prescriber, approved))
    client = as_user(pharmacist)
    return lambda body: client.post(f"patients/{approved.pk}/ledger/events", body)


def test_a_return_is_a_409_naming_the_way_instead(events):
    response = events({"kind": "returned", "quantity": 2})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "returns_not_accepted"
    assert "21 CFR 1317.30" in body["message"]
    assert "take-back" in body["message"]
    assert LedgerEvent.objects.count() == 1  # the dispense only


def test_a_destruction_is_a_409_too(events, prescriber):
    response = events({"kind": "destroyed", "quantity": 2, "witness_id": prescriber.pk})
    assert response.status_code == 409
    assert response.json()["code"] == "returns_not_accepted"


def test_an_authorised_collector_records_the_return(events, clinic):
    accept_returns(clinic)
    response = events({"kind": "returned", "quantity": 2})
    assert response.status_code == 201, response.json()
    assert response.json()["balance_after"] == 6
