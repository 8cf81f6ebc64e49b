"""Patients for the workspace tests, and the records its pages read.

Built through the services where the chart needs real records, directly in the tables
where a test only needs many rows.

Clinic A holds the patients; Alice (clinician) and Bob (colleague) work there, Charlie
is a clinician of clinic B. The prescriber Priya, the pharmacist Phil and the
coordinator Cora (tests/conftest.py) work there too; a patient stands at each step of
the intake review, plan, prescription and dispensing pages: under review (an intake
submitted), approved, with a plan, a prescription, stock. Clinic B has a prescriber and
a pharmacist of its own, who must see none of it. The clock is frozen at
tests.treatment.helpers.NOW.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import Alert, AlertCause, AlertSeverity, AlertStatus
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.intake import services as intake_services
from ketacare.intake import specs as intake_specs
from ketacare.intake.models import Intake
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment import services
from ketacare.treatment.models import DosingSession
from ketacare.treatment.specs.sessions import DoseSpec
from tests.factories import ConsentDocumentFactory, ConsentFactory, PatientFactory
from tests.intake.conftest import complete
from tests.treatment.helpers import NOW, fill, plan_for, prescribe, ready_session

# Approving needs a written justification over this caution (a benzodiazepine).
CAUTION = {"current_medications": [{"name": "lorazepam", "classes": ["benzodiazepine"]}]}
# An absolute exclusion: current mania.
EXCLUSION = {"psychiatric_history__current_mania": True}

_keys = itertools.count()


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def alice_client(client: Client, clinician: User) -> Client:
    client.force_login(clinician)
    return client


def make_patient(clinic: Clinic, name: str, **fields: Any) -> Patient:
    return PatientFactory(clinic=clinic, legal_name=name, **fields)


def phq9(
    patient: Patient, total: int, at: datetime, by: User | None = None
) -> QuestionnaireResponse:
    """A stored PHQ-9 total (the scoring is the assessments app's, tested there)."""
    submitter = by or patient.user
    assert submitter is not None
    return QuestionnaireResponse.objects.create(
        patient=patient,
        instrument="phq9",
        answers={},
        total=total,
        band="",
        recorded_at=at,
        patient_timezone=patient.timezone,
        submitted_by=submitter,
    )


def alert(  # noqa: PLR0913 - an alert's fields, each with a default
    patient: Patient,
    severity: str = AlertSeverity.URGENT,
    *,
    status: str = AlertStatus.OPEN,
    raised_at: datetime = NOW,
    cause: str = AlertCause.WORSENING,
    title: str = "Worse than at baseline",
) -> Alert:
    extra: dict[str, Any] = {}
    if status != AlertStatus.OPEN:
        extra["acknowledged_at"] = raised_at
    if status == AlertStatus.RESOLVED:
        extra["resolved_at"] = raised_at
    return Alert.objects.create(
        clinic=patient.clinic,
        patient=patient,
        cause=cause,
        severity=severity,
        status=status,
        dedupe_key=f"test:{next(_keys)}",
        title=title,
        message="",
        raised_at=raised_at,
        **extra,
    )


def first_dose(
    prescriber: User, pharmacist: User, patient: Patient, at: datetime = NOW
) -> DosingSession:
    """Plan, prescription, a fill and one session with the dose taken, all at `at`."""
    with time_machine.travel(at, tick=False):
        plan_for(prescriber, patient)
        fill(pharmacist, prescribe(prescriber, patient))
        session = ready_session(patient.user, patient)
        return services.record_dose_taken(patient.user, session, DoseSpec(dose_mg=100))


@pytest.fixture
def approved(clinic: Clinic) -> Patient:
    """A patient approved for treatment, with their own sign-in."""
    return make_patient(clinic, "Avery Approved", with_account=True, phase=Phase.APPROVED.value)


@pytest.fixture
def dosed(prescriber: User, pharmacist: User, approved: Patient) -> Callable[..., DosingSession]:
    def dose(at: datetime = NOW - timedelta(days=1)) -> DosingSession:
        return first_dose(prescriber, pharmacist, approved, at)

    return dose


@pytest.fixture
def submit(patient: Patient, clinic: Clinic) -> Callable[..., Intake]:
    """Submit the patient's intake with `changes` to the complete one, as the patient."""
    ConsentFactory(patient=patient, document=ConsentDocumentFactory(clinic=clinic))

    def submit(**changes: Any) -> Intake:
        draft = intake_services.start_intake(patient.user, patient)
        intake_services.save_intake_draft(
            patient.user, draft, intake_specs.draft(complete(**changes))
        )
        return intake_services.submit_intake(patient.user, draft)

    return submit


@pytest.fixture
def signed_in(client: Client) -> Callable[[User | None], Client]:
    def sign_in(user: User | None) -> Client:
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in
