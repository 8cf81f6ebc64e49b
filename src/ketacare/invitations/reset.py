"""Password reset by email, as use cases: the link goes through the outbox, both steps audited.

Django's PasswordResetView finds the accounts and makes the link (its default token
generator); the web's form hands the message to `send_reset_link` instead of sending it
itself, and the confirm form's save to `reset_password`. Public rows: the person asking is
signed out (the link, sent only to the address on file, is the check).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from ketacare.accounts.models import User
from ketacare.alerts.models import Notification
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.invitations.outbox import queue_email
from ketacare.invitations.specs import PasswordSpec
from ketacare.kernel import usecase
from ketacare.kernel.usecase import use_case


@use_case("request_password_reset")
def send_reset_link(actor: Any, user: User, body: str) -> Notification:
    """Queue the reset message (its body holds the link) to the account's email address."""
    digest = hashlib.sha256(body.encode()).hexdigest()[:24]
    notification = queue_email(
        to=user.email,
        label=f"password reset for {user.get_username()}",
        subject="ketacare: choose a new password",
        body=body,
        send_key=f"password-reset:{user.pk}:{digest}",
        recipient=user,
    )
    detail = {"change": "password reset link sent", "notification": notification.pk}
    usecase.note(Event.about(AuditAction.UPDATE, user, clinic_id=user.clinic_id, detail=detail))
    return notification


@use_case("reset_password")
def reset_password(actor: Any, user: User, spec: PasswordSpec) -> User:
    """Set the new password (the face checked the link's token for `user`)."""
    try:
        password_validation.validate_password(spec.password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(spec.password)
    user.save(update_fields=["password"])
    detail = {"change": "password reset"}
    usecase.note(Event.about(AuditAction.UPDATE, user, clinic_id=user.clinic_id, detail=detail))
    return user
