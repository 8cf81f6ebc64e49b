"""The session flow: checklist and gate, the dose, the window's countdowns, the check-in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from ketacare.audit.models import AuditAction
from ketacare.clinical.vitals import BP_DELAY_GATE_MMHG
from ketacare.patients.models import Patient
from ketacare.treatment import sessions
from ketacare.treatment.models import (
    Dispense,
    DosingSession,
    PostDoseCheckIn,
    SessionStatus,
    TreatmentPlan,
)
from ketacare.treatment.specs.sessions import DoseSpec
from tests.treatment.helpers import NOW, after_observation, balance, ready_session, sitter_here
from tests.web.helpers import audit
from tests.web.portal.helpers import CHECK_IN, CHECKLIST, external_urls, text

pytestmark = pytest.mark.django_db

SignIn = Callable[[Any], Client]


def _start(client: Client, **changes: str) -> Any:
    return client.post(reverse("portal-session-start"), CHECKLIST | changes)


def test_the_checklist_renders_with_the_plans_dose_and_the_bp_limit(
    signed_in: SignIn, approved: Patient, plan: TreatmentPlan
) -> None:
    response = signed_in(approved.user).get(reverse("portal-session-start"))
    assert response.status_code == 200
    html = text(response)
    assert "100 mg" in html
    # The limit comes from the plan's rules (clinical.vitals defaults), not the template.
    assert "{}/{} mmHg".format(*BP_DELAY_GATE_MMHG) in html
    assert '<legend>Is your sitter with you now? <span class="req"' in html
    # The sitter confirms themself: no name to type.
    assert 'name="sitter_name"' not in html
    assert "<legend>Questions about thoughts of suicide</legend>" in html
    assert external_urls(html) == []


def test_a_failed_gate_explains_why_and_what_to_do_and_keeps_the_input(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    response = _start(
        signed_in(approved.user), systolic_mmhg="165", diastolic_mmhg="95", sitter_present="no"
    )
    assert response.status_code == 200
    html = text(response)
    # Stored as the service stores it: gate_failed, with every finding.
    session = DosingSession.objects.get(patient=approved)
    assert session.status == SessionStatus.GATE_FAILED
    assert session.systolic_mmhg == 165
    assert len(session.gate_findings) >= 2
    causes = {f["cause"] for f in session.gate_findings}
    assert {"bp_gate_failed", "sitter_absent"} <= causes
    assert "Please do not take your dose yet" in html
    # Each reason with its next step, in the patient's words; the care team's message
    # (limits, clinical names, times with a zone) stays on the staff pages.
    for finding in session.gate_findings:
        assert escape(finding["next_step"]) in html
        assert escape(finding["message"]) not in html
    assert "Your blood pressure is too high right now." in html
    assert "Your sitter has not confirmed being with you." in html
    # The input is kept.
    assert 'value="165"' in html
    assert 'value="95"' in html
    assert 'value="no" id="id_sitter_present_1" required checked' in html
    # No dose button: the session cannot be dosed.
    assert "I am taking my dose now" not in html


def test_bad_input_is_refused_with_nothing_stored(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    response = _start(signed_in(approved.user), systolic_mmhg="", fasted="")
    assert response.status_code == 400
    html = text(response)
    assert "Please correct the fields marked below." in html
    assert 'href="#id_systolic_mmhg"' in html
    assert 'aria-describedby="id_systolic_mmhg_error"' in html
    assert 'value="80"' in html
    assert not DosingSession.objects.filter(patient=approved).exists()


def test_a_reading_the_service_refuses_is_shown_on_its_field(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    # Diastolic above systolic: clinical.vitals says the two were probably swapped.
    response = _start(signed_in(approved.user), systolic_mmhg="80", diastolic_mmhg="120")
    assert response.status_code == 400
    assert "probably swapped" in text(response)
    assert not DosingSession.objects.filter(patient=approved).exists()


def test_the_passing_path_through_dose_and_check_in(
    signed_in: SignIn, approved: Patient, stocked: Dispense, clock: time_machine.Coordinates
) -> None:
    sitter_here(approved)
    client = signed_in(approved.user)
    started = _start(client)
    session = DosingSession.objects.get(patient=approved)
    assert session.status == SessionStatus.READY
    assert started.status_code == 302
    assert started["Location"] == reverse("portal-session", kwargs={"session_id": session.pk})

    page = text(client.get(started["Location"]))
    assert "100 mg" in page
    assert "That is <strong>2 troches of 50 mg</strong> from your supply." in page
    assert "tablet" not in page
    assert "I am taking my dose now" in page

    dosed = client.post(reverse("portal-dose-taken", kwargs={"session_id": session.pk}))
    assert dosed.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.DOSED
    assert session.taken_at == NOW
    assert balance(approved) == 6

    # The window's countdowns, from the times the service set, in seconds left.
    clock.shift(timedelta(minutes=30))
    page = text(client.get(reverse("portal-session", kwargs={"session_id": session.pk})))
    assert "Due at <time" in page
    assert ">18:40</time>" in page
    assert 'data-remaining-seconds="600"' in page  # the blood pressure at 40 minutes
    assert "Opens at <time" in page
    assert ">20:00</time>" in page
    assert 'data-remaining-seconds="5400"' in page  # the check-in, 2 h after the dose
    assert (
        f'datetime="{session.observation_ends_at.astimezone(approved_zone(approved)).isoformat()}"'
        in page
    )
    assert 'hx-trigger="every 60s"' in page
    # Before the check-in opens: no link to it, and a word to stay with the sitter.
    assert reverse("portal-check-in", kwargs={"session_id": session.pk}) not in page
    assert "Until then, rest and stay with your sitter." in page
    fragment = client.get(reverse("portal-session-status", kwargs={"session_id": session.pk}))
    assert 'data-remaining-seconds="5400"' in text(fragment)
    assert "<html" not in text(fragment)

    after_observation(clock, session)
    form = client.get(reverse("portal-check-in", kwargs={"session_id": session.pk}))
    assert form.status_code == 200
    assert text(form).count('type="radio" name="cadss6_') == 6 * 5

    done = client.post(reverse("portal-check-in", kwargs={"session_id": session.pk}), CHECK_IN)
    assert done.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.CHECKED_IN
    check_in = PostDoseCheckIn.objects.get(session=session)
    assert check_in.feeling == "well"
    assert check_in.cadss6_total == 0
    assert (check_in.systolic_mmhg, check_in.diastolic_mmhg) == (124, 80)
    page = text(client.get(done["Location"]))
    assert "Ending the observation" in page
    sitter = session.sitter
    assert sitter is not None
    assert f"Ask {sitter.name} to confirm you are alert and well from their phone" in page


def approved_zone(patient: Patient) -> ZoneInfo:
    return ZoneInfo(str(patient.timezone))


def test_the_check_in_needs_every_cadss6_answer(
    signed_in: SignIn, approved: Patient, stocked: Dispense, clock: time_machine.Coordinates
) -> None:
    session = sessions.record_dose_taken(
        approved.user, ready_session(approved.user, approved), DoseSpec(dose_mg=100)
    )
    after_observation(clock, session)
    partial = {k: v for k, v in CHECK_IN.items() if k != "cadss6_4"}
    response = signed_in(approved.user).post(
        reverse("portal-check-in", kwargs={"session_id": session.pk}), partial
    )
    assert response.status_code == 400
    assert "Choose the answer that fits best." in text(response)
    assert 'value="well"' in text(response)
    assert not PostDoseCheckIn.objects.filter(session=session).exists()


def test_a_high_bp_rise_and_high_dissociation_say_the_clinic_was_told(
    signed_in: SignIn, approved: Patient, stocked: Dispense, clock: time_machine.Coordinates
) -> None:
    session = sessions.record_dose_taken(
        approved.user, ready_session(approved.user, approved), DoseSpec(dose_mg=100)
    )
    after_observation(clock, session)
    answers = CHECK_IN | {f"cadss6_{n}": "4" for n in range(1, 7)}
    answers |= {"post_systolic_mmhg": "170", "post_diastolic_mmhg": "100"}
    client = signed_in(approved.user)
    done = client.post(reverse("portal-check-in", kwargs={"session_id": session.pk}), answers)
    assert done.status_code == 302
    page = text(client.get(done["Location"]))
    assert "Your blood pressure went up more than expected" in page
    assert "You felt very detached" in page
    assert page.count("Your care team has been told") >= 2


def test_a_second_dose_on_the_same_session_is_refused_with_words(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    session = ready_session(approved.user, approved)
    client = signed_in(approved.user)
    url = reverse("portal-dose-taken", kwargs={"session_id": session.pk})
    client.post(url)
    again = client.post(url)
    assert again.status_code == 409
    assert "recorded already" in text(again)
    assert balance(approved) == 6


def test_the_session_page_audits_the_read(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    session = ready_session(approved.user, approved)
    signed_in(approved.user).get(reverse("portal-session", kwargs={"session_id": session.pk}))
    entries = audit(action=AuditAction.READ, object_id=str(session.pk))
    assert entries
    assert entries[-1].detail["via"] == "portal session"


@pytest.mark.parametrize(
    "name", ["portal-session", "portal-session-status", "portal-check-in", "portal-adverse-event"]
)
def test_another_patients_session_is_a_404(
    signed_in: SignIn, approved: Patient, stocked: Dispense, other_patient: Patient, name: str
) -> None:
    session = ready_session(approved.user, approved)
    url = reverse(name, kwargs={"session_id": session.pk})
    assert signed_in(other_patient.user).get(url).status_code == 404


@pytest.mark.parametrize("who", ["clinician", "outsider"])
def test_staff_get_a_404_on_the_session_pages(
    request: pytest.FixtureRequest,
    signed_in: SignIn,
    approved: Patient,
    stocked: Dispense,
    who: str,
) -> None:
    session = ready_session(approved.user, approved)
    client = signed_in(request.getfixturevalue(who))
    assert (
        client.get(reverse("portal-session", kwargs={"session_id": session.pk})).status_code == 404
    )
    assert client.get(reverse("portal-session-start")).status_code == 404
    dose = client.post(reverse("portal-dose-taken", kwargs={"session_id": session.pk}))
    assert dose.status_code == 404
    session.refresh_from_db()
    assert session.status == SessionStatus.READY


def test_another_patient_cannot_record_a_dose(
    signed_in: SignIn, approved: Patient, stocked: Dispense, other_patient: Patient
) -> None:
    session = ready_session(approved.user, approved)
    url = reverse("portal-dose-taken", kwargs={"session_id": session.pk})
    assert signed_in(other_patient.user).post(url).status_code == 404
    session.refresh_from_db()
    assert session.status == SessionStatus.READY


def test_a_late_check_in_is_saved_and_said_to_be_fine(
    signed_in: SignIn, approved: Patient, stocked: Dispense, clock: time_machine.Coordinates
) -> None:
    session = ready_session(approved.user, approved)
    sessions.record_dose_taken(approved.user, session, DoseSpec(dose_mg=100))
    clock.shift(timedelta(hours=3))
    client = signed_in(approved.user)
    page = text(client.get(reverse("portal-session", kwargs={"session_id": session.pk})))
    assert "The check-in time has passed" in page
    assert "data-remaining-seconds" not in page
    done = client.post(reverse("portal-check-in", kwargs={"session_id": session.pk}), CHECK_IN)
    assert PostDoseCheckIn.objects.get(session=session).late
    assert "Your check-in came after the time asked" in text(client.get(done["Location"]))


def test_the_status_fragment_answers_htmx_alone(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    session = ready_session(approved.user, approved)
    sessions.record_dose_taken(approved.user, session, DoseSpec(dose_mg=100))
    url = reverse("portal-session-status", kwargs={"session_id": session.pk})
    response = signed_in(approved.user).get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = text(response)
    assert html.lstrip().startswith('<div id="session-status"')
    assert 'data-remaining-seconds="2400"' in html  # the blood pressure, 40 min after
    assert 'data-remaining-seconds="7200"' in html  # the check-in opens, 2 h after
    assert "<form" not in html  # a refresh never wipes what the patient is typing


def test_the_check_in_form_is_only_for_a_dosed_session(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    session = ready_session(approved.user, approved)
    url = reverse("portal-check-in", kwargs={"session_id": session.pk})
    client = signed_in(approved.user)
    assert client.get(url)["Location"] == reverse(
        "portal-session", kwargs={"session_id": session.pk}
    )
    client.post(url, CHECK_IN)
    assert not PostDoseCheckIn.objects.exists()


def test_today_with_a_passed_checklist_leads_to_the_session_not_a_new_one(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    session = ready_session(approved.user, approved)
    html = text(signed_in(approved.user).get(reverse("portal-today")))
    assert reverse("portal-session", kwargs={"session_id": session.pk}) in html
    assert "Start the pre-dose checklist" not in html


def test_the_error_summary_links_to_the_first_choice_of_a_radio_group(
    signed_in: SignIn, approved: Patient, stocked: Dispense, clock: time_machine.Coordinates
) -> None:
    session = sessions.record_dose_taken(
        approved.user, ready_session(approved.user, approved), DoseSpec(dose_mg=100)
    )
    after_observation(clock, session)
    url = reverse("portal-check-in", kwargs={"session_id": session.pk})
    html = text(signed_in(approved.user).post(url, {"feeling": "well"}))
    assert 'href="#id_cadss6_1_0"' in html
    assert 'href="#"' not in html
