"""Issue 17, item 6 through the API: a held fill, its holds on the prescription, its release.

A dispense of a held fill is a 409 `fill_held` naming the holds and the next step; the
prescription lists its holds; POST .../prescriptions/{id}/release-hold (a prescriber,
with a note) lets that fill be dispensed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from ketacare.alerts.services import raise_alert
from ketacare.kernel.specs import read
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment import services
from ketacare.treatment.models import FillRelease
from ketacare.treatment.specs.plans import PlanSpec
from tests.factories import PdmpCheckFactory, UserFactory, shelve
from tests.treatment.helpers import NOW, PLAN, prescribe

LOT = {"quantity": 8, "lot_number": "LOT-1", "expires_on": "2026-01-31"}


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def held(clinic, patient: Patient, as_user) -> dict[str, Any]:
    """A prescription whose first fill is held: an urgent alert about the patient is open."""
    Patient.objects.filter(pk=patient.pk).update(phase=Phase.APPROVED.value)
    patient.refresh_from_db()
    prescriber = UserFactory(clinic=clinic, prescriber=True, username="priya")
    pharmacist = UserFactory(clinic=clinic, pharmacist=True, username="phil")
    services.create_plan(prescriber, patient, read(PlanSpec, PLAN))
    PdmpCheckFactory(patient=patient, checked_by=prescriber)
    rx = prescribe(prescriber, patient)
    shelve(rx, clinic, lot_number=LOT["lot_number"])
    raise_alert(
        patient=patient,
        cause="adverse_event",
        severity="urgent",
        subject="test:1",
        title="Adverse event reported",
        message="",
    )
    return {
        "priya": as_user(prescriber),
        "phil": as_user(pharmacist),
        "rx": f"patients/{patient.pk}/prescriptions/{rx.pk}",
    }


def test_a_held_fill_is_a_409_naming_the_hold_and_the_next_step(held):
    refused = held["phil"].post(f"{held['rx']}/dispenses", LOT)
    assert refused.status_code == 409, refused.json()
    assert refused.json()["code"] == "fill_held"
    assert refused.json()["message"] == (
        "Held: 1 urgent alert is open. A prescriber can release the fill with a note."
    )
    assert held["phil"].get(held["rx"]).json()["holds"] == ["1 urgent alert is open"]


def test_a_prescriber_releases_it_with_a_note_then_it_is_dispensed(held):
    released = held["priya"].post(f"{held['rx']}/release-hold", {"note": "Seen today; well."})
    assert released.status_code == 200, released.json()
    assert released.json()["holds"] == []
    assert FillRelease.objects.get().note == "Seen today; well."
    dispensed = held["phil"].post(f"{held['rx']}/dispenses", LOT)
    assert dispensed.status_code == 201, dispensed.json()


def test_a_release_needs_a_note_and_a_prescriber(held):
    assert held["priya"].post(f"{held['rx']}/release-hold", {"note": " "}).status_code == 422
    refused = held["phil"].post(f"{held['rx']}/release-hold", {"note": "Seen today."})
    assert refused.status_code == 403
    assert not FillRelease.objects.exists()


def test_a_fill_not_held_is_a_409(held):
    assert held["priya"].post(f"{held['rx']}/release-hold", {"note": "Seen."}).status_code == 200
    again = held["priya"].post(f"{held['rx']}/release-hold", {"note": "Seen."})
    assert again.status_code == 409
    assert again.json()["code"] == "fill_not_held"
