"""The dose on the session page: now, refused at dose time, already taken, another amount."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from ketacare.alerts.models import Alert, AlertCause
from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.patients.models import Patient
from ketacare.treatment.models import Dispense, DosingSession, SessionStatus
from tests.treatment.helpers import balance, ready_session
from tests.web.portal.helpers import text

pytestmark = pytest.mark.django_db

SignIn = Callable[[Any], Client]


def _dose(session: DosingSession) -> str:
    return reverse("portal-dose-taken", kwargs={"session_id": session.pk})


def _page(session: DosingSession) -> str:
    return reverse("portal-session", kwargs={"session_id": session.pk})


def test_the_ready_page_offers_the_dose_now_and_another_amount(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    session = ready_session(approved.user, approved)
    html = text(signed_in(approved.user).get(_page(session)))
    assert "I am taking my dose now" in html
    assert "<summary>I took a different amount</summary>" in html
    assert '<label for="id_units">How many troches did you take?' in html
    assert 'step="0.5"' in html  # scored troches: halves allowed
    assert "Halves are fine" in html
    assert "I have already taken it" not in html


def test_a_dose_refused_at_dose_time_says_why_and_offers_already_taken(
    signed_in: SignIn, approved: Patient, stocked: Dispense, clock: time_machine.Coordinates
) -> None:
    session = ready_session(approved.user, approved)
    clock.shift(timedelta(minutes=61))  # the checklist authorises a dose for 60 minutes
    client = signed_in(approved.user)
    response = client.post(_dose(session))
    assert response.status_code == 409
    html = text(response)
    assert "Please do not take your dose now" in html
    assert "Your checklist is too old." in html
    assert "Do the checklist again" in html
    assert "UTC" not in html
    assert "checklist_expired" not in html
    assert 'id="crisis-first"' not in html
    assert "I have already taken it" in html
    assert "your care team will be told straight away and will call you" in html
    session.refresh_from_db()
    assert (session.status, balance(approved)) == (SessionStatus.READY, 8)

    # The patient had taken it: recorded against the gate, and the team is paged.
    taken = client.post(_dose(session), {"already_taken": "True"})
    assert taken.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.DOSED
    assert session.against_gate
    assert balance(approved) == 6
    assert Alert.objects.filter(patient=approved, cause=AlertCause.DOSE_AGAINST_GATE).exists()
    page = text(client.get(_page(session)))
    assert "You took it although the checklist said not to." in page


def test_a_suicidality_signal_since_the_checklist_puts_crisis_help_first_at_dose_time(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    session = ready_session(approved.user, approved)
    submit_questionnaire(approved.user, approved, questionnaire(instrument="phq9", answers=[1] * 9))
    html = text(signed_in(approved.user).post(_dose(session)))
    assert html.index('id="crisis-first"') < html.index('class="findings"')
    assert "What you told us about thoughts of death or suicide." in html


@pytest.mark.parametrize(
    ("units", "taken"),
    [("2", (Decimal(100), True, 6)), ("1.5", (Decimal(75), False, Decimal("6.5")))],
)
@pytest.mark.usefixtures("stocked")
def test_another_amount_is_recorded_in_mg(
    signed_in: SignIn, approved: Patient, units: str, taken: tuple[Decimal, bool, Decimal]
) -> None:
    dose_mg, as_planned, left = taken
    session = ready_session(approved.user, approved)
    response = signed_in(approved.user).post(_dose(session), {"units": units})
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.dose_mg, session.as_planned) == (dose_mg, as_planned)
    assert balance(approved) == left
    if not as_planned:
        page = text(signed_in(approved.user).get(_page(session)))
        assert "You took 75 mg; your plan's dose is 100 mg." in page


@pytest.mark.parametrize(
    ("units", "message"),
    [
        ("1.25", "Type a whole number of troches, or a half."),
        ("0", "Type the number of troches you took."),
        ("two", "Type the number of troches."),
    ],
)
def test_an_amount_the_product_cannot_make_is_refused_on_its_field(
    signed_in: SignIn, approved: Patient, stocked: Dispense, units: str, message: str
) -> None:
    session = ready_session(approved.user, approved)
    response = signed_in(approved.user).post(_dose(session), {"units": units})
    assert response.status_code == 400
    assert message in text(response)
    assert 'aria-describedby="id_units_error id_units_helptext"' in text(response)
    session.refresh_from_db()
    assert session.status == SessionStatus.READY


def test_a_held_checklist_may_still_report_a_dose_already_taken(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    failed = ready_session(approved.user, approved, fasted=False)
    client = signed_in(approved.user)
    html = text(client.get(_page(failed)))
    assert "<summary>I have already taken my dose</summary>" in html
    assert client.post(_dose(failed), {"already_taken": "True"}).status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.against_gate) == (SessionStatus.DOSED, True)
    # Once a dose is recorded today, no other held checklist offers it again.
    second = ready_session(approved.user, approved)
    assert "I have already taken my dose" not in text(client.get(_page(second)))


def test_another_patient_cannot_post_a_dose_amount(
    signed_in: SignIn, approved: Patient, stocked: Dispense, other_patient: Patient
) -> None:
    session = ready_session(approved.user, approved)
    response = signed_in(other_patient.user).post(_dose(session), {"already_taken": "True"})
    assert response.status_code == 404
    session.refresh_from_db()
    assert session.status == SessionStatus.READY
