"""The Today page: next session, tasks, crisis numbers, and who may see it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from ketacare.accounts.models import User
from ketacare.assessments.queries import due_questionnaires
from ketacare.audit.models import AuditAction
from ketacare.clinical import instruments
from ketacare.patients import services as patient_services
from ketacare.patients.models import Patient, Sitter
from ketacare.patients.specs import ConsentDocumentSpec
from ketacare.treatment import services
from ketacare.treatment.models import Dispense, TreatmentPlan
from ketacare.treatment.specs.sessions import CheckInSpec, DoseSpec, ReadingSpec
from tests.treatment.helpers import CHECK_IN_BP, NOW, after_observation, ready_session
from tests.web.helpers import audit
from tests.web.portal.helpers import external_urls, text

pytestmark = pytest.mark.django_db

SignIn = Callable[[Any], Client]


def test_it_shows_the_next_session_and_the_crisis_numbers(
    signed_in: SignIn, approved: Patient, plan: TreatmentPlan
) -> None:
    response = signed_in(approved.user).get(reverse("portal-today"))
    assert response.status_code == 200
    html = text(response)
    # The plan's first session: Monday 3 March 2025 at 18:00 in New York.
    assert "Monday 3 March, 18:00" in html
    assert "100 mg" in html
    assert "Start the pre-dose checklist" in html
    assert approved.clinic.emergency_number in html
    assert approved.clinic.on_call_phone in html
    assert external_urls(html) == []


def test_it_audits_the_read(signed_in: SignIn, approved: Patient, plan: TreatmentPlan) -> None:
    signed_in(approved.user).get(reverse("portal-today"))
    entries = audit(action=AuditAction.READ, patient_id=approved.pk)
    assert entries
    assert entries[-1].detail["via"] == "portal today"


def test_a_patient_in_screening_is_asked_for_their_intake(
    signed_in: SignIn, patient: Patient
) -> None:
    response = signed_in(patient.user).get(reverse("portal-today"))
    assert response.status_code == 200
    assert "Complete your intake form" in text(response)
    assert "Start the pre-dose checklist" not in text(response)


def test_an_unsigned_consent_is_a_task_and_can_be_signed(
    signed_in: SignIn, approved: Patient, plan: TreatmentPlan, clinic_admin: User
) -> None:
    text_v1 = ConsentDocumentSpec(title="Home treatment", body="Terms.")
    patient_services.publish_consent(clinic_admin, approved.clinic, text_v1)
    client = signed_in(approved.user)
    assert "Read and sign the treatment consent" in text(client.get(reverse("portal-today")))

    empty = client.post(reverse("portal-consent"), {"signature_name": ""})
    assert empty.status_code == 400
    assert "Type your full name to sign." in text(empty)
    assert not patient_services.has_current_consent(approved)

    signed = client.post(reverse("portal-consent"), {"signature_name": "Pat Approved"})
    assert signed.status_code == 302
    assert patient_services.has_current_consent(approved)
    assert "Read and sign" not in text(client.get(reverse("portal-today")))


def test_an_open_dose_shows_the_next_step_of_its_window(
    signed_in: SignIn, approved: Patient, stocked: Dispense, clock: time_machine.Coordinates
) -> None:
    session = services.record_dose_taken(
        approved.user, ready_session(approved.user, approved), DoseSpec(dose_mg=100)
    )
    client = signed_in(approved.user)
    html = text(client.get(reverse("portal-today")))
    # 18:00 in New York: the blood pressure is due 40 minutes after the dose.
    assert "measure your blood pressure at <time" in html
    assert ">18:40</time>" in html
    assert 'data-remaining-seconds="2400"' in html
    assert "Check in now" not in html
    assert "Start the pre-dose checklist" not in html

    clock.shift(timedelta(minutes=40))
    services.record_post_dose_reading(
        approved.user, session, ReadingSpec(systolic_mmhg=128, diastolic_mmhg=82)
    )
    html = text(client.get(reverse("portal-today")))
    assert "your check-in opens at <time" in html
    assert ">20:00</time>" in html
    assert "Check in now" not in html

    after_observation(clock, session)
    html = text(client.get(reverse("portal-today")))
    assert "Check in now" in html
    assert "by 20:30" in html
    assert "Start the pre-dose checklist" not in html

    services.record_check_in(
        approved.user, session, CheckInSpec(feeling="well", blood_pressure=CHECK_IN_BP)
    )
    html = text(client.get(reverse("portal-today")))
    assert f"waiting for {session.sitter.name} to confirm you are alert and well" in html
    assert "Start the pre-dose checklist" not in html  # the window is still open


@pytest.mark.parametrize("who", ["clinician", "outsider"])
def test_staff_get_a_404(request: pytest.FixtureRequest, signed_in: SignIn, who: str) -> None:
    user = request.getfixturevalue(who)
    assert signed_in(user).get(reverse("portal-today")).status_code == 404


def test_a_sitter_gets_a_404(signed_in: SignIn, robin: Sitter) -> None:
    assert signed_in(robin.user).get(reverse("portal-today")).status_code == 404


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("portal-today"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_due_questionnaires_link_to_the_questionnaire_page(
    signed_in: SignIn, approved: Patient, plan: TreatmentPlan
) -> None:
    due = due_questionnaires(approved, at=NOW)
    assert due, "the approved patient has questionnaires due at the first session"
    html = text(signed_in(approved.user).get(reverse("portal-today")))
    for item in due:
        url = reverse("portal-questionnaire", kwargs={"instrument": item.instrument})
        assert f'href="{url}"' in html
        assert escape(instruments.get(item.instrument).title) in html
