"""A medicine named in the intake counts by its name, through the API (issue 14, item 5).

The issue: "lorazepam 1 mg at night" with no class ticked gave no benzodiazepine caution.
A name the dictionary does not know is listed as not recognised in the stored assessment.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import time_machine

from ketacare.patients.models import Patient
from tests.api.intakes import submitted_intake
from tests.intake.conftest import COMPLETE, NOW


def _submitted(as_user: Any, patient: Patient, medicines: list[dict[str, Any]]) -> Any:
    """PUT the draft with these current medicines, then submit it, as the patient."""
    data = copy.deepcopy(COMPLETE)
    data["current_medications"] = medicines
    return submitted_intake(as_user, patient, data)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def test_lorazepam_with_no_class_ticked_is_a_benzodiazepine_caution(
    as_user: Any, patient: Patient
) -> None:
    submitted = _submitted(
        as_user, patient, [{"name": "lorazepam 1 mg at night", "dose": "", "classes": []}]
    )
    eligibility = submitted["eligibility"]
    assert eligibility["decision"] == "needs_review"
    cautions = [f["code"] for f in eligibility["findings"] if f["severity"] == "caution"]
    assert cautions == ["concurrent_benzodiazepine"]
    assert eligibility["unrecognised_medicines"] == []


def test_an_unknown_name_is_listed_as_not_recognised(as_user: Any, patient: Patient) -> None:
    submitted = _submitted(
        as_user,
        patient,
        [
            {"name": "Zorbafex", "dose": "20 mg daily", "classes": []},
            {"name": "bupropion", "dose": "150 mg daily", "classes": []},
        ],
    )
    eligibility = submitted["eligibility"]
    assert eligibility["decision"] == "eligible"
    assert eligibility["unrecognised_medicines"] == ["Zorbafex"]
    assert [m["recognised"] for m in eligibility["medicines"]] == [False, True]
