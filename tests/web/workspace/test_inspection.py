"""The inspector's records pages and the printable prescription: who, what, how often read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.pharmacy.models import MovementKind, StockMovement
from ketacare.reports import pdf
from ketacare.treatment import services
from ketacare.treatment.models import Prescription
from ketacare.treatment.specs.prescriptions import VoidSpec
from tests.factories import UserFactory
from tests.reports.inspection_helpers import (
    DEA_NUMBER,
    destroyed,
    missing_at_a_count,
    move,
    received,
    registered,
)
from tests.treatment.helpers import NOW, fill

pytestmark = pytest.mark.django_db

SignIn = Callable[[User | None], Client]
DAY = dt.timedelta(days=1)
RECORDS = (
    "ws-inspection",
    "ws-inspection-inventory",
    "ws-inspection-destructions",
    "ws-inspection-dispensing",
)


@pytest.fixture
def lost(clinic: Clinic, pharmacist: User) -> StockMovement:
    registered(clinic)
    lot = received(clinic, "W-1", 200, pharmacist, NOW - 5 * DAY)
    return move(lot, MovementKind.LOST_OR_STOLEN, -20, pharmacist, NOW - DAY, note="Theft")


def loss_url(movement: StockMovement) -> str:
    return reverse("ws-inspection-loss", kwargs={"movement_id": movement.pk})


def print_url(rx: Prescription) -> str:
    ids = {"patient_id": rx.patient_id, "prescription_id": rx.pk}
    return reverse("ws-prescription-print", kwargs=ids)


@pytest.mark.parametrize("name", RECORDS)
def test_a_coordinator_and_a_clinician_get_403(signed_in: SignIn, coordinator, clinician, name):
    for user in (coordinator, clinician):
        assert signed_in(user).get(reverse(name)).status_code == 403


def test_the_loss_draft_is_403_for_a_coordinator(signed_in: SignIn, coordinator, lost):
    assert signed_in(coordinator).get(loss_url(lost)).status_code == 403


def test_another_clinics_pharmacist_gets_404_for_a_loss(signed_in: SignIn, other_pharmacist, lost):
    assert signed_in(other_pharmacist).get(loss_url(lost)).status_code == 404


def test_the_index_lists_the_losses_and_the_nav_links_it(signed_in: SignIn, pharmacist, lost):
    page = signed_in(pharmacist).get(reverse("ws-inspection")).content.decode()
    assert loss_url(lost) in page
    assert "20 troches" in page
    assert "Inspector records" in page


def test_each_view_of_a_record_is_one_audit_entry(signed_in: SignIn, pharmacist, lost):
    client = signed_in(pharmacist)
    before = AuditEntry.objects.filter(object_type="reports.InspectionRecord").count()
    for url in (
        reverse("ws-inspection-inventory"),
        reverse("ws-inspection-destructions"),
        reverse("ws-inspection-dispensing"),
        loss_url(lost),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert DEA_NUMBER in response.content.decode()
    entries = AuditEntry.objects.filter(object_type="reports.InspectionRecord").order_by("seq")
    assert entries.count() == before + 4
    assert {e.action for e in entries} == {AuditAction.READ}
    assert [e.object_id for e in entries][-4:] == [
        "inventory",
        "destructions",
        "dispensing",
        "loss",
    ]


def test_the_inventory_pdf(signed_in: SignIn, pharmacist, lost):
    response = signed_in(pharmacist).get(reverse("ws-inspection-inventory") + "?format=pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="inventory-2025-03-03.pdf"' in response["Content-Disposition"]


def test_without_pango_the_pdf_says_what_to_install(
    signed_in: SignIn, pharmacist, lost, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(pdf, "weasyprint", None)
    response = signed_in(pharmacist).get(loss_url(lost) + "?format=pdf")
    assert response.status_code == 503
    assert "libpango-1.0-0 libpangoft2-1.0-0" in response.content.decode()


def test_a_bad_range_is_refused_in_words(signed_in: SignIn, pharmacist):
    url = reverse("ws-inspection-dispensing") + "?first=2025-03-04&last=2025-03-01"
    response = signed_in(pharmacist).get(url)
    assert response.status_code == 400
    assert "comes on or after its start" in response.content.decode()


def test_one_destruction_of_another_clinic_is_404(
    signed_in: SignIn, clinic, pharmacist, other_pharmacist
):
    lot = received(clinic, "W-2", 50, pharmacist, NOW - 5 * DAY)
    pair = (
        UserFactory(clinic=clinic, pharmacist=True),
        UserFactory(clinic=clinic, prescriber=True),
    )
    done = destroyed(lot, 5, pharmacist, pair, at=NOW - DAY, confirmed=(None, None))
    url = reverse("ws-inspection-destructions") + f"?destruction={done.pk}"
    page = signed_in(pharmacist).get(url)
    assert "NOT CONFIRMED" in page.content.decode()
    assert signed_in(other_pharmacist).get(url).status_code == 404


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_pages_read_the_same_queries_however_many_rows(
    signed_in: SignIn, clinic, pharmacist, prescription
):
    client = signed_in(pharmacist)
    fill(pharmacist, prescription, quantity=2)
    urls = [reverse(name) for name in RECORDS]
    client.get(urls[0])  # the session's first request reads what it caches
    few = [_queries(client, url) for url in urls]
    for i in range(5):
        lot = received(clinic, f"G-{i}", 50, pharmacist, NOW - 5 * DAY)
        move(lot, MovementKind.LOST_OR_STOLEN, -1, pharmacist, NOW - DAY)
    fill(pharmacist, prescription, quantity=2)
    assert [_queries(client, url) for url in urls] == few


def test_the_printable_prescription(signed_in: SignIn, prescriber, pharmacist, prescription):
    page = signed_in(pharmacist).get(print_url(prescription)).content.decode()
    assert prescription.prescriber_dea_number in page
    assert prescription.prescriber_npi in page
    assert "12 Elm Street" in page
    assert "8 troches (eight)" in page
    assert "Schedule III" in page
    assert "VOID" not in page
    entry = AuditEntry.objects.filter(patient_id=prescription.patient_id).last()
    assert entry is not None
    assert entry.detail == {"via": "printable prescription", "prescription_id": prescription.pk}
    listing = signed_in(prescriber).get(
        reverse("ws-prescriptions", kwargs={"patient_id": prescription.patient_id})
    )
    assert print_url(prescription) in listing.content.decode()


def test_a_voided_prescription_prints_void(signed_in: SignIn, prescriber, prescription):
    services.void_prescription(prescriber, prescription, VoidSpec(reason="Wrong strength."))
    response = signed_in(prescriber).get(print_url(prescription) + "?format=pdf")
    assert response.content.startswith(b"%PDF")
    page = signed_in(prescriber).get(print_url(prescription)).content.decode()
    assert "VOID" in page
    assert "Wrong strength." in page


def test_the_printable_prescription_is_not_for_a_coordinator_nor_another_clinic(
    signed_in: SignIn, coordinator, other_prescriber, prescription
):
    assert signed_in(coordinator).get(print_url(prescription)).status_code == 403
    assert signed_in(other_prescriber).get(print_url(prescription)).status_code == 404


def test_units_missing_at_a_count_draft_a_loss_report(
    signed_in: SignIn, clinic, pharmacist, coordinator, other_pharmacist
):
    lot = received(clinic, "W-3", 100, pharmacist, NOW - 5 * DAY)
    found = missing_at_a_count(lot, pharmacist)
    url = reverse("ws-inspection-discrepancy-loss", kwargs={"discrepancy_id": found.pk})
    index = signed_in(pharmacist).get(reverse("ws-inspection")).content.decode()
    assert url in index
    page = signed_in(pharmacist).get(url).content.decode()
    assert "6 troches" in page
    assert "Missing at a count" in page
    assert signed_in(coordinator).get(url).status_code == 403
    assert signed_in(other_pharmacist).get(url).status_code == 404
