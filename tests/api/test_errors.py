"""Every error the API gives is JSON in one shape: a code, a message and the field path."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from ketacare.api.errors import django_field_errors
from ketacare.assessments import services as assessments
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.patients.models import Consent, Patient
from tests.factories import ClinicFactory, ConsentDocumentFactory, ConsentFactory

KEYS = {"code", "message", "field", "errors"}
PHQ9 = [1, 2, 0, 3, 1, 0, 2, 1, 0]


def _in_phase(patient: Patient, phase: str) -> Patient:
    Patient.objects.filter(pk=patient.pk).update(phase=phase)
    patient.refresh_from_db()
    return patient


def test_a_bad_body_is_a_422_naming_each_field(as_user, clinician, patient):
    response = as_user(clinician).post(
        f"patients/{patient.pk}/phase", {"target": "nowhere", "reason": 5}
    )
    assert response.status_code == 422
    body = response.json()
    assert set(body) == KEYS
    assert body["code"] == "validation_error"
    assert body["field"] == "body.target"
    assert [e["field"] for e in body["errors"]] == ["body.target", "body.reason"]
    assert body["message"].startswith("body.target: ")


def test_nested_body_fields_have_their_full_path(as_user, patient):
    _in_phase(patient, "intake")
    answers = {"1": 1, "2": "often"}
    response = as_user(patient.user).post(
        f"patients/{patient.pk}/questionnaires", {"instrument": "phq9", "answers": answers}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.answers.2"]


def test_bad_query_and_path_parameters_are_422(as_user, clinician):
    client = as_user(clinician)
    query = client.get("patients", query={"limit": 0})
    assert query.status_code == 422
    assert query.json()["field"] == "query.limit"
    path = client.get(f"patients/{2**64}")
    assert path.status_code == 422
    assert path.json()["field"] == "path.patient_id"


def test_a_service_validation_error_is_a_422_with_its_path_and_stores_nothing(as_user, patient):
    _in_phase(patient, "intake")
    response = as_user(patient.user).post(
        f"patients/{patient.pk}/questionnaires", {"instrument": "phq9", "answers": [1, 2]}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["field"] == "body.answers"
    assert not QuestionnaireResponse.objects.exists()


def test_a_reference_to_another_clinics_object_is_a_field_error(as_user, patient):
    foreign = ConsentDocumentFactory(clinic=ClinicFactory())
    response = as_user(patient.user).post(
        f"patients/{patient.pk}/consents",
        {"document_id": foreign.pk, "signature_name": patient.legal_name},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "body.document_id"
    assert not Consent.objects.exists()


def test_what_the_caller_may_not_see_is_a_404(as_user, outsider, patient):
    response = as_user(outsider).get(f"patients/{patient.pk}")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "Not found.",
        "field": None,
        "errors": [],
    }


def test_a_missing_object_is_a_404(as_user, clinician, patient):
    # No consent text published: ObjectDoesNotExist, answered like Http404.
    response = as_user(clinician).get(f"patients/{patient.pk}/consent")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_role_refusal_is_a_403(as_user, patient):
    response = as_user(patient.user).post(f"patients/{patient.pk}/phase", {"target": "intake"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "change a patient's phase" in response.json()["message"]


def test_a_domain_refusal_is_a_409_with_its_code(as_user, patient):
    _in_phase(patient, "declined")
    response = as_user(patient.user).post(
        f"patients/{patient.pk}/questionnaires", {"instrument": "phq9", "answers": PHQ9}
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "wrong_phase"
    assert body["field"] == "patient"
    assert "declined" in body["message"]


def test_a_forbidden_phase_move_is_a_409(as_user, clinician, patient):
    response = as_user(clinician).post(f"patients/{patient.pk}/phase", {"target": "approved"})
    assert response.status_code == 409
    assert response.json()["code"] == "phase_transition"
    assert response.json()["field"] is None


def test_a_move_missing_its_reason_names_the_reason_field(as_user, clinician, patient):
    _in_phase(patient, "induction")
    response = as_user(clinician).post(f"patients/{patient.pk}/phase", {"target": "paused"})
    assert response.status_code == 409
    assert response.json()["code"] == "phase_transition"
    assert response.json()["field"] == "body.reason"


def test_a_constraint_caught_conflict_is_a_409(as_user, patient, monkeypatch):
    def collide(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(assessments, "submit_questionnaire", collide)
    _in_phase(patient, "intake")
    response = as_user(patient.user).post(
        f"patients/{patient.pk}/questionnaires", {"instrument": "phq9", "answers": PHQ9}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "duplicate key" not in response.json()["message"]


def test_an_unexpected_error_is_a_500_without_internals(as_user, patient, monkeypatch, caplog):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals at 0xdeadbeef")

    monkeypatch.setattr(assessments, "submit_questionnaire", explode)
    _in_phase(patient, "intake")
    response = as_user(patient.user).post(
        f"patients/{patient.pk}/questionnaires", {"instrument": "phq9", "answers": PHQ9}
    )
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "server_error"
    assert "0xdeadbeef" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert "0xdeadbeef" in caplog.text  # but we have it in the log


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ValidationError("Plain message."), [(None, "Plain message.")]),
        (
            ValidationError({"trials.0.weeks": "Too short.", "__all__": "Inconsistent."}),
            [("body.trials.0.weeks", "Too short."), (None, "Inconsistent.")],
        ),
        (ValidationError(["One.", "Two."]), [(None, "One."), (None, "Two.")]),
    ],
)
def test_django_errors_become_field_paths(error, expected):
    assert [(e.field, e.message) for e in django_field_errors(error)] == expected


def test_an_incomplete_intake_names_each_missing_answer_in_its_data(as_user, patient):
    ConsentFactory(patient=patient)
    client = as_user(patient.user)
    intake = client.post(f"patients/{patient.pk}/intakes").json()
    client.put(
        f"patients/{patient.pk}/intakes/{intake['id']}/draft",
        {"trials": [{"drug": "sertraline", "dose": "150 mg"}]},
    )
    response = client.post(f"patients/{patient.pk}/intakes/{intake['id']}/submit")
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert "data.trials.0.duration_weeks" in fields
    assert "data.home_vitals" in fields or any(f.startswith("data.home_vitals") for f in fields)
    assert Patient.objects.get(pk=patient.pk).phase == "intake"


def test_a_bad_draft_value_is_named_under_the_body(as_user, patient):
    client = as_user(patient.user)
    intake = client.post(f"patients/{patient.pk}/intakes").json()
    response = client.put(
        f"patients/{patient.pk}/intakes/{intake['id']}/draft",
        {"trials": [{"drug": "sertraline", "duration_weeks": "eight"}]},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "body.trials.0.duration_weeks"
