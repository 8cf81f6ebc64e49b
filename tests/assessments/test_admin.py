"""The questionnaire admin: read-only responses scoped per clinic; settings through the service."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from ketacare.assessments.models import ClinicQuestionnaireSettings
from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.audit.models import AuditAction, AuditEntry
from tests.factories import PatientFactory

RESPONSES = "/admin/assessments/questionnaireresponse/"
SETTINGS = "/admin/assessments/clinicquestionnairesettings/"
PHQ9 = [1, 2, 0, 3, 1, 0, 2, 1, 0]


@pytest.fixture
def responses(patient, other_clinic, clinician, outsider):
    mine = submit_questionnaire(clinician, patient, questionnaire(instrument="phq9", answers=PHQ9))
    elsewhere = PatientFactory(clinic=other_clinic)
    theirs = submit_questionnaire(
        outsider, elsewhere, questionnaire(instrument="phq9", answers=PHQ9)
    )
    return mine, theirs


def test_staff_list_only_their_clinics_responses(client: Client, clinician, responses):
    mine, _theirs = responses
    client.force_login(clinician)
    response = client.get(RESPONSES)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [mine]


def test_another_clinics_response_is_404(client: Client, outsider, responses):
    mine, _theirs = responses
    client.force_login(outsider)
    assert client.get(f"{RESPONSES}{mine.pk}/change/").status_code == 404


def test_responses_are_read_only_and_reading_one_is_audited(client: Client, clinician, responses):
    mine, _theirs = responses
    client.force_login(clinician)
    assert client.get(f"{RESPONSES}add/").status_code == 403
    assert client.get(f"{RESPONSES}{mine.pk}/change/").status_code == 200
    read = AuditEntry.objects.filter(action=AuditAction.READ).get()
    assert (read.object_type, read.patient_id) == (
        "assessments.QuestionnaireResponse",
        mine.patient_id,
    )
    page = client.post(f"{RESPONSES}{mine.pk}/change/", {"total": 0})
    assert page.status_code == 403
    mine.refresh_from_db()
    assert mine.total == 10


def test_a_clinic_administrator_sets_the_schedule_through_the_service(client: Client, clinic_admin):
    client.force_login(clinic_admin)
    page = client.post(
        f"{SETTINGS}add/",
        {"instruments": json.dumps({"pcl5": None}), "grace_hours": "12"},
    )
    assert page.status_code == 302, page.content
    saved = ClinicQuestionnaireSettings.objects.get()
    assert (saved.clinic, saved.instruments, saved.grace_hours) == (
        clinic_admin.clinic,
        {"pcl5": None},
        12,
    )
    assert (
        AuditEntry.objects.filter(object_type="assessments.ClinicQuestionnaireSettings").count()
        == 1
    )


def test_the_admin_shows_bad_settings_as_a_form_error(client: Client, clinic_admin):
    client.force_login(clinic_admin)
    page = client.post(
        f"{SETTINGS}add/",
        {"instruments": json.dumps({"phq9": {"every_days": {"induction": 0}}}), "grace_hours": "0"},
    )
    assert page.status_code == 200
    assert "1-365" in page.content.decode()
    assert ClinicQuestionnaireSettings.objects.count() == 0


def test_clinicians_may_view_but_not_change_the_schedule(client: Client, clinician):
    client.force_login(clinician)
    assert client.get(SETTINGS).status_code == 200
    assert client.get(f"{SETTINGS}add/").status_code == 403
