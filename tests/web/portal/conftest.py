"""The portal's people: an approved patient with a plan and stock, their sitter Robin.

The clock is frozen at Monday 3 March 2025, 18:00 in New York (the factories' patient
zone), the time of the first session of the plan's schedule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client

from ketacare.accounts.models import Clinic, User
from ketacare.patients.models import Patient, Sitter
from ketacare.patients.phases import Phase
from ketacare.treatment.models import Dispense, TreatmentPlan
from tests.factories import PatientFactory, SitterFactory
from tests.treatment.helpers import NOW, fill, plan_for, prescribe


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def approved(clinic: Clinic) -> Patient:
    return PatientFactory(
        clinic=clinic, with_account=True, phase=Phase.APPROVED.value, legal_name="Pat Approved"
    )


@pytest.fixture
def plan(prescriber: User, approved: Patient) -> TreatmentPlan:
    return plan_for(prescriber, approved)


@pytest.fixture
def stocked(prescriber: User, pharmacist: User, approved: Patient, plan: TreatmentPlan) -> Dispense:
    """8 troches of 50 mg at home; the plan's dose is 100 mg, 2 troches."""
    return fill(pharmacist, prescribe(prescriber, approved))


@pytest.fixture
def robin(clinic: Clinic, approved: Patient) -> Sitter:
    return SitterFactory(clinic=clinic, patients=[approved], name="Robin Sitter")


@pytest.fixture
def stranger_sitter(clinic: Clinic, other_patient: Patient) -> Sitter:
    """Sam sits for another patient, not for Pat."""
    return SitterFactory(clinic=clinic, patients=[other_patient], name="Sam Stranger")


@pytest.fixture
def signed_in(client: Client) -> Callable[[Any], Client]:
    def sign_in(user: Any) -> Client:
        client.logout()
        client.force_login(user)
        return client

    return sign_in
