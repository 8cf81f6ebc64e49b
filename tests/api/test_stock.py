"""The clinic's stock over the API: receipts by two people, lots and their book, outgoing stock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from ketacare.pharmacy.models import Lot, Receipt
from tests.api.conftest import ApiClient
from tests.pharmacy.receiving import DELIVERY, EXPIRES, RETURN, TRANSFER, on_shelf, received
from tests.treatment.helpers import NOW


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def phil(pharmacist, as_user) -> ApiClient:
    return as_user(pharmacist)


@pytest.fixture
def priya(prescriber, as_user) -> ApiClient:
    return as_user(prescriber)


def test_a_receipt_is_verified_by_a_second_person(phil: ApiClient, priya: ApiClient) -> None:
    created = phil.post("stock/receipts", DELIVERY)
    assert created.status_code == 201, created.json()
    receipt = created.json()
    assert (receipt["pending"], receipt["quantity"], receipt["lot_number"]) == (
        True,
        100,
        "KC-1001",
    )
    lots = phil.get("stock/lots").json()
    assert [(lot["lot_number"], lot["on_hand"], lot["status"]) for lot in lots] == [
        ("KC-1001", 0, "empty")
    ]
    pending = phil.get("stock/receipts", query={"pending": 1}).json()
    assert [r["id"] for r in pending] == [receipt["id"]]
    own = phil.post(f"stock/receipts/{receipt['id']}/verify", {"counted": 100})
    assert own.status_code == 409
    assert own.json()["code"] == "second_person_needed"
    verified = priya.post(f"stock/receipts/{receipt['id']}/verify", {"counted": 100})
    assert verified.status_code == 200, verified.json()
    assert verified.json()["pending"] is False
    assert phil.get("stock/receipts", query={"pending": 1}).json() == []
    lot = phil.get(f"stock/lots/{receipt['lot_id']}").json()
    assert (lot["on_hand"], lot["status"], lot["expires_on"]) == (100, "in date", str(EXPIRES))
    assert [(m["kind"], m["quantity"], m["on_hand_after"]) for m in lot["movements"]] == [
        ("received", 100, 100)
    ]


def test_a_count_that_differs_is_refused(pharmacist, priya: ApiClient) -> None:
    receipt = received(pharmacist)
    response = priya.post(f"stock/receipts/{receipt.pk}/verify", {"counted": 90})
    assert response.status_code == 409
    assert response.json()["code"] == "receipt_count_differs"
    assert "contact the supplier" in response.json()["message"]
    rejected = priya.post(f"stock/receipts/{receipt.pk}/reject", {"reason": "Counted 90"})
    assert rejected.status_code == 200, rejected.json()
    assert rejected.json()["rejection_reason"] == "Counted 90"
    assert Lot.objects.get().on_hand == 0


def test_bad_fields_are_named(phil: ApiClient) -> None:
    body: dict[str, Any] = DELIVERY | {
        "supplier_dea_number": "AB1234567",
        "expires_on": "2025-03-01",
    }
    response = phil.post("stock/receipts", body)
    assert response.status_code == 422
    assert "body.supplier_dea_number" in {e["field"] for e in response.json()["errors"]}
    past = phil.post("stock/receipts", DELIVERY | {"expires_on": "2025-03-01"})
    assert past.status_code == 422
    assert past.json()["field"].endswith("expires_on"), past.json()
    assert not Receipt.objects.exists()


def test_transfers_and_returns_leave_the_book(pharmacist, prescriber, phil: ApiClient) -> None:
    lot = on_shelf(pharmacist, prescriber).lot
    moved = phil.post(f"stock/lots/{lot.pk}/transfers", TRANSFER)
    assert moved.status_code == 201, moved.json()
    assert (moved.json()["kind"], moved.json()["on_hand_after"]) == ("transferred", 70)
    back = phil.post(f"stock/lots/{lot.pk}/supplier-returns", RETURN)
    assert back.status_code == 201, back.json()
    assert back.json()["on_hand_after"] == 60
    short = phil.post(f"stock/lots/{lot.pk}/transfers", TRANSFER | {"quantity": 61})
    assert short.status_code == 409
    assert short.json()["code"] == "lot_short"
    book = phil.get(f"stock/lots/{lot.pk}").json()["movements"]
    assert [m["on_hand_after"] for m in book] == [100, 70, 60]


def test_a_coordinator_is_refused(coordinator, pharmacist, prescriber, as_user) -> None:
    lot = on_shelf(pharmacist, prescriber).lot
    cora = as_user(coordinator)
    for path in ("stock/lots", f"stock/lots/{lot.pk}", "stock/receipts"):
        assert cora.get(path).status_code == 403, path
    assert cora.post("stock/receipts", DELIVERY).status_code == 403
    assert cora.post(f"stock/lots/{lot.pk}/transfers", TRANSFER).status_code == 403


def test_a_prescriber_verifies_but_sends_nothing_out(pharmacist, prescriber, priya) -> None:
    lot = on_shelf(pharmacist, prescriber).lot
    response = priya.post(f"stock/lots/{lot.pk}/transfers", TRANSFER)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_another_clinics_lot_and_receipt_are_not_found(
    pharmacist, prescriber, other_pharmacist, other_prescriber, as_user
) -> None:
    lot = on_shelf(pharmacist, prescriber).lot
    pending = received(pharmacist, lot_number="KC-1002")
    theirs = as_user(other_pharmacist)
    assert theirs.get(f"stock/lots/{lot.pk}").status_code == 404
    assert theirs.post(f"stock/lots/{lot.pk}/transfers", TRANSFER).status_code == 404
    assert theirs.post(f"stock/lots/{lot.pk}/supplier-returns", RETURN).status_code == 404
    verify = as_user(other_prescriber).post(f"stock/receipts/{pending.pk}/verify", {"counted": 100})
    assert verify.status_code == 404
    assert theirs.post(f"stock/receipts/{pending.pk}/reject", {"reason": "x"}).status_code == 404
    assert theirs.get("stock/lots").json() == []
    assert theirs.get("stock/receipts").json() == []
    lot.refresh_from_db()
    assert lot.on_hand == 100
    assert Receipt.objects.get(pk=pending.pk).is_pending


def test_patients_see_no_stock(patient, as_user) -> None:
    assert as_user(patient.user).get("stock/lots").status_code == 403
    assert ApiClient().get("stock/lots").status_code == 401
