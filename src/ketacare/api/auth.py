"""Tokens: sign in with username and password for a bearer token; revoke it; who am I."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StringConstraints

from ketacare.accounts import mfa
from ketacare.accounts.models import User
from ketacare.accounts.roles import Role
from ketacare.api import services
from ketacare.api.access import actor
from ketacare.api.errors import ErrorOut, error_body
from ketacare.api.schemas import ERRORS, NO_NUL, ShortText
from ketacare.api.security import bearer_auth
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction

router = Router(tags=["auth"])

Credential = Annotated[str, StringConstraints(pattern=NO_NUL, min_length=1, max_length=150)]


class TokenIn(Schema):
    username: Credential = Field(description="The username you sign in with.")
    password: Annotated[str, StringConstraints(pattern=NO_NUL, min_length=1, max_length=4096)] = (
        Field(description="Your password.")
    )
    name: ShortText = Field(default="", description="What the token is for, e.g. `Sam's phone`.")
    otp: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=40)] = Field(
        default="",
        description="The code from your authenticator app, or one of your recovery codes. "
        "Needed by prescribers and pharmacists, by the staff of a clinic that asks for it, "
        "and by anyone who turned the code on; without it the answer is 401 `otp_required`.",
    )


LOCKED_OUT = 429
OTP_REQUIRED = (
    "Give the code from your authenticator app (or a recovery code) in `otp`. "
    "No app set up yet? Sign in on the website once to set it up."
)


class TokenOut(Schema):
    token: str = Field(description="The bearer token. Shown once: ketacare keeps only its hash.")
    token_type: str = Field(
        default="Bearer", description="Send it as `Authorization: Bearer <token>`."
    )
    name: str = Field(description="What the token is for.")
    created_at: dt.datetime = Field(description="When it was issued (UTC).")
    expires_at: dt.datetime = Field(description="When it stops working (UTC).")


class MeOut(Schema):
    id: int = Field(description="The user's id.")
    username: str = Field(description="The username.")
    display_name: str = Field(description="The name to greet them by.")
    roles: list[Role] = Field(description="The roles held.")
    clinic_id: int | None = Field(description="The clinic they belong to (none for operators).")
    patient_id: int | None = Field(description="Their own patient record, if they are a patient.")


@router.post(
    "/token",
    auth=None,
    response={
        201: TokenOut,
        400: ErrorOut,
        401: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
        503: ErrorOut,
    },
    summary="Issue a bearer token",
)
def issue_token(request: HttpRequest, payload: TokenIn) -> Status[TokenOut | dict[str, object]]:
    """Exchange a username and password (and a code, where needed) for a token.

    A token is valid for 30 days by default. A failed attempt is written to the audit log,
    like one on the sign-in page; 10 failures in a row (wrong passwords or codes) lock the
    username for 30 minutes (429 `locked_out`), on the sign-in page too.
    """
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        return Status(LOCKED_OUT, error_body("locked_out", lockout_message()))
    if not isinstance(user, User):
        body = error_body("invalid_credentials", "Unknown username or wrong password.")
        return Status(401, body)
    if mfa.asks_second_factor(user) and not _second_factor(request, user, payload.otp):
        if getattr(request, "axes_locked_out", False):
            return Status(LOCKED_OUT, error_body("locked_out", lockout_message()))
        return Status(401, error_body("otp_required", OTP_REQUIRED, field="otp"))
    token, raw = services.issue_token(user, name=payload.name)
    out = TokenOut(
        token=raw, name=token.name, created_at=token.created_at, expires_at=token.expires_at
    )
    return Status(201, out)


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"Too many wrong passwords. This account is locked for {minutes} minutes; "
        "call the clinic to unlock it sooner."
    )


def _second_factor(request: HttpRequest, user: User, code: str) -> bool:
    """The code is right (audited either way; a wrong one counts towards the lockout)."""
    if not code.strip():
        return False  # no code given is no guess: nothing to count
    device = mfa.check_code(user, code) if mfa.has_second_factor(user) else None
    if device is None:
        detail = {"username": user.username, "second_factor": "api token code"}
        record(Event(AuditAction.LOGIN_FAILED, "accounts.User", str(user.pk), detail=detail))
        AxesProxyHandler.user_login_failed(
            __name__, credentials={"username": user.username}, request=request
        )
        return False
    if mfa.is_recovery_code(device):
        left = mfa.recovery_codes_left(user)
        used: dict[str, object] = {
            "second_factor": "recovery code",
            "recovery_codes_left": left,
            "via": "api",
        }
        record(Event(AuditAction.LOGIN, "accounts.User", str(user.pk), detail=used), actor=user)
    return True


@router.delete(
    "/token",
    auth=[bearer_auth],
    response={204: None, 400: ErrorOut, 401: ErrorOut, 503: ErrorOut},
    summary="Revoke the token of this request",
)
def revoke_token(request: HttpRequest) -> Status[None]:
    """The token sent in `Authorization` stops working at once."""
    services.revoke_token(actor(request), request.api_token)  # type: ignore[attr-defined]
    return Status(204, None)


@router.get("/me", response={200: MeOut, **ERRORS}, summary="Who am I")
def me(request: HttpRequest) -> MeOut:
    user = actor(request)
    record = getattr(user, "patient_record", None) if user.has_role(Role.PATIENT) else None
    return MeOut(
        id=user.pk,
        username=user.username,
        display_name=user.display_name,
        roles=sorted(user.roles),
        clinic_id=user.clinic_id,
        patient_id=record.pk if record is not None else None,
    )
