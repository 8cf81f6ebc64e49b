"""A current medicine counts by its name, not only by a ticked class (issue 14, item 5).

The issue: "lorazepam 1 mg at night" with no box ticked gave no benzodiazepine caution.
Eligibility now reads each medicine's name (`ketacare.clinical.medicines`); a tick still
counts; a name the dictionary does not know is kept in the stored assessment for the
reviewing clinician to check by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from ketacare.clinical.eligibility import MedicationClass
from ketacare.intake import services
from ketacare.intake import specs as intake_specs
from ketacare.intake.facts import to_facts
from ketacare.intake.models import Intake
from ketacare.intake.ratings import StaffRatingSpec
from ketacare.intake.specs import check_submission
from ketacare.kernel.specs import read
from tests.intake.conftest import complete

pytestmark = pytest.mark.django_db

LORAZEPAM = {"name": "lorazepam 1 mg at night", "dose": "", "classes": []}
UNKNOWN = {"name": "Zorbafex", "dose": "20 mg daily", "classes": []}


@pytest.fixture
def submit(patient, signed) -> Callable[..., Intake]:
    """Submit the complete intake with these current medicines, as the patient."""

    def submit(*taken: dict[str, Any]) -> Intake:
        draft = services.start_intake(patient.user, patient)
        answers = complete(current_medications=list(taken))
        services.save_intake_draft(patient.user, draft, intake_specs.draft(answers))
        return services.submit_intake(patient.user, draft)

    return submit


def codes(intake: Intake, severity: str = "caution") -> list[str]:
    assert intake.eligibility is not None
    return [f["code"] for f in intake.eligibility["findings"] if f["severity"] == severity]


def test_lorazepam_named_with_no_box_ticked_is_a_benzodiazepine_caution(submit):
    intake = submit(LORAZEPAM)
    assert intake.eligibility is not None
    assert intake.eligibility["decision"] == "needs_review"
    assert codes(intake) == ["concurrent_benzodiazepine"]
    assert intake.eligibility["medicines"] == [
        {
            "name": "lorazepam 1 mg at night",
            "recognised": True,
            "generics": ["lorazepam"],
            "groups": ["Benzodiazepine"],
            "classes": ["benzodiazepine"],
        }
    ]
    assert intake.eligibility["unrecognised_medicines"] == []


def test_brands_and_combinations_raise_their_class_without_a_tick(submit):
    intake = submit(
        {"name": "XANAX 0.5mg", "classes": []},
        {"name": "co-codamol 30/500", "classes": []},
        {"name": "Adderall XR", "classes": []},
        {"name": "Nardil", "classes": []},
    )
    assert codes(intake) == [
        "concurrent_benzodiazepine",
        "concurrent_cns_depressant",
        "concurrent_stimulant",
        "concurrent_maoi",
    ]


def test_a_name_not_recognised_is_stored_for_the_reviewer_to_check(submit):
    intake = submit(UNKNOWN, {"name": "sertraline", "dose": "100 mg", "classes": []})
    assert intake.eligibility is not None
    assert intake.eligibility["decision"] == "eligible"
    assert intake.eligibility["unrecognised_medicines"] == ["Zorbafex"]
    unknown, sertraline = intake.eligibility["medicines"]
    assert unknown == {
        "name": "Zorbafex",
        "recognised": False,
        "generics": [],
        "groups": [],
        "classes": [],
    }
    assert (sertraline["recognised"], sertraline["groups"], sertraline["classes"]) == (
        True,
        ["SSRI antidepressant"],
        [],
    )


def test_a_tick_still_counts_for_a_name_not_recognised(submit):
    intake = submit({**UNKNOWN, "classes": ["stimulant"]})
    assert codes(intake) == ["concurrent_stimulant"]
    assert intake.eligibility is not None
    assert intake.eligibility["unrecognised_medicines"] == ["Zorbafex"]


def test_a_staff_rating_reassesses_with_the_medicines_read_again(submit, clinician):
    intake = submit(LORAZEPAM, UNKNOWN)
    rating = read(
        StaffRatingSpec, {"maudsley": {"duration": 2, "severity": 3, "treatment_failures": 4}}
    )
    rated = services.rate_intake(clinician, intake, rating)
    assert rated.eligibility is not None
    assert codes(rated) == ["concurrent_benzodiazepine"]
    assert rated.eligibility["unrecognised_medicines"] == ["Zorbafex"]
    assert rated.eligibility["maudsley"]["total"] == 9


def test_to_facts_unites_ticked_and_named_classes():
    data = complete(
        current_medications=[
            LORAZEPAM,
            {"name": "Zorbafex", "classes": ["maoi"]},
            {"name": "Concerta", "classes": ["stimulant"]},
        ]
    )
    answers = check_submission(data, indication="trd", sex_at_birth="female")
    facts = to_facts(answers, assessed_on=dt.date(2025, 3, 10), sex_at_birth="female")
    assert facts.current_medications == {
        MedicationClass.BENZODIAZEPINE,
        MedicationClass.MAOI,
        MedicationClass.STIMULANT,
    }
