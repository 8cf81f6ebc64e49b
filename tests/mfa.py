"""The second factor in tests: give a user an authenticator app, a code, a recovery code.

Staff sign in with a second factor (accounts.mfa); `force_login` stands for a whole
sign-in, so tests/conftest.py marks the session as having given it (`pass_second_factor`).
"""

from __future__ import annotations

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.accounts import mfa
from ketacare.accounts.models import User


def give_app(user: User) -> TOTPDevice:
    """`user`'s confirmed authenticator app (made once)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=mfa.APP_DEVICE, confirmed=True)
    return device


def app_code(device: TOTPDevice) -> str:
    """The code the app shows now (computed from the device's key, as the phone does)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(totp.token()).zfill(device.digits)


def recovery_code(user: User) -> str:
    """A fresh single-use recovery code of `user` (they get an app too, if they had none)."""
    give_app(user)
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=mfa.RECOVERY_DEVICE, defaults={"confirmed": True}
    )
    token = StaticToken.random_token()
    StaticToken.objects.create(device=device, token=token)
    return token


def pass_second_factor(client: Client, user: User) -> None:
    """The session of `client` has given `user`'s second factor (when they need one)."""
    if not mfa.asks_second_factor(user):
        return
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = give_app(user).persistent_id
    session.save()
