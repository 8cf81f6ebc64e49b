"""MedicationRequest, MedicationDispense and MedicationAdministration over FHIR R4."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from ketacare.accounts.models import User
from ketacare.interop.fhir.medication import (
    SCHEDULE_III_NOTE,
    instant,
    medication_administration,
    medication_dispense,
    medication_request,
    medication_text,
)
from ketacare.patients.models import Patient
from ketacare.treatment import services
from ketacare.treatment.models import Dispense, Prescription, TreatmentPlan
from ketacare.treatment.specs.dispensing import VoidDispenseSpec
from tests.interop.fhir.record_helpers import (
    dosed,
    get,
    hidden_from,
    ids,
    others,
    search,
    valid,
)
from tests.treatment.helpers import NOW, correction, ready_session, rx_void

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


# --- MedicationRequest -----------------------------------------------------------------------


def test_a_prescription_is_a_valid_active_order(prescription: Prescription) -> None:
    resource = valid(medication_request(prescription))

    assert resource["status"] == "active"
    assert resource["intent"] == "order"
    assert resource["subject"]["reference"] == f"Patient/{prescription.patient_id}"
    assert resource["authoredOn"] == "2025-03-03T23:00:00+00:00"
    assert resource["requester"] == {
        "reference": f"Practitioner/{prescription.written_by_id}",
        "display": prescription.written_by.display_name,
    }


def test_the_medication_and_route_are_text_only(prescription: Prescription) -> None:
    """Ketamine has no code in the medicine dictionary nor in CLINICAL.md E: no coding."""
    resource = medication_request(prescription)

    assert resource["medicationCodeableConcept"] == {
        "text": "Ketamine (racemic), 50 mg scored troches"
    }
    assert resource["dosageInstruction"][0]["route"] == {"text": "Sublingual"}


def test_the_dose_is_in_ucum_milligrams(prescription: Prescription) -> None:
    dosage = medication_request(prescription)["dosageInstruction"][0]

    assert dosage["doseAndRate"] == [
        {
            "doseQuantity": {
                "value": 100,
                "unit": "mg",
                "system": "http://unitsofmeasure.org",
                "code": "mg",
            }
        }
    ]
    assert dosage["text"] == prescription.directions


def test_the_fills_allowed_and_the_six_month_limit(prescription: Prescription) -> None:
    """CLINICAL.md G8: not filled more than 6 months after the date of issue."""
    request = medication_request(prescription)["dispenseRequest"]

    assert request == {
        "validityPeriod": {"start": "2025-03-03", "end": "2025-09-03"},
        "numberOfRepeatsAllowed": 2,
        "quantity": {"value": 8, "unit": "troches"},
    }


def test_the_schedule_iii_status_is_a_note(prescription: Prescription) -> None:
    assert medication_request(prescription)["note"] == [{"text": SCHEDULE_III_NOTE}]


def test_a_voided_prescription_is_cancelled_with_its_reason(
    prescriber: User, prescription: Prescription
) -> None:
    services.void_prescription(prescriber, prescription, rx_void(reason="Wrong strength."))
    prescription.refresh_from_db()

    resource = valid(medication_request(prescription))

    assert resource["status"] == "cancelled"
    assert resource["statusReason"] == {"text": "Wrong strength."}


def test_a_corrected_prescription_was_entered_in_error_and_its_correction_says_so(
    prescriber: User, prescription: Prescription
) -> None:
    fixed = services.correct_prescription(
        prescriber,
        prescription,
        correction(
            reason="Two refills were one too many.",
            quantity=8,
            refills=1,
            directions=prescription.directions,
            earliest_refill_on=date(2025, 3, 24),
        ),
    )
    prescription.refresh_from_db()

    assert valid(medication_request(prescription))["status"] == "entered-in-error"
    resource = valid(medication_request(fixed))
    assert resource["priorPrescription"] == {"reference": f"MedicationRequest/{prescription.pk}"}


def test_a_prescription_awaiting_its_cosign_is_on_hold(prescription: Prescription) -> None:
    prescription.needs_cosign = True
    prescription.quantity_reason = "Travel."

    resource = valid(medication_request(prescription))

    assert resource["status"] == "on-hold"
    assert resource["statusReason"]["text"].endswith("Travel.")


# --- MedicationDispense ----------------------------------------------------------------------


def test_a_dispense_is_valid_and_names_its_prescription(stocked: Dispense) -> None:
    resource = valid(medication_dispense(stocked))

    assert resource["status"] == "completed"
    assert resource["authorizingPrescription"] == [
        {"reference": f"MedicationRequest/{stocked.prescription_id}"}
    ]
    assert resource["quantity"] == {"value": 8, "unit": "troches"}
    assert resource["whenHandedOver"] == instant(NOW)
    assert resource["type"] == {"text": "First fill, part 1"}
    assert (
        resource["performer"][0]["actor"]["reference"] == f"Practitioner/{stocked.dispensed_by_id}"
    )


def test_the_lot_and_expiry_are_on_the_contained_medication(stocked: Dispense) -> None:
    resource = medication_dispense(stocked)

    (medication,) = resource["contained"]
    assert medication["batch"] == {
        "lotNumber": "LOT-2025-01",
        "expirationDate": "2026-01-31",
    }
    assert resource["medicationReference"]["reference"] == "#product"


def test_a_voided_dispense_was_entered_in_error(pharmacist: User, stocked: Dispense) -> None:
    services.void_dispense(pharmacist, stocked, VoidDispenseSpec(reason="Counted twice."))
    stocked.refresh_from_db()

    resource = valid(medication_dispense(stocked))

    assert resource["status"] == "entered-in-error"
    assert resource["statusReasonCodeableConcept"] == {"text": "Counted twice."}


# --- MedicationAdministration ----------------------------------------------------------------


def test_a_dose_taken_at_home_is_a_valid_administration(
    approved: Patient, stocked: Dispense
) -> None:
    session = dosed(approved)

    resource = valid(medication_administration(session))

    assert resource["status"] == "completed"
    assert resource["effectiveDateTime"] == "2025-03-03T23:00:00+00:00"
    assert resource["performer"] == [{"actor": resource["subject"]}]
    assert resource["dosage"]["dose"]["value"] == 100
    assert resource["dosage"]["route"] == {"text": "Sublingual"}


def test_a_dose_off_the_plan_says_so(approved: Patient, stocked: Dispense) -> None:
    session = dosed(approved)
    session.as_planned = False
    session.planned_dose_mg = Decimal(100)
    session.dose_mg = Decimal("75.5")
    session.against_gate = True

    resource = valid(medication_administration(session))

    assert resource["dosage"]["dose"]["value"] == 75.5
    assert "text" not in resource["dosage"]
    assert [note["text"] for note in resource["note"]] == [
        "Not the plan's dose: the plan's dose was 100 mg.",
        "Taken although the pre-dose checklist no longer allowed it.",
    ]


def test_the_product_in_words_names_the_drug(plan: TreatmentPlan) -> None:
    assert medication_text(plan) == "Ketamine (racemic), 50 mg scored troches"


# --- over HTTP: search parameters and ownership ----------------------------------------------

TYPES = ("MedicationRequest", "MedicationDispense", "MedicationAdministration")


@pytest.fixture
def record(approved: Patient, stocked: Dispense) -> dict[str, str]:
    """The patient's prescription, its first fill and a dose taken: each type's id."""
    session = dosed(approved)
    return {
        "MedicationRequest": str(stocked.prescription_id),
        "MedicationDispense": str(stocked.pk),
        "MedicationAdministration": str(session.pk),
    }


@pytest.mark.parametrize("type_name", TYPES)
def test_staff_of_the_clinic_search_by_patient_and_date(
    client: Client, clinician: User, approved: Patient, record: dict[str, str], type_name: str
) -> None:
    mine = {"patient": str(approved.pk)}

    assert ids(search(client, clinician, type_name, **mine)) == [record[type_name]]
    assert ids(search(client, clinician, type_name, **mine, date="ge2025-03-03")) == [
        record[type_name]
    ]
    assert search(client, clinician, type_name, **mine, date="lt2025-03-03") == []
    assert search(client, clinician, type_name, **mine, date="ge2025-03-04") == []


@pytest.mark.parametrize("type_name", TYPES)
def test_staff_and_the_patient_read_one(
    client: Client, clinician: User, approved: Patient, record: dict[str, str], type_name: str
) -> None:
    for reader in (clinician, approved.user):
        assert reader is not None
        response = get(client, reader, f"{type_name}/{record[type_name]}")
        assert response.status_code == 200, response.content
        assert valid(response.json())["subject"]["reference"] == f"Patient/{approved.pk}"


def test_only_doses_taken_are_administrations(
    client: Client, clinician: User, approved: Patient, stocked: Dispense
) -> None:
    assert approved.user is not None
    session = ready_session(approved.user, approved)  # the checklist passed, no dose yet

    assert get(client, clinician, f"MedicationAdministration/{session.pk}").status_code == 404
    assert search(client, clinician, "MedicationAdministration", patient=str(approved.pk)) == []


@pytest.mark.parametrize("type_name", TYPES)
def test_others_find_nothing(
    client: Client, outsider: User, approved: Patient, record: dict[str, str], type_name: str
) -> None:
    for user in others(outsider, approved):
        assert hidden_from(client, user, type_name, record[type_name], approved)


def test_the_code_parameter_is_refused_as_there_is_no_code(
    client: Client, clinician: User, record: dict[str, str]
) -> None:
    """Ketamine has no code we may use: a code search would silently find nothing."""
    response = get(client, clinician, "MedicationRequest", code="123")

    assert response.status_code == 400
