"""Sign-ins, sign-outs and failed sign-ins go into the audit log too."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from ketacare.audit.context import acting, current
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    ctx = current()
    with acting(user, request_id=ctx.request_id, ip_address=ctx.ip_address):
        record(Event(AuditAction.LOGIN, "accounts.User", str(user.pk)))


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    ctx = current()
    with acting(user, request_id=ctx.request_id, ip_address=ctx.ip_address):
        record(Event(AuditAction.LOGOUT, "accounts.User", str(user.pk)))


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    # Never the password: only the name that was tried.
    username = str(credentials.get("username", ""))[:150]
    record(Event(AuditAction.LOGIN_FAILED, "accounts.User", detail={"username": username}))
