"""What a locked-out sign-in sees, and the audit entry of each lockout (django-axes).

axes counts failed sign-ins (wrong passwords on the page and at the API's token
endpoint, wrong second-factor codes) by username; at the limit it refuses that username
for the cool-off time and its middleware answers with `lockout_response`.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction

LOCKED = 429  # Too Many Requests: try again later


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_message() -> str:
    return (
        f"Too many wrong passwords. This account is locked for {lockout_minutes()} minutes; "
        "call the clinic to unlock it sooner."
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """The API's `locked_out` error, or the sign-in page saying so (signed out)."""
    if request.user.is_authenticated:  # a wrong second-factor code locked it
        logout(request)
    if request.path.startswith("/api/"):
        body: dict[str, object] = {
            "code": "locked_out",
            "message": lockout_message(),
            "field": None,
            "errors": [],
        }
        return JsonResponse(body, status=LOCKED)
    messages.error(request, lockout_message())
    context = {"form": AuthenticationForm(request), "next": ""}
    return render(request, "registration/login.html", context, status=LOCKED)


@receiver(user_locked_out)
def _locked_out(sender: Any, request: HttpRequest, username: str | None, **kwargs: Any) -> None:
    # Never the password: the name tried, and that it is locked.
    detail = {"username": str(username or "")[:150], "locked_out": True}
    record(Event(AuditAction.LOGIN_FAILED, "accounts.User", detail=detail))
