"""AdverseEvent and Consent over FHIR R4."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from ketacare.accounts.models import Clinic, User
from ketacare.interop.fhir.safety import (
    OUTCOME,
    SERIOUSNESS,
    SEVERITY,
    adverse_event,
    consent,
)
from ketacare.patients.models import Patient
from ketacare.treatment.models import AdverseEventOutcome, Dispense, Severity
from tests.factories import AdverseEventFactory, ConsentFactory, PatientFactory
from tests.interop.fhir.record_helpers import (
    dosed,
    get,
    hidden_from,
    ids,
    others,
    search,
    valid,
)
from tests.treatment.helpers import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _code(concept: dict[str, object]) -> tuple[object, object]:
    (coding,) = concept["coding"]  # type: ignore[misc]
    return coding["system"], coding["code"]


# --- AdverseEvent ----------------------------------------------------------------------------


def test_an_adverse_event_is_a_valid_actual_event_in_the_reporters_words(
    approved: Patient,
) -> None:
    event = AdverseEventFactory(patient=approved, onset_at=NOW - timedelta(hours=1))

    resource = valid(adverse_event(event))

    assert resource["actuality"] == "actual"
    assert resource["event"] == {"text": "Felt sick and dizzy for an hour after the dose."}
    assert resource["subject"]["reference"] == f"Patient/{approved.pk}"
    assert resource["date"] == "2025-03-03T22:00:00+00:00"
    assert resource["recordedDate"] == "2025-03-03T23:00:00+00:00"
    assert resource["recorder"] == resource["subject"]  # the patient, about themself


def test_an_event_with_no_known_onset_has_no_date(approved: Patient) -> None:
    resource = valid(adverse_event(AdverseEventFactory(patient=approved)))

    assert "date" not in resource


def test_staff_report_by_name(approved: Patient, clinician: User) -> None:
    event = AdverseEventFactory(patient=approved, reported_by=clinician)

    assert adverse_event(event)["recorder"]["reference"] == f"Practitioner/{clinician.pk}"


@pytest.mark.parametrize(
    ("grade", "code", "text"),
    [
        (Severity.MILD, "mild", "Mild"),
        (Severity.MODERATE, "moderate", "Moderate"),
        (Severity.SEVERE, "severe", "Severe"),
        # R4's severity stops at severe (a required binding): the words keep the grade.
        (Severity.LIFE_THREATENING, "severe", "Life-threatening"),
    ],
)
def test_severity_maps_to_the_r4_value_set(
    approved: Patient, grade: Severity, code: str, text: str
) -> None:
    event = AdverseEventFactory(
        patient=approved, severity=grade, serious=grade == Severity.LIFE_THREATENING
    )

    resource = valid(adverse_event(event))

    assert _code(resource["severity"]) == (SEVERITY, code)
    assert resource["severity"]["text"] == text


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"serious": False}, "Non-serious"),
        ({"serious": True}, "Serious"),
        ({"serious": True, "severity": Severity.LIFE_THREATENING}, "SeriousIsLifeThreatening"),
        ({"serious": True, "outcome": AdverseEventOutcome.FATAL}, "SeriousResultsInDeath"),
    ],
)
def test_seriousness_maps_to_the_r4_value_set(
    approved: Patient, fields: dict[str, object], code: str
) -> None:
    resource = valid(adverse_event(AdverseEventFactory(patient=approved, **fields)))

    assert _code(resource["seriousness"]) == (SERIOUSNESS, code)


@pytest.mark.parametrize(
    ("ours", "code"),
    [
        (AdverseEventOutcome.RESOLVED, "resolved"),
        (AdverseEventOutcome.RECOVERING, "recovering"),
        (AdverseEventOutcome.ONGOING, "ongoing"),
        (AdverseEventOutcome.RESOLVED_WITH_SEQUELAE, "resolvedWithSequelae"),
        (AdverseEventOutcome.FATAL, "fatal"),
        (AdverseEventOutcome.UNKNOWN, "unknown"),
    ],
)
def test_outcome_maps_to_the_r4_value_set(
    approved: Patient, ours: AdverseEventOutcome, code: str
) -> None:
    event = AdverseEventFactory(
        patient=approved, outcome=ours, serious=ours == AdverseEventOutcome.FATAL
    )

    assert _code(valid(adverse_event(event))["outcome"]) == (OUTCOME, code)


def test_the_dose_it_followed_is_the_suspect(approved: Patient, stocked: Dispense) -> None:
    session = dosed(approved)
    event = AdverseEventFactory(patient=approved, session=session)

    resource = valid(adverse_event(event))

    assert resource["suspectEntity"] == [
        {"instance": {"reference": f"MedicationAdministration/{session.pk}"}}
    ]


# --- Consent ---------------------------------------------------------------------------------


def test_a_signed_consent_is_a_valid_active_treatment_consent(approved: Patient) -> None:
    signed = ConsentFactory(patient=approved)

    resource = valid(consent(signed))

    assert resource["status"] == "active"
    assert _code(resource["scope"]) == (
        "http://terminology.hl7.org/CodeSystem/consentscope",
        "treatment",
    )
    assert resource["patient"]["reference"] == f"Patient/{approved.pk}"
    assert resource["dateTime"] == "2025-03-03T23:00:00+00:00"
    assert resource["performer"] == [resource["patient"]]


def test_the_text_signed_is_attached(approved: Patient) -> None:
    signed = ConsentFactory(patient=approved)

    attachment = consent(signed)["sourceAttachment"]

    assert attachment["contentType"] == "text/plain; charset=utf-8"
    assert base64.b64decode(attachment["data"]).decode() == signed.document.body
    assert attachment["title"] == "Informed consent (version 1)"


def test_someone_signing_for_the_patient_is_named(clinic: Clinic, coordinator: User) -> None:
    patient = PatientFactory(clinic=clinic)
    signed = ConsentFactory(patient=patient, signed_by=coordinator, signature_name="Jo Guardian")

    assert valid(consent(signed))["performer"] == [{"display": "Jo Guardian"}]


# --- over HTTP: search parameters and ownership ----------------------------------------------


@pytest.fixture
def record(approved: Patient) -> dict[str, str]:
    """An adverse event an hour before now, and the patient's signed consent: their ids."""
    event = AdverseEventFactory(patient=approved, onset_at=NOW - timedelta(hours=1))
    return {"AdverseEvent": str(event.pk), "Consent": str(ConsentFactory(patient=approved).pk)}


@pytest.mark.parametrize("type_name", ["AdverseEvent", "Consent"])
def test_staff_of_the_clinic_search_by_patient_and_date(
    client: Client, clinician: User, approved: Patient, record: dict[str, str], type_name: str
) -> None:
    mine = {"patient": str(approved.pk)}

    assert ids(search(client, clinician, type_name, **mine)) == [record[type_name]]
    assert ids(search(client, clinician, type_name, **mine, date="ge2025-03-03")) == [
        record[type_name]
    ]
    assert search(client, clinician, type_name, **mine, date="lt2025-03-03") == []
    assert search(client, clinician, type_name, **mine, date="gt2025-03-03") == []


def test_an_event_without_onset_is_found_by_when_it_was_reported(
    client: Client, clinician: User, approved: Patient
) -> None:
    event = AdverseEventFactory(patient=approved)
    mine = {"patient": str(approved.pk)}

    found = search(client, clinician, "AdverseEvent", **mine, date="eq2025-03-03T23:00:00Z")
    assert ids(found) == [str(event.pk)]


@pytest.mark.parametrize("type_name", ["AdverseEvent", "Consent"])
def test_staff_and_the_patient_read_one(
    client: Client, clinician: User, approved: Patient, record: dict[str, str], type_name: str
) -> None:
    for reader in (clinician, approved.user):
        assert reader is not None
        response = get(client, reader, f"{type_name}/{record[type_name]}")
        assert response.status_code == 200, response.content
        assert valid(response.json())["id"] == record[type_name]


@pytest.mark.parametrize("type_name", ["AdverseEvent", "Consent"])
def test_others_find_nothing(
    client: Client, outsider: User, approved: Patient, record: dict[str, str], type_name: str
) -> None:
    for user in others(outsider, approved):
        assert hidden_from(client, user, type_name, record[type_name], approved)
