"""The pages of a count of the shelf, its discrepancies, and a loss of a lot."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from ketacare.alerts.models import Alert, AlertCause, AlertStatus
from ketacare.pharmacy.models import Lot, MovementKind, StockDiscrepancy, StockMovement
from tests.pharmacy.receiving import on_shelf

pytestmark = pytest.mark.django_db

COUNT = reverse("ws-stock-count")
DISCREPANCIES = reverse("ws-stock-discrepancies")


@pytest.fixture
def lots(pharmacist, prescriber) -> list[Lot]:
    """KC-1001: 100 scored troches; KC-2002: 40 troches, not scored."""
    on_shelf(pharmacist, prescriber)
    on_shelf(pharmacist, prescriber, lot_number="KC-2002", scored=False, quantity=40)
    return list(Lot.objects.order_by("lot_number"))


def test_the_count_lists_every_lot_with_a_field(signed_in, pharmacist, lots):
    page = signed_in(pharmacist).get(COUNT)
    assert page.status_code == 200
    html = page.content.decode()
    for lot in lots:
        assert f'name="lot_{lot.pk}"' in html
        assert f"Lot {lot.lot_number}" in html


def test_a_count_shows_what_matches_and_what_differs(signed_in, pharmacist, lots):
    first, second = lots
    page = signed_in(pharmacist).post(
        COUNT, {f"lot_{first.pk}": "97.5", f"lot_{second.pk}": "40", "note": "Safe 1"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Count recorded" in html
    assert "Counts that differ from the book" in html
    assert "-2.5 troches" in html
    assert "Counts that match the book" in html
    assert "Lot KC-2002" in html
    assert StockDiscrepancy.objects.get().lot == first
    assert Alert.objects.get().cause == AlertCause.STOCK_DISCREPANCY


def test_a_lot_left_blank_is_not_counted(signed_in, pharmacist, lots):
    signed_in(pharmacist).post(COUNT, {f"lot_{lots[0].pk}": "100"})
    assert [c.lot_id for c in lots[0].counts.all()] == [lots[0].pk]
    assert not lots[1].counts.exists()


def test_refusals_come_back_on_the_form(signed_in, pharmacist, lots):
    client = signed_in(pharmacist)
    nothing = client.post(COUNT, {})
    assert nothing.status_code == 400
    assert "Count at least one lot." in nothing.content.decode()
    half = client.post(COUNT, {f"lot_{lots[1].pk}": "39.5"})
    assert half.status_code == 400
    assert "only scored tablets are counted in halves" in half.content.decode()
    assert not StockDiscrepancy.objects.exists()


def test_the_count_is_for_stock_keepers(signed_in, clinician, clinic_admin, lots):
    assert signed_in(clinician).get(COUNT).status_code == 403
    assert signed_in(clinic_admin).get(COUNT).status_code == 403
    assert signed_in(clinic_admin).get(DISCREPANCIES).status_code == 200


def test_a_discrepancy_is_explained_on_its_page(signed_in, pharmacist, clinic_admin, lots):
    signed_in(pharmacist).post(COUNT, {f"lot_{lots[0].pk}": "98"})
    found = StockDiscrepancy.objects.get()
    client = signed_in(clinic_admin)
    page = client.get(DISCREPANCIES).content.decode()
    assert "Explain the discrepancy of lot KC-1001" in page
    url = reverse("ws-stock-discrepancy-explain", args=[found.pk])
    empty = client.post(url, {f"d{found.pk}-explanation": ""})
    assert empty.status_code == 400
    answer = client.post(url, {f"d{found.pk}-explanation": "Two on the second shelf."})
    assert answer.status_code == 302
    found.refresh_from_db()
    assert (found.explained_by, found.explanation) == (clinic_admin, "Two on the second shelf.")
    assert Alert.objects.get().status == AlertStatus.RESOLVED
    page = client.get(DISCREPANCIES).content.decode()
    assert "No open discrepancy." in page
    assert "Two on the second shelf." in page


def test_a_loss_is_reported_on_its_page(signed_in, pharmacist, lots):
    url = reverse("ws-stock-loss", args=[lots[0].pk])
    client = signed_in(pharmacist)
    page = client.get(url).content.decode()
    assert "within one business day of its discovery" in page
    answer = client.post(
        url,
        {
            "quantity": "2",
            "what_happened": "A box is missing from the safe.",
            "discovered_at": "2025-03-03T17:30",
            "police_notified": "on",
            "police_reference": "NYPD-1",
        },
    )
    assert answer.status_code == 302
    movement = StockMovement.objects.get(kind=MovementKind.LOST_OR_STOLEN)
    assert movement.quantity == Decimal(-2)
    # 17:30 on the clinic's clock (New York, EST in March before the change): 22:30 UTC.
    assert "Discovered 03 March 2025 17:30" in movement.note
    assert Alert.objects.get().cause == AlertCause.STOCK_LOST
    short = client.post(url, {"quantity": "99", "what_happened": "Gone."})
    assert short.status_code == 409
    assert "would take it below zero" in short.content.decode()


def test_the_loss_page_is_for_stock_keepers(signed_in, coordinator, lots):
    url = reverse("ws-stock-loss", args=[lots[0].pk])
    assert signed_in(coordinator).get(url).status_code == 403
