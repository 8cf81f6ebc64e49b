"""The sitter view: presence, the check-in status and deadline, emergency numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.http import Http404
from django.test import Client
from django.urls import reverse

from ketacare.audit.models import AuditAction
from ketacare.patients.errors import NotAllowed
from ketacare.patients.models import Patient, Sitter
from ketacare.patients.phases import Phase
from ketacare.treatment import sessions
from ketacare.treatment.models import Dispense, SitterPresence, TreatmentPlan
from tests.treatment.helpers import NOW, ready_session
from tests.web.helpers import audit
from tests.web.portal.helpers import CHECK_IN, external_urls, text

pytestmark = pytest.mark.django_db

SignIn = Callable[[Any], Client]


def _page(patient: Patient) -> str:
    return reverse("sitter-session", kwargs={"patient_id": patient.pk})


def test_the_sitter_sees_the_people_they_sit_for_and_the_emergency_numbers(
    signed_in: SignIn, robin: Sitter, approved: Patient, plan: TreatmentPlan
) -> None:
    response = signed_in(robin.user).get(reverse("sitter-home"))
    assert response.status_code == 200
    html = text(response)
    assert "Pat Approved" in html
    assert "Monday 3 March, 18:00" in html
    assert f'href="tel:{approved.clinic.emergency_number}"' in html
    assert f'href="tel:{approved.clinic.on_call_phone}"' in html
    assert external_urls(html) == []
    entry = audit(action=AuditAction.LIST, object_type="patients.Patient")[-1]
    assert entry.detail == {"via": "sitter home", "ids": [approved.pk]}


def test_confirming_presence_is_stored_audited_and_shown_on_the_checklist(
    signed_in: SignIn, robin: Sitter, approved: Patient, plan: TreatmentPlan
) -> None:
    client = signed_in(robin.user)
    assert "I am with Pat Approved now" in text(client.get(_page(approved)))
    url = reverse("sitter-confirm", kwargs={"patient_id": approved.pk})
    response = client.post(url)
    assert response.status_code == 302
    presence = SitterPresence.objects.get()
    assert (presence.patient, presence.sitter, presence.confirmed_by) == (
        approved,
        robin,
        robin.user,
    )
    assert presence.confirmed_at == NOW
    assert audit(action=AuditAction.CREATE, object_type="treatment.SitterPresence")
    page = text(client.get(response["Location"]))
    assert "Confirmed by Robin Sitter at 18:00" in page
    assert "I am with Pat Approved now" not in page
    # Twice the same day: still the first confirmation.
    client.post(url)
    assert SitterPresence.objects.count() == 1

    checklist = text(signed_in(approved.user).get(reverse("portal-session-start")))
    assert "Robin Sitter confirmed being with you at 18:00." in checklist
    assert 'value="Robin Sitter"' in checklist


def test_a_confirmation_of_yesterday_is_not_shown_today(
    signed_in: SignIn,
    robin: Sitter,
    approved: Patient,
    plan: TreatmentPlan,
    clock: time_machine.Coordinates,
) -> None:
    sessions.confirm_sitter_presence(robin.user, approved)
    clock.shift(timedelta(days=1))
    assert sessions.sitter_presence_today(approved, NOW + timedelta(days=1)) is None
    checklist = text(signed_in(approved.user).get(reverse("portal-session-start")))
    assert "confirmed being with you" not in checklist


def test_only_the_patients_own_sitters_may_confirm(
    robin: Sitter, stranger_sitter: Sitter, approved: Patient, plan: TreatmentPlan
) -> None:
    with pytest.raises((Http404, NotAllowed)):
        sessions.confirm_sitter_presence(stranger_sitter.user, approved)
    with pytest.raises(NotAllowed):
        sessions.confirm_sitter_presence(approved.user, approved)  # type: ignore[arg-type]
    assert not SitterPresence.objects.exists()


def test_the_sitter_sees_whether_the_check_in_is_done_but_not_its_answers(
    signed_in: SignIn, robin: Sitter, approved: Patient, stocked: Dispense
) -> None:
    session = ready_session(approved.user, approved)
    sessions.record_dose_taken(approved.user, session, dose_mg=100)
    client = signed_in(robin.user)
    html = text(client.get(_page(approved)))
    assert "Not done yet" in html
    assert "due by 20:00" in html
    assert 'data-remaining-seconds="7200"' in html

    patient_client = Client()
    patient_client.force_login(approved.user)
    answers = CHECK_IN | {"notes": "A very private note", "feeling": "very_unwell"}
    patient_client.post(reverse("portal-check-in", kwargs={"session_id": session.pk}), answers)
    html = text(client.get(_page(approved)))
    assert "Done" in html
    assert "A very private note" not in html
    assert "Very unwell" not in html
    assert "CADSS" not in html


def test_a_sitter_gets_a_404_for_someone_they_do_not_sit_for(
    signed_in: SignIn, stranger_sitter: Sitter, approved: Patient
) -> None:
    client = signed_in(stranger_sitter.user)
    assert client.get(_page(approved)).status_code == 404
    confirm = reverse("sitter-confirm", kwargs={"patient_id": approved.pk})
    assert client.post(confirm).status_code == 404
    assert not SitterPresence.objects.exists()


@pytest.mark.parametrize("who", ["approved", "clinician", "outsider"])
def test_non_sitters_get_a_404_on_the_sitter_pages(
    request: pytest.FixtureRequest, signed_in: SignIn, robin: Sitter, who: str
) -> None:
    found = request.getfixturevalue(who)
    user = found.user if isinstance(found, Patient) else found
    approved: Patient = request.getfixturevalue("approved")
    client = signed_in(user)
    assert client.get(reverse("sitter-home")).status_code == 404
    assert client.get(_page(approved)).status_code == 404


def test_the_sitter_page_audits_the_read(
    signed_in: SignIn, robin: Sitter, approved: Patient, plan: TreatmentPlan
) -> None:
    signed_in(robin.user).get(_page(approved))
    entry = audit(action=AuditAction.READ, patient_id=approved.pk)[-1]
    assert entry.detail == {"via": "sitter session"}
    assert entry.actor_id == robin.user.pk


def test_a_paused_patients_sitter_cannot_confirm(
    signed_in: SignIn, robin: Sitter, approved: Patient, plan: TreatmentPlan
) -> None:
    Patient.objects.filter(pk=approved.pk).update(
        phase=Phase.PAUSED.value, paused_from=Phase.INDUCTION.value
    )
    client = signed_in(robin.user)
    assert "I am with Pat Approved now" not in text(client.get(_page(approved)))
    response = client.post(reverse("sitter-confirm", kwargs={"patient_id": approved.pk}))
    assert response.status_code == 409
    assert "paused" in text(response)
    assert not SitterPresence.objects.exists()
