"""A deadlock or serialisation failure: retried once by the use case, then 503 `busy`.

Deterministic: the service raises what Django raises for PostgreSQL's SQLSTATE 40P01
after it has written its row, on the first attempt (retried: 201, stored once, one
audit batch) or on both (503 with Retry-After, nothing stored, never a 500).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError

from ketacare.api.models import IdempotencyRecord
from ketacare.assessments import services as assessments
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.audit.models import AuditEntry
from ketacare.patients.models import Patient
from tests.kernel.test_usecase_retry import contention

PHQ9 = {"instrument": "phq9", "answers": [1, 2, 0, 3, 1, 0, 2, 1, 0]}


@pytest.fixture
def deadlocks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """`deadlocks.append(n)`: the first n attempts of submitting a questionnaire deadlock."""
    real = assessments.record_questionnaire
    plan: list[int] = []
    attempts = [0]

    def flaky(*args: Any, **kwargs: Any) -> Any:
        stored = real(*args, **kwargs)  # written, then given up by the database
        attempts[0] += 1
        if plan and attempts[0] <= plan[0]:
            raise contention()
        return stored

    monkeypatch.setattr(assessments, "record_questionnaire", flaky)
    return plan


def _submit(client: Any, patient: Patient, key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else None
    return client.post(f"patients/{patient.pk}/questionnaires", PHQ9, headers=headers)


def test_one_deadlock_is_retried_and_answered_201(as_user, patient, deadlocks, caplog):
    deadlocks.append(1)
    before = AuditEntry.objects.count()
    response = _submit(as_user(patient.user), patient)
    assert response.status_code == 201, response.content
    assert QuestionnaireResponse.objects.filter(patient=patient).count() == 1
    # One audit entry for the response: the retry's batch; the first was rolled back.
    created = AuditEntry.objects.filter(seq__gt=before, action="create")
    assert created.filter(object_type="assessments.QuestionnaireResponse").count() == 1
    assert [r.message for r in caplog.records if "retried" in r.message] == [
        "use case submit_questionnaire retried: deadlock detected"
    ]


def test_one_deadlock_with_an_idempotency_key_claims_the_key_once(as_user, patient, deadlocks):
    deadlocks.append(1)
    client = as_user(patient.user)
    first = _submit(client, patient, "retry-me")
    again = _submit(client, patient, "retry-me")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert IdempotencyRecord.objects.count() == 1
    assert QuestionnaireResponse.objects.filter(patient=patient).count() == 1


def test_two_deadlocks_answer_503_busy_and_store_nothing(as_user, patient, deadlocks):
    deadlocks.append(2)
    before = AuditEntry.objects.count()
    response = _submit(as_user(patient.user), patient, "busy-key")
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    body = response.json()
    assert body["code"] == "busy"
    assert "try again" in body["message"]
    assert not QuestionnaireResponse.objects.exists()
    assert not IdempotencyRecord.objects.exists()  # the key is free for the next try
    assert not AuditEntry.objects.filter(
        seq__gt=before, object_type="assessments.QuestionnaireResponse"
    ).exists()


def test_another_database_error_is_still_a_500(as_user, patient, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("could not extend file: No space left on device")

    monkeypatch.setattr(assessments, "record_questionnaire", broken)
    response = _submit(as_user(patient.user), patient)
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
