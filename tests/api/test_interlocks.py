"""The at-home interlocks through the API: the same rules as the portal (items 3, 4, 9, 13).

Blood-pressure holds (3), suicidality holds (4), the observation window (9) and the
sitter (13), each driven over HTTP only once the people and the stock exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from ketacare.alerts.models import Alert, AlertStatus, Notification
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment.models import DosingSession, SitterCode
from tests.api.bodies import BP, CHECKLIST, NO_IDEATION
from tests.factories import PatientFactory, SitterFactory, UserFactory
from tests.treatment.helpers import NOW, fill, plan_for, prescribe

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(clinic, clock, as_user):
    """An approved patient with a plan and stock, their sitter (own sign-in), a clinician."""
    patient: Patient = PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED.value)
    prescriber = UserFactory(clinic=clinic, prescriber=True)
    plan_for(prescriber, patient)
    fill(UserFactory(clinic=clinic, pharmacist=True), prescribe(prescriber, patient))
    sitter = SitterFactory(clinic=clinic, patients=[patient])
    return {
        "base": f"patients/{patient.pk}",
        "patient": patient,
        "me": as_user(patient.user),
        "sitter": as_user(sitter.user),
        "sitter_row": sitter,
        "clinician": as_user(UserFactory(clinic=clinic, clinician=True)),
    }


def _causes(response) -> list[str]:
    return [f["cause"] for f in response.json()["findings"]]


def _ok(response, status: int):
    assert response.status_code == status, (response.status_code, response.json())
    return response.json()


# --- 13. The sitter ---------------------------------------------------------------------------


def test_13_without_the_sitters_own_confirmation_no_dose(world):
    me, base = world["me"], world["base"]
    held = me.post(f"{base}/sessions", CHECKLIST)
    assert (held.status_code, _causes(held)) == (409, ["sitter_absent"])
    assert "confirm" in held.json()["findings"][0]["next_step"]
    # The patient cannot confirm for the sitter.
    assert me.post(f"{base}/sitter-presence").status_code == 403
    _ok(world["sitter"].post(f"{base}/sitter-presence"), 201)
    assert _ok(me.post(f"{base}/sessions", CHECKLIST), 201)["sitter_id"] == world["sitter_row"].pk


def test_13_a_sitter_without_a_sign_in_confirms_with_a_texted_code(world, clinic):
    me, base, patient = world["me"], world["base"], world["patient"]
    phone = SitterFactory(clinic=clinic, patients=[patient], user=None, phone="+15550002222")
    sent = _ok(me.post(f"{base}/sitter-codes", {"sitter_id": phone.pk}), 202)
    assert sent["purpose"] == "presence"
    body = Notification.objects.get(address="+15550002222").body
    code = body.split("your code is ")[1][:6]
    wrong = me.post(f"{base}/sitter-presence/code", {"sitter_id": phone.pk, "code": "999999"})
    assert (wrong.status_code, wrong.json()["code"]) == (409, "wrong_sitter")
    assert SitterCode.objects.get().attempts == 1  # the wrong try is kept
    confirmed = _ok(
        me.post(f"{base}/sitter-presence/code", {"sitter_id": phone.pk, "code": code}), 201
    )
    assert confirmed["method"] == "code"
    assert _ok(me.post(f"{base}/sessions", CHECKLIST), 201)["sitter_id"] == phone.pk


# --- 3. Blood pressure ------------------------------------------------------------------------


def test_3_a_hard_stop_holds_the_day_until_a_clinician_clears_it(world, clock):
    me, base = world["me"], world["base"]
    _ok(world["sitter"].post(f"{base}/sitter-presence"), 201)
    stopped = me.post(
        f"{base}/sessions", {**CHECKLIST, "systolic_mmhg": 165, "diastolic_mmhg": 100}
    )
    assert (stopped.status_code, _causes(stopped)) == (409, ["bp_gate_failed"])
    clock.shift(dt.timedelta(seconds=30))
    again = me.post(f"{base}/sessions", {**CHECKLIST, "systolic_mmhg": 128, "diastolic_mmhg": 82})
    assert (again.status_code, _causes(again)) == (409, ["bp_hard_stop_today"])
    holds = _ok(world["clinician"].get(f"{base}/holds"), 200)
    assert [h["hold"] for h in holds] == ["blood_pressure"]
    assert _ok(me.get(f"{base}/holds"), 200) == []  # the patient reads the gate's words
    # Only clinicians clear, with a note.
    assert (
        me.post(f"{base}/dosing-clearances", {"hold": "blood_pressure", "note": "x"}).status_code
        == 403
    )
    assert (
        world["clinician"].post(f"{base}/dosing-clearances", {"hold": "blood_pressure"}).status_code
        == 422
    )
    _ok(
        world["clinician"].post(
            f"{base}/dosing-clearances",
            {"hold": "blood_pressure", "note": "Repeated with a large cuff: 128/82."},
        ),
        201,
    )
    assert _ok(me.post(f"{base}/sessions", CHECKLIST), 201)["status"] == "ready"
    # Every reading is kept.
    assert DosingSession.objects.count() == 3


def test_3_a_re_measure_waits_15_minutes(world, clock):
    me, base = world["me"], world["base"]
    _ok(world["sitter"].post(f"{base}/sitter-presence"), 201)
    me.post(f"{base}/sessions", {**CHECKLIST, "systolic_mmhg": 148, "diastolic_mmhg": 92})
    clock.shift(dt.timedelta(minutes=5))
    soon = me.post(f"{base}/sessions", CHECKLIST)
    assert _causes(soon) == ["bp_remeasure_too_soon"]
    clock.shift(dt.timedelta(minutes=10))
    _ok(me.post(f"{base}/sessions", CHECKLIST), 201)


# --- 4. Suicidality ---------------------------------------------------------------------------


def test_4_an_open_suicidality_alert_holds_the_dose_until_a_clinicians_clearance(world, clock):
    me, base = world["me"], world["base"]
    _ok(
        me.post(
            f"{base}/questionnaires",
            {"instrument": "phq9", "answers": [1, 1, 1, 1, 1, 1, 1, 1, 2]},
        ),
        201,
    )
    clock.shift(dt.timedelta(hours=8))
    _ok(world["sitter"].post(f"{base}/sitter-presence"), 201)
    held = me.post(f"{base}/sessions", CHECKLIST)
    assert (held.status_code, _causes(held)[0]) == (409, "suicidality_hold")
    holds = _ok(world["clinician"].get(f"{base}/holds"), 200)
    assert holds[0]["hold"] == "suicidality"
    _ok(
        world["clinician"].post(
            f"{base}/dosing-clearances",
            {"hold": "suicidality", "note": "Phoned: passive thoughts, safety plan in place."},
        ),
        201,
    )
    assert not Alert.objects.filter(cause="suicidality").exclude(status=AlertStatus.RESOLVED)
    _ok(me.post(f"{base}/sessions", CHECKLIST), 201)


def test_4_and_5_the_checklists_c_ssrs_holds_the_dose(world):
    me, base = world["me"], world["base"]
    _ok(world["sitter"].post(f"{base}/sitter-presence"), 201)
    thoughts = {**NO_IDEATION, "suicidal_thoughts": True}
    held = me.post(f"{base}/sessions", {**CHECKLIST, "cssrs": thoughts})
    assert _causes(held) == ["suicidality_hold"]
    alert = Alert.objects.get(cause="suicidality")
    assert alert.severity == "urgent"
    bad = me.post(f"{base}/sessions", {**CHECKLIST, "cssrs": {**NO_IDEATION, "intent": True}})
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "body.cssrs")


# --- 9. The observation window ----------------------------------------------------------------


def test_9_the_window_through_the_api(world, clock):
    me, base, sitter = world["me"], world["base"], world["sitter"]
    _ok(sitter.post(f"{base}/sitter-presence"), 201)
    session = _ok(me.post(f"{base}/sessions", CHECKLIST), 201)
    url = f"{base}/sessions/{session['id']}"
    dosed = _ok(me.post(f"{url}/dose", {"dose_mg": 100}), 200)
    assert dosed["bp_due_at"].startswith("2025-03-03T23:40")
    assert dosed["observation_ends_at"].startswith("2025-03-04T01:00")
    clock.shift(dt.timedelta(minutes=1))
    early = me.post(f"{url}/check-in", {"feeling": "well", "blood_pressure": BP})
    assert (early.status_code, early.json()["code"]) == (409, "not_yet")
    assert "opens at 20:00" in early.json()["message"]
    clock.shift(dt.timedelta(minutes=39))
    high = _ok(me.post(f"{url}/readings", {"systolic_mmhg": 150, "diastolic_mmhg": 93}), 201)
    assert (high["high"], high["finding"]["severity"]) == (True, "warning")
    clock.shift(dt.timedelta(minutes=15))
    fine = _ok(me.post(f"{url}/readings", BP), 201)
    assert fine["finding"] is None
    clock.shift(dt.timedelta(hours=1, minutes=6))
    missing = me.post(f"{url}/check-in", {"feeling": "well"})
    assert missing.status_code == 422
    _ok(me.post(f"{url}/check-in", {"feeling": "well", "blood_pressure": BP}), 201)
    assert len(_ok(me.get(f"{url}/readings"), 200)) == 3
    released = _ok(sitter.post(f"{url}/release", {"stable": True, "note": "Alert, chatty."}), 200)
    assert (released["status"], released["release_stable"]) == ("released", True)


def test_9_a_sitter_who_cannot_confirm_pages_the_clinic(world, clock):
    me, base, sitter = world["me"], world["base"], world["sitter"]
    _ok(sitter.post(f"{base}/sitter-presence"), 201)
    session = _ok(me.post(f"{base}/sessions", CHECKLIST), 201)
    url = f"{base}/sessions/{session['id']}"
    _ok(me.post(f"{url}/dose", {"dose_mg": 100}), 200)
    clock.shift(dt.timedelta(minutes=50))
    too_early = sitter.post(f"{url}/release", {"stable": True})
    assert too_early.json()["code"] == "not_yet"
    answer = _ok(sitter.post(f"{url}/release", {"stable": False, "note": "Very drowsy"}), 200)
    assert (answer["status"], answer["release_stable"]) == ("dosed", False)
    alert = Alert.objects.get(cause="sitter_not_released")
    assert alert.severity == "urgent"
