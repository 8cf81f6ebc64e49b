"""The care lists read the same number of queries however many rows they show (no N+1)."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketacare.alerts.services import raise_alert
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.pharmacy.models import Lot
from tests.factories import PatientFactory
from tests.intake.test_lead_follow_up import ITEM_9, lead_from_screen
from tests.pharmacy.destroying import destroyed, lot_of
from tests.pharmacy.recalling import handed, recalled_task, troches
from tests.pharmacy.receiving import on_shelf, received
from tests.reports.inspection_helpers import missing_at_a_count
from tests.treatment.helpers import fill, plan_for, prescribe


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def treated(clinic, prescriber, pharmacist) -> Patient:  # type: ignore[no-untyped-def]
    patient: Patient = PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED.value)
    plan_for(prescriber, patient)
    fill(pharmacist, prescribe(prescriber, patient))
    return patient


def test_the_pharmacy_queue(clinic, prescriber, pharmacist, signed_in):
    treated(clinic, prescriber, pharmacist)
    client = signed_in(pharmacist)
    one = queries(client, reverse("ws-pharmacy"))
    for _ in range(3):
        treated(clinic, prescriber, pharmacist)
    assert queries(client, reverse("ws-pharmacy")) == one


def small_fill(prescriber, pharmacist, patient: Patient) -> None:  # type: ignore[no-untyped-def]
    """2 troches: four such prescriptions fit the plan's 24 (issue 11: no more than it needs)."""
    fill(pharmacist, prescribe(prescriber, patient, quantity=2, refills=0), quantity=2)


def test_the_dispense_page(clinic, prescriber, pharmacist, signed_in):
    patient: Patient = PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED.value)
    plan_for(prescriber, patient)
    small_fill(prescriber, pharmacist, patient)
    client = signed_in(pharmacist)
    url = reverse("ws-dispense", kwargs={"patient_id": patient.pk})
    one = queries(client, url)
    for _ in range(3):
        small_fill(prescriber, pharmacist, patient)
    assert queries(client, url) == one


def test_the_prescriptions_page(clinic, prescriber, pharmacist, signed_in):
    patient: Patient = PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED.value)
    plan_for(prescriber, patient)
    small_fill(prescriber, pharmacist, patient)
    client = signed_in(prescriber)
    url = reverse("ws-prescriptions", kwargs={"patient_id": patient.pk})
    one = queries(client, url)
    for _ in range(3):
        small_fill(prescriber, pharmacist, patient)
    assert queries(client, url) == one


def test_the_review_list(submit, clinician, signed_in):
    submit()
    client = signed_in(clinician)
    assert queries(client, reverse("ws-reviews")) < 15  # a small, fixed bound


def _alerts_of_both_kinds(clinic, n: int) -> None:  # type: ignore[no-untyped-def]
    """As many alerts about patients as about screening leads (no patient): n each."""
    for _ in range(n):
        patient = PatientFactory(clinic=clinic)
        raise_alert(
            patient=patient,
            cause="worsening",
            severity="warning",
            subject=f"q:{patient.pk}",
            title="Worse",
            message="",
        )
        lead_from_screen(clinic, ITEM_9, phone=f"+1 555 010 {patient.pk:04d}")


def test_the_inbox_with_alerts_about_leads(clinic, clinician, signed_in):
    _alerts_of_both_kinds(clinic, 1)
    client = signed_in(clinician)
    client.get(reverse("ws-alerts"))  # the session's first request reads what it caches
    one = queries(client, reverse("ws-alerts"))
    _alerts_of_both_kinds(clinic, 3)
    assert queries(client, reverse("ws-alerts")) == one


def test_the_screening_leads_list(clinic, clinician, signed_in):
    _alerts_of_both_kinds(clinic, 1)
    client = signed_in(clinician)
    client.get(reverse("public-leads"))  # the session's first request reads what it caches
    one = queries(client, reverse("public-leads"))
    _alerts_of_both_kinds(clinic, 3)
    assert queries(client, reverse("public-leads")) == one


def test_the_inspection_dispensing_log(clinic, prescriber, pharmacist, signed_in):
    treated(clinic, prescriber, pharmacist)
    client = signed_in(pharmacist)
    client.get(reverse("ws-inspection"))  # the session's first request reads what it caches
    one = queries(client, reverse("ws-inspection-dispensing"))
    for _ in range(3):
        treated(clinic, prescriber, pharmacist)
    assert queries(client, reverse("ws-inspection-dispensing")) == one


def test_the_destructions_list(clinic, prescriber, pharmacist, clinician, signed_in):
    lot = lot_of(clinic, lot_number="DESTROY-1")
    destroyed(pharmacist, lot, prescriber, clinician, quantity="1")
    client = signed_in(clinician)  # a witness: the page counts theirs to confirm
    one = queries(client, reverse("ws-destructions"))
    for _ in range(3):
        destroyed(pharmacist, lot, prescriber, clinician, quantity="1")
    assert queries(client, reverse("ws-destructions")) == one


def test_the_stock_page_and_a_lots_book(pharmacist, prescriber, signed_in):
    lot = on_shelf(pharmacist, prescriber, lot_number="Q-1").lot
    received(pharmacist, lot_number="P-1")
    client = signed_in(prescriber)
    one, book = queries(client, reverse("ws-stock")), reverse("ws-stock-lot", args=[lot.pk])
    one_book = queries(client, book)
    for n in range(2, 5):
        on_shelf(pharmacist, prescriber, lot_number=f"Q-{n}", quantity=1)
        received(pharmacist, lot_number=f"P-{n}")
        on_shelf(pharmacist, prescriber, lot_number="Q-1", quantity=1)  # another receipt
    assert queries(client, reverse("ws-stock")) == one
    assert queries(client, book) == one_book


def test_the_count_and_the_discrepancies(pharmacist, prescriber, signed_in):
    on_shelf(pharmacist, prescriber, lot_number="C-1")
    missing_at_a_count(Lot.objects.get(lot_number="C-1"), pharmacist, missing=1)
    client = signed_in(prescriber)
    count, found = queries(client, reverse("ws-stock-count")), reverse("ws-stock-discrepancies")
    one = queries(client, found)
    for n in range(2, 5):
        on_shelf(pharmacist, prescriber, lot_number=f"C-{n}", quantity=5)
        missing_at_a_count(Lot.objects.get(lot_number=f"C-{n}"), pharmacist, missing=1)
    assert queries(client, reverse("ws-stock-count")) == count
    assert queries(client, found) == one


def test_who_received_a_lot(clinic, pharmacist, signed_in):
    lot = troches(clinic, "LOT-R")
    handed(lot, pharmacist)
    client = signed_in(pharmacist)
    url = reverse("ws-recall-lot", kwargs={"lot_id": lot.pk})
    one = queries(client, url)
    for _ in range(3):
        handed(lot, pharmacist, sitters=2)
    assert queries(client, url) == one


def test_the_recalled_lots(clinic, pharmacist, signed_in):
    recalled_task(PatientFactory(clinic=clinic), pharmacist, "LOT-R1")
    client = signed_in(pharmacist)
    one = queries(client, reverse("ws-recalls"))
    for number in ("LOT-R2", "LOT-R3", "LOT-R4"):
        recalled_task(PatientFactory(clinic=clinic), pharmacist, number)
    assert queries(client, reverse("ws-recalls")) == one
