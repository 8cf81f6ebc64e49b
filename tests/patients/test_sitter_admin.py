"""The admin keeps a patient from being recorded as their own sitter (at-home issue, 13)."""

from __future__ import annotations

import pytest
from django.test import Client

from ketacare.accounts.models import RoleGrant, User
from ketacare.accounts.roles import Role
from ketacare.patients.models import Patient, Sitter

pytestmark = pytest.mark.django_db


def test_the_admin_unlinks_a_patient_saved_as_their_own_sitter(
    client: Client, clinic_admin: User, patient: Patient
) -> None:
    RoleGrant.objects.create(user=patient.user, role=Role.SITTER)
    client.force_login(clinic_admin)
    response = client.post(
        "/admin/patients/sitter/add/",
        {
            "name": "Pat Self",
            "phone": "+1 555 000 1234",
            "user": patient.user.pk,
            "patients": [patient.pk],
            "adult_confirmed": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    sitter = Sitter.objects.get(name="Pat Self")
    assert list(sitter.patients.all()) == []
    assert "cannot be their own sitter" in response.content.decode()


def test_the_admin_shows_whether_a_sitter_is_a_confirmed_adult(
    client: Client, clinic_admin: User
) -> None:
    client.force_login(clinic_admin)
    page = client.get("/admin/patients/sitter/add/").content.decode()
    assert "Confirmed 18 or older" in page
