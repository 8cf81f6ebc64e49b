"""The admin lists a clinic's invitations, read-only, and none of another clinic's."""

from __future__ import annotations

import pytest
from django.test import Client

from ketacare.accounts.models import Clinic, User
from ketacare.invitations import services
from ketacare.invitations.specs import InviteSpec
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/invitations/invitation/"


def test_the_clinic_admin_lists_their_clinics_invitations_only(
    client: Client, clinic: Clinic, other_clinic: Clinic, clinic_admin: User, coordinator: User
) -> None:
    ours = services.invite_patient(
        coordinator, PatientFactory(clinic=clinic), InviteSpec(channel="sms")
    )
    other_coordinator = UserFactory(clinic=other_clinic, coordinator=True)
    theirs = services.invite_patient(
        other_coordinator, PatientFactory(clinic=other_clinic), InviteSpec(channel="sms")
    )
    client.force_login(clinic_admin)
    response = client.get(LIST)
    assert response.status_code == 200
    assert [i.pk for i in response.context["cl"].result_list] == [ours.pk]
    assert "Pending" in response.content.decode()
    assert client.get(f"{LIST}{theirs.pk}/change/").status_code == 404
    page = client.get(f"{LIST}{ours.pk}/change/")
    assert page.status_code == 200
    assert ours.address not in page.content.decode()
    assert client.get(f"{LIST}add/").status_code == 403
