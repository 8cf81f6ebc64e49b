"""The treatment admin: read-only, scoped to the clinic, never deleting."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = (
    "treatmentplan",
    "prescription",
    "refillrequest",
    "dispense",
    "ledgeraccount",
    "ledgerevent",
    "diversionfinding",
    "dosingsession",
    "postdosecheckin",
    "adverseevent",
)


@pytest.mark.usefixtures("stocked")
@pytest.mark.parametrize("page", PAGES)
def test_staff_list_their_clinics_rows_read_only(client: Client, clinic, page):
    client.force_login(UserFactory(clinic=clinic, clinic_admin=True))
    response = client.get(f"/admin/treatment/{page}/")
    assert response.status_code == 200
    assert not response.context["has_add_permission"]
    assert client.get(f"/admin/treatment/{page}/add/").status_code == 403


def test_another_clinic_sees_none_of_them(client: Client, other_clinic, stocked):
    client.force_login(UserFactory(clinic=other_clinic, clinic_admin=True))
    response = client.get("/admin/treatment/dispense/")
    assert list(response.context["cl"].result_list) == []
    assert client.get(f"/admin/treatment/dispense/{stocked.pk}/change/").status_code == 404


def test_rows_are_read_and_never_changed_or_deleted(client: Client, clinic, stocked):
    client.force_login(UserFactory(clinic=clinic, clinic_admin=True, is_superuser=True))
    url = f"/admin/treatment/ledgerevent/{stocked.ledger_event.pk}/"
    assert client.get(url + "change/").status_code == 200
    assert client.get(url + "delete/").status_code == 403
