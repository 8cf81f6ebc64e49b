"""Holds on dosing on the chart: which, since when, why; a clinician clears one with a note."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ketacare.accounts.models import User
from ketacare.alerts.models import Alert, AlertCause, AlertStatus
from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.audit.models import AuditAction
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment.models import DosingClearance
from tests.web.helpers import audit
from tests.web.workspace.conftest import make_patient

# A PHQ-9 with item 9 answered "several days": a suicidality alert, a hold on dosing.
ITEM_9 = [1, 1, 1, 1, 1, 1, 1, 1, 1]


@pytest.fixture
def held(clinic) -> Patient:
    patient = make_patient(clinic, "Hal Held", with_account=True, phase=Phase.APPROVED.value)
    submit_questionnaire(patient.user, patient, questionnaire(instrument="phq9", answers=ITEM_9))
    return patient


def chart(patient: Patient) -> str:
    return reverse("ws-chart", kwargs={"patient_id": patient.pk})


def clear(patient: Patient) -> str:
    return reverse("ws-clear-hold", kwargs={"patient_id": patient.pk})


def test_the_chart_shows_the_hold_with_its_reason_and_a_form(alice_client: Client, held: Patient):
    html = alice_client.get(chart(held)).content.decode()
    assert "Holds on dosing" in html
    assert '<span class="sev sev-urgent">Suicidality</span> since' in html
    assert "an unresolved urgent suicidality alert" in html
    assert 'name="hold" value="suicidality"' in html
    assert "Clear for dosing" in html


def test_a_clinician_clears_the_hold_with_a_note(
    alice_client: Client, held: Patient, clinician: User
):
    response = alice_client.post(
        clear(held), {"hold": "suicidality", "note": "Called Hal: safe, plan agreed."}
    )
    assert response.status_code == 302
    assert response["Location"] == chart(held) + "#h-holds"
    clearance = DosingClearance.objects.get(patient=held)
    assert (clearance.hold, clearance.cleared_by) == ("suicidality", clinician)
    # The clearance resolves the hold's alert; the chart says there is no hold.
    alert = Alert.objects.get(patient=held, cause=AlertCause.SUICIDALITY)
    assert alert.status == AlertStatus.RESOLVED
    page = alice_client.get(chart(held)).content.decode()
    assert "None: the pre-dose checklist decides." in page
    assert "Cleared for dosing: suicidality hold" in page
    assert audit(action=AuditAction.CREATE, object_type="treatment.DosingClearance")


def test_a_note_is_required(alice_client: Client, held: Patient):
    response = alice_client.post(clear(held), {"hold": "suicidality", "note": ""})
    assert response.status_code == 400
    assert "Say what you reviewed and decided." in response.content.decode()
    assert not DosingClearance.objects.exists()


def test_a_coordinator_sees_the_hold_without_the_form_and_cannot_clear(
    client: Client, held: Patient, coordinator: User
):
    client.force_login(coordinator)
    html = client.get(chart(held)).content.decode()
    assert '<span class="sev sev-urgent">Suicidality</span>' in html
    assert 'name="hold"' not in html
    assert "A clinician or prescriber clears this hold" in html
    response = client.post(clear(held), {"hold": "suicidality", "note": "Looks fine to me."})
    assert response.status_code == 403
    assert not DosingClearance.objects.exists()


def test_a_prescriber_may_clear(client: Client, held: Patient, prescriber: User):
    client.force_login(prescriber)
    response = client.post(clear(held), {"hold": "suicidality", "note": "Reviewed by phone."})
    assert response.status_code == 302
    assert DosingClearance.objects.get().cleared_by == prescriber


@pytest.mark.parametrize("who", ["outsider", "patient"])
def test_another_clinic_or_a_patient_cannot_clear(
    request: pytest.FixtureRequest, client: Client, held: Patient, who: str
):
    found = request.getfixturevalue(who)
    client.force_login(found.user if isinstance(found, Patient) else found)
    response = client.post(clear(held), {"hold": "suicidality", "note": "x"})
    assert response.status_code in {403, 404}
    assert client.get(chart(held)).status_code in {403, 404}
    assert not DosingClearance.objects.exists()


def test_the_hold_and_clearance_pages_take_only_post(alice_client: Client, held: Patient):
    assert alice_client.get(clear(held)).status_code == 405
