"""The alerts admin: alerts and notifications read-only and scoped; the roster editable."""

from __future__ import annotations

import pytest
from django.test import Client

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import Alert, Notification, OnCallRoster
from ketacare.alerts.services import raise_alert
from ketacare.patients.models import Patient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(patient: Patient, roster: OnCallRoster) -> Alert:
    return raise_alert(
        patient=patient,
        cause="adverse_event",
        severity="urgent",
        subject="s:1",
        title="Adverse event reported",
        message="",
    )


@pytest.mark.parametrize("page", ["alert", "notification"])
def test_alerts_and_notifications_are_read_only(
    client: Client, clinic: Clinic, alert: Alert, page: str
) -> None:
    client.force_login(UserFactory(clinic=clinic, clinic_admin=True))
    response = client.get(f"/admin/alerts/{page}/")
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1
    assert not response.context["has_add_permission"]
    assert client.get(f"/admin/alerts/{page}/add/").status_code == 403


def test_another_clinic_sees_none_of_them(
    client: Client, other_clinic: Clinic, alert: Alert
) -> None:
    client.force_login(UserFactory(clinic=other_clinic, clinic_admin=True))
    assert list(client.get("/admin/alerts/alert/").context["cl"].result_list) == []
    assert list(client.get("/admin/alerts/notification/").context["cl"].result_list) == []
    assert client.get(f"/admin/alerts/alert/{alert.pk}/change/").status_code == 404
    note = Notification.objects.get()
    assert client.get(f"/admin/alerts/notification/{note.pk}/change/").status_code == 404


def test_the_clinic_admin_edits_the_roster(
    client: Client, clinic: Clinic, roster: OnCallRoster, clinician: User
) -> None:
    client.force_login(UserFactory(clinic=clinic, clinic_admin=True))
    url = f"/admin/alerts/oncallroster/{roster.pk}/change/"
    assert client.get(url).status_code == 200
    client.force_login(clinician)
    response = client.get(url)
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
