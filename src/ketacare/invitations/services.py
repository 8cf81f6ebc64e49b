"""Invitation use cases: invite a patient or a sitter, resend, revoke, accept.

Staff of the patient's clinic invite (kernel.policy's rows); the invitee accepts with the
link, signed out, so the link's token is the check (`tokens`). Each use case is one
transaction and one audit batch; the message goes through the notification outbox in the
same transaction (sent by the worker) and holds the clinic's name and the link only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse

from ketacare.accounts.models import RoleGrant, User
from ketacare.accounts.roles import Role
from ketacare.alerts.models import Notification, NotificationStatus
from ketacare.alerts.services import queue_text
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.invitations.accounts import new_account
from ketacare.invitations.errors import AlreadySignedUp, InvitationStateError, NoAddress
from ketacare.invitations.models import Invitation, InvitationChannel, InvitationStatus
from ketacare.invitations.outbox import queue_email
from ketacare.invitations.specs import InviteSpec, PasswordSpec
from ketacare.invitations.tokens import invitation_tokens, link_id, token_for
from ketacare.kernel import clock, usecase
from ketacare.kernel.errors import NotFound
from ketacare.kernel.usecase import use_case
from ketacare.patients.access import require
from ketacare.patients.models import Patient, Sitter

if TYPE_CHECKING:
    from ketacare.accounts.models import Clinic

# What a refused link says happened, by the invitation's status.
REFUSED = {
    InvitationStatus.ACCEPTED: "This invitation was already used to set a password.",
    InvitationStatus.EXPIRED: "This invitation has expired.",
    InvitationStatus.REVOKED: "The clinic withdrew this invitation.",
}
NOT_CURRENT = "This link is not the latest one the clinic sent."


def invitation_days() -> int:
    return int(settings.KETACARE_INVITATION_DAYS)


def invitation_link(invitation: Invitation) -> str:
    """The link of the invitation as it stands (a new token: the latest link)."""
    token = token_for(invitation)
    path = reverse("invitation-accept", kwargs={"uid": link_id(invitation.pk), "token": token})
    return str(settings.KETACARE_SITE_URL).rstrip("/") + path


def message(invitation: Invitation, link: str) -> str:
    """The clinic's name and the link: never health detail."""
    days = invitation_days()
    return (
        f"{invitation.clinic.name} invites you to sign in to ketacare. Set your password "
        f"with this link (it works for {days} days and only once): {link}"
    )


def _send(invitation: Invitation) -> Notification:
    body = message(invitation, invitation_link(invitation))
    send_key = f"invitation:{invitation.pk}:{invitation.sent_count}"
    label = invitation.invitee_label
    if invitation.channel == InvitationChannel.EMAIL:
        subject = f"{invitation.clinic.name}: your invitation to ketacare"
        return queue_email(
            to=invitation.address, label=label, subject=subject, body=body, send_key=send_key
        )
    return queue_text(to=invitation.address, label=label, body=body, send_key=send_key)


def _address(channel: InvitationChannel, email: str, phone: str) -> str:
    if channel == InvitationChannel.EMAIL:
        if not email:
            raise NoAddress(
                "The record has no email address: add one, or send a text message.",
                field="channel",
            )
        return email
    return phone


def _account(record: Patient | Sitter, clinic: Clinic, role: Role, name: str) -> User:
    """The record's sign-in: the one invited before (not yet used), or a new inactive one."""
    user: User | None = record.user
    if user is not None and user.has_usable_password():
        raise AlreadySignedUp(
            "They already have a sign-in: they can use “Forgot your password?” on the "
            "sign-in page.",
            field="channel",
        )
    if user is None:
        user = new_account(clinic, role, name=name, email=record.email)
        record.user = user
        record.save(update_fields=["user"])
    elif not user.has_role(role):
        RoleGrant.objects.create(user=user, role=role)
    return user


def _refuse_pending(user: User) -> None:
    pending = Invitation.objects.filter(
        user=user, accepted_at=None, revoked_at=None, expires_at__gt=clock.now()
    )
    if pending.exists():
        raise InvitationStateError(
            "An invitation is already waiting for them: resend it or revoke it.",
            field="channel",
        )


def _invite(  # noqa: PLR0913 - the use cases' shared body
    actor: User,
    *,
    patient: Patient,
    sitter: Sitter | None,
    user: User,
    address: str,
    spec: InviteSpec,
) -> Invitation:
    _refuse_pending(user)
    now = clock.now()
    invitation = Invitation.objects.create(
        clinic_id=patient.clinic_id,
        user=user,
        patient=patient,
        sitter=sitter,
        channel=spec.channel,
        address=address,
        created_by=actor,
        expires_at=now + timedelta(days=invitation_days()),
        last_sent_at=now,
    )
    _send(invitation)
    detail = {"for": "sitter" if sitter else "patient", "channel": str(spec.channel), "sent": 1}
    usecase.note(Event.about(AuditAction.CREATE, invitation, detail=detail))
    return invitation


@use_case("invite_patient")
def invite_patient(actor: User, patient: Patient, spec: InviteSpec) -> Invitation:
    """Give the patient a sign-in: an inactive account and a link to set its password."""
    require(actor, patient, "invite_patient")
    locked = (
        Patient.objects.select_for_update(no_key=True).select_related("clinic").get(pk=patient.pk)
    )
    address = _address(spec.channel, locked.email, locked.phone)
    user = _account(locked, locked.clinic, Role.PATIENT, locked.legal_name)
    return _invite(actor, patient=locked, sitter=None, user=user, address=address, spec=spec)


@use_case("invite_sitter")
def invite_sitter(actor: User, patient: Patient, sitter: Sitter, spec: InviteSpec) -> Invitation:
    """Give one of the patient's sitters a sign-in, as for the patient."""
    require(actor, patient, "invite_sitter")
    locked = (
        Sitter.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk=sitter.pk, patients=patient)
        .first()
    )
    if locked is None:
        raise NotFound("No such sitter.")
    address = _address(spec.channel, locked.email, locked.phone)
    user = _account(locked, patient.clinic, Role.SITTER, locked.name)
    return _invite(actor, patient=patient, sitter=locked, user=user, address=address, spec=spec)


def _locked(actor: User, invitation: Invitation, use_case: str) -> Invitation:
    require(actor, invitation.patient, use_case)
    locked = (
        Invitation.objects.visible_to(actor)
        .select_for_update(no_key=True, of=("self",))
        .select_related("clinic", "patient", "sitter", "user")
        .filter(pk=invitation.pk)
        .first()
    )
    if locked is None:
        raise NotFound("No such invitation.")
    return locked


def _still_open(invitation: Invitation, what: str) -> None:
    status = invitation.status_at(clock.now())
    if status in (InvitationStatus.ACCEPTED, InvitationStatus.REVOKED):
        raise InvitationStateError(
            f"The invitation was {status.label.lower()}: it cannot be {what}.", field="status"
        )


@use_case("resend_invitation")
def resend_invitation(actor: User, invitation: Invitation) -> Invitation:
    """A new link (the old one stops working), valid for the full time again."""
    locked = _locked(actor, invitation, "resend_invitation")
    _still_open(locked, "resent")
    now = clock.now()
    _cancel_unsent(locked)
    locked.sent_count += 1
    locked.last_sent_at = now
    locked.expires_at = now + timedelta(days=invitation_days())
    locked.save(update_fields=["sent_count", "last_sent_at", "expires_at"])
    _send(locked)
    detail = {"change": "resent", "sent": locked.sent_count}
    usecase.note(Event.about(AuditAction.UPDATE, locked, detail=detail))
    return locked


@use_case("revoke_invitation")
def revoke_invitation(actor: User, invitation: Invitation) -> Invitation:
    """The link stops working, and a message not yet sent is not sent."""
    locked = _locked(actor, invitation, "revoke_invitation")
    _still_open(locked, "revoked")
    locked.revoked_at = clock.now()
    locked.revoked_by = actor
    locked.save(update_fields=["revoked_at", "revoked_by"])
    _cancel_unsent(locked)
    usecase.note(Event.about(AuditAction.UPDATE, locked, detail={"change": "revoked"}))
    return locked


def _cancel_unsent(invitation: Invitation) -> None:
    Notification.objects.filter(
        send_key__startswith=f"invitation:{invitation.pk}:", status=NotificationStatus.PENDING
    ).update(status=NotificationStatus.CANCELLED)


def why_refused(invitation: Invitation | None, token: str) -> str | None:
    """Why the link does not work, in words (None: it works)."""
    if invitation is None:
        return NOT_CURRENT
    status = invitation.status_at(clock.now())
    if status != InvitationStatus.PENDING:
        return REFUSED[status]
    return None if invitation_tokens.check_token(invitation, token) else NOT_CURRENT


@use_case("accept_invitation")
def accept_invitation(
    actor: User, invitation: Invitation, token: str, spec: PasswordSpec
) -> Invitation:
    """The invitee sets their password with the link: the account is active, the link used."""
    locked = (
        Invitation.objects.select_for_update(no_key=True, of=("self",))
        .select_related("user", "clinic")
        .filter(pk=invitation.pk, user=actor)
        .first()
    )
    reason = why_refused(locked, token)
    if locked is None or reason is not None:
        raise InvitationStateError(reason or NOT_CURRENT, field="token")
    user = locked.user
    try:
        password_validation.validate_password(spec.password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(spec.password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    locked.accepted_at = clock.now()
    locked.save(update_fields=["accepted_at"])
    usecase.note(Event.about(AuditAction.UPDATE, locked, detail={"change": "accepted"}))
    return locked
