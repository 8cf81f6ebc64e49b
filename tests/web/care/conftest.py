"""The people and records of the care-screen tests.

Clinic A: the clinician Alice, the prescriber Priya, the pharmacist Phil, the
coordinator Cora (tests/conftest.py), a patient at each step: under review (an intake
submitted), approved, with a plan, a prescription, stock. Clinic B: Charlie (a
clinician), a prescriber and a pharmacist of their own, who must see none of it.
The clock is frozen at the treatment tests' NOW.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client

from ketacare.accounts.models import Clinic, User
from ketacare.intake import services as intake_services
from ketacare.intake import specs as intake_specs
from ketacare.intake.models import Intake
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment.models import Dispense, Prescription, TreatmentPlan
from tests.factories import (
    ConsentDocumentFactory,
    ConsentFactory,
    PatientFactory,
)
from tests.intake.conftest import complete
from tests.treatment.helpers import NOW, fill, plan_for, prescribe

# Approving needs a written justification over this caution (a benzodiazepine).
CAUTION = {"current_medications": [{"name": "lorazepam", "classes": ["benzodiazepine"]}]}
# An absolute exclusion: current mania.
EXCLUSION = {"psychiatric_history__current_mania": True}


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


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
def approved(clinic: Clinic) -> Patient:
    """A patient approved for treatment, with their own sign-in."""
    return PatientFactory(
        clinic=clinic, with_account=True, phase=Phase.APPROVED.value, legal_name="Avery Approved"
    )


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
def signed_in(client: Client) -> Callable[[User | None], Client]:
    def sign_in(user: User | None) -> Client:
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in
