"""Patients for the workspace tests, and the records the panel and the inbox read.

Built through the services where the chart needs real records, directly in the tables
where a test only needs many rows.

Clinic A holds the patients; Alice (clinician) and Bob (colleague) work there, Charlie
is a clinician of clinic B. The clock is frozen at tests.treatment.helpers.NOW.
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
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment import services
from ketacare.treatment.models import DosingSession
from ketacare.treatment.specs.sessions import DoseSpec
from tests.factories import PatientFactory
from tests.treatment.helpers import NOW, fill, plan_for, prescribe, ready_session

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
    return make_patient(clinic, "Avery Approved", with_account=True, phase=Phase.APPROVED.value)


@pytest.fixture
def dosed(prescriber: User, pharmacist: User, approved: Patient) -> Callable[..., DosingSession]:
    def dose(at: datetime = NOW - timedelta(days=1)) -> DosingSession:
        return first_dose(prescriber, pharmacist, approved, at)

    return dose
