"""`Idempotency-Key`: a retry replays the first answer and never records twice."""

from __future__ import annotations

import threading
import time

import pytest
import time_machine
from django.db import connection

from ketacare.api.models import IdempotencyRecord
from ketacare.api.services import issue_token
from ketacare.assessments import services as assessments
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.patients.models import Patient
from ketacare.treatment.models import LedgerEvent
from tests.api.conftest import ApiClient
from tests.factories import UserFactory
from tests.treatment.helpers import NOW, fill, plan_for, prescribe, ready_session

PHQ9 = {"instrument": "phq9", "answers": [1, 2, 0, 3, 1, 0, 2, 1, 0]}


@pytest.fixture
def in_intake(patient: Patient) -> Patient:
    Patient.objects.filter(pk=patient.pk).update(phase="intake")
    patient.refresh_from_db()
    return patient


def _submit(client: ApiClient, patient: Patient, key: str | None, body: dict | None = None):
    headers = {"Idempotency-Key": key} if key is not None else None
    return client.post(f"patients/{patient.pk}/questionnaires", body or PHQ9, headers=headers)


def test_a_retry_with_the_same_key_replays_the_first_answer(as_user, in_intake):
    client = as_user(in_intake.user)
    first = _submit(client, in_intake, "phone-retry-1")
    again = _submit(client, in_intake, "phone-retry-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert QuestionnaireResponse.objects.count() == 1
    stored = IdempotencyRecord.objects.get()
    assert (stored.key, stored.method, stored.response_status) == ("phone-retry-1", "POST", 201)
    assert stored.path == f"/api/v1/patients/{in_intake.pk}/questionnaires"


def test_the_same_json_in_another_key_order_is_the_same_request(as_user, in_intake):
    client = as_user(in_intake.user)
    _submit(client, in_intake, "k")
    reordered = {"answers": PHQ9["answers"], "instrument": "phq9"}
    assert _submit(client, in_intake, "k", reordered)["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_body_is_refused(as_user, in_intake):
    client = as_user(in_intake.user)
    _submit(client, in_intake, "k")
    other = {"instrument": "phq9", "answers": [0] * 9}
    response = _submit(client, in_intake, "k", other)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "idempotency_key_reused"
    assert body["field"] == "header.Idempotency-Key"
    assert QuestionnaireResponse.objects.count() == 1


def test_the_same_key_for_another_patient_is_refused(
    as_user, in_intake, other_patient, coordinator
):
    # Staff filling in for two patients must use two keys: the path is part of the request.
    Patient.objects.filter(pk=other_patient.pk).update(phase="intake")
    client = as_user(coordinator)
    assert _submit(client, in_intake, "k").status_code == 201
    response = _submit(client, other_patient, "k")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert not QuestionnaireResponse.objects.filter(patient=other_patient).exists()


def test_keys_belong_to_their_user(as_user, in_intake, coordinator):
    _submit(as_user(in_intake.user), in_intake, "shared")
    response = as_user(coordinator).post(
        f"patients/{in_intake.pk}/questionnaires",
        {**PHQ9, "recorded_at": "2020-01-01T09:00:00-05:00"},
        headers={"Idempotency-Key": "shared"},
    )
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert QuestionnaireResponse.objects.count() == 2


def test_a_failed_request_stores_nothing_and_may_be_retried(as_user, in_intake):
    client = as_user(in_intake.user)
    bad = _submit(client, in_intake, "k", {"instrument": "phq9", "answers": [1]})
    assert bad.status_code == 422
    assert not IdempotencyRecord.objects.exists()
    good = _submit(client, in_intake, "k")
    assert good.status_code == 201
    assert "Idempotent-Replayed" not in good


def test_without_a_key_each_request_counts(as_user, in_intake):
    client = as_user(in_intake.user)
    _submit(client, in_intake, None)
    _submit(client, in_intake, None, {**PHQ9, "recorded_at": "2020-01-01T09:00:00Z"})
    assert QuestionnaireResponse.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "two words"])
def test_a_key_must_be_1_to_255_characters(as_user, in_intake, key):
    response = _submit(as_user(in_intake.user), in_intake, key)
    assert response.status_code == 422
    assert response.json()["field"] == "header.Idempotency-Key"
    assert not QuestionnaireResponse.objects.exists()


def test_a_255_character_key_is_fine(as_user, in_intake):
    assert _submit(as_user(in_intake.user), in_intake, "x" * 255).status_code == 201


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_copies_at_once_record_one_response(in_intake, monkeypatch):
    """The second copy waits on the first's claim, then replays it (PostgreSQL row locks)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer anyway")
    inside = threading.Event()
    real = assessments.submit_questionnaire

    def slow_submit(*args, **kwargs):
        inside.set()
        response = real(*args, **kwargs)
        time.sleep(0.5)  # hold the transaction open while the copy arrives
        return response

    monkeypatch.setattr(assessments, "submit_questionnaire", slow_submit)
    token = issue_token(in_intake.user)[1]
    results: dict[str, object] = {}

    def send(name: str) -> None:
        try:
            results[name] = _submit(ApiClient(token), in_intake, "same-key")
        finally:
            connection.close()

    first = threading.Thread(target=send, args=("first",))
    first.start()
    assert inside.wait(timeout=10)
    second = threading.Thread(target=send, args=("second",))
    second.start()
    first.join(timeout=30)
    second.join(timeout=30)

    a, b = results["first"], results["second"]
    assert a.status_code == b.status_code == 201  # type: ignore[attr-defined]
    assert a.json() == b.json()  # type: ignore[attr-defined]
    assert b["Idempotent-Replayed"] == "true"  # type: ignore[index]
    assert QuestionnaireResponse.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


# --- The dose itself: the reason the header exists ------------------------------------


@pytest.fixture
def ready(clinic, patient: Patient):
    """A patient with stock and a session whose checklist passed, at the plan's first dose."""
    prescriber = UserFactory(clinic=clinic, prescriber=True)
    pharmacist = UserFactory(clinic=clinic, pharmacist=True)
    Patient.objects.filter(pk=patient.pk).update(phase="approved")
    patient.refresh_from_db()
    with time_machine.travel(NOW, tick=False):
        plan_for(prescriber, patient)
        fill(pharmacist, prescribe(prescriber, patient))
        return ready_session(patient.user, patient)


def _dose(client: ApiClient, session, key: str | None):
    headers = {"Idempotency-Key": key} if key else None
    url = f"patients/{session.patient_id}/sessions/{session.pk}/dose"
    return client.post(url, {"dose_mg": 100}, headers=headers)


def _taken() -> int:
    return LedgerEvent.objects.filter(kind="taken").count()


def test_a_retried_dose_is_recorded_once(as_user, ready):
    with time_machine.travel(NOW, tick=False):
        client = as_user(ready.patient.user)
        first = _dose(client, ready, "dose-1")
        again = _dose(client, ready, "dose-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert _taken() == 1


def test_a_second_dose_without_a_key_is_refused_not_recorded(as_user, ready):
    with time_machine.travel(NOW, tick=False):
        client = as_user(ready.patient.user)
        _dose(client, ready, None)
        again = _dose(client, ready, None)
    assert again.status_code == 409
    assert again.json()["code"] == "already_recorded"
    assert _taken() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_copies_of_a_dose_at_once_take_one_dose(ready):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer anyway")
    with time_machine.travel(NOW, tick=False):
        token = issue_token(ready.patient.user)[1]
        results: list[object] = []

        def send() -> None:
            try:
                results.append(_dose(ApiClient(token), ready, "one-dose"))
            finally:
                connection.close()

        threads = [threading.Thread(target=send) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert sorted(r.status_code for r in results) == [200] * 4  # type: ignore[attr-defined]
    assert sum(r.has_header("Idempotent-Replayed") for r in results) == 3  # type: ignore[attr-defined]
    assert _taken() == 1
