"""The eligibility review screen: findings laid out, approve and decline, and refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from ketacare.audit.models import AuditAction
from ketacare.intake.models import EligibilityReview
from ketacare.patients.phases import Phase
from ketacare.patients.protocol import change_protocol
from ketacare.patients.specs import ProtocolSpec
from tests.intake.conftest import COMPLETE
from tests.web.helpers import audit, page_text
from tests.web.workspace.conftest import CAUTION, EXCLUSION


def url(patient) -> str:  # type: ignore[no-untyped-def]
    return reverse("ws-intake-review", kwargs={"patient_id": patient.pk})


def nothing_decided(patient) -> None:  # type: ignore[no-untyped-def]
    patient.refresh_from_db()
    assert patient.phase == Phase.UNDER_REVIEW
    assert not EligibilityReview.objects.exists()


def test_the_review_list_shows_the_clinics_waiting_intakes(submit, patient, clinician, signed_in):
    submit()
    response = signed_in(clinician).get(reverse("ws-reviews"))
    assert response.status_code == 200
    html = page_text(response)
    assert patient.legal_name in html
    assert url(patient) in html
    assert "Eligible" in html
    assert audit(action=AuditAction.LIST, object_type="intake.Intake")


def test_the_review_list_of_another_clinic_is_empty(submit, patient, outsider, signed_in):
    submit()
    response = signed_in(outsider).get(reverse("ws-reviews"))
    assert response.status_code == 200
    assert patient.legal_name not in page_text(response)
    assert "No intake is waiting for review." in page_text(response)


@pytest.mark.parametrize("role", ["pharmacist", "coordinator"])
def test_the_review_list_is_for_clinicians_and_prescribers(request, role, signed_in):
    response = signed_in(request.getfixturevalue(role)).get(reverse("ws-reviews"))
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
    assert 'aria-describedby="id_justification_error id_justification_helptext"' in html
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
    assert response.status_code == 409  # refusal rule: a DomainError answers 409
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


# --- The patient's answers, in words ------------------------------------------------------------


def test_the_answers_read_in_words_not_in_the_apis_schema(submit, patient, clinician, signed_in):
    trials = [dict(trial) for trial in COMPLETE["trials"]]
    trials[0]["outcome"] = "not_tolerated"
    submit(trials=trials, medical_history__hypertension="controlled")
    html = page_text(signed_in(clinician).get(url(patient)))
    answers = html[html.index("The patient's answers") :]
    # Short labels, not the schema's descriptions (formats, codes, nulls are the API's).
    for raw in ("YYYY-MM-DD", "null for an item", "Answers in item order", "at most one decimal"):
        assert raw not in answers
    assert "<dt>Date of birth</dt><dd>1985-06-15</dd>" in answers
    assert "<dt>Weight</dt><dd>72.5 kg</dd>" in answers
    # Coded answers as words; weeks as weeks.
    assert "<dt>High blood pressure</dt><dd>Yes, controlled</dd>" in answers
    assert "<dt>Ketamine use disorder</dt><dd>No</dd>" in answers
    assert "Stopped for side effects" in answers
    assert "Did not help enough" in answers
    for raw in ("not_tolerated", "not tolerated", ">failed<", ">none<", "8.0"):
        assert raw not in answers
    assert "<td>8 weeks</td>" in answers
    assert "<td>10.5 weeks</td>" in answers


def test_each_questionnaire_shows_its_total_band_and_items(submit, patient, clinician, signed_in):
    submit()
    html = page_text(signed_in(clinician).get(url(patient)))
    answers = html[html.index("The patient's answers") :]
    # 2 on each of items 1-8 of the PHQ-9: 16 of 27, moderately severe.
    assert '<th scope="row">PHQ-9 depression questionnaire</th><td>16 of 27</td>' in answers
    assert "<td>Moderately severe</td>" in answers
    assert "<td>7 of 21</td>" in answers  # the GAD-7, 1 on each of its 7 items
    assert "<summary>PHQ-9 depression questionnaire: each answer</summary>" in answers
    assert (
        "<td>1</td><td>Little interest or pleasure in doing things</td>"
        "<td>More than half the days (2)</td>"
    ) in answers
    assert "2, 2, 2" not in answers  # not a bare list of numbers


def test_before_the_decision_both_weights_show(submit, patient, clinician, signed_in):
    submit()  # the intake says 72.5 kg; the record says 70.0 kg
    client = signed_in(clinician)
    html = page_text(client.get(url(patient)))
    assert (
        "weight <strong>72.5 kg in the intake</strong>; 70.0 kg on the record — "
        "the review copies the intake's value"
    ) in html
    client.post(url(patient), {"decision": "approve"})
    patient.refresh_from_db()
    assert patient.weight_kg == Decimal("72.5")  # copied by the review
    html = page_text(client.get(url(patient)))
    assert "kg in the intake" not in html
    assert "weight 72.5 kg" in html


def test_the_sitter_answer_names_the_clinics_stay(
    submit, patient, clinic_admin, clinician, signed_in
):
    submit()
    client = signed_in(clinician)
    assert "<dt>Sober adult stays 2 hours after every dose</dt>" in page_text(
        client.get(url(patient))
    )
    # The clinic observes 3 h after a dose, so its sitter stays 3 h (clinical.rules).
    spec = ProtocolSpec(changes={"observation_minutes": 180}, reason="Medical director, 2025-03.")
    change_protocol(clinic_admin, patient.clinic, spec)
    html = page_text(client.get(url(patient)))
    assert "<dt>Sober adult stays 3 hours after every dose</dt><dd>Yes</dd>" in html
    assert "stays 2 hours" not in html
