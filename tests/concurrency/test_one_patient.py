"""30 writes for one patient at once, through the API, on PostgreSQL: none answers 5xx.

10 PHQ-9 by the patient, 10 GAD-7 by the coordinator, 10 adverse events by a
clinician, released together by a barrier from 30 threads, each with its own database
connection. Writers that lock the patient to serialise themselves, writers that only
refer to it, and the audit chain's head (taken by every use case at its end) must not
deadlock; a deadlock or serialisation failure the database still reports is retried
once by the use-case wrapper, and answered 503 (never 500) if the retry fails too.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections

from ketacare.api.services import issue_token
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.audit.log import verify
from ketacare.treatment.models import AdverseEvent
from tests.api.conftest import ApiClient
from tests.factories import PatientFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

EACH = 10
PHQ9 = [1, 2, 0, 3, 1, 0, 2, 1, 0]
GAD7 = [1, 1, 0, 2, 1, 0, 1]
AE = {"description": "Nausea", "severity": "mild", "serious": False, "outcome": "recovering"}


def _at(minutes: int) -> str:
    moment = dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    return moment.isoformat()


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Each call's result; all released together, each thread on its own connection."""
    barrier = threading.Barrier(len(calls))

    def in_thread(call: Callable[[], Any]) -> Any:
        try:
            barrier.wait(timeout=30)
            return call()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(in_thread, calls))


def test_30_concurrent_writes_for_one_patient_answer_no_5xx(clinic):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer anyway")
    patient = PatientFactory(clinic=clinic, with_account=True, phase="induction")
    coordinator = UserFactory(clinic=clinic, coordinator=True)
    clinician = UserFactory(clinic=clinic, clinician=True)
    tokens = {who.pk: issue_token(who)[1] for who in (patient.user, coordinator, clinician)}
    base = f"patients/{patient.pk}"

    def post(user: Any, path: str, body: dict[str, Any]) -> Callable[[], Any]:
        return lambda: ApiClient(tokens[user.pk]).post(f"{base}/{path}", body)

    calls = [
        post(
            patient.user,
            "questionnaires",
            {"instrument": "phq9", "answers": PHQ9, "recorded_at": _at(i)},
        )
        for i in range(EACH)
    ]
    calls += [
        post(
            coordinator,
            "questionnaires",
            {"instrument": "gad7", "answers": GAD7, "recorded_at": _at(i)},
        )
        for i in range(EACH)
    ]
    calls += [post(clinician, "adverse-events", AE) for _ in range(EACH)]

    responses = at_once(calls)

    statuses = Counter(r.status_code for r in responses)
    failed = [r.content[:300] for r in responses if r.status_code >= 500]
    assert statuses == {201: 3 * EACH}, (statuses, failed[:3])
    assert QuestionnaireResponse.objects.filter(patient=patient, instrument="phq9").count() == EACH
    assert QuestionnaireResponse.objects.filter(patient=patient, instrument="gad7").count() == EACH
    assert AdverseEvent.objects.filter(patient=patient).count() == EACH
    assert verify().ok
