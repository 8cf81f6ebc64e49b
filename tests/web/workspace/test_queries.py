"""The care lists read the same number of queries however many rows they show (no N+1)."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from tests.factories import PatientFactory
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
