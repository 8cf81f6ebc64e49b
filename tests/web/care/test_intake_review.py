"""The eligibility review screen: findings laid out, approve and decline, and refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ketacare.audit.models import AuditAction
from ketacare.intake.models import EligibilityReview
from ketacare.patients.phases import Phase
from tests.web.care.conftest import CAUTION, EXCLUSION
from tests.web.helpers import audit, page_text


def url(patient) -> str:  # type: ignore[no-untyped-def]
    return reverse("care-intake-review", kwargs={"patient_id": patient.pk})


def nothing_decided(patient) -> None:  # type: ignore[no-untyped-def]
    patient.refresh_from_db()
    assert patient.phase == Phase.UNDER_REVIEW
    assert not EligibilityReview.objects.exists()


def test_the_review_list_shows_the_clinics_waiting_intakes(submit, patient, clinician, signed_in):
    submit()
    response = signed_in(clinician).get(reverse("care-reviews"))
    assert response.status_code == 200
    html = page_text(response)
    assert patient.legal_name in html
    assert url(patient) in html
    assert "Eligible" in html
    assert audit(action=AuditAction.LIST, object_type="intake.Intake")


def test_the_review_list_of_another_clinic_is_empty(submit, patient, outsider, signed_in):
    submit()
    response = signed_in(outsider).get(reverse("care-reviews"))
    assert response.status_code == 200
    assert patient.legal_name not in page_text(response)
    assert "No intake is waiting for review." in page_text(response)


@pytest.mark.parametrize("role", ["pharmacist", "coordinator"])
def test_the_review_list_is_for_clinicians_and_prescribers(request, role, signed_in):
    response = signed_in(request.getfixturevalue(role)).get(reverse("care-reviews"))
    assert response.status_code == 403
    assert "Only clinicians and prescribers review eligibility." in page_text(response)


def test_the_review_shows_answers_findings_trials_and_scores(
    submit, patient, prescriber, signed_in
):
    intake = submit()
    response = signed_in(prescriber).get(url(patient))
    assert response.status_code == 200
    html = page_text(response)
    assert "Eligibility findings" in html
    assert '<span class="badge ok">Eligible</span>' in html
    assert '<span class="badge ok">Treatment-resistant</span>' in html
    assert "2 failed adequate antidepressant trials count." in html
    for trial in intake.eligibility["trial_reviews"]:
        assert trial["drug"] in html
    assert "PHQ-9" in html  # the baseline scores
    assert "The patient's answers" in html
    assert "Pregnant now" in html  # a label taken from the intake schema
    assert "bupropion" in html
    assert 'name="decision"' in html
    entries = audit(action=AuditAction.READ, object_type="intake.Intake", object_id=str(intake.pk))
    assert entries[-1].detail == {"via": "care intake review"}


def test_approving_through_the_form_moves_the_phase(submit, patient, clinician, signed_in):
    submit()
    response = signed_in(clinician).post(url(patient), {"decision": "approve"}, follow=True)
    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.phase == Phase.APPROVED
    review = EligibilityReview.objects.get()
    assert review.reviewer == clinician
    assert "Intake approved" in page_text(response)
    assert audit(action=AuditAction.CREATE, object_type="intake.EligibilityReview")


def test_declining_with_a_reason(submit, patient, clinician, signed_in):
    submit()
    data = {"decision": "decline", "justification": "Prefers another treatment."}
    response = signed_in(clinician).post(url(patient), data)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.phase == Phase.DECLINED
    assert EligibilityReview.objects.get().justification == "Prefers another treatment."


def test_declining_without_a_reason_stores_nothing(submit, patient, clinician, signed_in):
    submit()
    response = signed_in(clinician).post(url(patient), {"decision": "decline"})
    assert response.status_code == 400
    html = page_text(response)
    assert "Give the reason for declining." in html
    assert 'id="id_justification_error"' in html
    assert 'aria-describedby="id_justification_helptext id_justification_error"' in html
    assert 'value="decline" checked' in html or 'value="decline"\n' in html or "checked" in html
    nothing_decided(patient)


def test_approving_over_a_caution_needs_a_justification(submit, patient, clinician, signed_in):
    submit(**CAUTION)
    page = page_text(signed_in(clinician).get(url(patient)))
    assert '<span class="badge caution">Needs review</span>' in page
    assert '<span class="badge caution">Caution</span>' in page
    response = signed_in(clinician).post(url(patient), {"decision": "approve"})
    assert response.status_code == 400
    assert "Approving over these cautions needs a justification" in page_text(response)
    nothing_decided(patient)
    data = {"decision": "approve", "justification": "Tapering lorazepam; discussed."}
    assert signed_in(clinician).post(url(patient), data).status_code == 302
    patient.refresh_from_db()
    assert patient.phase == Phase.APPROVED


def test_an_exclusion_cannot_be_approved(submit, patient, clinician, signed_in):
    submit(**EXCLUSION)
    data = {"decision": "approve", "justification": "I insist."}
    response = signed_in(clinician).post(url(patient), data)
    assert response.status_code == 400
    html = page_text(response)
    assert "An absolute exclusion cannot be approved" in html
    assert "I insist." in html  # the input is kept
    nothing_decided(patient)


@pytest.mark.parametrize("role", ["pharmacist", "coordinator"])
def test_other_roles_are_refused(request, role, submit, patient, signed_in):
    submit()
    client = signed_in(request.getfixturevalue(role))
    assert client.get(url(patient)).status_code == 403
    assert client.post(url(patient), {"decision": "approve"}).status_code == 403
    nothing_decided(patient)


def test_the_patient_themself_is_refused(submit, patient, signed_in):
    submit()
    assert signed_in(patient.user).get(url(patient)).status_code == 403


def test_another_clinics_patient_is_not_found(submit, patient, outsider, signed_in):
    submit()
    client = signed_in(outsider)
    assert client.get(url(patient)).status_code == 404
    assert client.post(url(patient), {"decision": "approve"}).status_code == 404
    nothing_decided(patient)


def test_anonymous_is_sent_to_sign_in(submit, patient, signed_in):
    submit()
    response = signed_in(None).get(url(patient))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_a_patient_without_a_submitted_intake(patient, clinician, signed_in):
    response = signed_in(clinician).get(url(patient))
    assert response.status_code == 200
    assert "has no submitted intake yet" in page_text(response)
    response = signed_in(clinician).post(url(patient), {"decision": "approve"})
    assert response.status_code == 400
    assert "no submitted intake to review" in page_text(response)
