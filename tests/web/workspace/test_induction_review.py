"""The end-of-induction review on the chart, and dispensing held on the pharmacy page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.patients.models import Patient
from ketacare.treatment.models import InductionReview
from tests.treatment.helpers import NOW
from tests.treatment.rx_helpers import checked_in, dose_on_record

pytestmark = pytest.mark.django_db

BASELINE = [3, 3, 3, 3, 2, 2, 2, 2, 0]  # 20
BETTER = [1, 1, 1, 1, 1, 1, 1, 1, 0]  # 8


@pytest.fixture
def due(clinician, approved, stocked, clock) -> Patient:  # type: ignore[no-untyped-def]
    """A PHQ-9 baseline, a dose, a PHQ-9 on treatment; 28 days since the dose."""
    submit_questionnaire(clinician, approved, questionnaire("phq9", BASELINE))
    clock.shift(timedelta(hours=1))
    checked_in(dose_on_record(approved))
    clock.shift(timedelta(days=7))
    submit_questionnaire(clinician, approved, questionnaire("phq9", BETTER))
    clock.move_to(NOW + timedelta(days=29))
    return approved


@pytest.fixture
def alice(client: Client, clinician, due) -> Client:  # type: ignore[no-untyped-def]
    """Alice signs in after the 28 days (a staff session does not last that long)."""
    client.force_login(clinician)
    return client


def chart(patient: Patient) -> str:
    return reverse("ws-chart", kwargs={"patient_id": patient.pk})


def record(patient: Patient) -> str:
    return reverse("ws-induction-review", kwargs={"patient_id": patient.pk})


def test_the_chart_shows_the_review_due_with_the_outcome_summary(alice: Client, due):
    html = alice.get(chart(due)).content.decode()
    assert "End-of-induction review due" in html
    assert "28 days since the first dose" in html
    assert "before more medicine is dispensed" in html
    for shown in ("Baseline</dt><dd>20", "Latest</dt><dd>8", "-12 points (-60%)"):
        assert shown in html
    assert "Record the review" in html


def test_a_clinician_records_it_and_the_card_shows_who_and_what(alice: Client, due, clinician):
    body = {"benefit": "partial", "decision": "change_dose", "note": "Up to 150 mg."}
    response = alice.post(record(due), body)
    assert response.status_code == 302
    assert InductionReview.objects.get(patient=due).decided_by == clinician
    html = alice.get(chart(due)).content.decode()
    assert "Change the dose" in html
    assert clinician.display_name in html
    assert "Record the review" not in html


def test_a_refusal_shows_on_the_form(alice: Client, due):
    response = alice.post(record(due), {"benefit": "none", "decision": "stop"})
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    assert not InductionReview.objects.exists()


def test_not_due_is_refused_409(alice_client: Client, approved, stocked):
    response = alice_client.post(
        record(approved), {"benefit": "none", "decision": "stop", "note": "x"}
    )
    assert response.status_code == 409
    assert "No dose taken yet" in response.content.decode()


def test_a_pharmacist_sees_no_form_and_the_dispense_page_says_why(client: Client, due, pharmacist):
    client.force_login(pharmacist)
    assert client.post(
        record(due), {"benefit": "none", "decision": "stop", "note": "x"}
    ).status_code in {
        403,
        404,
    }
    page = client.get(reverse("ws-dispense", kwargs={"patient_id": due.pk})).content.decode()
    assert "Dispensing is held" in page
    assert "a clinician records whether treatment helped" in page
