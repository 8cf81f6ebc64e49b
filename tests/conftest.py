from __future__ import annotations

import os

import pytest
from django.db import connection
from django.test import Client, override_settings
from hypothesis import settings

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import OnCallRoster, OnCallShift
from ketacare.alerts.sms import MemorySmsBackend
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment.models import Dispense, Prescription, TreatmentPlan
from tests.factories import ClinicFactory, PatientFactory, UserFactory
from tests.mfa import pass_second_factor
from tests.treatment.helpers import fill, plan_for, prescribe

# CI runs on a busy 2-core machine: a property test that is slow there is not wrong, so
# CI gives hypothesis no wall-clock deadline (one flaked with DeadlineExceeded). CI runs
# its SQLite and PostgreSQL passes side by side: no example database shared between them.
settings.register_profile("ci", deadline=None, print_blob=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _force_login_gives_the_second_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    """`client.force_login(user)` stands for a whole sign-in: password and second factor.

    Staff must give a second factor (accounts.mfa) before any page; the tests of that
    rule sign in through the pages themselves (tests/web/test_signin.py).
    """
    plain = Client.force_login

    def force_login(self: Client, user: User, backend: str | None = None) -> None:
        plain(self, user, backend)
        pass_second_factor(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


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
def approved(clinic: Clinic) -> Patient:
    """A patient approved for treatment, with their own sign-in."""
    return PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED.value)


# A treated patient, step by step (a folder may give `approved` another patient).
@pytest.fixture
def plan(prescriber: User, approved: Patient) -> TreatmentPlan:
    """100 mg a session: two 50 mg scored troches."""
    return plan_for(prescriber, approved)


@pytest.fixture
def prescription(prescriber: User, approved: Patient, plan: TreatmentPlan) -> Prescription:
    """8 troches a fill, 2 refills, no refill before 24 March 2025."""
    return prescribe(prescriber, approved)


@pytest.fixture
def stocked(pharmacist: User, prescription: Prescription) -> Dispense:
    """The first fill: 8 troches in the patient's ledger."""
    return fill(pharmacist, prescription)


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


# The on-call roster of clinic A: the alerts tests and every test that runs the worker.


@pytest.fixture
def on_call(clinic: Clinic) -> User:
    """Olive: the level-1 on-call clinician."""
    return UserFactory(clinic=clinic, clinician=True, username="olive", email="olive@example.org")


@pytest.fixture
def second_line(clinic: Clinic) -> User:
    return UserFactory(clinic=clinic, clinician=True, username="sean", email="sean@example.org")


@pytest.fixture
def director(clinic: Clinic) -> User:
    return UserFactory(clinic=clinic, prescriber=True, username="dora", email="dora@example.org")


@pytest.fixture
def roster(clinic: Clinic, on_call: User, second_line: User, director: User) -> OnCallRoster:
    roster = OnCallRoster.objects.create(clinic=clinic)
    OnCallShift.objects.create(roster=roster, user=on_call, level=1)
    OnCallShift.objects.create(roster=roster, user=second_line, level=2)
    OnCallShift.objects.create(roster=roster, user=director, is_medical_director=True)
    return roster


@pytest.fixture
def memory_sms() -> object:
    """Text messages kept in memory (MemorySmsBackend.outbox) instead of printed."""
    MemorySmsBackend.outbox.clear()
    with override_settings(KETACARE_SMS_BACKEND="ketacare.alerts.sms.MemorySmsBackend"):
        yield MemorySmsBackend.outbox
    MemorySmsBackend.outbox.clear()
