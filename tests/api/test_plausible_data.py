"""What counts as data (issue 14, item 4): the impossible refused, a duplicate flagged.

Each case is the issue's own: a trial of 1e+23 weeks, a dose of "lots", an
11-year-old, a plan starting in 2020 or in 2999, two "Sky Smith" records, a consent
signed "Mickey Mouse". Each is refused through the API in words a reader understands,
with nothing stored; the panel tells two records apart by date of birth and record
number. The ranges are the clinical core's (`clinical.plausible`).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from ketacare.intake.models import Intake
from ketacare.patients.models import Consent, Patient
from ketacare.treatment.models import TreatmentPlan
from tests.factories import ConsentDocumentFactory, PatientFactory
from tests.intake.conftest import COMPLETE, NOW
from tests.treatment.helpers import PLAN

pytestmark = pytest.mark.django_db

SKY = {
    "legal_name": "Sky Smith",
    "date_of_birth": "1990-04-01",
    "sex_at_birth": "female",
    "weight_kg": "64.0",
    "timezone": "Europe/London",
    "phone": "+44 20 7946 0100",
    "email": "sky@example.org",
    "emergency_contact_name": "Robin Smith",
    "emergency_contact_phone": "+44 20 7946 0101",
    "indication": "trd",
}


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _draft(as_user: Any, patient: Patient, data: dict[str, Any]) -> Any:
    me, base = as_user(patient.user), f"patients/{patient.pk}"
    intake = me.post(f"{base}/intakes").json()
    return me.put(f"{base}/intakes/{intake['id']}/draft", data)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"duration_weeks": 1e23}, "Give the number of weeks, from 0 to 5200."),
        ({"duration_weeks": -2}, "Give the number of weeks, from 0 to 5200."),
        ({"dose": "lots"}, "Write the dose with its amount, for example 150 mg."),
    ],
)
def test_an_impossible_trial_is_refused_and_nothing_is_stored(
    as_user: Any, patient: Patient, change: dict[str, Any], words: str
) -> None:
    data = copy.deepcopy(COMPLETE)
    data["trials"][0].update(change)
    response = _draft(as_user, patient, data)
    assert response.status_code == 422, response.json()
    assert words in response.json()["message"]
    assert "trials" not in Intake.objects.get(patient=patient).data  # the draft is unchanged


def test_a_current_medicine_dose_without_an_amount_is_refused(as_user: Any, patient: Patient):
    data = copy.deepcopy(COMPLETE)
    data["current_medications"] = [{"name": "lorazepam", "dose": "lots", "classes": []}]
    response = _draft(as_user, patient, data)
    assert response.status_code == 422
    assert "Write the dose with its amount" in response.json()["message"]


def test_an_11_year_old_cannot_be_registered_for_treatment(as_user: Any, coordinator: Any):
    child = {**SKY, "date_of_birth": (NOW.date() - dt.timedelta(days=11 * 366)).isoformat()}
    response = as_user(coordinator).post("patients", child)
    assert response.status_code == 422, response.json()
    body = response.json()
    assert body["field"] == "body.date_of_birth"
    assert "makes the person 11: treatment here is for adults (18 and over)" in body["message"]
    assert not Patient.objects.filter(legal_name="Sky Smith").exists()


def test_the_same_person_twice_is_flagged_before_saving(as_user: Any, coordinator: Any):
    client = as_user(coordinator)
    first = client.post("patients", SKY)
    assert first.status_code == 201, first.json()
    number = first.json()["record_number"]
    again = {**SKY, "legal_name": "sky  SMITH", "phone": "+44 20 7946 0999", "email": ""}
    flagged = client.post("patients", again)
    assert flagged.status_code == 409, flagged.json()
    body = flagged.json()
    assert body["code"] == "possible_duplicate"
    assert f"record {number}: the same name and date of birth" in body["message"]
    assert Patient.objects.filter(legal_name__iexact="sky smith").count() == 1
    # Another person with the same phone is flagged too; confirmed, they are registered.
    same_phone = {**SKY, "legal_name": "Alex Smith", "date_of_birth": "1988-02-02", "email": ""}
    assert client.post("patients", same_phone).json()["code"] == "possible_duplicate"
    confirmed = client.post("patients", {**same_phone, "not_a_duplicate": True})
    assert confirmed.status_code == 201, confirmed.json()


def test_a_consent_is_signed_with_the_patients_legal_name(as_user: Any, patient: Patient):
    document = ConsentDocumentFactory(clinic=patient.clinic)
    me, url = as_user(patient.user), f"patients/{patient.pk}/consents"
    refused = me.post(url, {"document_id": document.pk, "signature_name": "Mickey Mouse"})
    assert refused.status_code == 422, refused.json()
    assert f"exactly as on the record, {patient.legal_name}" in refused.json()["message"]
    assert not Consent.objects.exists()
    casual = f"  {patient.legal_name.upper()}  "
    signed = me.post(url, {"document_id": document.pk, "signature_name": casual})
    assert signed.status_code == 201, signed.json()


@pytest.mark.parametrize(
    ("first_day", "words"),
    [("2020-01-06", "in the past"), ("2999-01-01", "more than 6 months ahead")],
)
def test_a_plan_starts_today_or_within_six_months(
    as_user: Any, approved: Patient, prescriber: Any, first_day: str, words: str
) -> None:
    body = copy.deepcopy(PLAN)
    body["schedule"]["first_day"] = first_day
    response = as_user(prescriber).post(f"patients/{approved.pk}/plans", body)
    assert response.status_code == 422, response.json()
    assert words in response.json()["message"]
    assert not TreatmentPlan.objects.exists()


def test_the_panel_tells_two_records_apart(client: Client, clinician: Any, clinic: Any):
    born = dt.date(1990, 4, 1)
    twins = [PatientFactory(clinic=clinic, legal_name="Sky Smith", date_of_birth=born)]
    twins.append(PatientFactory(clinic=clinic, legal_name="Sky Smith", date_of_birth=born))
    client.force_login(clinician)
    page = client.get("/workspace/").content.decode()
    for twin in twins:
        assert f"{twin.record_number} · born 1 Apr 1990" in page
    found = client.get("/workspace/", {"q": twins[1].record_number}).content.decode()
    assert twins[1].record_number in found
    assert twins[0].record_number not in found
