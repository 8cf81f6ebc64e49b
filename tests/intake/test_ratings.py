"""Staff-rated scores (issue 14, item 2): the patient never gives them, a clinician rates.

First the issue's situation: a patient's intake that gives the Maudsley domains or a
MADRS is refused in plain words and nothing is stored. Then `rate_intake`: a clinician
or prescriber rates a submitted, unreviewed intake, the stored assessment shows the
staff's Maudsley stage, and every other role and moment is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from ketacare.assessments.models import QuestionnaireResponse
from ketacare.audit.log import verify
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.intake import services
from ketacare.intake import specs as intake_specs
from ketacare.intake.answers import STAFF_RATED
from ketacare.intake.errors import AlreadyReviewed, IntakeNotSubmitted
from ketacare.intake.models import Intake
from ketacare.intake.ratings import MAUDSLEY_ALL_OR_NONE, NOTHING_RATED, StaffRatingSpec
from ketacare.intake.specs import ReviewSpec
from ketacare.kernel.errors import NotAllowed, NotFound, WrongPhase
from ketacare.kernel.specs import read
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from tests.intake.conftest import NOW, complete

pytestmark = pytest.mark.django_db

MAUDSLEY = {"duration": 2, "severity": 3, "treatment_failures": 4}  # total 9: moderate
MADRS = [3, 2, 3, 2, 2, 1, 2, 2, 1, 0]  # total 18: mild
STAGED = {"total": 9, "band": "moderate", **MAUDSLEY}


def rating(**given: Any) -> StaffRatingSpec:
    return read(StaffRatingSpec, given)


@pytest.fixture
def submitted(patient, signed) -> Callable[..., Intake]:
    """Submit the complete intake (with `changes`) as the patient."""

    def submit(**changes: Any) -> Intake:
        draft = services.start_intake(patient.user, patient)
        services.save_intake_draft(patient.user, draft, intake_specs.draft(complete(**changes)))
        return services.submit_intake(patient.user, draft)

    return submit


def stored() -> tuple[int, int, list[Any]]:
    return (
        AuditEntry.objects.count(),
        QuestionnaireResponse.objects.filter(instrument="madrs").count(),
        list(Intake.objects.values_list("staff_ratings", "eligibility")),
    )


# --- the patient's intake refuses them ------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"maudsley": MAUDSLEY}, "maudsley"),
        ({"maudsley": None}, "maudsley"),  # the key itself: a client must stop sending it
        ({"questionnaires": {"madrs": MADRS}}, "questionnaires.madrs"),
    ],
)
def test_a_patients_draft_with_a_staff_rated_score_is_refused_in_plain_words(
    patient, changes, path
):
    draft = services.start_intake(patient.user, patient)
    before = dict(draft.data)
    with pytest.raises(ValidationError) as err:
        services.save_intake_draft(patient.user, draft, intake_specs.draft(changes))
    assert err.value.message_dict == {path: [STAFF_RATED[path]]}
    assert "rated by the clinic's clinicians" in STAFF_RATED[path]
    draft.refresh_from_db()
    assert draft.data == before


def test_a_coordinators_draft_with_maudsley_is_refused_too(patient, coordinator):
    draft = services.start_intake(coordinator, patient)
    data = complete(maudsley=MAUDSLEY)
    with pytest.raises(ValidationError) as err:
        services.save_intake_draft(coordinator, draft, intake_specs.draft(data))
    assert set(err.value.message_dict) == {"maudsley"}


def test_a_legacy_draft_with_the_patients_maudsley_is_submitted_without_it(patient, signed):
    # Saved before the change: the patient's Maudsley domains are kept but never read.
    draft = services.start_intake(patient.user, patient)
    Intake.objects.filter(pk=draft.pk).update(data=complete(maudsley=MAUDSLEY))
    draft.refresh_from_db()
    submitted = services.submit_intake(patient.user, draft)
    assert submitted.eligibility["maudsley"] is None
    assert "maudsley_stage" not in [f["code"] for f in submitted.eligibility["findings"]]
    assert submitted.data["maudsley"] == MAUDSLEY  # the record as it was answered


def test_a_new_draft_after_a_legacy_submission_drops_the_patients_maudsley(
    submitted, patient, clinician
):
    intake = submitted()
    Intake.objects.filter(pk=intake.pk).update(data=complete(maudsley=MAUDSLEY))
    Patient.objects.filter(pk=patient.pk).update(phase=Phase.INTAKE.value)  # returned
    draft = services.start_intake(patient.user, patient)
    assert "maudsley" not in draft.data
    assert draft.data["home"] == complete()["home"]


# --- a clinician rates -----------------------------------------------------------------


def test_a_clinician_rates_maudsley_and_madrs(submitted, patient, clinician):
    intake = submitted()
    assert intake.eligibility["maudsley"] is None
    before = AuditEntry.objects.count()
    rated = services.rate_intake(clinician, intake, rating(maudsley=MAUDSLEY, madrs=MADRS))
    rated.refresh_from_db()
    assert rated.eligibility["maudsley"] == STAGED
    assert "maudsley_stage" in [f["code"] for f in rated.eligibility["findings"]]
    assert rated.eligibility["assessed_on"] == "2025-03-10"  # the submission's day
    response = QuestionnaireResponse.objects.get(patient=patient, instrument="madrs")
    assert (response.total, response.submitted_by, response.recorded_at) == (18, clinician, NOW)
    stamp = {"rated_by": clinician.pk, "rated_at": NOW.isoformat()}
    assert rated.staff_ratings == {
        "maudsley": {**MAUDSLEY, **stamp},
        "madrs": {"response_id": response.pk, "total": 18, "band": response.band, **stamp},
    }
    new = AuditEntry.objects.filter(seq__gt=before)
    entry = new.get(object_type="intake.Intake")
    assert entry.action == AuditAction.UPDATE
    assert entry.detail == {"rated": ["madrs", "maudsley"], "maudsley_replaced": False}
    assert new.filter(object_type="assessments.QuestionnaireResponse").count() == 1
    assert verify().ok


def test_rating_again_replaces_the_maudsley_and_adds_a_madrs(submitted, patient, prescriber):
    intake = submitted()
    services.rate_intake(prescriber, intake, rating(maudsley=MAUDSLEY, madrs=MADRS))
    later = {"duration": 3, "severity": 5, "treatment_failures": 7}  # 15: severe
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        rated = services.rate_intake(prescriber, intake, rating(maudsley=later, madrs=[4] * 10))
    assert rated.eligibility["maudsley"] == {"total": 15, "band": "severe", **later}
    assert rated.staff_ratings["maudsley"]["duration"] == 3
    assert rated.staff_ratings["madrs"]["total"] == 40
    assert QuestionnaireResponse.objects.filter(instrument="madrs").count() == 2
    entry = AuditEntry.objects.filter(object_type="intake.Intake").latest("seq")
    assert entry.detail == {"rated": ["madrs", "maudsley"], "maudsley_replaced": True}


def test_a_madrs_alone_keeps_the_staff_maudsley(submitted, clinician):
    intake = submitted()
    services.rate_intake(clinician, intake, rating(maudsley=MAUDSLEY))
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        rated = services.rate_intake(clinician, intake, rating(madrs=MADRS))
    assert rated.eligibility["maudsley"] == STAGED
    assert set(rated.staff_ratings) == {"maudsley", "madrs"}


def test_a_rating_drops_a_maudsley_a_patient_gave_before_the_change(submitted, clinician):
    intake = submitted()
    legacy = {**intake.eligibility, "maudsley": STAGED}
    Intake.objects.filter(pk=intake.pk).update(eligibility=legacy)
    rated = services.rate_intake(clinician, intake, rating(madrs=MADRS))
    assert rated.eligibility["maudsley"] is None  # only the staff's stage is shown


def test_the_review_keeps_the_staff_maudsley_it_was_based_on(submitted, clinician):
    intake = submitted()
    services.rate_intake(clinician, intake, rating(maudsley=MAUDSLEY))
    review = services.review_intake(clinician, intake, read(ReviewSpec, {"decision": "approve"}))
    assert review.eligibility["maudsley"] == STAGED


# --- refused --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "pharmacist", "clinic_admin"])
def test_other_staff_may_not_rate(request, submitted, role):
    intake = submitted()
    before = stored()
    with pytest.raises(NotAllowed, match="Only clinician, prescriber may rate"):
        services.rate_intake(request.getfixturevalue(role), intake, rating(maudsley=MAUDSLEY))
    assert stored() == before


def test_the_patient_may_not_rate_their_own_intake(submitted, patient):
    intake = submitted()
    before = stored()
    with pytest.raises(NotAllowed):
        services.rate_intake(patient.user, intake, rating(maudsley=MAUDSLEY, madrs=MADRS))
    assert stored() == before


def test_another_clinic_sees_no_intake(submitted, outsider):
    intake = submitted()
    with pytest.raises(NotFound):
        services.rate_intake(outsider, intake, rating(maudsley=MAUDSLEY))


def test_a_reviewed_intake_is_not_rated(submitted, clinician):
    intake = submitted()
    services.review_intake(clinician, intake, read(ReviewSpec, {"decision": "approve"}))
    before = stored()
    with pytest.raises(AlreadyReviewed):
        services.rate_intake(clinician, intake, rating(maudsley=MAUDSLEY, madrs=MADRS))
    assert stored() == before


def test_a_draft_is_not_rated(patient, clinician):
    draft = services.start_intake(patient.user, patient)
    with pytest.raises(IntakeNotSubmitted):
        services.rate_intake(clinician, draft, rating(maudsley=MAUDSLEY))
    draft.refresh_from_db()
    assert draft.staff_ratings is None


def test_a_returned_intake_is_not_rated(submitted, patient, clinician):
    intake = submitted()
    Patient.objects.filter(pk=patient.pk).update(phase=Phase.INTAKE.value)
    with pytest.raises(WrongPhase):
        services.rate_intake(clinician, intake, rating(maudsley=MAUDSLEY))


@pytest.mark.parametrize(
    ("given", "errors"),
    [
        ({}, {"__all__": NOTHING_RATED}),
        ({"maudsley": {"duration": 2}}, {"maudsley": MAUDSLEY_ALL_OR_NONE}),
        (
            {"maudsley": {**MAUDSLEY, "severity": 6}},
            {"maudsley.severity": "Rate the severity domain from 1 to 5."},
        ),
        (
            {"maudsley": {**MAUDSLEY, "duration": True}},
            {"maudsley.duration": "Rate the duration domain from 1 to 3."},
        ),
        ({"madrs": [1] * 9}, {"madrs": "Rate the 10 MADRS items, not 9."}),
        ({"madrs": [*[1] * 9, 7]}, {"madrs.9": "Rate MADRS item 10 from 0 to 6."}),
        ({"madrs": [None, *[1] * 9]}, {"madrs.0": "Rate MADRS item 1 from 0 to 6."}),
        ({"madrs": ["2", *[1] * 9]}, {"madrs.0": "Give each MADRS item as a whole number."}),
    ],
)
def test_a_rating_names_what_is_wrong(given, errors):
    with pytest.raises(ValidationError) as err:
        read(StaffRatingSpec, given)
    assert {k: v[0] for k, v in err.value.message_dict.items()} == errors
