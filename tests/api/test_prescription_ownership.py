"""Ownership of the prescription and dispense endpoints, on a world without doses.

tests/api/test_ownership.py holds every endpoint in its table and checks the table
against the OpenAPI document; its world also doses the patient. These rows (plans,
prescriptions, dispenses, the ledger) are checked here the same way, by the same
callers, on a patient with a plan, a prescription and a dispense only: a 404 and
nothing stored for another clinic, another patient and their sitter, a 401 without
sign-in, and never a 404 for the clinic's own clinicians.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from ketacare.patients.models import Patient
from tests.api.test_ownership import (
    ENDPOINTS,
    NESTED,
    callers,  # noqa: F401 - the fixture of the same callers, used by the tests below
)
from tests.api.test_ownership import (
    test_an_object_of_another_patient_is_a_404_under_this_one as nested_is_a_404,
)
from tests.api.test_ownership import test_it_validates_ownership as validates_ownership
from tests.factories import UserFactory
from tests.treatment.helpers import NOW, fill, plan_for, prescribe

TREATMENT = ("{p}/plans", "{p}/prescriptions", "{p}/dispenses", "{p}/ledger")
RX_ENDPOINTS = [e for e in ENDPOINTS if e[1].startswith(TREATMENT)]
RX_NESTED = [e for e in NESTED if e[1].startswith(TREATMENT)]


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        yield


@pytest.fixture
def rx_world(clinic, patient: Patient) -> dict[str, Any]:
    with time_machine.travel(NOW, tick=False):
        Patient.objects.filter(pk=patient.pk).update(phase="approved")
        patient.refresh_from_db()
        prescriber = UserFactory(clinic=clinic, prescriber=True)
        pharmacist = UserFactory(clinic=clinic, pharmacist=True)
        plan = plan_for(prescriber, patient)
        rx = prescribe(prescriber, patient)
        dispense = fill(pharmacist, rx)
    return {"p": patient.pk, "plan": plan.pk, "rx": rx.pk, "dispense": dispense.pk}


def test_the_table_holds_the_new_endpoints():
    paths = {(m, p) for m, p, _ in RX_ENDPOINTS}
    assert {
        ("POST", "{p}/prescriptions/{rx}/cosign"),
        ("POST", "{p}/prescriptions/{rx}/void"),
        ("POST", "{p}/prescriptions/{rx}/corrections"),
        ("POST", "{p}/dispenses/{dispense}/void"),
        ("POST", "{p}/dispenses/{dispense}/corrections"),
    } <= paths


@pytest.mark.parametrize(
    ("method", "path", "body"), RX_ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in RX_ENDPOINTS]
)
def test_it_validates_ownership(rx_world, callers, method, path, body):  # noqa: F811 - the fixture
    validates_ownership(rx_world, callers, method, path, body)


@pytest.mark.parametrize(
    ("method", "path", "body"), RX_NESTED, ids=[f"{m} {p}" for m, p, _ in RX_NESTED]
)
def test_an_object_of_another_patient_is_a_404_under_this_one(
    rx_world,
    callers,  # noqa: F811 - the fixture
    method,
    path,
    body,
):
    nested_is_a_404(rx_world, callers, method, path, body)
