"""Issue 11 items 14 and 6 on the care pages.

Each refusal shows its reason and next step, and nothing is stored; co-sign, void and
correct; the dispense page and the queue offer nothing they must not.
"""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.urls import reverse

from ketacare.treatment import services
from ketacare.treatment.models import Dispense, LedgerEvent, Prescription, PrescriptionState
from tests.factories import PdmpCheckFactory, UserFactory, shelve
from tests.treatment.helpers import accept_returns, ledger_spec, plan_for, rx_spec
from tests.treatment.rx_helpers import legacy_esketamine_plan
from tests.web.helpers import page_text as raw_page_text

DIRECTIONS = "Hold 2 troches under the tongue for 15 minutes, with your sitter present."
RX_FORM: dict[str, Any] = {
    "action": "write",
    "quantity": "8",
    "refills": "2",
    "earliest_refill_on": "2025-03-24",
    "directions": DIRECTIONS,
    "quantity_reason": "",
    "corrects": "",
    "reason": "",
}
FILL: dict[str, Any] = {
    "action": "dispense",
    "quantity": "8",
    "lot_number": "LOT-2025-07",  # its expiry is the lot master's
    "early_reason": "",
}


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    """The page as a reader sees it: "prescriber's", not "prescriber&#x27;s"."""
    return unescape(raw_page_text(response))


def url(patient, name: str) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"patient_id": patient.pk})


@pytest.fixture
def shelf(plan):  # type: ignore[no-untyped-def]
    """Lot LOT-2025-07 of the plan's product on the clinic's shelf: the lot the form offers."""
    return shelve(plan, plan.patient.clinic, lot_number=FILL["lot_number"])


@pytest.fixture
def second_prescriber(clinic):
    return UserFactory(clinic=clinic, prescriber=True, username="sam")


@pytest.fixture
def large(prescriber, approved, plan) -> Prescription:
    """30 troches for a course of 24, with the prescriber's reason: awaiting a co-sign."""
    PdmpCheckFactory(patient=approved, checked_by=prescriber)
    return services.write_prescription(
        prescriber,
        approved,
        rx_spec(
            plan=plan,
            quantity=30,
            refills=0,
            directions=DIRECTIONS,
            earliest_refill_on=None,
            quantity_reason="Travelling for a month",
        ),
    )


# --- Writing against the plan, the reason and the co-sign --------------------------------------


def test_the_prescriber_sees_what_the_plan_still_needs(approved, plan, prescriber, signed_in):
    page = page_text(signed_in(prescriber).get(url(approved, "ws-prescriptions")))
    assert (
        "The plan still needs 24 troches for 12 sessions. A prescription of up to 24 troches "
        "in all (per fill x fills) needs no co-sign." in page
    )
    assert "Reason for more units than the plan needs" in page


def test_100000_tablets_are_refused_next_to_the_quantity_and_nothing_is_stored(
    approved, plan, prescriber, signed_in
):
    response = signed_in(prescriber).post(
        url(approved, "ws-prescriptions"), RX_FORM | {"quantity": "100000", "refills": "0"}
    )
    assert response.status_code == 409  # refusal rule: a DomainError answers 409
    html = page_text(response)
    assert (
        "This plan needs 24 troches for its remaining 12 sessions; 100,000 is more. Lower the "
        "quantity, or give a reason and ask a second prescriber to co-sign." in html
    )
    assert 'id="id_quantity_error"' in html
    assert DIRECTIONS in html  # the input is kept
    assert not Prescription.objects.exists()


def test_with_a_reason_it_awaits_a_cosign_that_another_prescriber_gives(
    approved, plan, prescriber, second_prescriber, signed_in
):
    form = RX_FORM | {"quantity": "30", "refills": "0", "quantity_reason": "Travelling"}
    response = signed_in(prescriber).post(url(approved, "ws-prescriptions"), form, follow=True)
    rx = Prescription.objects.get()
    assert rx.state == PrescriptionState.AWAITING_COSIGN
    html = page_text(response)
    assert "It awaits a second prescriber's co-sign before anything is dispensed." in html
    assert "Awaiting co-sign" in html
    assert "More than the plan needs: Travelling" in html
    assert f"Co-sign Rx {rx.pk}" not in html  # not for its own prescriber
    client = signed_in(second_prescriber)
    assert f"Co-sign Rx {rx.pk}" in page_text(client.get(url(approved, "ws-prescriptions")))
    cosign = {"action": "cosign", "rx-prescription": str(rx.pk)}
    response = client.post(url(approved, "ws-prescriptions"), cosign, follow=True)
    assert f"Rx {rx.pk} co-signed: it may now be dispensed." in page_text(response)
    rx.refresh_from_db()
    assert (rx.state, rx.cosigned_by) == (PrescriptionState.ACTIVE, second_prescriber)


def test_the_writer_posting_a_cosign_is_refused(approved, large, prescriber, signed_in):
    cosign = {"action": "cosign", "rx-prescription": str(large.pk)}
    response = signed_in(prescriber).post(url(approved, "ws-prescriptions"), cosign)
    assert response.status_code == 403
    large.refresh_from_db()
    assert large.state == PrescriptionState.AWAITING_COSIGN


def test_a_prescription_awaiting_its_cosign_is_not_offered_for_dispensing(
    approved, large, pharmacist, signed_in
):
    client = signed_in(pharmacist)
    html = page_text(client.get(url(approved, "ws-dispense")))
    assert f'<option value="{large.pk}"' not in html
    assert f"Rx {large.pk}: awaiting co-sign" in html
    response = client.post(url(approved, "ws-dispense"), FILL | {"prescription": large.pk})
    assert response.status_code == 400
    assert not Dispense.objects.exists()
    queue = page_text(client.get(reverse("ws-pharmacy")))
    assert "Awaiting a second prescriber's co-sign" in queue
    assert f"Rx {large.pk} · 50 mg scored troches (Travelling for a month)" in queue
    assert url(approved, "ws-dispense") not in queue


def test_esketamine_is_refused_with_its_reason(approved, prescriber, signed_in):
    legacy_esketamine_plan(plan_for(prescriber, approved))
    form = RX_FORM | {"quantity": "2", "refills": "0", "earliest_refill_on": ""}
    response = signed_in(prescriber).post(url(approved, "ws-prescriptions"), form)
    assert response.status_code == 409  # refusal rule: a DomainError answers 409
    assert "never dispensed for use at home (Spravato REMS)" in page_text(response)
    assert not Prescription.objects.exists()


# --- Void and correct a prescription ---------------------------------------------------------


def test_its_prescriber_voids_a_prescription_with_a_reason(
    approved, prescription, prescriber, pharmacist, signed_in
):
    client = signed_in(prescriber)
    void = {"action": "void", "rx-prescription": str(prescription.pk), "rx-reason": ""}
    response = client.post(url(approved, "ws-prescriptions"), void)
    assert response.status_code == 400
    assert "Say why it is voided." in page_text(response)
    assert Prescription.objects.get().state == PrescriptionState.ACTIVE
    void["rx-reason"] = "Wrong directions"
    response = client.post(url(approved, "ws-prescriptions"), void, follow=True)
    html = page_text(response)
    assert f"Rx {prescription.pk} voided: nothing more is dispensed on it." in html
    assert "Voided by" in html
    assert ": Wrong directions" in html
    pharmacy = signed_in(pharmacist)
    dispense_page = page_text(pharmacy.get(url(approved, "ws-dispense")))
    assert f'<option value="{prescription.pk}"' not in dispense_page
    assert f"Rx {prescription.pk}: voided" in dispense_page
    assert f"Rx {prescription.pk}" not in page_text(pharmacy.get(reverse("ws-pharmacy")))


def test_another_prescriber_sees_no_void_and_may_not_void(
    approved, prescription, second_prescriber, signed_in
):
    client = signed_in(second_prescriber)
    assert f"Void Rx {prescription.pk}" not in page_text(
        client.get(url(approved, "ws-prescriptions"))
    )
    void = {"action": "void", "rx-prescription": str(prescription.pk), "rx-reason": "Mine"}
    assert client.post(url(approved, "ws-prescriptions"), void).status_code == 403
    assert Prescription.objects.get().state == PrescriptionState.ACTIVE


def test_its_prescriber_corrects_a_prescription(approved, prescription, prescriber, signed_in):
    form = RX_FORM | {
        "refills": "1",
        "corrects": str(prescription.pk),
        "reason": "One refill too many",
    }
    response = signed_in(prescriber).post(url(approved, "ws-prescriptions"), form, follow=True)
    html = page_text(response)
    new = Prescription.objects.exclude(pk=prescription.pk).get()
    assert (
        f"Prescription corrected: 8 troches a fill (50 mg scored troches), 1 refill. It "
        f"replaces Rx {prescription.pk}, now voided." in html
    )
    assert f"Replaces Rx {prescription.pk}." in html
    assert new.corrects == prescription


# --- Dispensing in parts, and the 6-month limit ---------------------------------------------------


@pytest.mark.usefixtures("shelf")
def test_a_partial_fill_continues_on_the_dispense_page(
    approved, prescription, pharmacist, signed_in
):
    client = signed_in(pharmacist)
    client.post(
        url(approved, "ws-dispense"), FILL | {"prescription": prescription.pk, "quantity": "5"}
    )
    html = page_text(client.get(url(approved, "ws-dispense")))
    option = f"Rx {prescription.pk} · 50 mg scored troches · fill 1 of 3, part 2 · 3 troches"
    assert f'<option value="{prescription.pk}" selected>{option}</option>' in html
    response = client.post(
        url(approved, "ws-dispense"), FILL | {"prescription": prescription.pk, "quantity": "4"}
    )
    assert response.status_code == 409  # refusal rule: a DomainError answers 409
    assert "Fill 1 of this prescription has 3 troches left: dispense at most 3 now." in page_text(
        response
    )
    assert Dispense.objects.count() == 1


@pytest.mark.usefixtures("shelf")
def test_no_fill_after_6_months_on_the_dispense_page(
    approved, prescription, pharmacist, signed_in, clock
):
    clock.move_to("2025-09-04T16:00:00Z")
    client = signed_in(pharmacist)
    html = page_text(client.get(url(approved, "ws-dispense")))
    assert "not dispensable: past its last fill day, 3 September 2025" in html
    response = client.post(url(approved, "ws-dispense"), FILL | {"prescription": prescription.pk})
    assert response.status_code == 409  # refusal rule: a DomainError answers 409
    assert "so its last fill day was 3 September 2025" in page_text(response)
    assert not Dispense.objects.exists()
    assert f"Rx {prescription.pk}" not in page_text(client.get(reverse("ws-pharmacy")))


# --- Void and correct a dispense ------------------------------------------------------------------


def test_its_pharmacist_voids_a_dispense(approved, stocked, pharmacist, signed_in):
    client = signed_in(pharmacist)
    fix = {"action": "fix", "fix-dispense": str(stocked.pk), "fix-reason": "Wrong patient"}
    response = client.post(url(approved, "ws-dispense"), fix, follow=True)
    html = page_text(response)
    assert (
        f"Dispense {stocked.pk} voided: its units left the ledger. Balance now 0 troches." in html
    )
    assert "Voided</span> by" in html
    assert "Dispense voided" in html  # the ledger event
    assert services.ledger_balance(approved) == 0


def test_its_pharmacist_corrects_a_dispense(approved, stocked, pharmacist, signed_in):
    fix = {
        "action": "fix",
        "fix-dispense": str(stocked.pk),
        "fix-reason": "Counted 6 into the bag",
        "fix-quantity": "6",
        "fix-lot_number": "LOT-2025-01",
    }
    response = signed_in(pharmacist).post(url(approved, "ws-dispense"), fix, follow=True)
    new = Dispense.objects.exclude(pk=stocked.pk).get()
    assert f"Dispense {stocked.pk} corrected: dispense {new.pk} replaces it." in page_text(response)
    assert f"Corrects dispense {stocked.pk}." in page_text(response)
    assert services.ledger_balance(approved) == 6


def test_a_dispense_whose_units_are_gone_is_not_voided(approved, stocked, pharmacist, signed_in):
    accept_returns(approved.clinic)
    services.record_ledger_event(pharmacist, approved, ledger_spec("returned", 3))
    events = LedgerEvent.objects.count()
    fix = {"action": "fix", "fix-dispense": str(stocked.pk), "fix-reason": "Wrong patient"}
    response = signed_in(pharmacist).post(url(approved, "ws-dispense"), fix)
    assert response.status_code == 409  # refusal rule: a DomainError answers 409
    html = page_text(response)
    assert "The patient holds 5 troches, fewer than the 8 troches this dispense put" in html
    assert "Record what happened instead" in html
    assert LedgerEvent.objects.count() == events


def test_another_pharmacist_cannot_void_it(approved, stocked, clinic, signed_in):
    other = UserFactory(clinic=clinic, pharmacist=True, username="pia")
    client = signed_in(other)
    assert "Void or correct one of your dispenses" not in page_text(
        client.get(url(approved, "ws-dispense"))
    )
    fix = {"action": "fix", "fix-dispense": str(stocked.pk), "fix-reason": "Mine now"}
    assert client.post(url(approved, "ws-dispense"), fix).status_code == 400
    stocked.refresh_from_db()
    assert not stocked.is_voided
