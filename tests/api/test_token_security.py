"""The token endpoint: the second factor (`otp`) and the lockout, as on the sign-in page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from ketacare.audit.models import AuditAction, AuditEntry
from tests.api.conftest import ApiClient
from tests.factories import PASSWORD
from tests.mfa import app_code, give_app, recovery_code

T0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen() -> object:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def token(username: str, password: str = PASSWORD, **extra: str):
    return ApiClient().post("auth/token", {"username": username, "password": password, **extra})


def test_a_prescriber_needs_the_code(prescriber) -> None:
    give_app(prescriber)
    response = token("priya")
    assert response.status_code == 401
    assert response.json()["code"] == "otp_required"
    assert response.json()["field"] == "otp"


def test_a_prescriber_without_an_app_is_told_to_set_one_up(prescriber) -> None:
    response = token("priya", otp="123456")
    assert response.status_code == 401
    assert "Sign in on the website once to set it up" in response.json()["message"]


def test_the_apps_code_gives_a_token(prescriber) -> None:
    device = give_app(prescriber)
    response = token("priya", otp=app_code(device))
    assert response.status_code == 201
    assert response.json()["token"].startswith("kc_")


def test_a_wrong_code_is_refused_and_audited(pharmacist) -> None:
    give_app(pharmacist)
    response = token("phil", otp="000000")
    assert response.status_code == 401
    assert response.json()["code"] == "otp_required"
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.detail == {"username": "phil", "second_factor": "api token code"}
    assert "000000" not in str(entry.detail)


def test_a_recovery_code_works_once_and_is_audited(prescriber) -> None:
    code = recovery_code(prescriber)
    assert token("priya", otp=code).status_code == 201
    entry = AuditEntry.objects.filter(action=AuditAction.LOGIN, actor_id=prescriber.pk).first()
    assert entry is not None
    assert entry.detail["second_factor"] == "recovery code"
    with time_machine.travel(T0 + dt.timedelta(seconds=10), tick=False):
        assert token("priya", otp=code).status_code == 401


def test_a_patient_without_the_code_on_needs_none(patient) -> None:
    assert token(patient.user.username).status_code == 201


def test_ten_wrong_passwords_lock_the_token_endpoint(clinician) -> None:
    for _ in range(9):
        assert token("alice", "not the password").status_code == 401
    tenth = token("alice", "not the password")
    assert tenth.status_code == 429
    assert tenth.json()["code"] == "locked_out"
    right = token("alice", otp=recovery_code(clinician))
    assert right.status_code == 429
    assert right.json()["message"] == (
        "Too many wrong passwords. This account is locked for 30 minutes; "
        "call the clinic to unlock it sooner."
    )
    locked = [
        e
        for e in AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED)
        if e.detail.get("locked_out")
    ]
    assert locked
    assert locked[0].detail["username"] == "alice"


def test_the_lock_is_shared_with_the_sign_in_page(client, clinician) -> None:
    for _ in range(10):
        token("alice", "not the password")
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429


def test_the_openapi_document_lists_the_lockout() -> None:
    document = ApiClient().get("openapi.json").json()
    responses = document["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {"201", "401", "429"} <= set(responses)
    properties = document["components"]["schemas"]["TokenIn"]["properties"]
    assert "otp" in properties
