"""Issue 14, item 6 through the API: the patient's refusals in plain words.

The machine-readable `field` and `code` stay as they are; the `message` a patient's app
shows names no field (systolic_mmhg) and no internal jargon ("hard stop").
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine

from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from tests.api.bodies import CHECKLIST
from tests.factories import PatientFactory, SitterFactory, UserFactory
from tests.treatment.helpers import NOW, fill, plan_for, prescribe

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def patient(clinic):  # type: ignore[no-untyped-def]
    patient: Patient = PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED.value)
    prescriber = UserFactory(clinic=clinic, prescriber=True)
    plan_for(prescriber, patient)
    fill(UserFactory(clinic=clinic, pharmacist=True), prescribe(prescriber, patient))
    return patient


def test_an_impossible_blood_pressure_keeps_its_field_and_reads_plainly(patient, as_user):
    me = as_user(patient.user)
    response = me.post(f"patients/{patient.pk}/sessions", CHECKLIST | {"systolic_mmhg": 999999})
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["field"]) == ("validation_error", "body.blood_pressure")
    (error,) = body["errors"]
    assert error["message"].startswith("The top number (systolic) cannot be 999999")
    assert "systolic_mmhg" not in error["message"]


def test_a_blood_pressure_that_holds_the_day_says_no_hard_stop(patient, as_user, clinic):
    SitterFactory(clinic=clinic, patients=[patient])
    sitter = patient.sitters.get()
    as_user(sitter.user).post(f"patients/{patient.pk}/sitter-presence")
    response = as_user(patient.user).post(
        f"patients/{patient.pk}/sessions",
        CHECKLIST | {"systolic_mmhg": 165, "diastolic_mmhg": 105},
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "pre_dose_gate_failed"
    assert "hard stop" not in body["message"]
    assert all("hard stop" not in f["message"] for f in body["findings"])


def test_a_patient_cannot_report_their_own_side_effect_as_fatal(patient, as_user, clinic):
    body = {"description": "Nausea", "severity": "mild", "serious": True, "outcome": "fatal"}
    mine = as_user(patient.user).post(f"patients/{patient.pk}/adverse-events", body)
    assert mine.status_code == 422, mine.json()
    assert mine.json()["field"] == "body.outcome"
    assert "Choose how you are now" in mine.json()["message"]
    assert not patient.adverse_events.exists()
    # The care team records it.
    staff = as_user(UserFactory(clinic=clinic, clinician=True))
    recorded = staff.post(f"patients/{patient.pk}/adverse-events", body)
    assert recorded.status_code == 201, recorded.json()


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("offset=-1", "Give 0 or more."),
        ("limit=0", "Give 1 or more."),
        ("offset=x", "Give a whole number."),
    ],
)
def test_a_bad_query_reads_plainly(patient, as_user, query, words):
    # The "Input should be greater than or equal to 0", from the API's paging.
    response = as_user(patient.user).get(f"patients?{query}")
    assert response.status_code == 422, response.json()
    body = response.json()
    assert words in body["message"]
    assert "Input should" not in str(body)
