"""Fixtures for the questionnaire tests: the people of the ownership pattern and a clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine

from ketacare.accounts.models import Clinic
from ketacare.patients.models import Patient, Sitter
from tests.factories import PatientFactory, SitterFactory

# A Monday in winter (EST, UTC-5) for the patient's America/New_York clock.
NOW = datetime(2025, 1, 6, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _db(db: Any) -> None:
    """Every test here touches the database."""


@pytest.fixture
def clock() -> Any:
    """Time stands still at NOW (each test moves it with clock.move_to)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def other_patient(clinic: Clinic) -> Patient:
    return PatientFactory(clinic=clinic, with_account=True, legal_name="Olive Otherpatient")


@pytest.fixture
def sitter(clinic: Clinic, patient: Patient) -> Sitter:
    return SitterFactory(clinic=clinic, patients=[patient])
