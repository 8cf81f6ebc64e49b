"""The invitations API: invite a patient and a sitter, list, resend, revoke, with ownership."""

from __future__ import annotations

import pytest

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import Channel, Notification
from ketacare.invitations.models import Invitation
from ketacare.patients.models import Patient, Sitter
from tests.api.conftest import ApiClient
from tests.factories import PatientFactory, SitterFactory, UserFactory


@pytest.fixture
def newcomer(clinic: Clinic) -> Patient:
    return PatientFactory(clinic=clinic, legal_name="Nina Newcomer", email="nina@example.org")


@pytest.fixture
def new_sitter(clinic: Clinic, newcomer: Patient) -> Sitter:
    return SitterFactory(clinic=clinic, patients=[newcomer], user=None, name="Sam Sitter")


@pytest.fixture
def cora(as_user, coordinator: User) -> ApiClient:
    client: ApiClient = as_user(coordinator)
    return client


def test_invite_list_resend_revoke(cora: ApiClient, newcomer: Patient, new_sitter: Sitter) -> None:
    base = f"patients/{newcomer.pk}"
    made = cora.post(f"{base}/invitations", {"channel": "email"})
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["status"], body["channel"], body["sitter_id"]) == ("pending", "email", None)
    assert "address" not in body
    sitter = cora.post(f"{base}/sitters/{new_sitter.pk}/invitations", {"channel": "sms"})
    assert sitter.status_code == 201
    assert sitter.json()["sitter_id"] == new_sitter.pk
    listed = cora.get(f"{base}/invitations").json()["items"]
    assert {i["id"] for i in listed} == {body["id"], sitter.json()["id"]}
    resent = cora.post(f"{base}/invitations/{body['id']}/resend")
    assert resent.status_code == 200
    assert resent.json()["sent_count"] == 2
    revoked = cora.post(f"{base}/invitations/{body['id']}/revoke")
    assert revoked.json()["status"] == "revoked"
    again = cora.post(f"{base}/invitations/{body['id']}/revoke")
    assert (again.status_code, again.json()["code"]) == (409, "invitation_state")
    channels = list(Notification.objects.order_by("pk").values_list("channel", flat=True))
    assert channels == [Channel.EMAIL, Channel.SMS, Channel.EMAIL]


def test_refusals(cora: ApiClient, patient: Patient, clinic: Clinic) -> None:
    signed_up = cora.post(f"patients/{patient.pk}/invitations", {"channel": "sms"})
    assert (signed_up.status_code, signed_up.json()["code"]) == (409, "already_signed_up")
    no_email = PatientFactory(clinic=clinic, email="")
    answer = cora.post(f"patients/{no_email.pk}/invitations", {"channel": "email"})
    assert (answer.status_code, answer.json()["code"]) == (409, "no_address")
    bad = cora.post(f"patients/{no_email.pk}/invitations", {"channel": "pigeon"})
    assert bad.status_code == 422
    assert not Invitation.objects.exists()


def test_roles(as_user, pharmacist: User, newcomer: Patient) -> None:
    answer = as_user(pharmacist).post(f"patients/{newcomer.pk}/invitations", {"channel": "sms"})
    assert answer.status_code == 403
    assert as_user(pharmacist).get(f"patients/{newcomer.pk}/invitations").status_code == 403


def test_ownership(  # noqa: PLR0913, PLR0917 - the people of the pattern
    as_user,
    cora: ApiClient,
    outsider: User,
    other_clinic: Clinic,
    newcomer: Patient,
    new_sitter: Sitter,
    other_patient: Patient,
) -> None:
    made = cora.post(f"patients/{newcomer.pk}/invitations", {"channel": "sms"}).json()
    base = f"patients/{newcomer.pk}"
    for caller in (as_user(outsider), as_user(other_patient.user)):
        assert caller.get(f"{base}/invitations").status_code == 404
        assert caller.post(f"{base}/invitations", {"channel": "sms"}).status_code == 404
        assert caller.post(f"{base}/invitations/{made['id']}/revoke").status_code == 404
        assert caller.post(f"{base}/invitations/{made['id']}/resend").status_code == 404
        sitter_path = f"{base}/sitters/{new_sitter.pk}/invitations"
        assert caller.post(sitter_path, {"channel": "sms"}).status_code == 404
    assert ApiClient().get(f"{base}/invitations").status_code == 401
    # Another clinic's invitation through this clinic's patient: 404, nothing changed.
    theirs = PatientFactory(clinic=other_clinic)
    other_cora = as_user(UserFactory(clinic=other_clinic, coordinator=True))
    foreign = other_cora.post(f"patients/{theirs.pk}/invitations", {"channel": "sms"}).json()
    assert cora.post(f"{base}/invitations/{foreign['id']}/revoke").status_code == 404
    assert cora.post(f"patients/{theirs.pk}/invitations/{foreign['id']}/revoke").status_code == 404
    # A sitter of another patient of the clinic: 404.
    elsewhere = SitterFactory(clinic=newcomer.clinic, patients=[other_patient], user=None)
    answer = cora.post(f"{base}/sitters/{elsewhere.pk}/invitations", {"channel": "sms"})
    assert answer.status_code == 404
    assert Invitation.objects.get(pk=foreign["id"]).revoked_at is None
