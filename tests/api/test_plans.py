"""Issue 11 over the API: a refused plan is a 422 naming the field, and nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.patients.protocol import change_protocol
from ketacare.patients.specs import ProtocolSpec
from ketacare.treatment.models import TreatmentPlan
from tests.treatment.helpers import NOW, PLAN, fill, prescribe
from tests.treatment.plan_helpers import dose_once

SPRAY = {
    "route": "intranasal",
    "formulation": {"kind": "nasal_spray", "concentration_mg_per_ml": 100, "spray_volume_ml": 0.1},
}
ESKETAMINE = {"route": "intranasal", "formulation": {"kind": "esketamine_device"}, "dose_mg": 56}


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    """The treatment tests' day: the plan's first session is today."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def approved(patient: Patient) -> Patient:
    Patient.objects.filter(pk=patient.pk).update(phase=Phase.APPROVED.value)
    patient.refresh_from_db()
    return patient


@pytest.fixture
def writer(as_user, prescriber):  # type: ignore[no-untyped-def]
    return as_user(prescriber)


def plans_of(patient: Patient) -> str:
    return f"patients/{patient.pk}/plans"


def refused(response: Any, field: str) -> str:
    assert response.status_code == 422, response.json()
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["field"] == f"body.{field}", body
    return str(body["message"])


def test_a_500_mg_spray_plan_is_a_422_on_the_dose(writer, approved):
    response = writer.post(plans_of(approved), PLAN | SPRAY | {"dose_mg": 500})
    assert "above the session cap of 50 mg" in refused(response, "dose_mg")
    assert not TreatmentPlan.objects.exists()


def test_a_300_mg_first_sublingual_plan_is_a_422_on_the_dose(writer, approved):
    response = writer.post(plans_of(approved), PLAN | {"dose_mg": 300})
    message = refused(response, "dose_mg")
    assert "A first session is at most 150 mg (half the 300 mg session cap)" in message
    assert "300 mg is more. Start lower and titrate." in message
    assert not TreatmentPlan.objects.exists()


def test_esketamine_is_a_422_on_the_formulation_at_create_and_at_revise(writer, approved):
    response = writer.post(plans_of(approved), PLAN | ESKETAMINE)
    assert "never dispensed for use at home (Spravato REMS)" in refused(response, "formulation")
    assert not TreatmentPlan.objects.exists()
    plan = writer.post(plans_of(approved), PLAN).json()
    response = writer.post(
        f"{plans_of(approved)}/{plan['id']}/revisions", {"reason": "Switch"} | ESKETAMINE
    )
    assert "Spravato REMS" in refused(response, "formulation")
    assert TreatmentPlan.objects.count() == 1


def test_after_a_dose_100_to_300_mg_is_a_422_and_100_to_150_mg_a_201(
    writer, approved, prescriber, pharmacist, sitter
):
    plan = writer.post(plans_of(approved), PLAN).json()
    prescribe(prescriber, approved)
    fill(pharmacist, approved.prescriptions.get())
    dose_once(approved, 100)
    revisions = f"{plans_of(approved)}/{plan['id']}/revisions"
    response = writer.post(revisions, {"reason": "No response", "dose_mg": 300})
    assert refused(response, "dose_mg").startswith(
        "body.dose_mg: One revision raises the dose by at most 50%: from 100 mg, at most 150 mg; "
        "300 mg is more."
    )
    assert TreatmentPlan.objects.count() == 1
    response = writer.post(revisions, {"reason": "No response", "dose_mg": 150})
    assert response.status_code == 201, response.json()
    assert (response.json()["version"], response.json()["dose_mg"]) == (2, 150.0)


def test_the_check_in_deadline_defaults_to_the_clinics_and_comes_after_the_observation(
    writer, approved
):
    response = writer.post(plans_of(approved), PLAN | {"check_in_deadline_min": 120})
    assert "only after the 120-minute observation" in refused(response, "check_in_deadline_min")
    created = writer.post(plans_of(approved), PLAN)
    assert created.status_code == 201, created.json()
    assert created.json()["check_in_deadline_min"] == 150


def test_a_clinic_that_loosened_its_intranasal_cap_gets_it_over_the_api(
    writer, approved, clinic, clinic_admin
):
    spec = ProtocolSpec(changes={"intranasal_max_mg": 100}, reason="Director's call")
    change_protocol(clinic_admin, clinic, spec)
    created = writer.post(plans_of(approved), PLAN | SPRAY | {"dose_mg": 50})
    assert created.status_code == 201, created.json()
    assert created.json()["caps"]["max_mg_per_session"] == 100
