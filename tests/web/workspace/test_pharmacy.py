"""Prescriptions, dispensing, the ledger with pill counts, and the pharmacy queue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from ketacare.alerts.models import Alert
from ketacare.audit.models import AuditAction
from ketacare.kernel.specs import read
from ketacare.treatment import services
from ketacare.treatment.models import (
    Dispense,
    DiversionFinding,
    DiversionKind,
    LedgerEvent,
    Prescription,
)
from ketacare.treatment.specs.dispensing import RefillRequestSpec
from ketacare.treatment.specs.plans import PlanSpec
from tests.factories import PdmpCheckFactory, shelve
from tests.treatment.helpers import accept_returns, rx_spec
from tests.web.helpers import audit, page_text

RX_FORM: dict[str, Any] = {
    "quantity": "8",
    "refills": "2",
    "earliest_refill_on": "2025-03-24",
    "directions": "Hold 2 troches under the tongue for 15 minutes, with your sitter present.",
}
FILL: dict[str, Any] = {
    "action": "dispense",
    "quantity": "8",
    "lot_number": "LOT-2025-07",  # its expiry is the lot master's
    "early_reason": "",
}


def url(patient, name: str) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs={"patient_id": patient.pk})


@pytest.fixture
def shelf(plan):  # type: ignore[no-untyped-def]
    """Lot LOT-2025-07 of the plan's product on the clinic's shelf: the lot the form offers."""
    return shelve(plan, plan.patient.clinic, lot_number=FILL["lot_number"])


# --- Prescriptions ---------------------------------------------------------------------------


def test_a_prescriber_writes_a_prescription(approved, plan, prescriber, signed_in):
    client = signed_in(prescriber)
    page = page_text(client.get(url(approved, "ws-prescriptions")))
    assert "Write a prescription" in page
    assert "For the current plan (version 1)" in page
    response = client.post(url(approved, "ws-prescriptions"), RX_FORM, follow=True)
    assert response.status_code == 200
    rx = Prescription.objects.get(patient=approved)
    assert (rx.quantity, rx.refills, rx.plan) == (8, 2, plan)
    html = page_text(response)
    # The product's own unit word (troches), never the ledger's generic "tablets".
    assert "Prescription written: 8 troches a fill (50 mg scored troches), 2 refills." in html
    assert "Counted in troches: one session is 2 troches of 50 mg." in html
    printable = reverse(
        "ws-prescription-print", kwargs={"patient_id": approved.pk, "prescription_id": rx.pk}
    )
    assert f'<td>Rx {rx.pk} <a href="{printable}">Print</a></td>' in html
    assert "<td>8 troches</td>" in html
    assert "tablets" not in html
    assert audit(action=AuditAction.CREATE, object_type="treatment.Prescription")


def test_refills_need_the_earliest_date_and_nothing_is_stored(
    approved, plan, prescriber, signed_in
):
    form = RX_FORM | {"earliest_refill_on": ""}
    response = signed_in(prescriber).post(url(approved, "ws-prescriptions"), form)
    assert response.status_code == 400
    html = page_text(response)
    assert "A prescription with refills needs the earliest date." in html
    assert 'id="id_earliest_refill_on_error"' in html
    assert "Hold 2 troches under the tongue" in html  # the input is kept
    assert not Prescription.objects.exists()


def test_too_many_refills_are_refused(approved, plan, prescriber, signed_in):
    response = signed_in(prescriber).post(
        url(approved, "ws-prescriptions"), RX_FORM | {"refills": "6"}
    )
    assert response.status_code == 400
    assert "At most 5 refills" in page_text(response)
    assert not Prescription.objects.exists()


def test_no_prescription_without_a_plan(approved, prescriber, signed_in):
    response = signed_in(prescriber).post(url(approved, "ws-prescriptions"), RX_FORM)
    assert response.status_code == 400
    assert "write the plan first" in page_text(response)
    assert not Prescription.objects.exists()


def test_pharmacists_see_prescriptions_but_do_not_write_them(
    approved, prescription, pharmacist, signed_in
):
    client = signed_in(pharmacist)
    page = client.get(url(approved, "ws-prescriptions"))
    assert page.status_code == 200
    assert f"Rx {prescription.pk}" in page_text(page)
    assert "Write the prescription" not in page_text(page)
    response = client.post(url(approved, "ws-prescriptions"), RX_FORM)
    assert response.status_code == 403
    assert Prescription.objects.count() == 1


def test_prescriptions_of_another_clinic_are_not_found(
    approved, prescription, other_prescriber, signed_in
):
    client = signed_in(other_prescriber)
    assert client.get(url(approved, "ws-prescriptions")).status_code == 404
    assert client.post(url(approved, "ws-prescriptions"), RX_FORM).status_code == 404
    assert Prescription.objects.count() == 1


def test_coordinators_do_not_see_prescriptions(approved, prescription, coordinator, signed_in):
    assert signed_in(coordinator).get(url(approved, "ws-prescriptions")).status_code == 403


# --- Dispensing --------------------------------------------------------------------------------


@pytest.mark.usefixtures("shelf")
def test_a_pharmacist_dispenses_and_the_balance_goes_up(
    approved, prescription, pharmacist, signed_in
):
    client = signed_in(pharmacist)
    page = page_text(client.get(url(approved, "ws-dispense")))
    assert "Dispense a fill" in page
    assert "0 fills" not in page
    # The choice says which prescription, which fill is next and how many: short and whole.
    option = f"Rx {prescription.pk} · 50 mg scored troches · fill 1 of 3 · 8 troches"
    assert f'<option value="{prescription.pk}" selected>{option}</option>' in page
    response = client.post(url(approved, "ws-dispense"), FILL | {"prescription": prescription.pk})
    assert response.status_code == 302
    assert services.ledger_balance(approved) == 8
    filled = Dispense.objects.get()
    assert (filled.fill_number, filled.lot_number) == (1, "LOT-2025-07")
    html = page_text(client.get(url(approved, "ws-dispense")))
    assert '<strong id="ledger-balance">8 troches</strong>' in html
    assert "Fill 1 dispensed: 8 troches, lot LOT-2025-07. Balance now 8 troches." in html
    assert "tablets" not in html
    assert "fill 1, lot LOT-2025-07" in html  # the ledger event
    assert audit(action=AuditAction.CREATE, object_type="treatment.Dispense")
    assert audit(action=AuditAction.READ, detail__via="care dispensing ledger")


@pytest.mark.usefixtures("shelf")
def test_an_early_refill_without_a_reason_stores_nothing(
    approved, prescription, stocked, pharmacist, signed_in
):
    response = signed_in(pharmacist).post(
        url(approved, "ws-dispense"), FILL | {"prescription": prescription.pk}
    )
    assert response.status_code == 409  # refusal rule: a DomainError answers 409
    html = page_text(response)
    assert "The earliest refill date is 2025-03-24" in html
    assert 'id="id_early_reason_error"' in html
    assert 'value="LOT-2025-07"' in html  # the input is kept
    assert Dispense.objects.count() == 1
    assert services.ledger_balance(approved) == 8


@pytest.mark.usefixtures("shelf")
def test_an_early_refill_with_a_reason_is_a_diversion_finding(
    approved, prescription, stocked, pharmacist, signed_in
):
    fill = FILL | {"prescription": prescription.pk, "early_reason": "Travelling abroad."}
    assert signed_in(pharmacist).post(url(approved, "ws-dispense"), fill).status_code == 302
    assert services.ledger_balance(approved) == 16
    finding = DiversionFinding.objects.get()
    assert finding.kind == DiversionKind.EARLY_REFILL
    html = page_text(signed_in(pharmacist).get(url(approved, "ws-dispense")))
    assert "Diversion findings" in html
    assert "Early refill" in html


def test_a_fill_beyond_the_prescription_is_refused(approved, pharmacist, prescriber, signed_in):
    services.create_plan(
        prescriber,
        approved,
        read(
            PlanSpec,
            {
                "route": "sublingual",
                "formulation": {"kind": "troche", "strength_mg": 50, "scored": True},
                "dose_mg": 100,
                "schedule": {
                    "pattern": "at_home",
                    "first_day": "2025-03-04",
                    "time_of_day": "18:00",
                },
            },
        ),
    )
    plan = services.active_plan(approved)
    assert plan is not None
    shelve(plan, approved.clinic, lot_number=FILL["lot_number"])
    PdmpCheckFactory(patient=approved, checked_by=prescriber)
    rx = services.write_prescription(
        prescriber,
        approved,
        rx_spec(
            plan=plan,
            quantity=4,
            refills=0,
            directions="Two troches a session.",
            earliest_refill_on=None,
        ),
    )
    client = signed_in(pharmacist)
    whole = FILL | {"prescription": rx.pk, "quantity": "4"}
    assert client.post(url(approved, "ws-dispense"), whole).status_code == 302
    response = client.post(url(approved, "ws-dispense"), whole)
    assert response.status_code == 409  # refusal rule: a DomainError answers 409
    assert "a new prescription is needed" in page_text(response)
    assert services.ledger_balance(approved) == 4


def test_clinicians_see_the_ledger_but_do_not_dispense(
    approved, prescription, clinician, signed_in
):
    client = signed_in(clinician)
    page = client.get(url(approved, "ws-dispense"))
    assert page.status_code == 200
    assert "Dispense a fill" not in page_text(page)
    response = client.post(url(approved, "ws-dispense"), FILL | {"prescription": prescription.pk})
    assert response.status_code == 403
    assert "Only pharmacist may dispense." in page_text(response)
    assert not Dispense.objects.exists()


def test_dispensing_for_another_clinic_is_not_found(
    approved, prescription, other_pharmacist, signed_in
):
    client = signed_in(other_pharmacist)
    assert client.get(url(approved, "ws-dispense")).status_code == 404
    response = client.post(url(approved, "ws-dispense"), FILL | {"prescription": prescription.pk})
    assert response.status_code == 404
    assert not Dispense.objects.exists()


def test_the_patient_may_not_open_the_pharmacy_pages(approved, prescription, signed_in):
    client = signed_in(approved.user)
    assert client.get(url(approved, "ws-dispense")).status_code == 403
    assert client.get(reverse("ws-pharmacy")).status_code == 403


# --- The ledger: counts, returns, losses -------------------------------------------------------


def test_a_count_that_differs_is_a_diversion_finding_with_its_alert(
    approved, stocked, pharmacist, signed_in
):
    client = signed_in(pharmacist)
    count = {
        "action": "ledger",
        "count-kind": "counted",
        "count-quantity": "6",
        "count-note": "Home visit.",
    }
    response = client.post(url(approved, "ws-dispense"), count, follow=True)
    assert response.status_code == 200
    finding = DiversionFinding.objects.get()
    assert finding.kind == DiversionKind.COUNT_MISMATCH
    assert (finding.expected, finding.counted) == (Decimal(8), Decimal(6))
    assert Alert.objects.filter(patient=approved).exists()
    html = page_text(response)
    assert "Count recorded: 6 counted, 8 expected" in html
    assert "Count differs from the expected balance" in html
    assert "Expected 8, counted 6." in html
    assert services.ledger_balance(approved) == 8  # a count changes no balance


def test_a_return_beyond_the_balance_is_an_overdraw_and_stores_nothing(
    approved, stocked, pharmacist, signed_in
):
    accept_returns(approved.clinic)
    events = LedgerEvent.objects.count()
    returned = {
        "action": "ledger",
        "count-kind": "returned",
        "count-quantity": "9",
        "count-note": "",
    }
    response = signed_in(pharmacist).post(url(approved, "ws-dispense"), returned)
    assert response.status_code == 409  # refusal rule: a DomainError answers 409
    html = page_text(response)
    assert "would take it below zero" in html
    assert 'id="id_count-quantity_error"' in html
    assert LedgerEvent.objects.count() == events
    assert services.ledger_balance(approved) == 8


def test_destruction_needs_a_witness(approved, stocked, pharmacist, prescriber, signed_in):
    accept_returns(approved.clinic)
    client = signed_in(pharmacist)
    destroyed = {
        "action": "ledger",
        "count-kind": "destroyed",
        "count-quantity": "2",
        "count-note": "",
    }
    response = client.post(url(approved, "ws-dispense"), destroyed)
    assert response.status_code == 400
    assert "needs a witness" in page_text(response)
    assert services.ledger_balance(approved) == 8
    witnessed = destroyed | {"count-witness": str(prescriber.pk)}
    assert client.post(url(approved, "ws-dispense"), witnessed).status_code == 302
    assert services.ledger_balance(approved) == 6
    assert LedgerEvent.objects.get(kind="destroyed").witness == prescriber


def test_a_coordinator_counts_but_may_not_record_a_return(
    approved, stocked, coordinator, signed_in
):
    client = signed_in(coordinator)
    count = {"action": "ledger", "count-kind": "counted", "count-quantity": "8", "count-note": ""}
    assert client.post(url(approved, "ws-dispense"), count).status_code == 302
    returned = {
        "action": "ledger",
        "count-kind": "returned",
        "count-quantity": "1",
        "count-note": "",
    }
    assert client.post(url(approved, "ws-dispense"), returned).status_code == 403
    assert services.ledger_balance(approved) == 8
    assert not DiversionFinding.objects.exists()


# --- The pharmacy queue ------------------------------------------------------------------------


@pytest.mark.usefixtures("stocked")
def test_the_queue_lists_fills_left_and_refill_requests(
    approved, prescription, pharmacist, signed_in, clock
):
    clock.shift(dt.timedelta(days=1))  # the request comes after the first fill
    services.request_refill(approved.user, prescription, RefillRequestSpec())
    response = signed_in(pharmacist).get(reverse("ws-pharmacy"))
    assert response.status_code == 200
    html = page_text(response)
    assert approved.legal_name in html
    assert "2 of 3" in html
    assert f"Rx {prescription.pk} · 50 mg scored troches · 8 troches a fill" in html
    assert "Refill requested" in html
    assert url(approved, "ws-dispense") in html
    assert audit(action=AuditAction.LIST, object_type="treatment.Prescription")


def test_the_queue_of_another_clinic_is_empty(approved, prescription, other_pharmacist, signed_in):
    html = page_text(signed_in(other_pharmacist).get(reverse("ws-pharmacy")))
    assert approved.legal_name not in html
    assert "Nothing to dispense." in html


@pytest.mark.parametrize("role", ["clinician", "coordinator"])
def test_the_queue_is_for_pharmacists_and_prescribers(request, role, signed_in):
    response = signed_in(request.getfixturevalue(role)).get(reverse("ws-pharmacy"))
    assert response.status_code == 403
