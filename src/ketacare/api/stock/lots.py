"""The clinic's stock: lots on hand and their book, receipts, transfers and supplier returns.

Mounted at /stock. Who may is kernel.policy's (`read_stock`, `receive_stock`,
`verify_receipt`, `reject_receipt`, `transfer_stock`, `return_stock_to_supplier`): the
role is checked before any lot or receipt is looked up (403), and a lot or receipt of
another clinic is a 404. The rules are the services' (pharmacy.receipts,
pharmacy.outgoing): a receipt verified by a second person with their own count (409
`second_person_needed`, `receipt_count_differs`), nothing beyond the lot (409 `lot_short`).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ketacare.accounts.models import User
from ketacare.api.access import actor, audit_list, audit_read
from ketacare.api.schemas import ERRORS, WRITE_ERRORS, id_in_path
from ketacare.kernel import policy
from ketacare.kernel.errors import NotAllowed
from ketacare.pharmacy import outgoing, receipts
from ketacare.pharmacy.models import Lot, Receipt, StockMovement
from ketacare.pharmacy.queries import stock as queries
from ketacare.pharmacy.queries.stock import LotLine
from ketacare.pharmacy.specs.outgoing import SupplierReturnSpec, TransferSpec
from ketacare.pharmacy.specs.receipts import ReceiptSpec, RejectReceiptSpec, VerifyReceiptSpec

router = Router(tags=["stock"])


class LotOut(Schema):
    id: int = Field(description="The lot's id.")
    lot_number: str = Field(description="The manufacturer's lot number.")
    product: str = Field(description="The product as its label names it.")
    drug: str = Field(description="racemic or esketamine.")
    formulation_kind: str = Field(description="The kind of product.")
    strength_mg: float | None = Field(description="mg per tablet (tablets).")
    scored: bool = Field(description="Scored tablets may be halved.")
    concentration_mg_per_ml: float | None = Field(description="mg/mL (sprays).")
    spray_volume_ml: float | None = Field(description="mL per spray (sprays).")
    unit: str = Field(description="What the stock counts: tablets, sprays or devices.")
    expires_on: dt.date = Field(description="The expiry on the label.")
    supplier: str = Field(description="Who first delivered it.")
    on_hand: float = Field(description="Units on hand (verified receipts less what left).")
    expired: bool = Field(description="Expired on the clinic's calendar today.")
    recalled: bool = Field(description="Recalled: nothing more is dispensed from it.")
    status: str = Field(description="in date, empty, expired or recalled.")


class MovementOut(Schema):
    id: int = Field(description="The movement's id.")
    lot_id: int = Field(description="Its lot.")
    kind: str = Field(description="received, dispensed, transferred, returned_to_supplier...")
    quantity: float = Field(description="Signed change of the lot's stock.")
    on_hand_after: float = Field(description="The lot's stock after it (the running balance).")
    patient_id: int | None = Field(description="The patient, for a dispense and its void.")
    counterparty: str = Field(description="The supplier or registrant.")
    counterparty_dea_number: str = Field(description="Its DEA registration number.")
    reference: str = Field(description="Invoice, return authorisation or order number.")
    actor_id: int = Field(description="Who recorded it.")
    note: str = Field(description="What else was said.")
    at: dt.datetime = Field(description="When.")


class LotDetailOut(LotOut):
    movements: list[MovementOut] = Field(description="The lot's book, oldest first.")


class ReceiptOut(Schema):
    id: int = Field(description="The receipt's id.")
    lot_id: int = Field(description="The lot received.")
    lot_number: str = Field(description="Its lot number.")
    product: str = Field(description="Its product.")
    expires_on: dt.date = Field(description="Its expiry.")
    quantity: float = Field(description="Units the receiver recorded.")
    supplier: str = Field(description="Who delivered it.")
    supplier_dea_number: str = Field(description="The supplier's DEA number, when known.")
    invoice_number: str = Field(description="The invoice.")
    received_by_id: int = Field(description="Who recorded it.")
    received_at: dt.datetime = Field(description="When.")
    verified_by_id: int | None = Field(description="The second person who verified it.")
    verified_at: dt.datetime | None = Field(description="When.")
    movement_id: int | None = Field(description="The book's `received` movement.")
    rejected_by_id: int | None = Field(description="The second person who rejected it.")
    rejected_at: dt.datetime | None = Field(description="When.")
    rejection_reason: str = Field(description="Why.")
    pending: bool = Field(description="Awaiting a second person.")


class ReceiptFilter(Schema):
    pending: bool = Field(default=False, description="Only those awaiting a second person.")


_FLAGS = ("expired", "recalled", "status")


def _lot_out(line: LotLine) -> LotOut:
    return LotOut.model_validate(
        {
            **{name: getattr(line.lot, name) for name in LotOut.model_fields if name not in _FLAGS},
            "expired": line.expired,
            "recalled": line.recalled,
            "status": line.status,
        }
    )


def _receipt_out(row: Receipt) -> ReceiptOut:
    lot: Lot = row.lot
    return ReceiptOut.model_validate(
        {
            **{name: getattr(row, name) for name in ReceiptOut.model_fields if hasattr(row, name)},
            "lot_number": lot.lot_number,
            "product": lot.product,
            "expires_on": lot.expires_on,
            "pending": row.is_pending,
        }
    )


def _movement_out(row: StockMovement) -> MovementOut:
    return MovementOut.model_validate(row, from_attributes=True)


def _may(request: HttpRequest, use_case: str) -> User:
    """The caller, if their role may run `use_case` (403 before anything is looked up)."""
    user = actor(request)
    policy.require_role(user, policy.rule(use_case))
    return user


@router.get("/lots", response={200: list[LotOut], **ERRORS}, summary="Stock on hand by lot")
def list_lots(request: HttpRequest) -> list[LotOut]:
    """Every lot of the clinic with its units on hand, by product, the first to expire first."""
    lines = queries.lot_lines(_may(request, "read_stock"))
    audit_list(request, "pharmacy.Lot", [line.lot.pk for line in lines])
    return [_lot_out(line) for line in lines]


@router.get("/lots/{lot_id}", response={200: LotDetailOut, **ERRORS}, summary="A lot and its book")
def get_lot(request: HttpRequest, lot_id: int = id_in_path("lot")) -> LotDetailOut:
    user = _may(request, "read_stock")
    line = queries.lot_line(user, lot_id)
    audit_read(request, line.lot)
    book = [_movement_out(m) for m in queries.lot_book(user, line.lot)]
    return LotDetailOut(**_lot_out(line).model_dump(), movements=book)


@router.get("/receipts", response={200: list[ReceiptOut], **ERRORS}, summary="Receipts")
def list_receipts(request: HttpRequest, filters: Query[ReceiptFilter]) -> list[ReceiptOut]:
    """The clinic's receipts, newest first (`pending=1`: those awaiting a second person)."""
    rows = queries.receipts(_may(request, "read_stock"), pending=filters.pending)
    audit_list(request, "pharmacy.Receipt", [r.pk for r in rows])
    return [_receipt_out(r) for r in rows]


@router.post("/receipts", response={201: ReceiptOut, **WRITE_ERRORS}, summary="Record a receipt")
def receive_stock(request: HttpRequest, payload: ReceiptSpec) -> Status[ReceiptOut]:
    """Record a delivery of one lot: pending until a second person verifies it.

    The lot enters the lot master on its first receipt; a later receipt of the same lot
    number must match its product and expiry (422 naming the field).
    """
    user = _may(request, "receive_stock")
    if user.clinic is None:
        raise NotAllowed("Only staff of a clinic record its stock.")
    receipt = receipts.receive_stock(user, user.clinic, payload)
    return Status(201, _receipt_out(receipt))


@router.post(
    "/receipts/{receipt_id}/verify",
    response={200: ReceiptOut, **WRITE_ERRORS},
    summary="Verify a receipt",
)
def verify_receipt(
    request: HttpRequest, payload: VerifyReceiptSpec, receipt_id: int = id_in_path("receipt")
) -> ReceiptOut:
    """A second person's own count verifies it: its units go on hand.

    409 `second_person_needed` for its receiver; 409 `receipt_count_differs` when the
    count differs (reject it with the reason, and contact the supplier).
    """
    user = _may(request, "verify_receipt")
    verified = receipts.verify_receipt(user, queries.receipt(user, receipt_id), payload)
    return _receipt_out(verified)


@router.post(
    "/receipts/{receipt_id}/reject",
    response={200: ReceiptOut, **WRITE_ERRORS},
    summary="Reject a receipt",
)
def reject_receipt(
    request: HttpRequest, payload: RejectReceiptSpec, receipt_id: int = id_in_path("receipt")
) -> ReceiptOut:
    """A second person rejects it with the reason: nothing goes on hand."""
    user = _may(request, "reject_receipt")
    rejected = receipts.reject_receipt(user, queries.receipt(user, receipt_id), payload)
    return _receipt_out(rejected)


@router.post(
    "/lots/{lot_id}/transfers",
    response={201: MovementOut, **WRITE_ERRORS},
    summary="Transfer stock to another registrant",
)
def transfer_stock(
    request: HttpRequest, payload: TransferSpec, lot_id: int = id_in_path("lot")
) -> Status[MovementOut]:
    """Units of the lot to another DEA registrant. 409 `lot_short` beyond the lot's stock."""
    user = _may(request, "transfer_stock")
    movement = outgoing.transfer_stock(user, queries.lot_line(user, lot_id).lot, payload)
    return Status(201, _movement_out(movement))


@router.post(
    "/lots/{lot_id}/supplier-returns",
    response={201: MovementOut, **WRITE_ERRORS},
    summary="Return stock to its supplier",
)
def return_to_supplier(
    request: HttpRequest, payload: SupplierReturnSpec, lot_id: int = id_in_path("lot")
) -> Status[MovementOut]:
    """Units of the lot back to the supplier (an expired or recalled lot too)."""
    user = _may(request, "return_stock_to_supplier")
    movement = outgoing.return_to_supplier(user, queries.lot_line(user, lot_id).lot, payload)
    return Status(201, _movement_out(movement))
