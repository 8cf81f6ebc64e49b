"""Signing in with a second factor, the lockout, the idle sign-out, and the headers.

These tests sign in through the pages (POST /login/), not with `force_login`, which
stands for a whole sign-in elsewhere (tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.kernel.errors import NotFound
from ketacare.patients.models import Patient
from ketacare.web.signin import services
from tests.factories import PASSWORD
from tests.mfa import app_code, give_app, recovery_code

T0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
LOCKED = "Too many wrong passwords. This account is locked for 30 minutes"


@pytest.fixture(autouse=True)
def _frozen() -> object:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def password(client: Client, username: str, secret: str = PASSWORD, next_url: str = "") -> object:
    data = {"username": username, "password": secret}
    if next_url:
        data["next"] = next_url
    return client.post("/login/", data)


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def failures(**detail: object) -> list[AuditEntry]:
    entries = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED)
    return [e for e in entries if all(e.detail.get(k) == v for k, v in detail.items())]


# --- Who must give a second factor ---------------------------------------------------


def test_a_prescriber_without_an_app_is_sent_to_set_one_up(client, prescriber) -> None:
    assert password(client, "priya").status_code == 302
    response = client.get("/workspace/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/second-factor/setup/?next=")
    # Nor through the API with the browser's session.
    api = client.get("/api/v1/auth/me")
    assert api.status_code == 401
    assert api.json()["code"] == "otp_required"


def test_setting_up_the_app_shows_ten_recovery_codes_once(client, prescriber) -> None:
    password(client, "priya")
    page = client.get("/account/second-factor/setup/?next=/workspace/")
    assert 'src="data:image/svg+xml' in text(page)
    device = TOTPDevice.objects.get(user=prescriber, confirmed=False)
    wrong = client.post("/account/second-factor/setup/", {"code": "000000"})
    assert wrong.status_code == 409
    assert "That code is not right" in text(wrong)
    assert failures(username="priya", second_factor="set-up code")
    done = client.post(
        "/account/second-factor/setup/", {"code": app_code(device), "next": "/workspace/"}
    )
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", text(done))
    assert len(codes) == 10
    assert StaticToken.objects.filter(device__user=prescriber).count() == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/workspace/").status_code == 200
    created = AuditEntry.objects.get(action=AuditAction.CREATE, object_type="otp_totp.TOTPDevice")
    assert created.actor_id == prescriber.pk
    assert created.detail == {"second_factor": "authenticator app", "recovery_codes": 10}


def test_the_app_is_asked_for_after_the_password(client, pharmacist) -> None:
    device = give_app(pharmacist)
    password(client, "phil", next_url="/workspace/pharmacy/")
    response = client.get("/workspace/pharmacy/")
    assert response["Location"] == "/login/code/?next=%2Fworkspace%2Fpharmacy%2F"
    wrong = client.post("/login/code/", {"code": "123456"})
    assert wrong.status_code == 400
    assert "That code is not right" in text(wrong)
    assert failures(username="phil", second_factor="sign-in code")
    with time_machine.travel(T0 + dt.timedelta(seconds=5), tick=False):  # past the throttle
        right = client.post(
            "/login/code/", {"code": app_code(device), "next": "/workspace/pharmacy/"}
        )
        assert right["Location"] == "/workspace/pharmacy/"
        assert client.get("/workspace/pharmacy/").status_code == 200
    entry = AuditEntry.objects.filter(action=AuditAction.LOGIN, actor_id=pharmacist.pk).last()
    assert entry is not None
    assert entry.detail == {"second_factor": "authenticator app"}


def test_a_recovery_code_signs_in_once(client, prescriber) -> None:
    code = recovery_code(prescriber)
    password(client, "priya")
    assert client.post("/login/code/", {"code": code.upper()})["Location"] == "/"
    entry = AuditEntry.objects.filter(action=AuditAction.LOGIN, actor_id=prescriber.pk).last()
    assert entry is not None
    assert entry.detail == {"second_factor": "recovery code", "recovery_codes_left": 0}
    client.post("/logout/")
    password(client, "priya")
    with time_machine.travel(T0 + dt.timedelta(seconds=5), tick=False):
        assert client.post("/login/code/", {"code": code}).status_code == 400


def test_the_app_cannot_be_replaced_before_the_code_is_given(client, prescriber) -> None:
    give_app(prescriber)
    password(client, "priya")
    response = client.get("/account/second-factor/setup/")
    assert response["Location"].startswith("/login/code/")


def test_a_clinic_may_let_its_other_staff_sign_in_without_a_code(
    client, clinic: Clinic, clinician, prescriber
) -> None:
    Clinic.objects.filter(pk=clinic.pk).update(require_staff_mfa=False)
    password(client, "alice")
    assert client.get("/workspace/").status_code == 200
    other = Client()
    password(other, "priya")  # a prescriber always gives one
    assert other.get("/workspace/")["Location"].startswith("/account/second-factor/setup/")


def test_by_default_every_staff_role_gives_a_code(client, clinician, coordinator) -> None:
    for username in ("alice", "cora"):
        signed = Client()
        password(signed, username)
        assert signed.get("/workspace/")["Location"].startswith("/account/second-factor/setup/")


def test_a_patient_may_turn_the_code_on_and_off(client, patient: Patient) -> None:
    user: User = patient.user
    password(client, user.username)
    assert client.get("/portal/", follow=True).status_code == 200
    page = client.get("/account/security/")
    assert "You sign in with your password only" in text(page)
    client.get("/account/second-factor/setup/")
    device = TOTPDevice.objects.get(user=user)
    client.post("/account/second-factor/setup/", {"code": app_code(device)})
    assert "Turn off the code" in text(client.get("/account/security/"))
    # Next time, the code is asked for.
    again = Client()
    password(again, user.username)
    assert again.get("/portal/")["Location"].startswith("/login/code/")
    assert client.post("/account/security/turn-off/")["Location"] == "/account/security/"
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, actor_id=user.pk).exists()


def test_a_prescriber_cannot_turn_the_code_off(client, prescriber) -> None:
    client.force_login(prescriber)
    response = client.post("/account/security/turn-off/")
    assert response.status_code == 409
    assert "cannot be turned off" in text(response)
    assert TOTPDevice.objects.filter(user=prescriber).exists()


def test_new_recovery_codes_replace_the_old_ones(client, prescriber) -> None:
    old = recovery_code(prescriber)
    client.force_login(prescriber)
    response = client.post("/account/security/recovery-codes/")
    assert response.status_code == 200
    assert not StaticToken.objects.filter(token=old).exists()
    assert StaticToken.objects.filter(device__user=prescriber).count() == 10


def test_nobody_confirms_another_persons_app(prescriber, pharmacist) -> None:
    """Ownership: the app being set up is the actor's own, or there is no such app."""
    device = TOTPDevice.objects.create(user=pharmacist, name="app", confirmed=False)
    with pytest.raises(NotFound):
        services.set_up_second_factor(prescriber, device, app_code(device))
    device.refresh_from_db()
    assert not device.confirmed


def test_the_security_page_needs_a_sign_in(client) -> None:
    for url in ("/account/security/", "/account/second-factor/setup/", "/login/code/"):
        assert client.get(url)["Location"].startswith("/login/?next=")


# --- Lockout ------------------------------------------------------------------------


def test_ten_wrong_passwords_lock_the_account(client, clinician) -> None:
    for _ in range(9):
        assert password(client, "alice", "not the password").status_code == 200
    tenth = password(client, "alice", "not the password")
    assert tenth.status_code == 429
    assert LOCKED in text(tenth)
    assert "call the clinic to unlock it sooner" in text(tenth)
    right = password(client, "alice")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    assert failures(username="alice", locked_out=True)
    # The clinic unlocks it sooner.
    call_command("axes_reset_username", "alice", verbosity=0)
    assert password(client, "alice").status_code == 302


def test_the_lock_ends_after_30_minutes(client, clinician) -> None:
    for _ in range(10):
        password(client, "alice", "not the password")
    with time_machine.travel(T0 + dt.timedelta(minutes=31), tick=False):
        assert password(client, "alice").status_code == 302


def test_wrong_codes_count_towards_the_lock(client, prescriber) -> None:
    give_app(prescriber)
    for second in range(10):
        password(client, "priya")
        with time_machine.travel(T0 + dt.timedelta(minutes=second), tick=False):
            response = client.post("/login/code/", {"code": "000000"})
    assert response.status_code == 429
    assert LOCKED in text(response)
    assert "_auth_user_id" not in client.session  # signed out


# --- Idle sign-out --------------------------------------------------------------------


@pytest.fixture
def idle_sign_out(settings) -> None:  # type: ignore[no-untyped-def]
    """On, as in production (tests/settings.py turns it off for the clock's jumps)."""
    settings.KETACARE_IDLE_SIGN_OUT = True


def test_staff_are_signed_out_after_15_idle_minutes(client, clinician, idle_sign_out) -> None:
    client.force_login(clinician)
    assert client.get("/workspace/").status_code == 200
    with time_machine.travel(T0 + dt.timedelta(minutes=14), tick=False):
        assert client.get("/workspace/").status_code == 200
    with time_machine.travel(T0 + dt.timedelta(minutes=30), tick=False):
        response = client.get("/workspace/")
        assert response["Location"] == "/login/?next=%2Fworkspace%2F"
        page = client.get(response["Location"])
    assert "You were signed out after 15 minutes without activity." in text(page)
    assert "_auth_user_id" not in client.session


def test_the_clinic_sets_the_idle_minutes(client, clinic: Clinic, clinician, idle_sign_out) -> None:
    Clinic.objects.filter(pk=clinic.pk).update(staff_idle_minutes=5)
    client.force_login(clinician)
    client.get("/workspace/")
    with time_machine.travel(T0 + dt.timedelta(minutes=6), tick=False):
        assert client.get("/workspace/")["Location"].startswith("/login/")


def test_patients_have_30_idle_minutes(client, patient: Patient, idle_sign_out) -> None:
    client.force_login(patient.user)
    client.get("/portal/")
    with time_machine.travel(T0 + dt.timedelta(minutes=20), tick=False):
        assert not client.get("/portal/").get("Location", "").startswith("/login/")
    with time_machine.travel(T0 + dt.timedelta(minutes=51), tick=False):
        assert client.get("/portal/")["Location"].startswith("/login/")


# --- Headers: no stored copy, the CSP --------------------------------------------------

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)


@pytest.mark.parametrize(
    "url", ["/", "/login/", "/workspace/", "/account/security/", "/api/v1/auth/me", "/healthz"]
)
def test_every_response_is_no_store_and_has_the_csp(client, clinician, url: str) -> None:
    client.force_login(clinician)
    response = client.get(url, follow=True)
    assert "no-store" in response["Cache-Control"]
    assert set(response["Content-Security-Policy"].split("; ")) == set(CSP.split("; "))


def test_a_portal_page_and_an_api_answer_are_no_store(client, patient: Patient) -> None:
    client.force_login(patient.user)
    for url in ("/portal/", f"/api/v1/patients/{patient.pk}"):
        response = client.get(url, follow=True)
        assert "no-store" in response["Cache-Control"], url
        assert response["Pragma"] == "no-cache"


def test_idle_sign_out_is_off_only_in_the_tests_settings(client, clinician) -> None:
    client.force_login(clinician)
    client.get("/workspace/")
    with time_machine.travel(T0 + dt.timedelta(hours=5), tick=False):
        assert client.get("/workspace/").status_code == 200
