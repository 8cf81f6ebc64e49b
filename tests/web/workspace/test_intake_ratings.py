"""The intake review's staff ratings: a clinician rates the Maudsley staging and the MADRS.

The card is shown to the roles of kernel.policy's "rate_intake" row only; what it
posts goes through `intake.services.rate_intake`, whose refusals come back on the form.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from ketacare.assessments.models import QuestionnaireResponse
from ketacare.audit.models import AuditAction
from ketacare.intake import services
from ketacare.intake.models import Intake
from ketacare.intake.specs import ReviewSpec
from ketacare.kernel.specs import read
from tests.web.helpers import audit, page_text

pytestmark = pytest.mark.django_db

MAUDSLEY = {"rating-duration": "2", "rating-severity": "3", "rating-treatment_failures": "4"}
MADRS = {f"rating-madrs_{n}": str(v) for n, v in enumerate([3, 2, 3, 2, 2, 1, 2, 2, 1, 0], 1)}


def review_url(patient: Any) -> str:
    return reverse("ws-intake-review", kwargs={"patient_id": patient.pk})


def rating_url(patient: Any) -> str:
    return reverse("ws-intake-rating", kwargs={"patient_id": patient.pk})


def nothing_rated() -> None:
    assert Intake.objects.get().staff_ratings is None
    assert not QuestionnaireResponse.objects.filter(instrument="madrs").exists()


def test_the_card_offers_the_domains_with_their_ranges_and_the_madrs_items(
    submit, patient, clinician, signed_in
):
    submit()
    html = page_text(signed_in(clinician).get(review_url(patient)))
    assert "Staff ratings" in html
    assert f'action="{rating_url(patient)}"' in html
    assert "How long the current episode has lasted: from 1 (the least) to 3 (the most)." in html
    assert "How severe the symptoms are now: from 1 (the least) to 5 (the most)." in html
    assert "from 1 (the least) to 7 (the most)." in html
    assert "MADRS 1. Apparent sadness" in html
    assert "MADRS 10. Suicidal thoughts" in html
    assert "6: Severe" in html
    assert html.count("Not rated") >= 13  # each field's blank choice, and the summary


def test_a_clinician_rates_and_the_review_shows_who_and_when(submit, patient, clinician, signed_in):
    submit()
    client = signed_in(clinician)
    response = client.post(rating_url(patient), {**MAUDSLEY, **MADRS}, follow=True)
    assert response.status_code == 200
    html = page_text(response)
    assert f"Staff ratings recorded for {patient.legal_name}." in html
    assert "Score 9: Moderate, rated by" in html
    assert clinician.display_name in html
    assert "18 of 60: Mild, rated by" in html
    intake = Intake.objects.get()
    assert intake.eligibility["maudsley"]["band"] == "moderate"
    assert QuestionnaireResponse.objects.get(instrument="madrs").submitted_by == clinician
    entry = audit(action=AuditAction.UPDATE, object_type="intake.Intake")[-1]
    assert entry.detail == {"rated": ["madrs", "maudsley"], "maudsley_replaced": False}


def test_the_maudsley_alone_is_rated(submit, patient, prescriber, signed_in):
    submit()
    response = signed_in(prescriber).post(rating_url(patient), MAUDSLEY)
    assert response.status_code == 302
    assert set(Intake.objects.get().staff_ratings) == {"maudsley"}


@pytest.mark.parametrize(
    "case",
    [
        ({}, "__all__", "Rate the Maudsley domains, the MADRS, or both."),
        ({"rating-duration": "2"}, "duration", "Rate all three Maudsley domains"),
        ({**MADRS, "rating-madrs_4": ""}, "madrs_4", "Rate MADRS item 4 from 0 to 6."),
    ],
)
def test_an_incomplete_rating_is_shown_on_the_form(submit, patient, clinician, signed_in, case):
    data, field, message = case
    submit()
    response = signed_in(clinician).post(rating_url(patient), data)
    assert response.status_code == 400
    form = response.context["rating"]
    errors = form.errors.get(field, [])
    assert any(message in e for e in errors), form.errors
    assert message in page_text(response)
    assert "Nothing was saved." in page_text(response)
    nothing_rated()


def test_rating_after_the_review_is_refused(submit, patient, clinician, signed_in):
    intake = submit()
    services.review_intake(clinician, intake, read(ReviewSpec, {"decision": "approve"}))
    client = signed_in(clinician)
    assert "Record the ratings" not in page_text(client.get(review_url(patient)))
    response = client.post(rating_url(patient), MAUDSLEY)
    assert response.status_code == 409
    assert "This intake has already been reviewed." in page_text(response)
    nothing_rated()


@pytest.mark.parametrize("role", ["pharmacist", "coordinator"])
def test_other_roles_may_not_rate(request, role, submit, patient, signed_in):
    submit()
    response = signed_in(request.getfixturevalue(role)).post(rating_url(patient), MAUDSLEY)
    assert response.status_code == 403
    nothing_rated()


def test_another_clinic_gets_a_404(submit, patient, outsider, signed_in):
    submit()
    assert signed_in(outsider).post(rating_url(patient), MAUDSLEY).status_code == 404
    nothing_rated()


def test_a_legacy_intake_with_the_patients_maudsley_still_reads(
    submit, patient, clinician, signed_in
):
    # Submitted before the staff rated it: the patient's Maudsley is kept in the record,
    # said not to be a staff rating, and the page offers to rate it.
    intake = submit()
    staged = {"total": 9, "band": "moderate", "duration": 2, "severity": 3, "treatment_failures": 4}
    Intake.objects.filter(pk=intake.pk).update(
        data={**intake.data, "maudsley": {"duration": 2, "severity": 3, "treatment_failures": 4}},
        eligibility={**intake.eligibility, "maudsley": staged},
    )
    response = signed_in(clinician).get(review_url(patient))
    assert response.status_code == 200
    html = page_text(response)
    assert "Entered in the intake before the clinic's clinicians rated it" in html
    assert "Record the ratings" in html
