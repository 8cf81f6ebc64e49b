from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from ketacare.accounts.models import Clinic, User
from ketacare.patients.models import Patient
from tests.factories import UserFactory
from tests.interop.exports.helpers import treated
from tests.treatment.helpers import NOW


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def pat(db: Any, clock: Any, clinic: Clinic, prescriber: User, pharmacist: User) -> Patient:
    """Pat of clinic A, treated on Monday 3 March 2025 (New York)."""
    return treated(
        clock, clinic, prescriber, pharmacist, legal_name="Pat Exportable", email="pat@example.org"
    )


@pytest.fixture
def stranger(db: Any, clock: Any, other_clinic: Clinic) -> Patient:
    """Sol of clinic B, treated the same day: never in clinic A's exports."""
    prescriber = UserFactory(clinic=other_clinic, prescriber=True)
    pharmacist = UserFactory(clinic=other_clinic, pharmacist=True)
    return treated(
        clock,
        other_clinic,
        prescriber,
        pharmacist,
        legal_name="Sol Otherclinic",
        email="sol@example.org",
        phone="+1 555 999 8888",
    )
