"""My progress: the patient's charts with their tables and summaries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.patients.models import Patient
from tests.web.forms.helpers import NOW, assert_no_external_urls, text

PROGRESS = reverse("portal-progress")


def _phq9(patient: Patient, values: list[int], days_ago: int) -> None:
    assert patient.user is not None
    submit_questionnaire(
        patient.user,
        patient,
        questionnaire(
            instrument="phq9", answers=values, recorded_at=NOW - timedelta(days=days_ago)
        ),
    )


def test_nothing_to_show_before_the_first_questionnaire(me: Client) -> None:
    page = me.get(PROGRESS)
    assert page.status_code == 200
    assert "There is nothing to show yet." in text(page)


def test_the_charts_with_their_tables_and_summary(me: Client, patient: Patient) -> None:
    _phq9(patient, [3, 3, 3, 3, 3, 3, 3, 0, 0], days_ago=20)
    _phq9(patient, [1, 1, 1, 1, 1, 1, 1, 1, 0], days_ago=2)
    page = me.get(PROGRESS)
    html = text(page)
    assert page.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert 'role="img"' in html
    assert "<summary>Show the numbers as a table</summary>" in html
    assert '<th scope="row">18 Feb 2025</th><td>21</td>' in html
    # No dose yet: the latest score before treatment is the baseline.
    assert "Your PHQ-9 before treatment is 8: later scores will be compared with it." in html
    assert_no_external_urls(page)


def test_the_read_is_audited(me: Client, patient: Patient) -> None:
    _phq9(patient, [0] * 9, days_ago=1)
    me.get(PROGRESS)
    entry = AuditEntry.objects.filter(action=AuditAction.READ).latest("seq")
    assert entry.patient_id == patient.pk
    assert entry.detail == {"via": "portal progress", "charts": ["phq9"]}


@pytest.mark.parametrize("who", ["clinician", "outsider", "sitter"])
def test_only_patients_have_a_progress_page(
    sign_in: Callable[[object], Client], request: pytest.FixtureRequest, who: str
) -> None:
    person = request.getfixturevalue(who)
    assert sign_in(getattr(person, "user", person)).get(PROGRESS).status_code == 404


def test_another_patient_sees_only_their_own(
    sign_in: Callable[[object], Client], patient: Patient, other_patient: Patient
) -> None:
    _phq9(patient, [3] * 9, days_ago=1)
    page = sign_in(other_patient.user).get(PROGRESS)
    assert "There is nothing to show yet." in text(page)
    assert "<svg" not in text(page)
