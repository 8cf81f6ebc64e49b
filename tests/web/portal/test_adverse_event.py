"""Reporting an adverse event: emergency guidance first, the report stored and graded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketacare.alerts.models import Alert
from ketacare.patients.models import Patient
from ketacare.treatment.models import AdverseEvent, Dispense
from tests.treatment.helpers import ready_session
from tests.web.portal.helpers import external_urls, text

pytestmark = pytest.mark.django_db

SignIn = Callable[[Any], Client]
REPORT = {
    "description": "Felt faint and fell over in the kitchen.",
    "severity": "severe",
    "serious": "no",
    "outcome": "recovering",
}


def test_the_form_shows_the_emergency_guidance_first(signed_in: SignIn, approved: Patient) -> None:
    html = text(signed_in(approved.user).get(reverse("portal-adverse-event-any")))
    assert html.index("Is it an emergency?") < html.index("Tell your care team what happened")
    assert approved.clinic.emergency_number in html
    assert external_urls(html) == []


def test_a_report_of_a_session_is_stored_and_the_clinic_told(
    signed_in: SignIn, approved: Patient, stocked: Dispense
) -> None:
    session = ready_session(approved.user, approved)
    client = signed_in(approved.user)
    url = reverse("portal-adverse-event", kwargs={"session_id": session.pk})
    response = client.post(url, REPORT)
    event = AdverseEvent.objects.get(patient=approved)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "portal-adverse-event-done", kwargs={"event_id": event.pk}
    )
    assert event.session == session
    assert event.severity == "severe"
    assert event.finding["severity"] == "urgent"
    assert Alert.objects.filter(patient=approved).exists()
    done = text(client.get(response["Location"]))
    assert "Your care team has been told" in done
    assert approved.clinic.on_call_phone in done


def test_a_life_threatening_event_says_call_the_emergency_number(
    signed_in: SignIn, approved: Patient
) -> None:
    client = signed_in(approved.user)
    report = REPORT | {"severity": "life_threatening", "serious": "yes"}
    response = client.post(reverse("portal-adverse-event-any"), report)
    done = text(client.get(response["Location"]))
    assert f"Call {approved.clinic.emergency_number} now" in done


def test_a_life_threatening_event_not_called_serious_is_refused(
    signed_in: SignIn, approved: Patient
) -> None:
    report = REPORT | {"severity": "life_threatening", "serious": "no"}
    response = signed_in(approved.user).post(reverse("portal-adverse-event-any"), report)
    assert response.status_code == 400
    assert "is serious" in text(response)
    assert "Felt faint and fell over" in text(response)
    assert not AdverseEvent.objects.exists()


def test_an_empty_report_is_refused(signed_in: SignIn, approved: Patient) -> None:
    response = signed_in(approved.user).post(reverse("portal-adverse-event-any"), {})
    assert response.status_code == 400
    assert "Describe what happened." in text(response)
    assert not AdverseEvent.objects.exists()


def test_another_patients_report_is_a_404(
    signed_in: SignIn, approved: Patient, other_patient: Patient
) -> None:
    client = signed_in(approved.user)
    client.post(reverse("portal-adverse-event-any"), REPORT)
    event = AdverseEvent.objects.get()
    url = reverse("portal-adverse-event-done", kwargs={"event_id": event.pk})
    assert signed_in(other_patient.user).get(url).status_code == 404
