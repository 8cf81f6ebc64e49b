"""Bearer tokens (issue, hash, expiry, revocation) and the browser session with CSRF."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.test import Client

from ketacare.accounts import mfa
from ketacare.accounts.models import User
from ketacare.api import services
from ketacare.api.models import ApiToken
from ketacare.audit.models import AuditAction, AuditEntry
from tests.api.conftest import API, ApiClient
from tests.factories import PASSWORD, UserFactory
from tests.mfa import recovery_code

T0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def _issue(username: str, password: str = PASSWORD, **extra: str):
    """POST /auth/token; a staff member's second factor is a fresh recovery code (tests.mfa)."""
    user = User.objects.filter(username=username).first()
    if user is not None and "otp" not in extra and mfa.asks_second_factor(user):
        extra["otp"] = recovery_code(user)
    return ApiClient().post("auth/token", {"username": username, "password": password, **extra})


def test_it_issues_a_token_and_keeps_only_its_hash(clinician):
    with time_machine.travel(T0, tick=False):
        response = _issue("alice", name="Alice's laptop")
    assert response.status_code == 201
    body = response.json()
    token = body["token"]
    assert token.startswith("kc_")
    assert body["token_type"] == "Bearer"
    assert body["name"] == "Alice's laptop"
    assert body["expires_at"] == "2025-03-31T12:00:00Z"  # 30 days, in UTC with its offset
    stored = ApiToken.objects.get()
    assert stored.user == clinician
    assert stored.prefix == token[:8]
    assert stored.key_sha256 == hashlib.sha256(token.encode()).hexdigest()
    # The token itself is nowhere in the row.
    assert all(token not in str(getattr(stored, f.attname)) for f in ApiToken._meta.fields)
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN, actor_id=clinician.pk).exists()


def test_the_token_authenticates_requests(clinician):
    token = _issue("alice").json()["token"]
    me = ApiClient(token).get("auth/me")
    assert me.status_code == 200
    assert me.json()["username"] == "alice"
    assert me.json()["roles"] == ["clinician"]
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "wrong password"), ("nobody", PASSWORD)],
    ids=["wrong-password", "unknown-user"],
)
def test_bad_credentials_are_a_401_and_audited(clinician, username, password):
    response = _issue(username, password)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()
    failed = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.detail == {"username": username}  # the name tried, never the password


def test_an_inactive_user_gets_no_token(clinician):
    clinician.is_active = False
    clinician.save()
    assert _issue("alice").status_code == 401


def test_a_token_of_a_deactivated_user_stops_working(clinician, as_user):
    client = as_user(clinician)
    clinician.is_active = False
    clinician.save()
    assert client.get("auth/me").status_code == 401


def test_a_token_expires_after_30_days(clinician):
    with time_machine.travel(T0, tick=False):
        token = _issue("alice").json()["token"]
    with time_machine.travel(T0 + dt.timedelta(days=29, hours=23), tick=False):
        assert ApiClient(token).get("auth/me").status_code == 200
    with time_machine.travel(T0 + dt.timedelta(days=30), tick=False):
        response = ApiClient(token).get("auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_the_lifetime_is_a_setting(clinician, settings):
    settings.KETACARE_API_TOKEN_DAYS = 2
    with time_machine.travel(T0, tick=False):
        body = _issue("alice").json()
    assert body["expires_at"] == "2025-03-03T12:00:00Z"


@pytest.mark.parametrize("bad", [0, -1, "30", 2.5, True])
def test_a_bad_lifetime_setting_fails_loudly(settings, bad):
    settings.KETACARE_API_TOKEN_DAYS = bad
    with pytest.raises(ValueError, match="KETACARE_API_TOKEN_DAYS"):
        services.token_days()


def test_delete_revokes_the_presented_token_only(clinician):
    first = _issue("alice").json()["token"]
    second = _issue("alice").json()["token"]
    assert ApiClient(first).delete("auth/token").status_code == 204
    assert ApiClient(first).get("auth/me").status_code == 401
    assert ApiClient(second).get("auth/me").status_code == 200
    revoked = ApiToken.objects.get(prefix=first[:8])
    assert revoked.revoked_at is not None
    assert AuditEntry.objects.filter(action=AuditAction.LOGOUT, actor_id=clinician.pk).exists()


def test_revoking_needs_a_token_not_a_session(client: Client, clinician):
    client.force_login(clinician)
    response = client.delete(f"{API}/auth/token")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "Bearer kc_not-a-real-token",
        "Bearer ",
        "Token kc_whatever",
        "Bearer " + "kc_" + "x" * 300,
        "Bearer nothing-like-ours",
    ],
)
def test_unknown_or_malformed_tokens_are_refused(clinician, header):
    response = Client().get(f"{API}/auth/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_a_token_differing_in_one_character_is_refused(clinician):
    token = _issue("alice").json()["token"]
    last = "A" if token[-1] != "A" else "B"
    assert ApiClient(token[:-1] + last).get("auth/me").status_code == 401


def test_anonymous_requests_are_a_401(patient):
    response = ApiClient().get(f"patients/{patient.pk}")
    assert response.status_code == 401
    assert response.json() == {
        "code": "unauthorized",
        "message": "Authentication required: a bearer token or a signed-in session.",
        "field": None,
        "errors": [],
    }


# --- The browser session ----------------------------------------------------------


def test_a_session_reads_without_csrf(clinician, patient):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician)
    assert client.get(f"{API}/patients/{patient.pk}").status_code == 200


def test_a_session_write_needs_the_csrf_token(clinician, patient):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician)
    url = f"{API}/patients/{patient.pk}/phase"
    response = client.post(url, {"target": "intake"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    patient.refresh_from_db()
    assert patient.phase == "screening"

    secret = "a" * 32
    client.cookies["csrftoken"] = secret
    response = client.post(
        url, {"target": "intake"}, content_type="application/json", headers={"X-CSRFToken": secret}
    )
    assert response.status_code == 200
    assert response.json()["phase"] == "intake"


def test_a_bearer_token_needs_no_csrf_even_with_a_session(clinician, patient):
    token = _issue("alice").json()["token"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician)
    response = ApiClient(token, client).post(f"patients/{patient.pk}/phase", {"target": "intake"})
    assert response.status_code == 200


def test_the_admin_lists_tokens_of_the_clinic_only(client: Client, clinician, outsider):
    services.issue_token(clinician, name="alice-phone")
    services.issue_token(outsider, name="charlie-phone")
    admin = UserFactory(clinic=clinician.clinic, clinic_admin=True)
    client.force_login(admin)
    page = client.get("/admin/api/apitoken/").content.decode()
    assert "alice-phone" in page
    assert "charlie-phone" not in page
