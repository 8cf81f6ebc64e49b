"""Every resource the record types emit reads as its fhir.resources R4B model, coded right."""

from __future__ import annotations

from typing import Any

import pytest

from ketacare.accounts.models import User
from ketacare.clinical import instruments
from ketacare.interop.fhir import codes, server
from ketacare.interop.fhir.types.questionnaire import canonical
from ketacare.patients.models import Indication, Patient
from tests.factories import PatientFactory
from tests.interop.fhir.chart import Chart, chart_of, ids, valid

pytestmark = pytest.mark.django_db
BASE = "https://clinic.test/fhir"


@pytest.fixture
def chart(patient: Patient) -> Chart:
    return chart_of(patient)


def read(user: User, type_name: str, fhir_id: str) -> dict[str, Any]:
    return valid(server.read(user, type_name, fhir_id, base_url=BASE))


def codings(concept: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in concept["coding"]}


def test_patient(clinician: User, chart: Chart) -> None:
    patient = read(clinician, "Patient", str(chart.patient.pk))
    assert patient["name"][0]["text"] == chart.patient.legal_name
    assert patient["birthDate"] == "1985-06-15"
    assert patient["gender"] == "female"
    assert patient["identifier"][0]["value"] == chart.patient.record_number


@pytest.mark.parametrize(
    ("indication", "snomed"),
    [
        (Indication.MDD, codes.MAJOR_DEPRESSIVE_DISORDER),
        (Indication.TRD, codes.MAJOR_DEPRESSIVE_DISORDER),
        (Indication.PTSD, codes.PTSD),
    ],
)
def test_condition_is_the_indication_in_snomed(
    clinician: User, indication: Indication, snomed: str
) -> None:
    patient = PatientFactory(clinic=clinician.clinic, indication=indication)
    condition = read(clinician, "Condition", f"indication-{patient.pk}")
    assert codings(condition["code"]) == {(codes.SNOMED, snomed)}
    assert condition["code"]["text"] == indication.label  # TRD says treatment-resistant
    assert condition["subject"]["reference"] == f"Patient/{patient.pk}"


@pytest.mark.parametrize(
    ("instrument", "loinc"),
    [("phq9", "44261-6"), ("gad7", "70274-6"), ("phq2", "55758-7"), ("auditc", "75626-2")],
)
def test_totals_with_a_loinc_code(
    clinician: User, patient: Patient, instrument: str, loinc: str
) -> None:
    from_chart = chart_of(patient)
    response = from_chart.phq9 if instrument == "phq9" else from_chart.gad7
    if instrument in {"phq2", "auditc"}:
        response.instrument = instrument
        response.save(update_fields=["instrument"])
    total = read(clinician, "Observation", f"qr-{response.pk}-total")
    assert codings(total["code"]) == {(codes.LOINC, loinc)}
    assert total["valueInteger"] == response.total
    assert total["category"][0]["coding"][0]["code"] == "survey"
    assert total["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{response.pk}"}]


def test_a_total_without_loinc_has_the_local_system(clinician: User, chart: Chart) -> None:
    total = read(clinician, "Observation", f"qr-{chart.pcl5.pk}-total")
    assert codings(total["code"]) == {(codes.INSTRUMENT_TOTAL_SYSTEM, "pcl5")}


def test_blood_pressure_panel(clinician: User, chart: Chart) -> None:
    bp = read(clinician, "Observation", f"reading-{chart.reading.pk}-bp")
    assert codings(bp["code"]) == {(codes.LOINC, "85354-9")}
    assert bp["category"][0]["coding"][0]["code"] == "vital-signs"
    assert bp["meta"]["profile"] == [codes.BP_PROFILE]
    parts = {c["code"]["coding"][0]["code"]: c["valueQuantity"] for c in bp["component"]}
    assert parts["8480-6"] == {"value": 130, "unit": "mmHg", "system": codes.UCUM, "code": "mm[Hg]"}
    assert parts["8462-4"]["value"] == 85
    assert bp["effectiveDateTime"] == "2025-03-03T09:40:00+00:00"


def test_heart_rate_and_weight(clinician: User, chart: Chart) -> None:
    rate = read(clinician, "Observation", f"session-{chart.session.pk}-hr")
    assert codings(rate["code"]) == {(codes.LOINC, "8867-4")}
    assert rate["valueQuantity"]["code"] == "/min"
    assert rate["valueQuantity"]["value"] == 72
    weight = read(clinician, "Observation", f"plan-{chart.plan_id}-weight")
    assert codings(weight["code"]) == {(codes.LOINC, "29463-7")}
    assert weight["valueQuantity"] == {
        "value": 71.5,
        "unit": "kg",
        "system": codes.UCUM,
        "code": "kg",
    }


def test_every_observation_of_the_chart_validates(clinician: User, chart: Chart) -> None:
    for fhir_id in chart.observation_ids():
        assert read(clinician, "Observation", fhir_id)["id"] == fhir_id
    assert read(clinician, "Observation", f"checkin-{chart.check_in.pk}-bp")["component"]
    assert read(clinician, "Observation", f"session-{chart.session.pk}-bp")["component"]


def test_questionnaire_response_items(clinician: User, chart: Chart) -> None:
    phq9 = read(clinician, "QuestionnaireResponse", str(chart.phq9.pk))
    assert phq9["questionnaire"] == canonical("phq9")
    first = phq9["item"][0]
    assert first["linkId"] == "1"
    assert first["answer"][0]["valueCoding"]["system"] == codes.LOINC
    assert first["answer"][0]["valueCoding"]["code"] == "LA6569-3"  # 1: Several days
    difficulty = phq9["item"][9]  # item 10, not scored: the local answer system
    assert difficulty["answer"][0]["valueCoding"]["system"] == codes.ANSWER_SYSTEM
    assert phq9["author"]["reference"].startswith("Practitioner/")


def test_an_item_not_asked_is_left_out(clinician: User, chart: Chart) -> None:
    cssrs = read(clinician, "QuestionnaireResponse", str(chart.cssrs.pk))
    asked = [item["linkId"] for item in cssrs["item"]]
    assert "3" not in asked
    assert "1" in asked


@pytest.mark.parametrize("instrument", instruments.CODES)
def test_every_questionnaire(clinician: User, instrument: str) -> None:
    fhir_id = instrument.replace("_", "-")
    questionnaire = read(clinician, "Questionnaire", fhir_id)
    definition = instruments.get(instrument)
    assert questionnaire["url"] == canonical(instrument)
    assert len(questionnaire["item"]) == len(definition.items)
    item_codes = [i["code"][0]["code"] for i in questionnaire["item"] if "code" in i]
    assert item_codes == [i.loinc for i in definition.items if i.loinc]


def test_phq9_items_carry_their_loinc_codes(clinician: User) -> None:
    questionnaire = read(clinician, "Questionnaire", "phq9")
    assert questionnaire["code"] == [{"system": codes.LOINC, "code": "44249-1"}]
    assert questionnaire["item"][0]["code"][0]["code"] == "44250-9"
    assert questionnaire["item"][8]["code"][0]["code"] == "44260-8"


def test_practitioners_are_the_clinics_staff(
    clinician: User, pharmacist: User, patient: Patient
) -> None:
    found = server.search_type(clinician, "Practitioner", {}, base_url=BASE)
    valid(found)
    assert set(ids(found)) == {str(clinician.pk), str(pharmacist.pk)}
    entry = read(clinician, "Practitioner", str(pharmacist.pk))
    assert entry["qualification"][0]["code"]["coding"][0]["code"] == "pharmacist"
    assert patient.user is not None
    assert str(patient.user.pk) not in ids(found)


def test_a_prescribers_npi_is_an_identifier(
    clinician: User, prescriber: User, patient: Patient
) -> None:
    entry = valid(read(clinician, "Practitioner", str(prescriber.pk)))
    assert entry["identifier"] == [
        {"system": "http://hl7.org/fhir/sid/us-npi", "value": prescriber.npi}
    ]
    prescriber.npi = ""
    prescriber.save(update_fields=["npi"])
    assert "identifier" not in read(clinician, "Practitioner", str(prescriber.pk))
