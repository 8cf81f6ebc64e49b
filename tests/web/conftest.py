"""Fixtures for the web and admin tests: the people of the ownership pattern.

Clinic A holds the patient; Alice and Bob are its clinicians, Charlie a clinician of
clinic B. Besides them: another patient of clinic A, a sitter of the patient, a
pharmacist, an administrator of clinic B and the platform superuser.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ketacare.accounts.models import Clinic, User
from ketacare.patients.models import Patient, Sitter
from tests.factories import PatientFactory, SitterFactory, UserFactory

# The actors of the ownership pattern, by the name the tests use for them.
ACTORS = ("alice", "bob", "charlie", "patient_self", "other_patient", "sitter", "anonymous")


@pytest.fixture(autouse=True)
def _db(db: Any) -> None:
    """Every test here touches the database."""


@pytest.fixture
def other_patient(clinic: Clinic) -> Patient:
    return PatientFactory(clinic=clinic, with_account=True, legal_name="Olive Otherpatient")


@pytest.fixture
def sitter(clinic: Clinic, patient: Patient) -> Sitter:
    return SitterFactory(clinic=clinic, patients=[patient], name="Robin Sitter")


@pytest.fixture
def other_admin(other_clinic: Clinic) -> User:
    """Dora: the administrator of clinic B."""
    return UserFactory(clinic=other_clinic, clinic_admin=True, username="dora")


@pytest.fixture
def superuser() -> User:
    return UserFactory(clinic=None, is_superuser=True, is_staff=True, username="root")


@pytest.fixture
def actors(request: pytest.FixtureRequest) -> dict[str, User | None]:
    get = request.getfixturevalue
    return {
        "alice": get("clinician"),
        "bob": get("colleague"),
        "charlie": get("outsider"),
        "patient_self": get("patient").user,
        "other_patient": get("other_patient").user,
        "sitter": get("sitter").user,
        "anonymous": None,
    }


@pytest.fixture
def as_actor(client: Client, actors: dict[str, User | None]):
    """`as_actor("bob")` signs the test client in as Bob (or out, for "anonymous")."""

    def sign_in(name: str) -> Client:
        user = actors[name]
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in
