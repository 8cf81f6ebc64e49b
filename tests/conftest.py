from __future__ import annotations

import os

import pytest
from django.db import connection
from hypothesis import settings

from ketacare.accounts.models import Clinic, User
from tests.factories import ClinicFactory, PatientFactory, UserFactory

# CI runs on a busy 2-core machine: a property test that is slow there is not wrong, so
# CI gives hypothesis no wall-clock deadline (one flaked with DeadlineExceeded).
settings.register_profile("ci", deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def clinic() -> Clinic:
    return ClinicFactory(name="Clinic A")


@pytest.fixture
def other_clinic() -> Clinic:
    return ClinicFactory(name="Clinic B")


@pytest.fixture
def clinician(clinic: Clinic) -> User:
    return UserFactory(clinic=clinic, clinician=True, username="alice")


@pytest.fixture
def colleague(clinic: Clinic) -> User:
    """Bob: another clinician of the same clinic."""
    return UserFactory(clinic=clinic, clinician=True, username="bob")


@pytest.fixture
def outsider(other_clinic: Clinic) -> User:
    """Charlie: a clinician of another clinic, who must see nothing of clinic A."""
    return UserFactory(clinic=other_clinic, clinician=True, username="charlie")


@pytest.fixture
def coordinator(clinic: Clinic) -> User:
    return UserFactory(clinic=clinic, coordinator=True, username="cora")


@pytest.fixture
def prescriber(clinic: Clinic) -> User:
    return UserFactory(clinic=clinic, prescriber=True, username="priya")


@pytest.fixture
def pharmacist(clinic: Clinic) -> User:
    return UserFactory(clinic=clinic, pharmacist=True, username="phil")


@pytest.fixture
def clinic_admin(clinic: Clinic) -> User:
    return UserFactory(clinic=clinic, clinic_admin=True, username="adam")


@pytest.fixture
def patient(clinic: Clinic):  # type: ignore[no-untyped-def]
    return PatientFactory(clinic=clinic, with_account=True)


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


@pytest.fixture
def other_prescriber(other_clinic: Clinic) -> User:
    return UserFactory(clinic=other_clinic, prescriber=True, username="otto")


@pytest.fixture
def other_pharmacist(other_clinic: Clinic) -> User:
    return UserFactory(clinic=other_clinic, pharmacist=True, username="opal")
