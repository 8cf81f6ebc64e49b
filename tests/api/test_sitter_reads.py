"""A sitter reads where the session stands, and nothing else of the patient's record.

Issue: a sitter's token read the patient's questionnaire answers (PHQ-9 item 9
included), outcomes, check-in answers, the full intake, adverse events, the ledger,
plans and prescriptions, although the sitter pages promise none of that. The reads
follow kernel.policy: a sitter may read `read_sitting` (the session's time and status,
the check-in's deadline and whether it is done, the numbers to call), and every other
read of the record answers 403 (they know the patient: not a 404).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from ketacare.audit.models import AuditAction, AuditEntry
from tests.api.test_ownership import ENDPOINTS, LATER, _build_world, _call
from tests.factories import SitterFactory
from tests.treatment.helpers import NOW

pytestmark = pytest.mark.django_db

READS = [path for method, path, _ in ENDPOINTS if method == "GET" and path != "{p}/sitting"]
SITTING_KEYS = {
    "patient_id",
    "name",
    "next_session_at",
    "sitter_confirmed_at",
    "session",
    "dose_taken_at",
    "blood_pressure_due_at",
    "blood_pressure_done",
    "check_in_opens_at",
    "check_in_due_at",
    "checked_in_at",
    "observation_ended_at",
    "emergency_number",
    "on_call_phone",
}


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(LATER, tick=False):
        yield


@pytest.fixture
def world(clinic, patient) -> dict[str, Any]:
    with time_machine.travel(NOW, tick=False):
        return _build_world(clinic, patient)


@pytest.fixture
def sitter(clinic, patient, as_user):
    return as_user(SitterFactory(clinic=clinic, patients=[patient]).user)


def test_the_issues_read_is_refused(world, sitter):
    response = sitter.get(f"patients/{world['p']}/questionnaires")
    assert response.status_code == 403, response.json()
    assert "questionnaire" in response.json()["message"]


@pytest.mark.parametrize("path", READS)
def test_a_sitter_reads_nothing_of_the_record(world, sitter, path):
    before = AuditEntry.objects.filter(action=AuditAction.READ).count()
    response = _call(sitter, "GET", path, None, world)
    assert response.status_code == 403, (path, response.status_code, response.json())
    assert response.json()["code"] == "forbidden"
    # Nothing was read, so nothing was recorded as read.
    assert AuditEntry.objects.filter(action=AuditAction.READ).count() == before


def test_a_sitter_reads_where_the_session_stands_and_only_that(world, sitter, clinic):
    response = sitter.get(f"patients/{world['p']}/sitting")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == SITTING_KEYS
    assert body["emergency_number"] == clinic.emergency_number
    assert body["on_call_phone"] == clinic.on_call_phone
    # The world's session of that day did not pass its checklist: no dose.
    assert body["session"] == "checklist_not_passed"
    assert body["dose_taken_at"] is None


def test_a_sitter_lists_the_people_they_sit_for(world, sitter, patient):
    response = sitter.get("sitting")
    assert response.status_code == 200, response.json()
    [row] = response.json()
    assert row["patient_id"] == patient.pk
    assert row["name"] == patient.legal_name


def test_the_list_of_people_sat_for_is_a_sitters(world, as_user, patient):
    assert as_user(patient.user).get("sitting").status_code == 403


def test_a_dosed_session_shows_its_check_in_deadline_not_its_answers(world, sitter, patient):
    with time_machine.travel(NOW + dt.timedelta(days=3, minutes=30), tick=False):
        body = sitter.get(f"patients/{world['p']}/sitting").json()
    assert body["session"] == "dosed"
    assert body["dose_taken_at"] is not None
    assert body["check_in_due_at"] is not None
    assert body["checked_in_at"] is None
    assert "feeling" not in body
    assert "systolic_mmhg" not in body
