"""Who may decide, and what the outcomes mean, through the API (issue 14, items 1, 7, 8).

- A coordinator or an administrator could move a patient to "approved" with any reason;
  now no one approves or declines through a phase move (only the clinician's eligibility
  review does), and a clinical move by the wrong role is a 403 naming who may.
- A PHQ-9 of 2 at baseline was a "response and remission" at 1; GAD-7 8 -> 16 raised
  nothing; a lost response went unnoticed.
- The routine bladder check on treatment reaches the care team.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from ketacare.alerts.models import Alert
from ketacare.audit.models import AuditEntry
from ketacare.patients.models import Patient, PhaseChange
from ketacare.patients.phases import Phase
from ketacare.treatment import services as treatment
from ketacare.treatment.specs.sessions import DoseSpec
from tests.factories import PatientFactory, UserFactory
from tests.treatment.helpers import NOW, ready_session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.mark.parametrize("role", ["coordinator", "clinic_admin", "clinician", "prescriber"])
@pytest.mark.parametrize("target", ["approved", "declined"])
def test_no_one_approves_or_declines_by_moving_the_phase(as_user, clinic, role, target):
    patient = PatientFactory(clinic=clinic, phase=Phase.UNDER_REVIEW)
    client = as_user(UserFactory(clinic=clinic, **{role: True}))
    before = AuditEntry.objects.count()  # the client's token is audited when it is issued
    response = client.post(
        f"patients/{patient.pk}/phase", {"target": target, "reason": "meets criteria"}
    )
    assert response.status_code == 403, response.json()
    assert "eligibility review" in response.json()["message"]
    patient.refresh_from_db()
    assert patient.phase == Phase.UNDER_REVIEW
    assert not PhaseChange.objects.filter(patient=patient).exists()
    assert AuditEntry.objects.count() == before


def test_a_coordinator_is_told_who_discharges(as_user, clinic, coordinator):
    patient = PatientFactory(clinic=clinic, phase=Phase.INDUCTION)
    response = as_user(coordinator).post(
        f"patients/{patient.pk}/phase", {"target": "discharged", "reason": "moved away"}
    )
    assert response.status_code == 403
    assert response.json()["message"] == "Only clinician, prescriber may discharge a patient."
    assert Patient.objects.get(pk=patient.pk).phase == Phase.INDUCTION


def _treated(as_user: Any, patient: Patient, clock: Any, instrument: str, answers: list[int]):
    me = as_user(patient.user)
    assert me.post(f"patients/{patient.pk}/questionnaires", {
        "instrument": instrument, "answers": answers
    }).status_code == 201  # fmt: skip
    clock.shift(timedelta(minutes=5))
    session = ready_session(patient.user, patient)
    treatment.record_dose_taken(patient.user, session, DoseSpec(dose_mg=100))
    return me


def test_a_phq9_of_2_to_1_is_not_judged(as_user, approved, stocked, clock):
    me = _treated(as_user, approved, clock, "phq9", [1, 1, 0, 0, 0, 0, 0, 0, 0])
    clock.shift(timedelta(days=7))
    me.post(f"patients/{approved.pk}/questionnaires", {
        "instrument": "phq9", "answers": [1, 0, 0, 0, 0, 0, 0, 0, 0]
    })  # fmt: skip
    latest = me.get(f"patients/{approved.pk}/outcomes/phq9").json()["latest"]
    assert (latest["baseline"], latest["current"]) == (2, 1)
    assert (latest["response"], latest["remission"]) == (None, None)
    assert latest["baseline_significant"] is False


def test_gad7_worsening_and_a_lost_response_reach_the_care_team(as_user, approved, stocked, clock):
    me = _treated(as_user, approved, clock, "gad7", [2, 2, 1, 1, 1, 1, 0])  # 8
    clock.shift(timedelta(days=7))
    me.post(
        f"patients/{approved.pk}/questionnaires",
        {"instrument": "gad7", "answers": [3, 3, 2, 2, 2, 2, 2]},
    )  # fmt: skip  16: up 8
    assert Alert.objects.filter(patient=approved, cause="worsening").exists()
    outcome = me.get(f"patients/{approved.pk}/outcomes/gad7").json()
    assert outcome["latest"]["worsening"] is True
    assert outcome["ever_worsened"] is True


def test_the_bladder_check_through_the_api_reaches_the_care_team(as_user, approved, stocked, clock):
    _treated(as_user, approved, clock, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0])
    clock.shift(timedelta(days=30))
    me = as_user(approved.user)  # a new token: the first has expired by now
    listed = me.get(f"patients/{approved.pk}/questionnaires/due")
    assert listed.status_code == 200, listed.json()
    due = {i["instrument"] for i in listed.json()}
    assert {"bladder", "dast10", "cssrs_screen"} <= due
    response = me.post(f"patients/{approved.pk}/questionnaires", {
        "instrument": "bladder", "answers": [0, 0, 0, 1]
    })  # fmt: skip
    assert response.status_code == 201, response.json()
    alert = Alert.objects.get(patient=approved, cause="bladder_symptoms")
    assert alert.severity == "warning"
