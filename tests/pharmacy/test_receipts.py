"""Receipts: recorded by one person, verified by a second with their own count, or rejected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from ketacare.audit.models import AuditEntry
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.kernel.specs import read
from ketacare.pharmacy.errors import (
    LotRecalledOnReceipt,
    ReceiptCountDiffers,
    ReceiptNotPending,
    SecondPersonNeeded,
)
from ketacare.pharmacy.models import Lot, MovementKind, StockMovement
from ketacare.pharmacy.receipts import receive_stock, reject_receipt, verify_receipt
from ketacare.pharmacy.specs.receipts import ReceiptSpec, RejectReceiptSpec, VerifyReceiptSpec
from tests.pharmacy.receiving import DELIVERY, delivery, on_shelf, received
from tests.treatment.helpers import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_receipt_enters_the_lot_and_puts_nothing_on_hand(pharmacist):
    receipt = received(pharmacist)
    lot = Lot.objects.get()
    assert (lot.lot_number, lot.product, lot.unit, lot.on_hand) == (
        "KC-1001",
        "Ketamine HCl 50 mg troche",
        "tablets",
        0,
    )
    assert lot.supplier == "Compounding Pharmacy of Record"
    assert receipt.is_pending
    assert receipt.received_by == pharmacist
    assert receipt.supplier_dea_number == "AB1234563"
    assert not StockMovement.objects.exists()


def test_a_second_person_verifies_with_their_own_count(pharmacist, prescriber):
    receipt = on_shelf(pharmacist, prescriber)
    lot = Lot.objects.get()
    assert lot.on_hand == Decimal(100)
    assert receipt.verified_by == prescriber
    movement = receipt.movement
    assert movement is not None
    assert (movement.kind, movement.quantity, movement.on_hand_after) == (
        MovementKind.RECEIVED,
        100,
        100,
    )
    assert (movement.counterparty, movement.reference) == (
        "Compounding Pharmacy of Record",
        "INV-77",
    )


def test_the_receiver_may_not_verify_their_own_receipt(pharmacist):
    receipt = received(pharmacist)
    with pytest.raises(SecondPersonNeeded, match="another pharmacist or prescriber"):
        verify_receipt(pharmacist, receipt, VerifyReceiptSpec(counted=100))
    with pytest.raises(SecondPersonNeeded):
        reject_receipt(pharmacist, receipt, RejectReceiptSpec(reason="Seal broken"))
    assert Lot.objects.get().on_hand == 0


def test_a_count_that_differs_is_refused_with_the_next_step(pharmacist, prescriber):
    receipt = received(pharmacist)
    with pytest.raises(ReceiptCountDiffers, match="reject the receipt") as refused:
        verify_receipt(prescriber, receipt, VerifyReceiptSpec(counted=98))
    assert "contact the supplier" in refused.value.message
    receipt.refresh_from_db()
    assert receipt.is_pending
    assert Lot.objects.get().on_hand == 0


def test_a_rejected_receipt_puts_nothing_on_hand(pharmacist, prescriber):
    receipt = received(pharmacist)
    rejected = reject_receipt(prescriber, receipt, RejectReceiptSpec(reason="2 troches short"))
    assert (rejected.rejected_by, rejected.rejection_reason) == (prescriber, "2 troches short")
    assert Lot.objects.get().on_hand == 0
    with pytest.raises(ReceiptNotPending, match="rejected already"):
        verify_receipt(prescriber, receipt, VerifyReceiptSpec(counted=100))


def test_a_receipt_is_verified_once(pharmacist, prescriber):
    receipt = on_shelf(pharmacist, prescriber)
    with pytest.raises(ReceiptNotPending, match="verified already"):
        verify_receipt(prescriber, receipt, VerifyReceiptSpec(counted=100))
    assert Lot.objects.get().on_hand == 100


def test_a_coordinator_may_not_receive_or_verify(coordinator, pharmacist):
    with pytest.raises(NotAllowed):
        receive_stock(coordinator, coordinator.clinic, delivery())
    receipt = received(pharmacist)
    with pytest.raises(NotAllowed):
        verify_receipt(coordinator, receipt, VerifyReceiptSpec(counted=100))


def test_another_clinics_receipt_is_not_found(pharmacist, other_pharmacist, clinic):
    receipt = received(pharmacist)
    with pytest.raises(NotFound):
        verify_receipt(other_pharmacist, receipt, VerifyReceiptSpec(counted=100))
    with pytest.raises(NotFound):
        receive_stock(other_pharmacist, clinic, delivery())


def test_an_expiry_on_or_before_the_clinics_today_is_a_field_error(pharmacist):
    # 18:00 in New York on 3 March 2025: the clinic's today is the 3rd (UTC's is the 4th).
    with pytest.raises(ValidationError) as refused:
        received(pharmacist, expires_on="2025-03-03")
    assert "expires_on" in refused.value.message_dict
    receipt = received(pharmacist, expires_on="2025-03-04")
    assert receipt.lot.expires_on == dt.date(2025, 3, 4)


def test_a_later_receipt_of_the_lot_must_match_the_lot_master(pharmacist, prescriber):
    on_shelf(pharmacist, prescriber)
    with pytest.raises(ValidationError) as refused:
        received(pharmacist, expires_on="2026-04-30", strength_mg="100")
    errors = refused.value.message_dict
    assert set(errors) == {"expires_on", "strength_mg"}
    assert "31 March 2026" in errors["expires_on"][0]
    second = on_shelf(pharmacist, prescriber, quantity=20)
    assert second.lot == Lot.objects.get()
    assert Lot.objects.get().on_hand == 120


def test_a_recalled_lot_is_not_taken_in(pharmacist, prescriber):
    on_shelf(pharmacist, prescriber)
    Lot.objects.update(recalled_at=NOW, recalled_by=prescriber, recall_reason="Sterility")
    with pytest.raises(LotRecalledOnReceipt, match="recalled"):
        received(pharmacist)


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"formulation_kind": "nasal_spray"}, {"strength_mg", "scored", "concentration_mg_per_ml"}),
        ({"strength_mg": None}, {"strength_mg"}),
        ({"concentration_mg_per_ml": "100"}, {"concentration_mg_per_ml"}),
        ({"drug": "esketamine"}, {"drug"}),
        (
            {"formulation_kind": "esketamine_device", "strength_mg": None, "scored": False},
            {"drug"},
        ),
        ({"supplier_dea_number": "AB1234567"}, {"supplier_dea_number"}),
        ({"quantity": 0}, {"quantity"}),
        ({"quantity": 1.5}, {"quantity"}),
        ({"lot_number": " "}, {"lot_number"}),
    ],
)
def test_a_receipt_of_the_wrong_shape_names_its_fields(changes, fields):
    with pytest.raises(ValidationError) as refused:
        read(ReceiptSpec, DELIVERY | changes)
    assert fields <= set(refused.value.message_dict)


def test_shapes_the_lot_master_accepts():
    spray = {
        "formulation_kind": "nasal_spray",
        "strength_mg": None,
        "scored": False,
        "concentration_mg_per_ml": "100",
        "spray_volume_ml": "0.1",
    }
    assert read(ReceiptSpec, DELIVERY | spray).spray_volume_ml == Decimal("0.1")
    device = {"formulation_kind": "esketamine_device", "drug": "esketamine"}
    device |= {"strength_mg": None, "scored": False}
    assert read(ReceiptSpec, DELIVERY | device).drug == "esketamine"
    assert read(ReceiptSpec, DELIVERY | {"supplier_dea_number": ""}).supplier_dea_number == ""


def test_each_use_case_is_one_audit_entry(pharmacist, prescriber):
    before = AuditEntry.objects.count()
    receipt = received(pharmacist)
    verify_receipt(prescriber, receipt, VerifyReceiptSpec(counted=100))
    entries = AuditEntry.objects.order_by("seq")[before:]
    assert [(e.action, e.object_type) for e in entries] == [
        ("create", "pharmacy.Receipt"),
        ("update", "pharmacy.Receipt"),
    ]
