"""The end-of-induction review over HTTP: dispensing waits for it (409), then continues."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine

from ketacare.treatment.models import Dispense, InductionReview, LedgerEvent
from tests.factories import shelve
from tests.treatment.helpers import NOW, fill, plan_for, prescribe
from tests.treatment.rx_helpers import checked_in, dose_on_record

LOT = {"quantity": 8, "lot_number": "LOT-2025-02", "expires_on": "2026-01-31"}
LATER = NOW + timedelta(days=28)


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(approved, prescriber, pharmacist, clinician, as_user):  # type: ignore[no-untyped-def]
    plan_for(prescriber, approved)
    rx = prescribe(prescriber, approved)
    shelve(rx, approved.clinic, lot_number=LOT["lot_number"])
    fill(pharmacist, rx)
    checked_in(dose_on_record(approved))
    return {
        "p": approved.pk,
        "rx": rx.pk,
        "pharmacy": as_user(pharmacist),
        "clinician": as_user(clinician),
        "prescriber": as_user(prescriber),
    }


def _dispense(world):  # type: ignore[no-untyped-def]
    return world["pharmacy"].post(
        f"patients/{world['p']}/prescriptions/{world['rx']}/dispenses", LOT
    )


def _review(world, who="clinician", **body):  # type: ignore[no-untyped-def]
    fields = {"benefit": "response", "decision": "continue_to_maintenance"} | body
    return world[who].post(f"patients/{world['p']}/induction-review", fields)


def test_past_induction_a_dispense_is_refused_until_the_review(world, clock):
    clock.move_to(LATER)
    before = (Dispense.objects.count(), LedgerEvent.objects.count())
    refused = _dispense(world)
    assert refused.status_code == 409, refused.json()
    assert refused.json()["code"] == "induction_review_due"
    assert "a clinician records whether treatment helped" in refused.json()["message"]
    assert (Dispense.objects.count(), LedgerEvent.objects.count()) == before
    state = world["clinician"].get(f"patients/{world['p']}/induction-review").json()
    assert state["due"] is True
    assert state["due_because"] == "28 days since the first dose"
    assert state["dispensing_held"] == refused.json()["message"]
    assert state["review"] is None

    recorded = _review(world, "prescriber", benefit="partial")
    assert recorded.status_code == 201, recorded.json()
    assert recorded.json()["decision"] == "continue_to_maintenance"
    assert _dispense(world).status_code == 201
    state = world["clinician"].get(f"patients/{world['p']}/induction-review").json()
    assert state["review"]["benefit"] == "partial"
    assert state["dispensing_held"] is None


def test_stop_keeps_dispensing_refused(world, clock):
    clock.move_to(LATER)
    assert _review(world, decision="stop", note="No benefit.").status_code == 201
    refused = _dispense(world)
    assert refused.status_code == 409
    assert refused.json()["code"] == "treatment_stopped"


def test_a_note_is_needed_to_stop_or_change_the_dose(world, clock):
    clock.move_to(LATER)
    refused = _review(world, decision="change_dose")
    assert refused.status_code == 422
    assert refused.json()["field"] == "body.note"
    assert not InductionReview.objects.exists()


def test_before_the_end_of_induction_the_review_is_refused(world):
    refused = _review(world)
    assert refused.status_code == 409
    assert refused.json()["code"] == "induction_review_not_due"
    assert not InductionReview.objects.exists()
    # Nothing holds dispensing yet (fill 2 is before its earliest refill date: a reason).
    early = world["pharmacy"].post(
        f"patients/{world['p']}/prescriptions/{world['rx']}/dispenses",
        LOT | {"early_reason": "Travelling next week."},
    )
    assert early.status_code == 201, early.json()


def test_a_pharmacist_may_not_record_it(world, clock):
    clock.move_to(LATER)
    assert _review(world, "pharmacy").status_code == 403
