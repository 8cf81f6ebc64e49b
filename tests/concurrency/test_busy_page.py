"""The web face: a change the database gave up twice for contention is a 503 page, not a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketacare.assessments import services as assessments
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.patients.models import Patient
from tests.kernel.test_usecase_retry import contention

pytestmark = pytest.mark.django_db(transaction=True)

PHQ9 = reverse("portal-questionnaire", kwargs={"instrument": "phq9"})
ANSWERS = {f"item_{n}": str(v) for n, v in enumerate([1, 2, 1, 2, 1, 2, 1, 2, 0], start=1)}


@pytest.fixture
def deadlocking(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every attempt to store a questionnaire deadlocks; the list counts the attempts."""
    attempts: list[int] = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        attempts.append(1)
        raise contention()

    monkeypatch.setattr(assessments, "record_questionnaire", flaky)
    return attempts


def test_a_twice_deadlocked_questionnaire_is_a_please_try_again_page(
    client: Client, patient: Patient, deadlocking: list[int]
) -> None:
    client.force_login(patient.user)
    page = client.post(PHQ9, ANSWERS)
    assert page.status_code == 503
    assert page["Retry-After"] == "1"
    html = page.content.decode()
    assert "Please try again" in html
    assert "nothing you sent was saved" in html
    assert patient.clinic.emergency_number in html  # the crisis numbers stay in reach
    assert len(deadlocking) == 2  # tried, and tried once more
    assert not QuestionnaireResponse.objects.exists()
