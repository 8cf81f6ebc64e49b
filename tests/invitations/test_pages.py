"""The pages: portal access on the chart, the invitation link, password reset, unlinked portal."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Role
from ketacare.alerts.models import Channel, Notification, NotificationStatus
from ketacare.audit.models import AuditEntry
from ketacare.invitations import services
from ketacare.invitations.models import Invitation
from ketacare.invitations.specs import InviteSpec
from ketacare.patients.models import Patient, Sitter
from tests.factories import PASSWORD, PatientFactory, SitterFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long new password 42"
INVITE_LINK = re.compile(r"https?://[^/\s]+(?P<path>/invite/[^/]+/[^/]+/)")
RESET_LINK = re.compile(r"https?://[^/\s]+(?P<path>/reset/[^/]+/[^/]+/)")


@pytest.fixture
def newcomer(clinic: Clinic) -> Patient:
    return PatientFactory(clinic=clinic, legal_name="Nina Newcomer", email="nina@example.org")


@pytest.fixture
def new_sitter(clinic: Clinic, newcomer: Patient) -> Sitter:
    return SitterFactory(clinic=clinic, patients=[newcomer], user=None, name="Sam Sitter")


def _page(newcomer: Patient) -> str:
    return f"/workspace/patients/{newcomer.pk}/invitations/"


def _link(pattern: re.Pattern[str]) -> str:
    body = Notification.objects.order_by("-pk").first().body  # type: ignore[union-attr]
    found = pattern.search(body)
    assert found is not None, body
    return found["path"]


def _signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_a_coordinator_invites_the_patient_and_a_sitter_from_the_chart(
    client: Client, coordinator: User, newcomer: Patient, new_sitter: Sitter
) -> None:
    _signed_in(client, coordinator)
    chart = client.get(f"/workspace/patients/{newcomer.pk}/").content.decode()
    assert "Invite to the portal" in chart
    page = client.get(_page(newcomer)).content.decode()
    assert "Nina Newcomer (patient)" in page
    assert "Sam Sitter (sitter)" in page
    assert "No invitations yet." in page
    answer = client.post(_page(newcomer), {"action": "invite_patient", "channel": "email"})
    assert answer.status_code == 302
    answer = client.post(
        _page(newcomer),
        {"action": "invite_sitter", "channel": "sms", "sitter": new_sitter.pk},
        follow=True,
    )
    html = answer.content.decode()
    assert "Invitation sent to sitter Sam Sitter by text message." in html
    assert "Pending" in html
    channels = list(Notification.objects.values_list("channel", flat=True).order_by("pk"))
    assert channels == [Channel.EMAIL, Channel.SMS]
    assert AuditEntry.objects.filter(object_type="invitations.Invitation").count() == 2


def test_resend_and_revoke_buttons(client: Client, coordinator: User, newcomer: Patient) -> None:
    invitation = services.invite_patient(coordinator, newcomer, InviteSpec(channel="sms"))
    _signed_in(client, coordinator)
    page = client.get(_page(newcomer)).content.decode()
    assert "Resend" in page
    assert "Revoke" in page
    client.post(_page(newcomer), {"action": "resend", "invitation": invitation.pk})
    invitation.refresh_from_db()
    assert invitation.sent_count == 2
    answer = client.post(
        _page(newcomer), {"action": "revoke", "invitation": invitation.pk}, follow=True
    )
    assert "was revoked" in answer.content.decode()
    assert "Revoked" in answer.content.decode()
    # Revoked: a resend is refused on the page, in words.
    answer = client.post(_page(newcomer), {"action": "resend", "invitation": invitation.pk})
    assert answer.status_code == 409
    assert "cannot be resent" in answer.content.decode()


def test_a_refusal_is_shown_on_the_page(
    client: Client, coordinator: User, patient: Patient
) -> None:
    answer = _signed_in(client, coordinator).post(
        _page(patient), {"action": "invite_patient", "channel": "sms"}
    )
    assert answer.status_code == 409
    assert "already have a sign-in" in answer.content.decode()


def test_ownership_of_the_page(  # noqa: PLR0913, PLR0917 - the people of the pattern
    client: Client,
    coordinator: User,
    outsider: User,
    pharmacist: User,
    newcomer: Patient,
    other_clinic: Clinic,
) -> None:
    invitation = services.invite_patient(coordinator, newcomer, InviteSpec(channel="sms"))
    assert _signed_in(client, outsider).get(_page(newcomer)).status_code == 404
    assert (
        client.post(_page(newcomer), {"action": "revoke", "invitation": invitation.pk}).status_code
        == 404
    )
    assert _signed_in(client, pharmacist).get(_page(newcomer)).status_code == 403
    assert _signed_in(client, newcomer_user := invitation.user).get(
        _page(newcomer)
    ).status_code in {302, 403}
    assert newcomer_user.pk
    # Another clinic's invitation through this clinic's patient page: 404.
    theirs = PatientFactory(clinic=other_clinic)
    other_coordinator = UserFactory(clinic=other_clinic, coordinator=True)
    foreign = services.invite_patient(other_coordinator, theirs, InviteSpec(channel="sms"))
    answer = _signed_in(client, coordinator).post(
        _page(newcomer), {"action": "revoke", "invitation": foreign.pk}
    )
    assert answer.status_code == 404
    # A sitter of another patient: 404.
    elsewhere = SitterFactory(
        clinic=newcomer.clinic, user=None, patients=[PatientFactory(clinic=newcomer.clinic)]
    )
    answer = client.post(
        _page(newcomer), {"action": "invite_sitter", "channel": "sms", "sitter": elsewhere.pk}
    )
    assert answer.status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None
    assert not Invitation.objects.filter(sitter=elsewhere).exists()


def test_the_invitee_sets_a_password_and_lands_on_their_page(
    client: Client, coordinator: User, newcomer: Patient, new_sitter: Sitter
) -> None:
    services.invite_patient(coordinator, newcomer, InviteSpec(channel="email"))
    link = _link(INVITE_LINK)
    page = client.get(link).content.decode()
    assert "Your username is <strong>nina@example.org</strong>" in page
    answer = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": "not the same"})
    assert answer.status_code == 200
    assert "didn\u2019t match" in answer.content.decode()
    answer = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert answer.status_code == 302
    home = client.get(answer["Location"])
    assert home.status_code == 302, home.content.decode()[:3000]
    assert home["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    # Used: the link now says so.
    client.logout()
    assert "already used" in client.get(link).content.decode()
    # The sitter's link lands on the sitter's page.
    services.invite_sitter(coordinator, newcomer, new_sitter, InviteSpec(channel="sms"))
    link = _link(INVITE_LINK)
    answer = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert client.get(answer["Location"])["Location"] == "/portal/sitter/"


def test_a_revoked_or_broken_link_says_what_to_do(
    client: Client, coordinator: User, newcomer: Patient
) -> None:
    invitation = services.invite_patient(coordinator, newcomer, InviteSpec(channel="sms"))
    link = _link(INVITE_LINK)
    services.revoke_invitation(coordinator, invitation)
    html = client.get(link).content.decode()
    assert "The clinic withdrew this invitation." in html
    assert newcomer.clinic.on_call_phone in html
    answer = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert "withdrew" in answer.content.decode()
    assert not User.objects.get(pk=invitation.user.pk).is_active
    assert "not the latest" in client.get("/invite/zz/1-abc/").content.decode()


def test_password_reset_by_email_through_the_outbox(client: Client, patient: Patient) -> None:
    user = patient.user
    user.email = "pat@example.org"
    user.save()
    assert "Forgot your password?" in client.get("/login/").content.decode()
    answer = client.post("/password_reset/", {"email": user.email.upper()})
    assert answer.status_code == 302
    assert answer["Location"] == "/password_reset/done/"
    sent = Notification.objects.get()
    assert (sent.channel, sent.address, sent.status) == (
        Channel.EMAIL,
        user.email,
        NotificationStatus.PENDING,
    )
    assert patient.legal_name not in sent.body
    link = _link(RESET_LINK)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    answer = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert answer["Location"] == "/reset/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    changes = AuditEntry.objects.filter(object_type="accounts.User", object_id=str(user.pk))
    assert {e.detail.get("change") for e in changes} >= {
        "password reset link sent",
        "password reset",
    }
    assert "does not work" in client.get(link, follow=True).content.decode()


def test_no_reset_message_for_an_unknown_address(client: Client) -> None:
    answer = client.post("/password_reset/", {"email": "nobody@example.org"})
    assert answer["Location"] == "/password_reset/done/"
    assert not Notification.objects.exists()


def test_a_patient_account_not_linked_yet_gets_a_plain_page(client: Client, clinic: Clinic) -> None:
    lonely = UserFactory(clinic=clinic, roles=[Role.PATIENT])
    answer = _signed_in(client, lonely).get("/portal/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Your account is not linked yet" in html
    assert clinic.on_call_phone in html
    assert PASSWORD  # the factory's password stays out of the page
