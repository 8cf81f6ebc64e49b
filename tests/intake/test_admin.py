"""The intake admin: read-only, scoped per clinic, reads audited."""

from __future__ import annotations

import pytest
from django.test import Client

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.intake import services
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

INTAKES = "/admin/intake/intake/"
REVIEWS = "/admin/intake/eligibilityreview/"


@pytest.fixture
def intakes(patient, other_clinic):
    mine = services.start_intake(patient.user, patient)
    elsewhere = PatientFactory(clinic=other_clinic, with_account=True)
    theirs = services.start_intake(elsewhere.user, elsewhere)
    return mine, theirs


def test_staff_list_only_their_clinics_intakes(client: Client, clinician, intakes):
    mine, _theirs = intakes
    client.force_login(clinician)
    response = client.get(INTAKES)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [mine]
    assert client.get(REVIEWS).status_code == 200


def test_another_clinics_intake_is_404(client: Client, outsider, intakes):
    mine, _theirs = intakes
    client.force_login(outsider)
    assert client.get(f"{INTAKES}{mine.pk}/change/").status_code == 404


def test_intakes_are_read_only_and_reading_one_is_audited(client: Client, clinic_admin, intakes):
    mine, _theirs = intakes
    client.force_login(clinic_admin)
    assert client.get(f"{INTAKES}add/").status_code == 403
    assert client.get(f"{INTAKES}{mine.pk}/change/").status_code == 200
    read = AuditEntry.objects.get(action=AuditAction.READ)
    assert (read.object_type, read.patient_id) == ("intake.Intake", mine.patient_id)
    assert client.post(f"{INTAKES}{mine.pk}/change/", {"status": "submitted"}).status_code == 403
    mine.refresh_from_db()
    assert mine.status == "draft"
