"""The end-of-induction review: due after the induction, dispensing waits for it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.kernel.specs import read
from ketacare.treatment import services
from ketacare.treatment.errors import (
    InductionReviewDue,
    InductionReviewNotDue,
    InductionReviewRecorded,
    TreatmentStopped,
)
from ketacare.treatment.models import Dispense, InductionReview, LedgerEvent, RefillRequest
from ketacare.treatment.reviews import dispensing_held_because, review_state
from ketacare.treatment.specs.dispensing import RefillRequestSpec
from ketacare.treatment.specs.reviews import InductionReviewSpec
from tests.treatment.helpers import NOW, fill, prescribe
from tests.treatment.rx_helpers import checked_in, dose_on_record

pytestmark = pytest.mark.django_db

BASELINE = [3, 3, 3, 3, 2, 2, 2, 2, 0]  # 20
BETTER = [1, 1, 1, 1, 1, 1, 1, 1, 0]  # 8: 60% down, a response, not a remission
DAY = timedelta(days=1)


def review(**fields):  # type: ignore[no-untyped-def]
    return read(InductionReviewSpec, {"benefit": "response", "decision": "stop"} | fields)


@pytest.fixture
def four_weeks_on(clinician, approved, plan, stocked, clock):
    """A PHQ-9 at baseline, one dose, a PHQ-9 on treatment, and 28 days since the dose."""
    submit_questionnaire(clinician, approved, questionnaire("phq9", BASELINE))
    clock.shift(DAY)
    checked_in(dose_on_record(approved))
    clock.shift(7 * DAY)
    submit_questionnaire(clinician, approved, questionnaire("phq9", BETTER))
    clock.move_to(NOW + DAY + 28 * DAY)
    approved.refresh_from_db()
    return approved


def _nothing_stored_by(call):  # type: ignore[no-untyped-def]
    before = (Dispense.objects.count(), LedgerEvent.objects.count(), RefillRequest.objects.count())
    with pytest.raises(InductionReviewDue, match="a clinician records whether treatment helped"):
        call()
    after = (Dispense.objects.count(), LedgerEvent.objects.count(), RefillRequest.objects.count())
    assert after == before


def test_past_induction_without_a_review_nothing_is_dispensed(
    four_weeks_on, pharmacist, prescription
):
    assert review_state(four_weeks_on).pending
    _nothing_stored_by(lambda: fill(pharmacist, prescription))
    _nothing_stored_by(
        lambda: services.request_refill(four_weeks_on.user, prescription, RefillRequestSpec())
    )


@pytest.mark.parametrize(
    "decided",
    [
        {"decision": "continue_to_maintenance"},
        {"decision": "change_dose", "note": "Little response: up to 150 mg."},
    ],
)
def test_a_review_to_go_on_lets_dispensing_continue(
    four_weeks_on, clinician, pharmacist, prescription, decided
):
    recorded = services.record_induction_review(clinician, four_weeks_on, review(**decided))
    assert recorded.decided_by == clinician
    assert recorded.due_because == "28 days since the first dose"
    assert (recorded.phq9_baseline, recorded.phq9_latest) == (20, 8)
    assert recorded.phq9_percent_change == -60.0
    assert (recorded.phq9_response, recorded.phq9_remission) == (True, False)
    assert fill(pharmacist, prescription).fill_number == 2
    assert dispensing_held_because(four_weeks_on) is None


def test_stop_keeps_dispensing_refused_and_moves_no_phase(
    four_weeks_on, prescriber, pharmacist, prescription
):
    services.record_induction_review(
        prescriber, four_weeks_on, review(benefit="none", note="No benefit after 4 weeks.")
    )
    with pytest.raises(TreatmentStopped, match="a clinician discharges the patient"):
        fill(pharmacist, prescription)
    with pytest.raises(TreatmentStopped):
        services.request_refill(four_weeks_on.user, prescription, RefillRequestSpec())
    four_weeks_on.refresh_from_db()
    assert four_weeks_on.phase == "approved"  # as dose_on_record left it: no move


@pytest.mark.parametrize("decision", ["stop", "change_dose"])
def test_stopping_or_changing_the_dose_needs_a_note(four_weeks_on, clinician, decision):
    with pytest.raises(ValidationError) as refused:
        services.record_induction_review(clinician, four_weeks_on, review(decision=decision))
    assert "note" in refused.value.message_dict
    assert not InductionReview.objects.exists()


def test_one_review_per_patient(four_weeks_on, clinician, prescriber):
    services.record_induction_review(clinician, four_weeks_on, review(note="Stop."))
    with pytest.raises(InductionReviewRecorded):
        services.record_induction_review(prescriber, four_weeks_on, review(note="Stop."))


def test_not_due_is_refused(clinician, approved, plan, stocked, clock):
    with pytest.raises(InductionReviewNotDue, match="No dose taken yet"):
        services.record_induction_review(clinician, approved, review(note="x"))
    dose_on_record(approved)
    clock.shift(27 * DAY)
    with pytest.raises(InductionReviewNotDue, match=r"8 induction sessions \(1 taken so far\)"):
        services.record_induction_review(clinician, approved, review(note="x"))
    assert not InductionReview.objects.exists()


@pytest.mark.usefixtures("plan")
def test_the_plans_induction_sessions_make_it_due_before_28_days(
    clinician, prescriber, pharmacist, approved, clock
):
    rx = prescribe(prescriber, approved, quantity=16, refills=0)
    fill(pharmacist, rx, quantity=16)
    for _ in range(8):  # twice weekly: the 8th on day 24
        dose_on_record(approved)
        clock.shift(3 * DAY)
    state = review_state(approved)
    assert state.due is not None
    assert state.due.reason == "8 of 8 induction sessions taken"
    assert state.pending
    recorded = services.record_induction_review(
        clinician, approved, review(decision="continue_to_maintenance")
    )
    assert recorded.phq9_baseline is None  # no PHQ-9: nothing to copy


@pytest.mark.parametrize("role", ["pharmacist", "coordinator"])
def test_only_clinicians_and_prescribers_record_it(four_weeks_on, request, role):
    with pytest.raises(NotAllowed):
        services.record_induction_review(request.getfixturevalue(role), four_weeks_on, review())


def test_another_clinic_finds_no_patient(four_weeks_on, outsider):
    with pytest.raises(NotFound):
        services.record_induction_review(outsider, four_weeks_on, review(note="x"))
