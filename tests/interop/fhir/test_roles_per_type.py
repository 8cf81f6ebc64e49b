"""FHIR gives no role more than the REST API: each type follows the API's read row.

A coordinator reads no prescription through the API (`read_prescriptions`), so not over
FHIR either; a patient reads no clinician note (`read_notes`), neither one by one nor in
their `$everything`, which the clinician's holds.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client

from ketacare.accounts.models import User
from ketacare.treatment.models import Prescription
from tests.factories import UserFactory
from tests.interop.fhir.record_helpers import get, hidden_from, search
from tests.interop.fhir.test_documents import signed_note
from tests.treatment.helpers import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _types_in_everything(client: Client, user: User, patient_pk: int) -> set[str]:
    response = get(client, user, f"Patient/{patient_pk}/$everything")
    assert response.status_code == 200, response.content
    return {entry["resource"]["resourceType"] for entry in response.json()["entry"]}


def test_a_coordinator_reads_no_prescription(client: Client, prescription: Prescription) -> None:
    coordinator = UserFactory(clinic=prescription.patient.clinic, coordinator=True)

    assert hidden_from(
        client, coordinator, "MedicationRequest", str(prescription.pk), prescription.patient
    )
    assert search(client, coordinator, "MedicationRequest") == []


def test_a_pharmacist_reads_the_prescription(
    client: Client, pharmacist: User, prescription: Prescription
) -> None:
    response = get(client, pharmacist, f"MedicationRequest/{prescription.pk}")

    assert response.status_code == 200, response.content


def test_a_patient_reads_no_clinician_note(
    client: Client, clinician: User, prescription: Prescription
) -> None:
    patient = prescription.patient
    assert patient.user is not None
    note = signed_note(clinician, patient)

    mine = get(client, patient.user, f"DocumentReference/{note.pk}")
    theirs = get(client, clinician, f"DocumentReference/{note.pk}")

    assert mine.status_code == 404
    assert theirs.status_code == 200
    assert "DocumentReference" not in _types_in_everything(client, patient.user, patient.pk)
    assert "DocumentReference" in _types_in_everything(client, clinician, patient.pk)
    assert "MedicationRequest" in _types_in_everything(client, patient.user, patient.pk)


def test_a_signed_in_browser_without_its_second_factor_gets_a_json_refusal(
    client: Client, clinician: User
) -> None:
    client.force_login(clinician)
    session = client.session
    session.pop("otp_device_id", None)
    session.save()

    response = client.get("/fhir/Patient")

    assert response.status_code in {401, 403}
    assert response["Content-Type"].startswith("application/")
    assert "otp_required" in response.content.decode()
