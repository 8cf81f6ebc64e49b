"""The people of the treatment tests, and a patient at each step of the way.

Clinic A: the prescriber Petra, the pharmacist Phil, the clinician Alice (not a
prescriber), the coordinator Cora, the patient and their sitter, another patient.
Clinic B: Charlie (a clinician), and a prescriber and pharmacist of their own.
The clock is frozen at helpers.NOW unless a test moves it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from ketacare.accounts.models import Clinic
from ketacare.patients.models import Patient, Sitter
from ketacare.patients.phases import Phase
from tests.factories import PatientFactory, SitterFactory
from tests.treatment.helpers import NOW


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def other_patient(clinic: Clinic) -> Patient:
    return PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED.value)


@pytest.fixture
def sitter(clinic: Clinic, approved: Patient) -> Sitter:
    return SitterFactory(clinic=clinic, patients=[approved])
