"""Eligibility review on the database: approve, decline, and every refusal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ketacare.audit.log import verify
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.intake import services
from ketacare.intake import specs as intake_specs
from ketacare.intake.errors import (
    AlreadyReviewed,
    IneligibleCannotBeApproved,
    IntakeNotSubmitted,
    IntakeSuperseded,
)
from ketacare.intake.models import EligibilityReview, Intake
from ketacare.intake.specs import ReviewSpec
from ketacare.kernel.errors import NotAllowed, NotFound, WrongPhase
from ketacare.kernel.specs import read
from ketacare.patients import services as patient_services
from ketacare.patients.models import Patient, PhaseChange
from ketacare.patients.phases import Phase
from ketacare.patients.specs import PhaseMoveSpec
from tests.factories import UserFactory
from tests.intake.conftest import NOW, complete

pytestmark = pytest.mark.django_db
BACK_TO_INTAKE = PhaseMoveSpec(target=Phase.INTAKE, reason="Please add your trial doses.")

CAUTION = {"current_medications": [{"name": "lorazepam", "classes": ["benzodiazepine"]}]}
EXCLUSION = {"psychiatric_history__current_mania": True}


@pytest.fixture
def submit(patient, signed) -> Callable[..., Intake]:
    """Submit an intake with `changes` to the complete one, as the patient."""

    def submit(**changes: Any) -> Intake:
        draft = services.start_intake(patient.user, patient)
        services.save_intake_draft(patient.user, draft, intake_specs.draft(complete(**changes)))
        return services.submit_intake(patient.user, draft)

    return submit


def nothing_decided(patient: Patient) -> None:
    patient.refresh_from_db()
    assert patient.phase == Phase.UNDER_REVIEW
    assert not EligibilityReview.objects.exists()
    assert str(patient.weight_kg) == "70.0"


def test_clinician_approves_an_eligible_intake(submit, patient, clinician):
    intake = submit()
    before = AuditEntry.objects.count()
    review = services.review_intake(
        clinician, intake, read(ReviewSpec, {"decision": "approve", "justification": ""})
    )
    review.refresh_from_db()
    assert (review.decision, review.reviewer, review.at, review.patient) == (
        "approve",
        clinician,
        NOW,
        patient,
    )
    assert review.eligibility == intake.eligibility  # the snapshot the decision was based on
    patient.refresh_from_db()
    assert patient.phase == Phase.APPROVED
    assert PhaseChange.objects.get(to_phase=Phase.APPROVED).actor == clinician
    # The intake's demographics reach the record (weight 70.0 -> 72.5; same birth date).
    assert patient.weight_kg == Decimal("72.5")
    new = AuditEntry.objects.filter(seq__gt=before)
    reviews = new.filter(object_type="intake.EligibilityReview")
    assert [(e.action, e.detail) for e in reviews] == [
        (AuditAction.CREATE, {"decision": "approve"})
    ]
    patient_entries = [e.detail for e in new.filter(object_type="patients.Patient")]
    assert patient_entries == [{"fields": ["weight_kg"]}, {"phase": ["under_review", "approved"]}]
    assert verify().ok


def test_unchanged_demographics_do_not_touch_the_record(submit, patient, clinician):
    intake = submit(demographics={"date_of_birth": "1985-06-15", "weight_kg": 70})
    before = AuditEntry.objects.count()
    services.review_intake(
        clinician, intake, read(ReviewSpec, {"decision": "approve", "justification": ""})
    )
    updates = AuditEntry.objects.filter(seq__gt=before, object_type="patients.Patient")
    assert [e.detail for e in updates] == [{"phase": ["under_review", "approved"]}]


def test_prescriber_may_review(submit, clinic):
    intake = submit()
    prescriber = UserFactory(clinic=clinic, prescriber=True)
    review = services.review_intake(
        prescriber, intake, read(ReviewSpec, {"decision": "approve", "justification": ""})
    )
    assert review.reviewer == prescriber


def test_approving_over_a_caution_needs_a_written_justification(submit, patient, clinician):
    intake = submit(**CAUTION)
    assert intake.eligibility["decision"] == "needs_review"
    for blank in ("", "   \n"):
        with pytest.raises(ValidationError) as err:
            services.review_intake(
                clinician, intake, read(ReviewSpec, {"decision": "approve", "justification": blank})
            )
        assert "concurrent_benzodiazepine" in err.value.message_dict["justification"][0]
    nothing_decided(patient)


def test_approving_over_a_caution_with_a_justification(submit, patient, clinician):
    intake = submit(**CAUTION)
    review = services.review_intake(
        clinician,
        intake,
        read(
            ReviewSpec,
            {"decision": "approve", "justification": "  Lorazepam held on dosing days. "},
        ),
    )
    assert review.justification == "Lorazepam held on dosing days."
    patient.refresh_from_db()
    assert patient.phase == Phase.APPROVED
    change = PhaseChange.objects.get(to_phase=Phase.APPROVED)
    assert change.reason == "Lorazepam held on dosing days."


def test_an_absolute_exclusion_cannot_be_approved(submit, patient, clinician):
    intake = submit(**EXCLUSION)
    assert intake.eligibility["decision"] == "ineligible"
    with pytest.raises(IneligibleCannotBeApproved) as err:
        services.review_intake(
            clinician,
            intake,
            read(ReviewSpec, {"decision": "approve", "justification": "I know the patient well."}),
        )
    assert err.value.code == "ineligible"
    assert "Current mania" in err.value.message
    nothing_decided(patient)


def test_decline_with_a_reason(submit, patient, clinician):
    intake = submit(**EXCLUSION)
    review = services.review_intake(
        clinician,
        intake,
        read(ReviewSpec, {"decision": "decline", "justification": "Current mania."}),
    )
    assert (review.decision, review.justification) == ("decline", "Current mania.")
    patient.refresh_from_db()
    assert patient.phase == Phase.DECLINED
    assert PhaseChange.objects.get(to_phase=Phase.DECLINED).reason == "Current mania."
    assert patient.weight_kg == Decimal("72.5")  # the record is corrected whatever the decision


def test_decline_needs_a_reason(submit, patient, clinician):
    intake = submit()
    with pytest.raises(ValidationError) as err:
        services.review_intake(
            clinician, intake, read(ReviewSpec, {"decision": "decline", "justification": " "})
        )
    assert set(err.value.message_dict) == {"justification"}
    nothing_decided(patient)


def test_declining_without_a_reason_is_also_a_database_rule(submit, patient, clinician):
    intake = submit()
    with pytest.raises(IntegrityError), transaction.atomic():
        EligibilityReview.objects.create(
            intake=intake, patient=patient, reviewer=clinician, decision="decline", eligibility={}
        )


def test_review_refuses_an_unknown_decision(submit, patient, clinician):
    intake = submit()
    with pytest.raises(ValidationError) as err:
        services.review_intake(
            clinician, intake, read(ReviewSpec, {"decision": "maybe", "justification": "Hmm."})
        )
    assert set(err.value.message_dict) == {"decision"}
    nothing_decided(patient)


def test_review_refuses_roles_that_do_not_decide(
    submit, patient, coordinator, clinic_admin, clinic
):
    intake = submit()
    pharmacist = UserFactory(clinic=clinic, pharmacist=True)
    for actor in (coordinator, clinic_admin, pharmacist, patient.user):
        with pytest.raises(NotAllowed):
            services.review_intake(
                actor, intake, read(ReviewSpec, {"decision": "approve", "justification": ""})
            )
    nothing_decided(patient)


def test_review_hides_the_patient_from_other_clinics(submit, patient, outsider):
    intake = submit()
    with pytest.raises(NotFound):
        services.review_intake(
            outsider, intake, read(ReviewSpec, {"decision": "approve", "justification": ""})
        )
    nothing_decided(patient)


def test_review_refuses_a_draft(patient, clinician, signed):
    draft = services.start_intake(patient.user, patient)
    with pytest.raises(IntakeNotSubmitted):
        services.review_intake(
            clinician, draft, read(ReviewSpec, {"decision": "approve", "justification": ""})
        )


def test_review_happens_once(submit, clinician, colleague):
    intake = submit()
    services.review_intake(
        clinician, intake, read(ReviewSpec, {"decision": "approve", "justification": ""})
    )
    with pytest.raises(AlreadyReviewed):
        services.review_intake(
            colleague, intake, read(ReviewSpec, {"decision": "decline", "justification": "No."})
        )
    assert EligibilityReview.objects.count() == 1


def test_review_refuses_when_the_patient_is_not_under_review(submit, patient, clinician):
    intake = submit()
    patient_services.move_patient(clinician, patient, BACK_TO_INTAKE)
    with pytest.raises(WrongPhase):
        services.review_intake(
            clinician, intake, read(ReviewSpec, {"decision": "approve", "justification": ""})
        )
    assert not EligibilityReview.objects.exists()


def test_review_refuses_an_intake_superseded_by_a_newer_one(submit, patient, clinician):
    first = submit()
    patient_services.move_patient(clinician, patient, BACK_TO_INTAKE)
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        second = submit()
        with pytest.raises(IntakeSuperseded):
            services.review_intake(
                clinician, first, read(ReviewSpec, {"decision": "approve", "justification": ""})
            )
        review = services.review_intake(
            clinician, second, read(ReviewSpec, {"decision": "approve", "justification": ""})
        )
    assert review.intake == second
