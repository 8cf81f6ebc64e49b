"""Issue 11 items 14 and 6 through the API: prescriptions against the plan, and the rest.

Plan-sized prescriptions and the co-sign, the 6-month limit, voids and corrections,
partial fills, esketamine. Refusals are 409 with their code, and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment import services
from ketacare.treatment.models import Dispense, LedgerEvent, Prescription
from tests.factories import UserFactory, shelve
from tests.treatment.helpers import NOW, accept_returns, fill, ledger_spec, plan_for, prescribe
from tests.treatment.rx_helpers import legacy_esketamine_plan

DIRECTIONS = "Hold 2 troches under the tongue for 15 minutes, with your sitter present."
LOT = {"lot_number": "LOT-2025-01", "expires_on": "2026-01-31"}


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(clinic, patient: Patient, as_user) -> dict[str, Any]:
    """The patient approved with the treatment tests' plan (24 troches for 12 sessions)."""
    Patient.objects.filter(pk=patient.pk).update(phase=Phase.APPROVED.value)
    patient.refresh_from_db()
    prescriber = UserFactory(clinic=clinic, prescriber=True, username="priya")
    second = UserFactory(clinic=clinic, prescriber=True, username="sam")
    pharmacist = UserFactory(clinic=clinic, pharmacist=True, username="phil")
    plan = plan_for(prescriber, patient)
    shelve(plan, clinic, lot_number=LOT["lot_number"])
    return {
        "patient": patient,
        "plan": plan,
        "prescriber": prescriber,
        "pharmacist": pharmacist,
        "priya": as_user(prescriber),
        "sam": as_user(second),
        "phil": as_user(pharmacist),
        "base": f"patients/{patient.pk}",
    }


def _rx_body(people: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {"plan_id": people["plan"].pk, "quantity": 8, "directions": DIRECTIONS}
    return body | changes


def test_100000_tablets_are_a_409_naming_the_numbers(people):
    response = people["priya"].post(
        f"{people['base']}/prescriptions", _rx_body(people, quantity=100_000)
    )
    assert response.status_code == 409, response.json()
    assert response.json() == {
        "code": "quantity_beyond_plan",
        "message": "This plan needs 24 troches for its remaining 12 sessions; 100,000 is more. "
        "Lower the quantity, or give a reason and ask a second prescriber to co-sign.",
        "field": "quantity",
        "errors": [],
    }
    assert not Prescription.objects.exists()


def test_with_a_reason_it_awaits_a_cosign_then_a_second_prescriber_cosigns(people):
    base = people["base"]
    body = _rx_body(people, quantity=30, quantity_reason="Travelling for a month")
    written = people["priya"].post(f"{base}/prescriptions", body)
    assert written.status_code == 201, written.json()
    rx = written.json()
    assert (rx["state"], rx["needs_cosign"], rx["quantity_reason"]) == (
        "awaiting_cosign",
        True,
        "Travelling for a month",
    )
    assert rx["last_fill_on"] == "2025-09-03"
    fill_url = f"{base}/prescriptions/{rx['id']}/dispenses"
    refused = people["phil"].post(fill_url, {"quantity": 8, **LOT})
    assert (refused.status_code, refused.json()["code"]) == (409, "awaiting_cosign")
    cosign_url = f"{base}/prescriptions/{rx['id']}/cosign"
    own = people["priya"].post(cosign_url)
    assert own.status_code == 403, own.json()
    cosigned = people["sam"].post(cosign_url)
    assert cosigned.status_code == 200, cosigned.json()
    assert cosigned.json()["state"] == "active"
    assert cosigned.json()["cosigned_by_id"] != rx["written_by_id"]
    again = people["sam"].post(cosign_url)
    assert (again.status_code, again.json()["code"]) == (409, "cosign_not_needed")
    assert people["phil"].post(fill_url, {"quantity": 8, **LOT}).status_code == 201


def test_no_fill_after_6_months(people, clock, as_user):
    rx = prescribe(people["prescriber"], people["patient"], refills=0)
    clock.move_to("2025-09-04T16:00:00Z")
    phil = as_user(people["pharmacist"])  # a token of today: the first has expired by now
    response = phil.post(
        f"{people['base']}/prescriptions/{rx.pk}/dispenses", {"quantity": 8, **LOT}
    )
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "prescription_expired"
    assert "last fill day was 3 September 2025" in response.json()["message"]
    assert not Dispense.objects.exists()


def test_a_prescription_is_voided_and_corrected_by_its_prescriber(people):
    base = people["base"]
    rx = prescribe(people["prescriber"], people["patient"])
    url = f"{base}/prescriptions/{rx.pk}"
    no_reason = people["priya"].post(f"{url}/void", {"reason": ""})
    assert no_reason.status_code == 422, no_reason.json()
    not_author = people["sam"].post(f"{url}/void", {"reason": "Not mine"})
    assert not_author.status_code == 403, not_author.json()
    corrected = people["priya"].post(
        f"{url}/corrections",
        {
            "reason": "One refill too many",
            "quantity": 8,
            "refills": 1,
            "earliest_refill_on": "2025-03-24",
            "directions": DIRECTIONS,
        },
    )
    assert corrected.status_code == 201, corrected.json()
    assert (corrected.json()["corrects_id"], corrected.json()["state"]) == (rx.pk, "active")
    old = people["priya"].get(url).json()
    assert (old["state"], old["void_reason"]) == ("voided", "One refill too many")
    voided = people["priya"].post(
        f"{base}/prescriptions/{corrected.json()['id']}/void", {"reason": "Plan changes"}
    )
    assert voided.status_code == 200, voided.json()
    assert voided.json()["state"] == "voided"
    refused = people["phil"].post(f"{base}/prescriptions/{rx.pk}/dispenses", {"quantity": 8, **LOT})
    assert (refused.status_code, refused.json()["code"]) == (409, "prescription_voided")


def test_a_dispense_is_voided_and_corrected_by_its_pharmacist(people):
    base = people["base"]
    rx = prescribe(people["prescriber"], people["patient"])
    first = fill(people["pharmacist"], rx)
    corrected = people["phil"].post(
        f"{base}/dispenses/{first.pk}/corrections",
        {"reason": "Counted 6 into the bag", "quantity": 6, **LOT},
    )
    assert corrected.status_code == 201, corrected.json()
    new = corrected.json()
    assert (new["corrects_id"], new["fill_number"], new["part"], new["quantity"]) == (
        first.pk,
        1,
        2,
        6,
    )
    voided = people["phil"].post(f"{base}/dispenses/{new['id']}/void", {"reason": "Wrong lot"})
    assert voided.status_code == 200, voided.json()
    assert voided.json()["reversal_event_id"] is not None
    ledger = people["phil"].get(f"{base}/ledger").json()
    assert ledger["balance"] == 0
    assert [e["kind"] for e in ledger["events"]] == [
        "dispense_reversed",
        "dispense_reversed",
        "dispensed",
        "dispensed",
    ]
    twice = people["phil"].post(f"{base}/dispenses/{new['id']}/void", {"reason": "Again"})
    assert (twice.status_code, twice.json()["code"]) == (409, "dispense_voided")


def test_a_dispense_whose_units_are_gone_is_not_voided(people):
    rx = prescribe(people["prescriber"], people["patient"])
    first = fill(people["pharmacist"], rx)
    accept_returns(people["patient"].clinic)
    services.record_ledger_event(
        people["pharmacist"], people["patient"], ledger_spec("returned", 3)
    )
    response = people["phil"].post(
        f"{people['base']}/dispenses/{first.pk}/void", {"reason": "Wrong patient"}
    )
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "units_not_on_hand"
    assert "Record what happened instead" in response.json()["message"]
    assert not LedgerEvent.objects.filter(kind="dispense_reversed").exists()


def test_a_partial_fill_continues_and_never_straddles_two_fills(people):
    rx = prescribe(people["prescriber"], people["patient"])
    url = f"{people['base']}/prescriptions/{rx.pk}/dispenses"
    first = people["phil"].post(url, {"quantity": 5, **LOT})
    assert (first.json()["fill_number"], first.json()["part"]) == (1, 1)
    over = people["phil"].post(url, {"quantity": 4, **LOT})
    assert over.status_code == 409, over.json()
    assert (over.json()["code"], over.json()["field"]) == ("exceeds_fill", "quantity")
    assert "has 3 troches left" in over.json()["message"]
    rest = people["phil"].post(url, {"quantity": 3, **LOT})
    assert rest.status_code == 201, rest.json()
    assert (rest.json()["fill_number"], rest.json()["part"], rest.json()["early"]) == (
        1,
        2,
        False,
    )


def test_esketamine_is_not_prescribed_for_home_use(clinic, people):
    plan = legacy_esketamine_plan(people["plan"])
    response = people["priya"].post(
        f"{people['base']}/prescriptions", {"plan_id": plan.pk, "quantity": 2, "directions": "x"}
    )
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "not_for_home_use"
    assert "Spravato REMS" in response.json()["message"]
    assert not Prescription.objects.exists()
