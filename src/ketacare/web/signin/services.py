"""A person's own second factor: set it up, renew the recovery codes, turn it off.

Each is a use case (kernel.usecase: one transaction, one audit batch). The sign-in steps
themselves (a code given, a code refused) are audited by the pages that ask for it
(`views`), like the password step is by the audit app's sign-in receivers.
"""

from __future__ import annotations

from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.accounts import mfa
from ketacare.accounts.models import User
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel import usecase
from ketacare.kernel.errors import DomainError, NotFound
from ketacare.kernel.usecase import use_case

DEVICE = "otp_totp.TOTPDevice"


class WrongCode(DomainError):
    code = "wrong_code"


WRONG_CODE = (
    "That code is not right. Type the 6 digits your authenticator app shows now "
    "(a new code comes every 30 seconds)."
)


def code_refused(user: User, step: str) -> None:
    """The audit entry of a wrong second-factor code (never the code itself)."""
    detail = {"username": user.username, "second_factor": step}
    record(Event(AuditAction.LOGIN_FAILED, "accounts.User", str(user.pk), detail=detail))


@use_case("set_up_second_factor")
def set_up_second_factor(actor: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the app `device` with a code it shows; returns the ten recovery codes."""
    if device.user_id != actor.pk or device.confirmed:
        raise NotFound("No such authenticator app is being set up.")
    codes = mfa.confirm_app(device, code)
    if codes is None:
        usecase.after_refusal(lambda: code_refused(actor, "set-up code"))
        raise WrongCode(WRONG_CODE, field="code")
    detail = {"second_factor": mfa.APP_DEVICE, "recovery_codes": len(codes)}
    usecase.note(Event.about(AuditAction.CREATE, device, clinic_id=actor.clinic_id, detail=detail))
    return codes


@use_case("renew_recovery_codes")
def renew_recovery_codes(actor: User) -> list[str]:
    if not mfa.has_second_factor(actor):
        raise DomainError("Set up an authenticator app first: recovery codes go with it.")
    codes = mfa.new_recovery_codes(actor)
    detail = {"second_factor": mfa.RECOVERY_DEVICE, "recovery_codes": len(codes)}
    usecase.note(_about(actor, AuditAction.UPDATE, detail))
    return codes


@use_case("turn_off_second_factor")
def turn_off_second_factor(actor: User) -> None:
    if mfa.must_use_second_factor(actor):
        raise DomainError(
            "Your role signs in with a second factor: it cannot be turned off. "
            "To move it to a new phone, set up the app again."
        )
    removed = mfa.turn_off(actor)
    usecase.note(_about(actor, AuditAction.DELETE, {"second_factor": "off", "devices": removed}))


def _about(actor: User, action: AuditAction, detail: dict[str, object]) -> Event:
    return Event(action, "accounts.User", str(actor.pk), clinic_id=actor.clinic_id, detail=detail)
