"""Staff-rated scores through the API (issue 14, item 2).

The issue's situation first: a patient could write the Maudsley domains through the
intake draft; now the draft refuses them (and a MADRS) in plain words and stores nothing.
Then a clinician rates the submitted intake with POST .../staff-ratings, and the
assessment the reviewer reads shows the staff's Maudsley stage.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import time_machine

from ketacare.assessments.models import QuestionnaireResponse
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.intake.answers import STAFF_RATED
from ketacare.intake.models import Intake
from ketacare.patients.models import Patient
from tests.factories import ConsentDocumentFactory
from tests.intake.conftest import COMPLETE, NOW

MAUDSLEY = {"duration": 2, "severity": 3, "treatment_failures": 4}
MADRS = [3, 2, 3, 2, 2, 1, 2, 2, 1, 0]


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def _draft(as_user: Any, patient: Patient) -> tuple[Any, str]:
    """The patient's client and their open intake's path (consent signed)."""
    me, base = as_user(patient.user), f"patients/{patient.pk}"
    document = ConsentDocumentFactory(clinic=patient.clinic)
    signed = {"document_id": document.pk, "signature_name": patient.legal_name}
    assert me.post(f"{base}/consents", signed).status_code == 201
    intake = me.post(f"{base}/intakes").json()
    return me, f"{base}/intakes/{intake['id']}"


def _submitted(as_user: Any, patient: Patient) -> str:
    me, path = _draft(as_user, patient)
    assert me.put(f"{path}/draft", COMPLETE).status_code == 200
    assert me.post(f"{path}/submit").status_code == 200
    return path


def _writes() -> tuple[int, int, list[Any]]:
    return (
        AuditEntry.objects.exclude(action__in=(AuditAction.READ, AuditAction.LIST)).count(),
        QuestionnaireResponse.objects.count(),
        list(Intake.objects.values_list("data", "staff_ratings", "eligibility")),
    )


def test_a_patients_draft_with_maudsley_is_refused_in_plain_words(as_user, patient):
    me, path = _draft(as_user, patient)
    before = _writes()
    response = me.put(f"{path}/draft", {**COMPLETE, "maudsley": MAUDSLEY})
    assert response.status_code == 422, response.json()
    body = response.json()
    assert body["field"] == "body.maudsley"
    assert body["errors"] == [{"field": "body.maudsley", "message": STAFF_RATED["maudsley"]}]
    assert "rated by the clinic's clinicians at the eligibility review" in body["message"]
    assert _writes() == before


def test_a_patients_madrs_in_the_intake_is_refused(as_user, patient):
    me, path = _draft(as_user, patient)
    data = copy.deepcopy(COMPLETE)
    data["questionnaires"]["madrs"] = MADRS
    before = _writes()
    response = me.put(f"{path}/draft", data)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "body.questionnaires.madrs", "message": STAFF_RATED["questionnaires.madrs"]}
    ]
    assert _writes() == before


def test_a_patients_madrs_questionnaire_is_refused(as_user, patient):
    Patient.objects.filter(pk=patient.pk).update(phase="induction")
    me = as_user(patient.user)
    before = _writes()
    response = me.post(
        f"patients/{patient.pk}/questionnaires", {"instrument": "madrs", "answers": MADRS}
    )
    assert response.status_code == 403
    assert (
        "clinician-rated: only a clinician or prescriber submits it" in (response.json()["message"])
    )
    assert _writes() == before


def test_the_draft_schema_offers_no_staff_rated_score(client):
    document = client.get("/api/v1/openapi.json").json()
    draft = document["paths"]["/api/v1/patients/{patient_id}/intakes/{intake_id}/draft"]["put"]
    schema = draft["requestBody"]["content"]["application/json"]["schema"]
    assert "maudsley" not in schema["properties"]
    assert "madrs" not in schema["properties"]["questionnaires"]["properties"]


def test_a_clinician_rates_and_the_assessment_shows_the_staff_maudsley(as_user, patient, clinician):
    path = _submitted(as_user, patient)
    response = as_user(clinician).post(
        f"{path}/staff-ratings", {"maudsley": MAUDSLEY, "madrs": MADRS}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["eligibility"]["maudsley"] == {"total": 9, "band": "moderate", **MAUDSLEY}
    assert body["staff_ratings"]["maudsley"]["rated_by"] == clinician.pk
    assert body["staff_ratings"]["madrs"]["total"] == 18
    madrs = QuestionnaireResponse.objects.get(instrument="madrs")
    assert madrs.submitted_by == clinician
    assert as_user(patient.user).get(path).json()["eligibility"] == body["eligibility"]


@pytest.mark.parametrize("role", ["coordinator", "pharmacist", "patient"])
def test_other_roles_are_refused_and_nothing_is_stored(request, as_user, patient, role):
    path = _submitted(as_user, patient)
    user = patient.user if role == "patient" else request.getfixturevalue(role)
    caller = as_user(user)  # a token is issued (and audited) before the call
    before = _writes()
    response = caller.post(f"{path}/staff-ratings", {"maudsley": MAUDSLEY, "madrs": MADRS})
    assert response.status_code == 403, response.json()
    assert response.json()["code"] == "forbidden"
    assert _writes() == before


def test_rating_after_the_review_is_a_409(as_user, patient, prescriber):
    path = _submitted(as_user, patient)
    staff = as_user(prescriber)
    assert staff.post(f"{path}/review", {"decision": "approve"}).status_code == 201
    before = _writes()
    response = staff.post(f"{path}/staff-ratings", {"maudsley": MAUDSLEY})
    assert response.status_code == 409
    assert response.json()["code"] == "already_reviewed"
    assert _writes() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"maudsley": {"duration": 4, "severity": 3, "treatment_failures": 4}}, "body.maudsley"),
        ({"madrs": [*MADRS[:9], 9]}, "body.madrs.9"),
    ],
)
def test_a_bad_rating_is_a_422_naming_the_field(as_user, patient, clinician, body, field):
    path = _submitted(as_user, patient)
    staff = as_user(clinician)
    before = _writes()
    response = staff.post(f"{path}/staff-ratings", body)
    assert response.status_code == 422
    assert response.json()["field"].startswith(field), response.json()
    assert _writes() == before
