"""The demo's second factor: published keys, so that anyone can try the sign-in.

The demo clinic lets its clinicians, coordinator and administrator in with a password
alone (`require_staff_mfa` off: the clinic's choice, shown in the admin); its prescriber
and pharmacist must give a code, as everywhere. They share one authenticator key,
printed with the demo logins: add it to any authenticator app (or `oathtool --totp -b
KEY`). A demo key is public: never load the demo into a clinic's real database.
"""

from __future__ import annotations

import base64

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.accounts import mfa
from ketacare.accounts.models import Clinic, User

# 20 bytes, as TOTPDevice makes them; public on purpose (the demo only).
DEMO_KEY_HEX = "6b657461636172652d64656d6f2d6f6e6c792121"


def demo_key_base32() -> str:
    """The key as an authenticator app takes it (base32, no padding)."""
    return base64.b32encode(bytes.fromhex(DEMO_KEY_HEX)).decode().rstrip("=")


def current_demo_code() -> str:
    """The code an app with the demo key shows now (for the printed hint)."""
    return str(TOTP(bytes.fromhex(DEMO_KEY_HEX)).token()).zfill(6)


def set_up_demo_second_factor(clinic: Clinic) -> list[str]:
    """Loosen the clinic's rule; give the staff who must use a code the demo key."""
    Clinic.objects.filter(pk=clinic.pk).update(require_staff_mfa=False)
    clinic.require_staff_mfa = False
    with_code = []
    for user in User.objects.filter(clinic=clinic, is_staff=True).order_by("pk"):
        user.clinic = clinic
        if mfa.must_use_second_factor(user):
            TOTPDevice.objects.create(
                user=user, name=mfa.APP_DEVICE, key=DEMO_KEY_HEX, confirmed=True
            )
            with_code.append(user.username)
    return with_code
