"""The patient forms' people and clock: the patient of clinic A signs in as themself.

The clock is frozen at Monday 10 March 2025, 15:00 UTC (the intake tests' NOW).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import time_machine
from django.test import Client

from ketacare.patients.models import ConsentDocument, Patient
from tests.factories import ConsentDocumentFactory, ConsentFactory
from tests.web.forms.helpers import NOW


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def me(client: Client, patient: Patient) -> Client:
    """The test client, signed in as the patient."""
    assert patient.user is not None
    client.force_login(patient.user)
    return client


@pytest.fixture
def sign_in(client: Client) -> Callable[[object], Client]:
    def as_user(user: object) -> Client:
        client.logout()
        if user is not None:
            client.force_login(user)  # type: ignore[arg-type]
        return client

    return as_user


@pytest.fixture
def consent_document(patient: Patient) -> ConsentDocument:
    return ConsentDocumentFactory(clinic=patient.clinic)


@pytest.fixture
def signed(patient: Patient, consent_document: ConsentDocument) -> object:
    return ConsentFactory(patient=patient, document=consent_document)
