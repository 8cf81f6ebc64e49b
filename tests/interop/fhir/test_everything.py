"""$everything and the CapabilityStatement: every registered type, and the audit of reads."""

from __future__ import annotations

import pytest

from ketacare.accounts.models import User
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.interop.fhir import registry, server
from ketacare.interop.fhir.capability import capability_statement
from ketacare.interop.fhir.outcome import FhirError
from ketacare.patients.models import Patient
from tests.factories import PatientFactory
from tests.interop.fhir.chart import Chart, chart_of, ids, valid

pytestmark = pytest.mark.django_db
BASE = "https://clinic.test/fhir"


@pytest.fixture
def chart(patient: Patient) -> Chart:
    return chart_of(patient)


def test_capability_statement_lists_every_type_and_parameter() -> None:
    statement = valid(capability_statement(BASE))
    assert statement["fhirVersion"] == "4.0.1"
    served = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(served) == {t.name for t in registry.registered()}
    for kind in registry.registered():
        params = {p["name"] for p in served[kind.name].get("searchParam", [])}
        assert params == set(kind.search_params)
    assert served["Patient"]["operation"][0]["name"] == "everything"
    assert "default 20" in statement["rest"][0]["documentation"]
    assert "at most 100" in statement["rest"][0]["documentation"]


def test_the_types_of_the_record_are_registered() -> None:
    names = {t.name for t in registry.registered()}
    assert names >= {
        "Patient",
        "Practitioner",
        "Observation",
        "QuestionnaireResponse",
        "Questionnaire",
        "Condition",
    }


def test_everything_is_every_resource_of_the_patient(clinician: User, chart: Chart) -> None:
    chart_of(PatientFactory(clinic=clinician.clinic))  # another patient: none of theirs
    found = valid(server.patient_everything(clinician, chart.patient, base_url=BASE))
    kinds = [e["resource"]["resourceType"] for e in found["entry"]]
    assert kinds[0] == "Patient"
    assert found["total"] == len(found["entry"])
    observations = ids(found)
    assert set(chart.observation_ids()) <= set(observations)
    assert f"indication-{chart.patient.pk}" in ids(found)
    assert {str(chart.phq9.pk), str(chart.cssrs.pk)} <= set(ids(found))
    for entry in found["entry"]:
        subject = entry["resource"].get("subject") or entry["resource"].get("patient")
        if subject is not None:
            assert subject["reference"] == f"Patient/{chart.patient.pk}"
    assert "Practitioner" not in kinds
    assert "Questionnaire" not in kinds


def test_everything_is_audited_as_one_read(clinician: User, chart: Chart) -> None:
    server.patient_everything(clinician, chart.patient, base_url=BASE)
    entry = AuditEntry.objects.filter(action=AuditAction.READ, patient_id=chart.patient.pk).get()
    assert entry.detail["what"] == "$everything"
    assert f"Observation/qr-{chart.phq9.pk}-total" in entry.detail["resources"]


def test_everything_of_a_patient_one_may_not_read(outsider: User, chart: Chart) -> None:
    with pytest.raises(FhirError) as refused:
        server.patient_everything(outsider, chart.patient, base_url=BASE)
    assert refused.value.status == 404
    assert not AuditEntry.objects.filter(patient_id=chart.patient.pk).exists()
    denied = AuditEntry.objects.get(action=AuditAction.READ, actor_id=outsider.pk)
    assert denied.detail["denied"] is True


def test_a_patient_downloads_their_own_everything(chart: Chart) -> None:
    assert chart.patient.user is not None
    found = server.patient_everything(chart.patient.user, chart.patient, base_url=BASE)
    assert ids(found)[0] == str(chart.patient.pk)


def test_a_search_audits_each_patient_read_once(clinician: User, chart: Chart) -> None:
    other = chart_of(PatientFactory(clinic=clinician.clinic))
    server.search_type(clinician, "Observation", {"_count": ["100"]}, base_url=BASE)
    reads = AuditEntry.objects.filter(action=AuditAction.READ, actor_id=clinician.pk)
    assert sorted(reads.values_list("patient_id", flat=True)) == sorted(
        [chart.patient.pk, other.patient.pk]
    )
    mine = reads.get(patient_id=chart.patient.pk)
    assert mine.detail["via"] == "fhir"
    assert len(mine.detail["resources"]) == 9
