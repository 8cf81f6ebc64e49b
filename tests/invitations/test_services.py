"""Invitation use cases: invite, resend, revoke, accept; each audited, single use, expiring."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Role
from ketacare.alerts.models import Channel, Notification, NotificationStatus
from ketacare.audit.models import AuditEntry
from ketacare.invitations import services
from ketacare.invitations.errors import AlreadySignedUp, InvitationStateError, NoAddress
from ketacare.invitations.models import Invitation, InvitationStatus
from ketacare.invitations.specs import InviteSpec, PasswordSpec
from ketacare.invitations.tokens import parse_link_id
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.patients.models import Patient, Sitter
from tests.factories import PatientFactory, SitterFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
NEW_PASSWORD = "a long new password 42"
LINK = re.compile(r"https?://\S+/invite/(?P<uid>[^/]+)/(?P<token>[^/]+)/")
EMAIL = InviteSpec(channel="email")
SMS = InviteSpec(channel="sms")


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def newcomer(clinic: Clinic) -> Patient:
    """A registered patient without a sign-in."""
    return PatientFactory(clinic=clinic, legal_name="Nina Newcomer", email="nina@example.org")


@pytest.fixture
def new_sitter(clinic: Clinic, newcomer: Patient) -> Sitter:
    return SitterFactory(clinic=clinic, patients=[newcomer], user=None, name="Sam Sitter")


def _token(notification: Notification) -> tuple[str, str]:
    found = LINK.search(notification.body)
    assert found is not None, notification.body
    return found["uid"], found["token"]


def _latest() -> Notification:
    return Notification.objects.order_by("-pk").first()  # type: ignore[return-value]


def _actions(invitation: Invitation) -> list[str]:
    rows = AuditEntry.objects.filter(
        object_type="invitations.Invitation", object_id=str(invitation.pk)
    ).order_by("seq")
    return [f"{r.action}:{r.detail.get('change', 'created')}" for r in rows]


def test_inviting_a_patient_creates_an_inactive_account_and_queues_the_link(
    coordinator: User, newcomer: Patient
) -> None:
    invitation = services.invite_patient(coordinator, newcomer, EMAIL)
    newcomer.refresh_from_db()
    user = newcomer.user
    assert user is not None
    assert invitation.user == user
    assert not user.is_active
    assert not user.has_usable_password()
    assert user.roles == {Role.PATIENT}
    assert user.clinic_id == newcomer.clinic_id
    assert user.username == "nina@example.org"
    sent = _latest()
    assert (sent.channel, sent.address, sent.alert) == (Channel.EMAIL, "nina@example.org", None)
    assert sent.status == NotificationStatus.PENDING
    assert "Clinic A invites you" in sent.body
    assert "http://127.0.0.1:8000/invite/" in sent.body
    # Only the clinic's name and a link: no health detail, not the patient's name.
    assert newcomer.legal_name not in sent.body
    assert parse_link_id(_token(sent)[0]) == invitation.pk
    assert _actions(invitation) == ["create:created"]
    assert invitation.status_at(NOW) == InvitationStatus.PENDING
    assert invitation.expires_at == NOW + dt.timedelta(days=7)


@override_settings(KETACARE_SITE_URL="https://clinic.example.org/")
def test_a_sitter_is_invited_by_text_message_to_the_site_address(
    coordinator: User, newcomer: Patient, new_sitter: Sitter
) -> None:
    invitation = services.invite_sitter(coordinator, newcomer, new_sitter, SMS)
    sent = _latest()
    assert (sent.channel, sent.address) == (Channel.SMS, new_sitter.phone)
    assert "https://clinic.example.org/invite/" in sent.body
    new_sitter.refresh_from_db()
    assert new_sitter.user == invitation.user
    assert invitation.user.roles == {Role.SITTER}
    assert invitation.user.username == "sam.sitter"


def test_accepting_sets_the_password_once(coordinator: User, newcomer: Patient) -> None:
    invitation = services.invite_patient(coordinator, newcomer, SMS)
    _, token = _token(_latest())
    services.accept_invitation(
        invitation.user, invitation, token, PasswordSpec(password=NEW_PASSWORD)
    )
    user = User.objects.get(pk=invitation.user.pk)
    assert user.is_active
    assert user.check_password(NEW_PASSWORD)
    invitation.refresh_from_db()
    assert invitation.status_at(NOW) == InvitationStatus.ACCEPTED
    assert _actions(invitation) == ["create:created", "update:accepted"]
    # Single use: the same link again is refused, saying what happened.
    assert services.why_refused(invitation, token) == services.REFUSED[InvitationStatus.ACCEPTED]
    with pytest.raises(InvitationStateError, match="already used"):
        services.accept_invitation(
            user, invitation, token, PasswordSpec(password="another one 123")
        )
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)


def test_a_weak_password_is_refused_and_nothing_changes(
    coordinator: User, newcomer: Patient
) -> None:
    invitation = services.invite_patient(coordinator, newcomer, SMS)
    _, token = _token(_latest())
    with pytest.raises(ValidationError) as refused:
        services.accept_invitation(invitation.user, invitation, token, PasswordSpec(password="123"))
    assert "password" in refused.value.message_dict
    assert not User.objects.get(pk=invitation.user.pk).is_active
    assert services.why_refused(invitation, token) is None


def test_the_link_expires(
    coordinator: User, newcomer: Patient, clock: time_machine.Coordinates
) -> None:
    invitation = services.invite_patient(coordinator, newcomer, SMS)
    _, token = _token(_latest())
    clock.move_to(NOW + dt.timedelta(days=7, seconds=-1))
    assert services.why_refused(invitation, token) is None
    clock.move_to(NOW + dt.timedelta(days=7))
    assert invitation.status_at(NOW + dt.timedelta(days=7)) == InvitationStatus.EXPIRED
    assert services.why_refused(invitation, token) == "This invitation has expired."
    with pytest.raises(InvitationStateError, match="expired"):
        services.accept_invitation(
            invitation.user, invitation, token, PasswordSpec(password=NEW_PASSWORD)
        )


@override_settings(KETACARE_INVITATION_DAYS=2)
def test_the_expiry_is_a_setting(coordinator: User, newcomer: Patient) -> None:
    invitation = services.invite_patient(coordinator, newcomer, SMS)
    assert invitation.expires_at == NOW + dt.timedelta(days=2)
    assert "it works for 2 days" in _latest().body


def test_resend_makes_a_new_link_and_the_old_one_stops_working(
    coordinator: User, newcomer: Patient, clock: time_machine.Coordinates
) -> None:
    invitation = services.invite_patient(coordinator, newcomer, SMS)
    first = _latest()
    _, old = _token(first)
    clock.move_to(NOW + dt.timedelta(days=8))  # expired: a resend revives it
    services.resend_invitation(coordinator, invitation)
    invitation.refresh_from_db()
    _, new = _token(_latest())
    assert new != old
    assert invitation.sent_count == 2
    assert invitation.expires_at == NOW + dt.timedelta(days=15)
    assert services.why_refused(invitation, old) == services.NOT_CURRENT
    assert services.why_refused(invitation, new) is None
    assert _actions(invitation) == ["create:created", "update:resent"]


def test_resend_cancels_the_message_not_yet_sent(coordinator: User, newcomer: Patient) -> None:
    invitation = services.invite_patient(coordinator, newcomer, SMS)
    first = _latest()
    services.resend_invitation(coordinator, invitation)
    first.refresh_from_db()
    assert first.status == NotificationStatus.CANCELLED
    assert _latest().status == NotificationStatus.PENDING


def test_revoke_ends_every_link(coordinator: User, newcomer: Patient) -> None:
    invitation = services.invite_patient(coordinator, newcomer, SMS)
    sent = _latest()
    _, token = _token(sent)
    services.revoke_invitation(coordinator, invitation)
    invitation.refresh_from_db()
    assert invitation.status_at(NOW) == InvitationStatus.REVOKED
    assert invitation.revoked_by == coordinator
    assert services.why_refused(invitation, token) == "The clinic withdrew this invitation."
    sent.refresh_from_db()
    assert sent.status == NotificationStatus.CANCELLED
    assert _actions(invitation) == ["create:created", "update:revoked"]
    with pytest.raises(InvitationStateError):
        services.resend_invitation(coordinator, invitation)
    with pytest.raises(InvitationStateError):
        services.revoke_invitation(coordinator, invitation)
    # A new invitation is the way on; it reuses the account not yet used.
    again = services.invite_patient(coordinator, newcomer, SMS)
    assert again.user == invitation.user


def test_a_second_invitation_waits_for_the_first(coordinator: User, newcomer: Patient) -> None:
    services.invite_patient(coordinator, newcomer, SMS)
    with pytest.raises(InvitationStateError, match="already waiting"):
        services.invite_patient(coordinator, newcomer, EMAIL)


def test_someone_with_a_sign_in_is_not_invited(coordinator: User, patient: Patient) -> None:
    with pytest.raises(AlreadySignedUp, match="Forgot your password"):
        services.invite_patient(coordinator, patient, SMS)
    assert not Invitation.objects.exists()


def test_email_needs_an_address_on_the_record(coordinator: User, clinic: Clinic) -> None:
    no_email = PatientFactory(clinic=clinic, email="")
    with pytest.raises(NoAddress):
        services.invite_patient(coordinator, no_email, EMAIL)
    assert no_email.user is None
    assert not User.objects.filter(patient_record=no_email).exists()


def test_another_clinics_patient_sitter_and_invitation_are_not_found(
    coordinator: User, outsider: User, newcomer: Patient, new_sitter: Sitter
) -> None:
    with pytest.raises(NotFound):
        services.invite_patient(outsider, newcomer, SMS)
    with pytest.raises(NotFound):
        services.invite_sitter(outsider, newcomer, new_sitter, SMS)
    invitation = services.invite_patient(coordinator, newcomer, SMS)
    with pytest.raises(NotFound):
        services.resend_invitation(outsider, invitation)
    with pytest.raises(NotFound):
        services.revoke_invitation(outsider, invitation)


def test_a_sitter_of_another_patient_is_not_found(
    coordinator: User, clinic: Clinic, newcomer: Patient
) -> None:
    elsewhere = SitterFactory(clinic=clinic, patients=[PatientFactory(clinic=clinic)], user=None)
    with pytest.raises(NotFound):
        services.invite_sitter(coordinator, newcomer, elsewhere, SMS)


@pytest.mark.parametrize("role", ["pharmacist", "patient_self"])
def test_roles_without_the_row_may_not_invite(
    request: pytest.FixtureRequest, role: str, newcomer: Patient, patient: Patient
) -> None:
    actor = patient.user if role == "patient_self" else request.getfixturevalue(role)
    with pytest.raises(NotAllowed):
        services.invite_patient(actor, newcomer, SMS)


@pytest.mark.parametrize("role", ["coordinator", "clinician", "clinic_admin", "prescriber"])
def test_coordinators_clinicians_and_admins_invite(
    request: pytest.FixtureRequest, role: str, newcomer: Patient
) -> None:
    assert services.invite_patient(request.getfixturevalue(role), newcomer, SMS).pk


def test_a_link_for_another_invitation_is_refused(coordinator: User, clinic: Clinic) -> None:
    first = services.invite_patient(coordinator, PatientFactory(clinic=clinic), SMS)
    _, token = _token(_latest())
    second = services.invite_patient(coordinator, PatientFactory(clinic=clinic), SMS)
    assert services.why_refused(second, token) == services.NOT_CURRENT
    assert services.why_refused(first, "garbage") == services.NOT_CURRENT
    assert services.why_refused(None, token) == services.NOT_CURRENT
    with pytest.raises(InvitationStateError):  # another person's account cannot use it
        services.accept_invitation(second.user, first, token, PasswordSpec(password=NEW_PASSWORD))
