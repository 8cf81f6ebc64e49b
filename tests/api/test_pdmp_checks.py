"""Issue 17, items 4 and 5 through the API: state PDMP checks, and the prescriber's identity.

POST and GET /patients/{id}/pdmp-checks; a prescription without a recent check, or
without the prescriber's DEA number or NPI, is a 409 naming the next step.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.kernel.specs import read
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment import services
from ketacare.treatment.models import PdmpCheck, Prescription
from ketacare.treatment.specs.plans import PlanSpec
from tests.factories import UserFactory
from tests.treatment.helpers import NOW, PLAN

DIRECTIONS = "Hold 2 troches under the tongue for 15 minutes, with your sitter present."


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(clinic, patient: Patient, as_user) -> dict[str, Any]:
    """The patient approved with a plan and no PDMP check yet."""
    Patient.objects.filter(pk=patient.pk).update(phase=Phase.APPROVED.value)
    patient.refresh_from_db()
    prescriber = UserFactory(clinic=clinic, prescriber=True, username="priya")
    pharmacist = UserFactory(clinic=clinic, pharmacist=True, username="phil")
    plan = services.create_plan(prescriber, patient, read(PlanSpec, PLAN))
    return {
        "prescriber": prescriber,
        "priya": as_user(prescriber),
        "phil": as_user(pharmacist),
        "base": f"patients/{patient.pk}",
        "rx": {"plan_id": plan.pk, "quantity": 8, "directions": DIRECTIONS},
    }


def test_no_check_is_a_409_then_a_check_lets_the_prescription_through(people):
    base = people["base"]
    refused = people["priya"].post(f"{base}/prescriptions", people["rx"])
    assert refused.status_code == 409, refused.json()
    assert refused.json()["code"] == "pdmp_check_missing"
    assert "record the state PDMP check first" in refused.json()["message"]
    checked = people["priya"].post(f"{base}/pdmp-checks", {"result": "nothing_of_concern"})
    assert checked.status_code == 201, checked.json()
    written = people["priya"].post(f"{base}/prescriptions", people["rx"])
    assert written.status_code == 201, written.json()
    rx = written.json()
    assert (rx["prescriber_dea_number"], rx["prescriber_npi"]) == ("AB1234563", "1234567893")
    assert rx["patient_address"] == "12 Elm Street\nSpringfield, IL 62701"


def test_concerns_without_a_note_are_refused_and_nothing_is_stored(people):
    response = people["priya"].post(f"{people['base']}/pdmp-checks", {"result": "concerns"})
    assert response.status_code == 422, response.json()
    assert not PdmpCheck.objects.exists()


def test_the_list_is_audited_and_a_pharmacist_may_not_record_one(people):
    base = people["base"]
    body = {"result": "concerns", "note": "A second prescriber in another state."}
    assert people["priya"].post(f"{base}/pdmp-checks", body).status_code == 201
    assert people["phil"].post(f"{base}/pdmp-checks", body).status_code == 403
    listed = people["phil"].get(f"{base}/pdmp-checks")
    assert listed.status_code == 200
    assert [c["note"] for c in listed.json()] == [body["note"]]
    assert AuditEntry.objects.filter(
        object_type="treatment.PdmpCheck", action=AuditAction.LIST
    ).exists()


def test_a_prescriber_without_an_npi_is_told_where_to_add_it(people):
    people["prescriber"].npi = ""
    people["prescriber"].save()
    base = people["base"]
    people["priya"].post(f"{base}/pdmp-checks", {"result": "nothing_of_concern"})
    refused = people["priya"].post(f"{base}/prescriptions", people["rx"])
    assert refused.status_code == 409
    assert refused.json()["code"] == "prescriber_identity_missing"
    assert "Add your NPI on your account page" in refused.json()["message"]
    assert not Prescription.objects.exists()
