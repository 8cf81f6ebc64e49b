"""Reads in the audit log: the consent and due questionnaires, and denied reads.

A denied read (a patient the actor may not see: another clinic's, another patient's)
stays a 404 and leaves an entry naming the actor and the id asked for, never the
patient (no patient id on the entry).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketacare.accounts.models import User
from ketacare.api.services import issue_token
from ketacare.audit.log import verify
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.patients import services as patient_services
from ketacare.patients.models import Patient
from ketacare.patients.specs import ConsentDocumentSpec
from tests.factories import PatientFactory, SitterFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _api(user: User) -> Client:
    _, raw = issue_token(user, name="test")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _web(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _reads(**lookup: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=AuditAction.READ, **lookup).order_by("seq"))


@pytest.fixture
def consent_text(clinic_admin: User, patient: Patient) -> None:
    spec = ConsentDocumentSpec(title="Home treatment", body="Terms.")
    patient_services.publish_consent(clinic_admin, patient.clinic, spec)


# --- reads that were not audited -------------------------------------------------------------


def test_api_consent_read_is_audited(patient: Patient, clinician: User, consent_text) -> None:
    response = _api(clinician).get(f"{API}/patients/{patient.pk}/consent")
    assert response.status_code == 200
    (entry,) = _reads(patient_id=patient.pk)
    assert entry.actor_id == clinician.pk
    assert entry.object_type == "patients.Patient"
    assert entry.detail["via"] == "api"
    assert entry.detail["what"] == "consent"
    assert entry.request_id == response["X-Request-ID"]


def test_api_questionnaires_due_read_is_audited(patient: Patient) -> None:
    response = _api(patient.user).get(f"{API}/patients/{patient.pk}/questionnaires/due")
    assert response.status_code == 200
    (entry,) = _reads(patient_id=patient.pk)
    assert entry.actor_id == patient.user.pk
    assert entry.detail == {"via": "api", "what": "questionnaires due"}


def test_portal_consent_page_read_is_audited(patient: Patient, consent_text) -> None:
    response = _web(patient.user).get(reverse("portal-consent"))
    assert response.status_code == 200
    (entry,) = _reads(patient_id=patient.pk)
    assert entry.actor_id == patient.user.pk
    assert entry.detail == {"via": "portal consent"}
    assert verify().ok


# --- denied reads ----------------------------------------------------------------------------


def _assert_denied(entry: AuditEntry, actor: User, asked_for: int, via: str) -> None:
    assert entry.actor_id == actor.pk
    assert entry.object_type == "patients.Patient"
    assert entry.object_id == str(asked_for)
    assert entry.patient_id is None
    assert entry.detail == {"denied": True, "asked_for": str(asked_for), "via": via}


@pytest.mark.parametrize(
    "path", ["", "/consent", "/questionnaires/due", "/questionnaires"], ids=lambda p: p or "record"
)
def test_an_api_read_of_another_clinics_patient_is_a_404_and_recorded(
    patient: Patient, outsider: User, consent_text, path: str
) -> None:
    response = _api(outsider).get(f"{API}/patients/{patient.pk}{path}")
    assert response.status_code == 404
    assert not _reads(patient_id=patient.pk)
    (entry,) = _reads(detail__denied=True)
    _assert_denied(entry, outsider, patient.pk, "api")
    assert entry.clinic_id == outsider.clinic_id


def test_a_patient_asking_the_api_for_another_patient_is_recorded(patient: Patient, clinic) -> None:
    other = PatientFactory(clinic=clinic, with_account=True)
    response = _api(patient.user).get(f"{API}/patients/{other.pk}/questionnaires/due")
    assert response.status_code == 404
    (entry,) = _reads(detail__denied=True)
    _assert_denied(entry, patient.user, other.pk, "api")


def test_an_api_read_of_an_id_that_does_not_exist_is_recorded_the_same(outsider: User) -> None:
    response = _api(outsider).get(f"{API}/patients/987654")
    assert response.status_code == 404
    (entry,) = _reads(detail__denied=True)
    _assert_denied(entry, outsider, 987654, "api")


def test_a_web_read_of_another_clinics_patient_is_a_404_and_recorded(
    patient: Patient, outsider: User
) -> None:
    response = _web(outsider).get(reverse("ws-chart", args=[patient.pk]))
    assert response.status_code == 404
    (entry,) = _reads(detail__denied=True)
    _assert_denied(entry, outsider, patient.pk, "web")
    assert not _reads(patient_id=patient.pk)
    assert verify().ok


def test_a_sitter_asking_for_someone_they_do_not_sit_for_is_recorded(
    patient: Patient, clinic
) -> None:
    other = PatientFactory(clinic=clinic, with_account=True)
    sitter = SitterFactory(clinic=clinic, patients=[patient], name="Robin Sitter")
    client = _web(sitter.user)
    assert client.get(reverse("sitter-session", args=[patient.pk])).status_code == 200
    response = client.get(reverse("sitter-session", args=[other.pk]))
    assert response.status_code == 404
    (entry,) = _reads(detail__denied=True)
    _assert_denied(entry, sitter.user, other.pk, "sitter")
