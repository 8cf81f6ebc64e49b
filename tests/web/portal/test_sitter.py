"""The sitter view: presence, where the window stands, the release, emergency numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from ketacare.audit.models import AuditAction
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.patients.models import Patient, Sitter
from ketacare.patients.phases import Phase
from ketacare.treatment import queries, services
from ketacare.treatment.models import Dispense, SitterPresence, TreatmentPlan
from ketacare.treatment.specs.sessions import DoseSpec
from tests.treatment.helpers import NOW, after_observation, ready_session
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
    signed_in: SignIn,
    robin: Sitter,
    approved: Patient,
    plan: TreatmentPlan,
    clock: time_machine.Coordinates,
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
    # Every press is a new confirmation; the page shows the latest.
    assert "I am with Pat Approved now" in page
    clock.shift(timedelta(minutes=5))
    client.post(url)
    assert SitterPresence.objects.count() == 2
    assert "Confirmed by Robin Sitter at 18:05" in text(client.get(_page(approved)))

    checklist = text(signed_in(approved.user).get(reverse("portal-session-start")))
    assert "Robin Sitter confirmed being with you at 18:05." in checklist
    assert 'value="yes" id="id_sitter_present_0" required checked' in checklist
    assert "Text Robin Sitter a code" not in checklist  # confirmed: no need


def test_a_confirmation_of_yesterday_is_not_shown_today(
    signed_in: SignIn,
    robin: Sitter,
    approved: Patient,
    plan: TreatmentPlan,
    clock: time_machine.Coordinates,
) -> None:
    services.confirm_sitter_presence(robin.user, approved)
    clock.shift(timedelta(days=1))
    assert queries.sitter_presence_today(approved, NOW + timedelta(days=1)) is None
    checklist = text(signed_in(approved.user).get(reverse("portal-session-start")))
    assert "confirmed being with you" not in checklist


def test_only_the_patients_own_sitters_may_confirm(
    robin: Sitter, stranger_sitter: Sitter, approved: Patient, plan: TreatmentPlan
) -> None:
    with pytest.raises((NotFound, NotAllowed)):
        services.confirm_sitter_presence(stranger_sitter.user, approved)
    with pytest.raises(NotAllowed):
        services.confirm_sitter_presence(approved.user, approved)  # type: ignore[arg-type]
    assert not SitterPresence.objects.exists()


def test_the_sitter_sees_whether_the_check_in_is_done_but_not_its_answers(
    signed_in: SignIn,
    robin: Sitter,
    approved: Patient,
    stocked: Dispense,
    clock: time_machine.Coordinates,
) -> None:
    session = services.record_dose_taken(
        approved.user, ready_session(approved.user, approved), DoseSpec(dose_mg=100)
    )
    client = signed_in(robin.user)
    html = text(client.get(_page(approved)))
    assert "Not done yet" in html
    assert ">20:00</time>" in html  # the check-in opens 2 h after the dose
    assert "due by 20:30" in html
    assert 'data-remaining-seconds="7200"' in html
    after_observation(clock, session)

    patient_client = Client()
    patient_client.force_login(approved.user)
    answers = CHECK_IN | {"notes": "A very private note", "feeling": "very_unwell"}
    patient_client.post(reverse("portal-check-in", kwargs={"session_id": session.pk}), answers)
    html = text(client.get(_page(approved)))
    assert "Done" in html
    assert "A very private note" not in html
    assert "Very unwell" not in html
    assert "CADSS" not in html
    assert "124/80" not in html  # the check-in's blood pressure


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
