"""After the dose: the blood pressure, the check-in, an emergency first, the sitter's release.

The blood pressure at ~40 minutes, the check-in after the observation, and the end of
the window by the sitter (their own sign-in, or a code on the patient's device).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from ketacare.accounts.models import Clinic
from ketacare.alerts.models import Alert, AlertCause, AlertSeverity
from ketacare.clinical.postdose import CALL_EMERGENCY_NOW
from ketacare.kernel.specs import read
from ketacare.patients.models import Patient, Sitter
from ketacare.treatment import services
from ketacare.treatment.models import (
    Dispense,
    DosingSession,
    PostDoseCheckIn,
    PostDoseReading,
    SessionStatus,
)
from ketacare.treatment.specs.sessions import CheckInSpec, DoseSpec, ReadingSpec
from tests.factories import SitterFactory
from tests.treatment.helpers import CHECK_IN_BP, after_observation, ready_session, sitter_here
from tests.web.portal.helpers import CHECK_IN, text, texted_code

pytestmark = pytest.mark.django_db

SignIn = Callable[[Any], Client]


@pytest.fixture
def dosed(approved: Patient, stocked: Dispense, robin: Sitter) -> DosingSession:
    """Pat took the plan's dose at 18:00 (New York), Robin confirmed from their sign-in."""
    sitter_here(approved)
    session = ready_session(approved.user, approved, with_sitter=False)
    return services.record_dose_taken(approved.user, session, DoseSpec(dose_mg=100))


def url(name: str, session: DosingSession) -> str:
    return reverse(name, kwargs={"session_id": session.pk})


def sitter_url(name: str, patient: Patient) -> str:
    return reverse(name, kwargs={"patient_id": patient.pk})


def checked_in(session: DosingSession, clock: time_machine.Coordinates, **answers: Any) -> None:
    after_observation(clock, session)
    services.record_check_in(
        session.patient.user,
        session,
        read(CheckInSpec, ({"feeling": "well", "blood_pressure": CHECK_IN_BP} | answers)),
    )


# --- The blood pressure after the dose ------------------------------------------------------


def test_the_reading_at_40_minutes_and_what_it_means(
    signed_in: SignIn, approved: Patient, dosed: DosingSession, clock: time_machine.Coordinates
) -> None:
    client = signed_in(approved.user)
    page = text(client.get(url("portal-session", dosed)))
    assert 'id="blood-pressure"' in page
    assert "Your blood pressure after the dose" in page
    clock.shift(timedelta(minutes=41))
    response = client.post(
        url("portal-reading", dosed), {"systolic_mmhg": "128", "diastolic_mmhg": "82"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("portal-session", dosed) + "#blood-pressure"
    assert PostDoseReading.objects.get().systolic_mmhg == 128
    page = text(client.get(url("portal-session", dosed)))
    assert "At 18:41: <strong>128/82 mmHg</strong>. That is as expected." in page
    assert 'id="blood-pressure"' not in page  # nothing more to measure


def test_a_high_reading_asks_for_another_at_a_time(
    signed_in: SignIn, approved: Patient, dosed: DosingSession, clock: time_machine.Coordinates
) -> None:
    clock.shift(timedelta(minutes=40))
    client = signed_in(approved.user)
    client.post(url("portal-reading", dosed), {"systolic_mmhg": "150", "diastolic_mmhg": "95"})
    page = text(client.get(url("portal-session", dosed)))
    assert "Your blood pressure is higher than it should be." in page
    assert "Measure again at <time" in page
    assert ">18:55</time>" in page
    assert 'data-remaining-seconds="900"' in page
    assert "Measure your blood pressure again" in page  # the form, once more


def test_a_crisis_reading_puts_call_the_emergency_number_first(
    signed_in: SignIn, approved: Patient, dosed: DosingSession, clock: time_machine.Coordinates
) -> None:
    clock.shift(timedelta(minutes=40))
    client = signed_in(approved.user)
    client.post(url("portal-reading", dosed), {"systolic_mmhg": "190", "diastolic_mmhg": "110"})
    page = text(client.get(url("portal-session", dosed)))
    first = page.index('id="call-now"')
    assert first < page.index("<h1")
    assert "Call the emergency number now" in page[first:]
    assert f'href="tel:{approved.clinic.emergency_number}"' in page[first:]
    assert CALL_EMERGENCY_NOW in page
    today = text(client.get(reverse("portal-today")))
    assert "Call the emergency number now:" in today


def test_a_reading_the_service_refuses_is_on_its_field(
    signed_in: SignIn, approved: Patient, dosed: DosingSession
) -> None:
    response = signed_in(approved.user).post(
        url("portal-reading", dosed), {"systolic_mmhg": "80", "diastolic_mmhg": "120"}
    )
    assert response.status_code == 400
    assert "probably swapped" in text(response)
    assert not PostDoseReading.objects.exists()


# --- The check-in -------------------------------------------------------------------------


def test_the_check_in_opens_only_after_the_observation(
    signed_in: SignIn, approved: Patient, dosed: DosingSession, clock: time_machine.Coordinates
) -> None:
    client = signed_in(approved.user)
    early = client.get(url("portal-check-in", dosed))
    assert early.status_code == 200
    assert "The check-in opens at <time" in text(early)
    assert 'name="feeling"' not in text(early)
    refused = client.post(url("portal-check-in", dosed), CHECK_IN)
    assert refused.status_code == 409
    assert "The check-in opens at 20:00" in text(refused)
    assert not PostDoseCheckIn.objects.exists()
    after_observation(clock, dosed)
    assert 'name="feeling"' in text(client.get(url("portal-check-in", dosed)))


def test_the_check_in_needs_a_blood_pressure_and_marks_the_call_now_items(
    signed_in: SignIn, approved: Patient, dosed: DosingSession, clock: time_machine.Coordinates
) -> None:
    after_observation(clock, dosed)
    client = signed_in(approved.user)
    form = text(client.get(url("portal-check-in", dosed)))
    call_now = f'<strong class="call-now-mark">Call {approved.clinic.emergency_number} now</strong>'
    for label in ("Chest pain", "Trouble breathing", "Fainted, or could not be woken"):
        assert f"{label} {call_now}" in form, label
    assert "Feeling sick (nausea)</span>" in form  # not marked
    assert form.index('class="call-first"') < form.index('name="feeling"')
    without = {k: v for k, v in CHECK_IN.items() if not k.startswith("post_")}
    response = client.post(url("portal-check-in", dosed), without)
    assert response.status_code == 400
    assert "Enter your blood pressure now: top number (systolic)." in text(response)
    assert not PostDoseCheckIn.objects.exists()


def test_an_emergency_at_the_check_in_is_first_on_the_session_page(
    signed_in: SignIn, approved: Patient, dosed: DosingSession, clock: time_machine.Coordinates
) -> None:
    after_observation(clock, dosed)
    client = signed_in(approved.user)
    answers = CHECK_IN | {"side_effects": ["chest_pain"]}
    done = client.post(url("portal-check-in", dosed), answers)
    assert done.status_code == 302
    alert = Alert.objects.get(patient=approved, cause=AlertCause.ADVERSE_EVENT)
    assert alert.severity == AlertSeverity.EMERGENCY
    page = text(client.get(done["Location"]))
    assert page.index('id="call-now"') < page.index("<h1")
    assert CALL_EMERGENCY_NOW in page


def test_an_urgent_check_in_says_the_care_team_will_call(
    signed_in: SignIn, approved: Patient, dosed: DosingSession, clock: time_machine.Coordinates
) -> None:
    after_observation(clock, dosed)
    client = signed_in(approved.user)
    done = client.post(url("portal-check-in", dosed), CHECK_IN | {"feeling": "very_unwell"})
    page = text(client.get(done["Location"]))
    assert "Your care team has been told how you are, and will call you." in page
    assert 'id="call-now"' not in page


# --- The end of the window ----------------------------------------------------------------


def test_the_sitter_confirms_from_their_own_sign_in(
    signed_in: SignIn,
    approved: Patient,
    robin: Sitter,
    dosed: DosingSession,
    clock: time_machine.Coordinates,
) -> None:
    checked_in(dosed, clock)
    patient_page = text(signed_in(approved.user).get(url("portal-session", dosed)))
    assert "Ask Robin Sitter to confirm you are alert and well from their phone" in patient_page
    assert "Waiting for Robin Sitter to confirm you are alert and well." in patient_page

    client = signed_in(robin.user)
    page = text(client.get(sitter_url("sitter-session", approved)))
    assert "Is Pat Approved alert and stable?" in page
    response = client.post(sitter_url("sitter-release", approved), {"stable": "yes"})
    assert response.status_code == 302
    dosed.refresh_from_db()
    assert (dosed.status, dosed.released_by_sitter) == (SessionStatus.RELEASED, robin)
    assert "Ended</span> at 20:00" in text(client.get(sitter_url("sitter-session", approved)))

    done = text(signed_in(approved.user).get(url("portal-session", dosed)))
    assert "Your session is over" in done
    assert "until tomorrow, after you have slept" in done
    assert "Robin Sitter confirmed you are alert and well at 20:00." in done
    today = text(signed_in(approved.user).get(reverse("portal-today")))
    assert "You took your dose at" not in today  # the window is closed


def test_a_sitter_who_is_not_sure_pages_the_clinic_and_is_told_what_to_do(
    signed_in: SignIn,
    approved: Patient,
    robin: Sitter,
    dosed: DosingSession,
    clock: time_machine.Coordinates,
) -> None:
    checked_in(dosed, clock)
    client = signed_in(robin.user)
    response = client.post(
        sitter_url("sitter-release", approved), {"stable": "no", "note": "Very sleepy"}
    )
    assert response.status_code == 302
    alert = Alert.objects.get(patient=approved, cause=AlertCause.SITTER_NOT_RELEASED)
    assert alert.severity == AlertSeverity.URGENT
    page = text(client.get(response["Location"]))
    assert "The clinic&#x27;s on-call clinician is being paged now" in page
    assert "The on-call clinician has been paged and will call you." in page
    assert f'class="button danger" href="tel:{approved.clinic.emergency_number}"' in page
    patient_page = text(signed_in(approved.user).get(url("portal-session", dosed)))
    assert "Robin Sitter could not confirm that you are alert and well." in patient_page


def test_the_sitter_may_say_they_cannot_confirm_before_the_check_in(
    signed_in: SignIn, approved: Patient, robin: Sitter, dosed: DosingSession
) -> None:
    client = signed_in(robin.user)
    page = text(client.get(sitter_url("sitter-session", approved)))
    assert "I cannot confirm Pat Approved is alert and stable" in page
    assert "Is Pat Approved alert and stable?" not in page  # not before the check-in
    client.post(sitter_url("sitter-release", approved), {"stable": "no"})
    dosed.refresh_from_db()
    assert dosed.release_stable is False
    assert dosed.status == SessionStatus.DOSED  # the window stays open
    # "Yes" before the check-in is refused, with words.
    response = client.post(sitter_url("sitter-release", approved), {"stable": "yes"})
    assert response.status_code == 409
    assert "The patient checks in first" in text(response)


def test_a_sitter_without_a_sign_in_releases_with_a_code_on_the_patients_device(
    signed_in: SignIn,
    clinic: Clinic,
    approved: Patient,
    stocked: Dispense,
    clock: time_machine.Coordinates,
) -> None:
    kim = SitterFactory(clinic=clinic, patients=[approved], user=None, name="Kim Phone")
    client = signed_in(approved.user)
    services.send_sitter_code(approved.user, approved, kim)
    services.confirm_presence_with_code(approved.user, approved, kim, code=texted_code(kim.phone))
    session = services.record_dose_taken(
        approved.user,
        ready_session(approved.user, approved, with_sitter=False),
        DoseSpec(dose_mg=100),
    )
    checked_in(session, clock)
    page = text(client.get(url("portal-session", session)))
    assert "Text Kim Phone a release code" in page
    assert "Ask Kim Phone to confirm" not in page

    sent = client.post(url("portal-release-code", session), {"sitter": kim.pk})
    assert sent.status_code == 302
    page = text(client.get(url("portal-session", session)))
    assert "Kim Phone: type the code we texted you" in page
    wrong = client.post(
        url("portal-release", session), {"sitter": kim.pk, "code": "12345x", "stable": "yes"}
    )
    assert wrong.status_code == 400
    released = client.post(
        url("portal-release", session),
        {"sitter": kim.pk, "code": texted_code(kim.phone), "stable": "yes"},
    )
    assert released.status_code == 302
    session.refresh_from_db()
    assert (session.status, session.released_by_sitter, session.released_by) == (
        SessionStatus.RELEASED,
        kim,
        approved.user,
    )


def test_a_wrong_release_code_is_refused_and_nothing_ends(
    signed_in: SignIn,
    approved: Patient,
    robin: Sitter,
    dosed: DosingSession,
    clock: time_machine.Coordinates,
) -> None:
    checked_in(dosed, clock)
    client = signed_in(approved.user)
    client.post(url("portal-release-code", dosed), {"sitter": robin.pk})
    wrong = "000000" if texted_code(robin.phone) != "000000" else "111111"
    response = client.post(
        url("portal-release", dosed), {"sitter": robin.pk, "code": wrong, "stable": "yes"}
    )
    assert response.status_code == 409
    assert "That is not a code waiting for Robin Sitter" in text(response)
    dosed.refresh_from_db()
    assert dosed.status == SessionStatus.CHECKED_IN


# --- Who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["portal-reading", "portal-release-code", "portal-release"])
@pytest.mark.parametrize("who", ["other_patient", "clinician", "outsider", "robin"])
def test_the_new_session_pages_are_the_patients_own(
    request: pytest.FixtureRequest, signed_in: SignIn, dosed: DosingSession, name: str, who: str
) -> None:
    robin = request.getfixturevalue("robin")
    found = request.getfixturevalue(who)
    client = signed_in(found.user if isinstance(found, Patient | Sitter) else found)
    data = {"sitter": robin.pk, "code": "123456", "stable": "no"}
    data |= {"systolic_mmhg": "120", "diastolic_mmhg": "80"}
    assert client.post(url(name, dosed), data).status_code == 404
    assert client.get(url(name, dosed)).status_code == 405
    dosed.refresh_from_db()
    assert (dosed.status, dosed.release_stable) == (SessionStatus.DOSED, None)
    assert not PostDoseReading.objects.exists()


@pytest.mark.parametrize("who", ["approved", "clinician", "outsider", "stranger_sitter"])
def test_only_the_patients_sitter_releases(
    request: pytest.FixtureRequest, signed_in: SignIn, dosed: DosingSession, who: str
) -> None:
    found = request.getfixturevalue(who)
    client = signed_in(found.user if isinstance(found, Patient | Sitter) else found)
    response = client.post(sitter_url("sitter-release", dosed.patient), {"stable": "no"})
    assert response.status_code == 404
    dosed.refresh_from_db()
    assert dosed.release_stable is None


def test_the_sitter_sees_due_times_but_no_values(
    signed_in: SignIn,
    approved: Patient,
    robin: Sitter,
    dosed: DosingSession,
    clock: time_machine.Coordinates,
) -> None:
    clock.shift(timedelta(minutes=40))
    services.record_post_dose_reading(
        approved.user, dosed, ReadingSpec(systolic_mmhg=152, diastolic_mmhg=96)
    )
    html = text(signed_in(robin.user).get(sitter_url("sitter-session", approved)))
    assert "To measure again</span> at <time" in html
    assert "152" not in html
    assert "higher than it should be" not in html
    assert "Blood pressure after the dose" in html
