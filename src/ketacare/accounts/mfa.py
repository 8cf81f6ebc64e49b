"""Who signs in with a second factor, and the devices that give it (django-otp).

A second factor is a code from an authenticator app (a TOTP device) or one of ten
single-use recovery codes (a static device), asked after the password. Prescribers and
pharmacists always use one (they prescribe and dispense a Schedule III drug); the clinic
chooses for its other staff (`Clinic.require_staff_mfa`, on by default: fail closed);
patients and sitters may turn one on. The faces (web.signin, the API's token endpoint)
ask for it and write the audit entries; this module only knows the rule and the devices.
"""

from __future__ import annotations

from django.db import transaction
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.accounts.models import User
from ketacare.accounts.roles import STAFF_ROLES, Role

# Roles that sign in with a second factor whatever the clinic chose.
ALWAYS = frozenset({Role.PRESCRIBER, Role.PHARMACIST})
RECOVERY_CODES = 10
APP_DEVICE = "authenticator app"
RECOVERY_DEVICE = "recovery codes"


def must_use_second_factor(user: User) -> bool:
    """Whether `user` may not reach any page without a second factor."""
    if user.roles & ALWAYS or user.is_superuser:
        return True
    if user.roles & STAFF_ROLES:
        # A staff account without a clinic has no clinic to loosen the rule: fail closed.
        return user.clinic is None or bool(user.clinic.require_staff_mfa)
    return False


def has_second_factor(user: User) -> bool:
    """Whether `user` set up an authenticator app (confirmed with a code)."""
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def asks_second_factor(user: User) -> bool:
    """Whether the sign-in asks `user` for a code (required, or turned on by choice)."""
    return must_use_second_factor(user) or has_second_factor(user)


def pending_app(user: User) -> TOTPDevice:
    """The authenticator app being set up: its secret is shown until a code confirms it."""
    device: TOTPDevice | None = (
        TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    )
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)
    return device


def confirm_app(device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the app with a code it shows; its new recovery codes, or None if wrong."""
    if not device.verify_token(_clean(code)):
        return None
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_recovery_codes(device.user)


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh single-use codes (the old ones stop working); shown once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def check_code(user: User, code: str) -> Device | None:
    """The device that accepts `code` (an app's code, or an unused recovery code), or None."""
    cleaned = _clean(code)
    if not cleaned:
        return None
    device: Device
    # django-otp locks the devices it verifies against (a code is used once, even by two
    # requests at the same moment), which takes a transaction of its own: a short one,
    # committed before the caller signs the session in and audits the step.
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(cleaned):
                return device
    return None


def is_recovery_code(device: Device) -> bool:
    return isinstance(device, StaticDevice)


def recovery_codes_left(user: User) -> int:
    count: int = StaticToken.objects.filter(device__user=user).count()
    return count


def turn_off(user: User) -> int:
    """Remove every device of `user` (only for someone who need not use one)."""
    apps, _ = TOTPDevice.objects.filter(user=user).delete()
    codes, _ = StaticDevice.objects.filter(user=user).delete()
    return int(apps) + int(codes)


def idle_minutes(user: User) -> int | None:
    """Minutes without activity before `user` is signed out (None: no clinic, no limit set)."""
    clinic = user.clinic
    if user.roles & STAFF_ROLES or user.is_superuser:
        return clinic.staff_idle_minutes if clinic is not None else STAFF_IDLE_DEFAULT
    if clinic is not None:
        return clinic.person_idle_minutes
    return None


# An operator without a clinic gets the staff default (accounts.Clinic's field default).
STAFF_IDLE_DEFAULT = 15


def _clean(code: str) -> str:
    """Spaces and dashes people type or paste between groups of digits are not the code."""
    return "".join(code.split()).replace("-", "").lower()[:32]
