"""The staff pages of a screening lead's follow-up, and a lead's alert in the workspace.

Notes and statuses on the lead's page, "Convert to patient" through the registration
form, and the "call today" alert (no patient) in the inbox, on its own page and beside
the panel. Every page keeps to the clinic: another clinic's lead or alert is a 404.
"""

from __future__ import annotations

import pytest
from django.test import Client

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import Alert, AlertStatus, OnCallRoster
from ketacare.alerts.services import raise_alert
from ketacare.audit.models import AuditAction
from ketacare.intake import leads
from ketacare.intake.models import LeadNote, LeadStatus, ScreeningLead
from ketacare.patients.models import Patient
from tests.intake.test_lead_follow_up import CALM, ITEM_9, lead_alert, lead_from_screen
from tests.web.helpers import audit, page_text, valid_patient_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(clinic: Clinic, roster: OnCallRoster) -> ScreeningLead:
    return lead_from_screen(clinic, ITEM_9)


# --- notes and statuses --------------------------------------------------------------


def test_staff_add_a_note_and_it_shows_with_its_author(
    client: Client, coordinator: User, flagged: ScreeningLead
) -> None:
    client.force_login(coordinator)
    url = f"/screening-leads/{flagged.pk}/"
    response = client.post(f"{url}notes/", {"text": "Left a voicemail at 10:05."})
    assert (response.status_code, response["Location"]) == (302, url)
    page = page_text(client.get(url))
    assert "Left a voicemail at 10:05." in page
    assert coordinator.display_name in page
    assert "Note added." in page
    [entry] = audit(action=AuditAction.CREATE, object_type="intake.LeadNote")
    assert entry.actor_id == coordinator.pk


def test_an_empty_note_is_refused_on_the_page(
    client: Client, coordinator: User, flagged: ScreeningLead
) -> None:
    client.force_login(coordinator)
    response = client.post(f"/screening-leads/{flagged.pk}/notes/", {"text": ""})
    assert response.status_code == 400
    assert "Error: This field is required." in page_text(response)
    assert not LeadNote.objects.exists()


def test_another_clinics_staff_and_patients_cannot_note_or_read(
    client: Client, outsider: User, patient: Patient, flagged: ScreeningLead
) -> None:
    client.force_login(outsider)
    assert client.post(f"/screening-leads/{flagged.pk}/notes/", {"text": "x"}).status_code == 404
    client.force_login(patient.user)
    assert client.post(f"/screening-leads/{flagged.pk}/notes/", {"text": "x"}).status_code == 403
    assert not LeadNote.objects.exists()


def test_the_page_offers_every_status_but_converted(
    client: Client, clinician: User, flagged: ScreeningLead
) -> None:
    client.force_login(clinician)
    page = page_text(client.get(f"/screening-leads/{flagged.pk}/"))
    for value in ("new", "contacted", "not_reachable", "booked", "declined", "closed"):
        assert f'value="{value}"' in page
    assert 'value="converted"' not in page
    assert "Call today." in page
    response = client.post(f"/screening-leads/{flagged.pk}/", {"status": "converted"})
    assert response.status_code == 200
    assert "use Convert to patient" in page_text(response)
    response = client.post(f"/screening-leads/{flagged.pk}/", {"status": "booked"})
    assert response.status_code == 302
    flagged.refresh_from_db()
    assert flagged.status == LeadStatus.BOOKED
    assert lead_alert(flagged).status == AlertStatus.RESOLVED


def test_the_list_marks_call_today_first(
    client: Client, clinic: Clinic, clinician: User, flagged: ScreeningLead
) -> None:
    lead_from_screen(clinic, CALM, name="Calm Later", phone="+1 555 010 0150")
    client.force_login(clinician)
    page = page_text(client.get("/screening-leads/"))
    assert page.index("Robin Visitor") < page.index("Calm Later")
    assert '<tr class="urgent">' in page
    assert "Yes: call today" in page


# --- convert to patient --------------------------------------------------------------


def test_convert_opens_the_registration_prefilled_and_links_the_lead(
    client: Client, coordinator: User, flagged: ScreeningLead
) -> None:
    client.force_login(coordinator)
    lead_page = page_text(client.get(f"/screening-leads/{flagged.pk}/"))
    url = f"/workspace/patients/new/?lead={flagged.pk}"
    assert f'href="/workspace/patients/new/?lead={flagged.pk}"' in lead_page
    form = page_text(client.get(url))
    assert "<h1>Register Robin Visitor as a patient</h1>" in form
    assert 'value="Robin Visitor"' in form
    assert 'value="+1 555 010 0142"' in form
    assert 'value="robin@example.org"' in form
    data = valid_patient_data(**leads.registration_initial(flagged))
    response = client.post(url, data)
    patient = Patient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/workspace/patients/{patient.pk}/"
    flagged.refresh_from_db()
    assert (flagged.status, flagged.patient) == (LeadStatus.CONVERTED, patient)
    # Converted: the lead page links to the chart; the form sends there too.
    lead_page = page_text(client.get(f"/screening-leads/{flagged.pk}/"))
    assert f'href="/workspace/patients/{patient.pk}/"' in lead_page
    assert "Convert to patient</a>" not in lead_page
    again = client.get(url)
    assert again.status_code == 302
    assert again["Location"] == f"/workspace/patients/{patient.pk}/"


def test_a_refused_conversion_keeps_the_form_and_the_lead(
    client: Client, coordinator: User, flagged: ScreeningLead
) -> None:
    client.force_login(coordinator)
    data = valid_patient_data(date_of_birth="2015-01-01")
    response = client.post(f"/workspace/patients/new/?lead={flagged.pk}", data)
    assert response.status_code == 400
    assert "cannot be registered" in page_text(response)
    flagged.refresh_from_db()
    assert flagged.status == LeadStatus.NEW
    assert not Patient.objects.exists()


def test_another_clinics_lead_cannot_be_converted(
    client: Client, other_clinic: Clinic, coordinator: User, pharmacist: User
) -> None:
    theirs = lead_from_screen(other_clinic, CALM)
    client.force_login(coordinator)
    url = f"/workspace/patients/new/?lead={theirs.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, valid_patient_data()).status_code == 404
    assert client.get("/workspace/patients/new/?lead=abc").status_code == 404
    assert not Patient.objects.exists()
    # A pharmacist follows leads up but does not register patients: no button, a 403.
    ours = lead_from_screen(coordinator.clinic, CALM, phone="+1 555 010 0160")
    client.force_login(pharmacist)
    assert "Convert to patient" not in page_text(client.get(f"/screening-leads/{ours.pk}/"))
    assert client.get(f"/workspace/patients/new/?lead={ours.pk}").status_code == 403


# --- the lead's alert in the workspace -----------------------------------------------


def test_the_inbox_shows_the_leads_alert_linking_to_the_lead(
    client: Client, clinician: User, patient: Patient, flagged: ScreeningLead
) -> None:
    raise_alert(
        patient=patient,
        cause="worsening",
        severity="warning",
        subject="p",
        title="Worse",
        message="",
    )
    alert = lead_alert(flagged)
    client.force_login(clinician)
    page = page_text(client.get("/workspace/alerts/"))
    assert "Self-screen visitor to call today" in page
    assert f'href="/screening-leads/{flagged.pk}/">Robin Visitor</a>' in page
    assert "screening lead, no record yet" in page
    assert f'href="/workspace/patients/{patient.pk}/"' in page
    by_cause = page_text(client.get("/workspace/alerts/?cause=suicidal_lead"))
    assert "Self-screen visitor to call today" in by_cause
    assert "Worse PHQ-9" not in by_cause
    by_patient = page_text(client.get(f"/workspace/alerts/?patient={patient.pk}"))
    assert "Self-screen visitor to call today" not in by_patient
    response = client.post(f"/workspace/alerts/{alert.pk}/acknowledge/", {"note": "Calling."})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    shown = page_text(client.get("/workspace/alerts/"))
    assert "Acknowledged: Self-screen visitor to call today (Robin Visitor (screening lead))." in (
        shown
    )


def test_an_alert_has_its_own_page_audited(
    client: Client, clinician: User, patient: Patient, flagged: ScreeningLead
) -> None:
    of_patient = raise_alert(
        patient=patient,
        cause="worsening",
        severity="warning",
        subject="p",
        title="Worse",
        message="",
    )
    client.force_login(clinician)
    for alert in (lead_alert(flagged), of_patient):
        response = client.get(f"/workspace/alerts/{alert.pk}/")
        assert response.status_code == 200
        page = page_text(response)
        assert f"<h1>Alert: {alert.title}</h1>" in page
        assert f'id="alert-{alert.pk}"' in page
        [entry] = audit(
            action=AuditAction.READ, object_type="alerts.Alert", object_id=str(alert.pk)
        )
        assert entry.actor_id == clinician.pk
        assert entry.patient_id == alert.patient_id


def test_another_clinics_alert_page_is_a_404_and_patients_get_403(
    client: Client, outsider: User, patient: Patient, flagged: ScreeningLead
) -> None:
    alert = lead_alert(flagged)
    client.force_login(outsider)
    assert client.get(f"/workspace/alerts/{alert.pk}/").status_code == 404
    assert client.post(f"/workspace/alerts/{alert.pk}/acknowledge/").status_code == 404
    assert "Robin Visitor" not in page_text(client.get("/workspace/alerts/"))
    client.force_login(patient.user)
    assert client.get(f"/workspace/alerts/{alert.pk}/").status_code == 403
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    assert not audit(action=AuditAction.READ, object_type="alerts.Alert")


def test_the_panel_counts_only_patients_alerts(
    client: Client, clinician: User, patient: Patient, flagged: ScreeningLead
) -> None:
    client.force_login(clinician)
    response = client.get("/workspace/?has_alerts=on")
    assert response.status_code == 200
    assert "0 patients match." in page_text(response)
    assert Alert.objects.filter(status=AlertStatus.OPEN).count() == 1
