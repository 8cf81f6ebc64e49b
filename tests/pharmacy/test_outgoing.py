"""Transfers to another registrant and returns to the supplier: one movement of the book each."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from ketacare.audit.models import AuditEntry
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.kernel.specs import read
from ketacare.pharmacy.errors import LotNotTransferable, LotShort
from ketacare.pharmacy.models import Lot, MovementKind
from ketacare.pharmacy.outgoing import return_to_supplier, transfer_stock
from ketacare.pharmacy.specs.outgoing import SupplierReturnSpec, TransferSpec
from tests.pharmacy.receiving import RETURN, TRANSFER, on_shelf
from tests.treatment.helpers import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def lot(pharmacist, prescriber) -> Lot:
    """100 troches on the shelf of lot KC-1001."""
    return on_shelf(pharmacist, prescriber).lot


def test_a_transfer_leaves_the_book(pharmacist, lot):
    movement = transfer_stock(pharmacist, lot, read(TransferSpec, TRANSFER))
    lot.refresh_from_db()
    assert lot.on_hand == 70
    assert (movement.kind, movement.quantity, movement.on_hand_after) == (
        MovementKind.TRANSFERRED,
        -30,
        70,
    )
    assert (movement.counterparty, movement.counterparty_dea_number, movement.reference) == (
        "Riverside Psychiatry",
        "BR1234563",
        "TR-9",
    )
    assert "1 River Road" in movement.note


def test_a_transfer_beyond_the_lot_is_refused(pharmacist, lot):
    with pytest.raises(LotShort, match="holds 100 troches"):
        transfer_stock(pharmacist, lot, read(TransferSpec, TRANSFER | {"quantity": 101}))
    lot.refresh_from_db()
    assert lot.on_hand == 100


def test_a_transfer_names_a_valid_dea_number():
    for bad in ("", "BR1234567", "12345"):
        with pytest.raises(ValidationError) as refused:
            read(TransferSpec, TRANSFER | {"registrant_dea_number": bad})
        assert "registrant_dea_number" in refused.value.message_dict


def test_a_recalled_lot_is_not_transferred_but_returned(pharmacist, prescriber, lot):
    Lot.objects.filter(pk=lot.pk).update(
        recalled_at=NOW, recalled_by=prescriber, recall_reason="Sterility"
    )
    with pytest.raises(LotNotTransferable, match="Return it to the supplier"):
        transfer_stock(pharmacist, lot, read(TransferSpec, TRANSFER))
    movement = return_to_supplier(pharmacist, lot, read(SupplierReturnSpec, RETURN))
    assert movement.kind == MovementKind.RETURNED_TO_SUPPLIER
    lot.refresh_from_db()
    assert lot.on_hand == 90


def test_an_expired_lot_is_returned(pharmacist, lot):
    later = NOW.replace(year=2026, month=4)
    with time_machine.travel(later, tick=False):
        with pytest.raises(LotNotTransferable, match="expired"):
            transfer_stock(pharmacist, lot, read(TransferSpec, TRANSFER))
        movement = return_to_supplier(
            pharmacist, lot, read(SupplierReturnSpec, RETURN | {"quantity": 100})
        )
    assert (movement.quantity, movement.on_hand_after, movement.note) == (-100, 0, RETURN["reason"])


def test_a_return_beyond_the_lot_is_refused(pharmacist, lot):
    with pytest.raises(LotShort):
        return_to_supplier(pharmacist, lot, read(SupplierReturnSpec, RETURN | {"quantity": 500}))


def test_a_return_needs_its_authorisation_and_reason():
    with pytest.raises(ValidationError) as refused:
        read(SupplierReturnSpec, RETURN | {"reference": "", "reason": " "})
    assert {"reference", "reason"} <= set(refused.value.message_dict)


def test_only_a_pharmacist_sends_stock_out(prescriber, coordinator, lot):
    for who in (prescriber, coordinator):
        with pytest.raises(NotAllowed):
            transfer_stock(who, lot, read(TransferSpec, TRANSFER))
        with pytest.raises(NotAllowed):
            return_to_supplier(who, lot, read(SupplierReturnSpec, RETURN))


def test_another_clinics_lot_is_not_found(other_pharmacist, lot):
    with pytest.raises(NotFound):
        transfer_stock(other_pharmacist, lot, read(TransferSpec, TRANSFER))
    with pytest.raises(NotFound):
        return_to_supplier(other_pharmacist, lot, read(SupplierReturnSpec, RETURN))
    lot.refresh_from_db()
    assert lot.on_hand == Decimal(100)


def test_one_audit_entry_each(pharmacist, lot):
    before = AuditEntry.objects.count()
    transfer_stock(pharmacist, lot, read(TransferSpec, TRANSFER))
    return_to_supplier(pharmacist, lot, read(SupplierReturnSpec, RETURN))
    entries = AuditEntry.objects.order_by("seq")[before:]
    assert [e.detail["kind"] for e in entries] == ["transferred", "returned_to_supplier"]
