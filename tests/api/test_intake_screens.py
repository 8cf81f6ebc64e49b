"""The intake's suicide-risk and drug-use screens decide eligibility, through the API.

CLINICAL.md A8 and G3: a C-SSRS high risk at intake (intent, a plan, recent behaviour)
is no patient for at-home treatment, and a clinician cannot approve it; a moderate risk
is a caution the approving clinician justifies in writing. A DAST-10 of 3 or more is a
caution (the clinic's choice, docs/clinical-defaults.md).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import time_machine

from ketacare.patients.models import Patient
from tests.api.intakes import submitted_intake
from tests.intake.conftest import COMPLETE, NOW


def _submitted(as_user: Any, patient: Patient, **questionnaires: list[int]) -> dict[str, Any]:
    data = copy.deepcopy(COMPLETE)
    data["questionnaires"].update(questionnaires)
    return submitted_intake(as_user, patient, data)


def _severity(submitted: dict[str, Any], code: str) -> str:
    return next(f["severity"] for f in submitted["eligibility"]["findings"] if f["code"] == code)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_high_suicide_risk_at_intake_is_ineligible_and_cannot_be_approved(
    as_user: Any, patient: Patient, prescriber: Any
) -> None:
    submitted = _submitted(as_user, patient, cssrs_screen=[1, 1, 0, 1, 0, 0, 0])
    assert submitted["eligibility"]["decision"] == "ineligible"
    assert _severity(submitted, "cssrs_high_risk") == "exclusion"

    review = as_user(prescriber).post(
        f"patients/{patient.pk}/intakes/{submitted['id']}/review",
        {"decision": "approve", "justification": "The patient says they feel safe now."},
    )
    assert review.status_code == 409, review.json()
    patient.refresh_from_db()
    assert patient.phase == "under_review"


def test_a_moderate_suicide_risk_needs_a_written_justification_to_approve(
    as_user: Any, patient: Patient, prescriber: Any
) -> None:
    submitted = _submitted(as_user, patient, cssrs_screen=[1, 1, 1, 0, 0, 0, 0])
    assert submitted["eligibility"]["decision"] == "needs_review"
    assert _severity(submitted, "cssrs_moderate_risk") == "caution"
    review_url = f"patients/{patient.pk}/intakes/{submitted['id']}/review"

    unjustified = as_user(prescriber).post(review_url, {"decision": "approve"})
    assert unjustified.status_code == 422, unjustified.json()
    justified = as_user(prescriber).post(
        review_url,
        {
            "decision": "approve",
            "justification": "Safety plan agreed; sitter briefed; weekly call.",
        },
    )
    assert justified.status_code == 201, justified.json()


def test_a_dast10_of_3_is_a_caution(as_user: Any, patient: Patient) -> None:
    submitted = _submitted(as_user, patient, dast10=[1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    assert submitted["eligibility"]["decision"] == "needs_review"
    assert _severity(submitted, "dast10_drug_use") == "caution"
