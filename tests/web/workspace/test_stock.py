"""The stock pages: lots on hand, a receipt verified by a second person, a lot's book."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.urls import reverse

from ketacare.pharmacy.models import Lot, MovementKind, Receipt
from tests.pharmacy.receiving import DELIVERY, RETURN, TRANSFER, on_shelf, received

pytestmark = pytest.mark.django_db

FORM: dict[str, Any] = {k: ("on" if v is True else v) for k, v in DELIVERY.items()}


def page_text(response: Any) -> str:
    """The page's HTML with its entities read (apostrophes, quotes)."""
    return html.unescape(response.content.decode())


def _prefixed(prefix: str, data: dict[str, Any], action: str) -> dict[str, Any]:
    return {f"{prefix}-{k}": v for k, v in data.items()} | {"action": action}


def test_a_pharmacist_records_a_receipt_and_nothing_is_on_hand(pharmacist, signed_in):
    client = signed_in(pharmacist)
    form = client.get(reverse("ws-stock-receive"))
    assert form.status_code == 200
    response = client.post(reverse("ws-stock-receive"), FORM, follow=True)
    assert response.status_code == 200
    text = page_text(response)
    receipt = Receipt.objects.get()
    assert f"Receipt {receipt.pk} recorded" in text
    assert "Nothing is on hand until a second person verifies it" in text
    assert "you recorded it" in text
    assert f"Verify receipt {receipt.pk}" not in text
    assert Lot.objects.get().on_hand == 0


def test_a_bad_receipt_is_shown_on_the_form(pharmacist, signed_in):
    client = signed_in(pharmacist)
    bad = FORM | {"expires_on": "2020-01-01", "supplier_dea_number": "AB1234567"}
    response = client.post(reverse("ws-stock-receive"), bad)
    assert response.status_code == 400
    assert "Supplier's DEA number" in page_text(response)
    response = client.post(reverse("ws-stock-receive"), FORM | {"expires_on": "2020-01-01"})
    assert response.status_code == 400
    assert "expired stock is not taken in" in page_text(response)
    assert not Receipt.objects.exists()


def test_a_second_person_verifies_from_the_stock_page(pharmacist, prescriber, signed_in):
    receipt = received(pharmacist)
    client = signed_in(prescriber)
    page = page_text(client.get(reverse("ws-stock")))
    assert f"Verify receipt {receipt.pk}" in page
    url = reverse("ws-stock-receipt-verify", kwargs={"receipt_id": receipt.pk})
    differs = page_text(client.post(url, {"counted": 98}, follow=True))
    assert "contact the supplier" in differs
    assert Lot.objects.get().on_hand == 0
    done = page_text(client.post(url, {"counted": 100}, follow=True))
    assert f"Receipt {receipt.pk} verified: 100 troches of lot KC-1001 are on hand" in done
    assert "No receipt awaits a second person" in done
    assert Lot.objects.get().on_hand == 100


def test_the_receiver_cannot_verify_by_posting(pharmacist, signed_in):
    receipt = received(pharmacist)
    client = signed_in(pharmacist)
    url = reverse("ws-stock-receipt-verify", kwargs={"receipt_id": receipt.pk})
    text = page_text(client.post(url, {"counted": 100}, follow=True))
    assert "a second person verifies it" in text
    assert Lot.objects.get().on_hand == 0


def test_a_second_person_rejects_with_a_reason(pharmacist, prescriber, signed_in):
    receipt = received(pharmacist)
    client = signed_in(prescriber)
    url = reverse("ws-stock-receipt-reject", kwargs={"receipt_id": receipt.pk})
    text = page_text(client.post(url, {"reason": "Seal broken"}, follow=True))
    assert f"Receipt {receipt.pk} rejected" in text
    receipt.refresh_from_db()
    assert receipt.rejection_reason == "Seal broken"


def test_the_stock_page_shows_lots_with_their_status(pharmacist, prescriber, signed_in):
    on_shelf(pharmacist, prescriber)
    on_shelf(pharmacist, prescriber, lot_number="KC-1002", expires_on="2025-06-30")
    Lot.objects.filter(lot_number="KC-1002").update(
        recalled_at="2025-03-01T12:00Z", recalled_by=prescriber, recall_reason="Sterility"
    )
    text = page_text(signed_in(pharmacist).get(reverse("ws-stock")))
    assert "200 troches on hand, 100 may be dispensed" in text
    assert "Recalled" in text
    assert "In date" in text


def test_a_lot_page_shows_its_book_and_transfers(pharmacist, prescriber, signed_in):
    lot = on_shelf(pharmacist, prescriber).lot
    client = signed_in(pharmacist)
    url = reverse("ws-stock-lot", kwargs={"lot_id": lot.pk})
    assert "Transfer from lot KC-1001" in page_text(client.get(url))
    moved = client.post(url, _prefixed("transfer", TRANSFER, "transfer"), follow=True)
    assert "30 troches of lot KC-1001. 70 troches left on hand" in page_text(moved)
    back = client.post(url, _prefixed("return", RETURN, "return"), follow=True)
    assert "60 troches left on hand" in page_text(back)
    short = client.post(url, _prefixed("transfer", TRANSFER | {"quantity": 61}, "transfer"))
    assert short.status_code == 409
    assert "would take it below zero" in page_text(short)
    kinds = list(lot.movements.values_list("kind", flat=True))
    assert kinds == [
        MovementKind.RECEIVED,
        MovementKind.TRANSFERRED,
        MovementKind.RETURNED_TO_SUPPLIER,
    ]
    book = page_text(client.get(url))
    assert "Riverside Psychiatry (DEA BR1234563)" in book


def test_a_prescriber_reads_the_lot_but_sends_nothing_out(pharmacist, prescriber, signed_in):
    lot = on_shelf(pharmacist, prescriber).lot
    client = signed_in(prescriber)
    url = reverse("ws-stock-lot", kwargs={"lot_id": lot.pk})
    assert "Transfer from lot" not in page_text(client.get(url))
    assert client.post(url, _prefixed("transfer", TRANSFER, "transfer")).status_code == 403
    assert Lot.objects.get().on_hand == 100


def test_a_coordinator_sees_no_stock(coordinator, pharmacist, prescriber, signed_in):
    lot = on_shelf(pharmacist, prescriber).lot
    client = signed_in(coordinator)
    assert client.get(reverse("ws-stock")).status_code == 403
    assert client.get(reverse("ws-stock-lot", kwargs={"lot_id": lot.pk})).status_code == 403
    assert client.get(reverse("ws-stock-receive")).status_code == 403
    assert 'href="/workspace/stock/"' not in client.get(reverse("ws-panel")).content.decode()


def test_the_navigation_links_the_stock(pharmacist, signed_in):
    page = signed_in(pharmacist).get(reverse("ws-pharmacy")).content.decode()
    assert 'href="/workspace/stock/"' in page


def test_another_clinics_lot_and_receipt_are_not_found(
    pharmacist, prescriber, other_pharmacist, signed_in
):
    lot = on_shelf(pharmacist, prescriber).lot
    pending = received(pharmacist, lot_number="KC-1002")
    client = signed_in(other_pharmacist)
    assert client.get(reverse("ws-stock-lot", kwargs={"lot_id": lot.pk})).status_code == 404
    verify = reverse("ws-stock-receipt-verify", kwargs={"receipt_id": pending.pk})
    assert client.post(verify, {"counted": 100}).status_code == 404
    assert "KC-1001" not in page_text(client.get(reverse("ws-stock")))
