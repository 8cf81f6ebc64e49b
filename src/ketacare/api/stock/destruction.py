"""Destruction of the clinic's stock: record one for a lot, list them, a witness confirms.

Mounted at /stock. Roles first (403), then the record of the caller's clinic (404).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from ketacare.api.access import actor, audit_list, audit_read
from ketacare.api.schemas import ERRORS, WRITE_ERRORS, id_in_path
from ketacare.kernel import policy
from ketacare.kernel.errors import NotFound
from ketacare.pharmacy.destruction import confirm_destruction, destroy_stock
from ketacare.pharmacy.models import Destruction, DestructionMethod, DestructionReason
from ketacare.pharmacy.queries import destruction as queries
from ketacare.pharmacy.queries import stock as stock_queries
from ketacare.pharmacy.specs.destruction import DestructionSpec

router = Router(tags=["stock"])


class DestructionOut(Schema):
    id: int = Field(description="The destruction's id.")
    lot_id: int = Field(description="The lot the units came from.")
    lot_number: str = Field(description="Its lot number.")
    product: str = Field(description="The product as its label names it.")
    unit: str = Field(description="tablets, sprays or devices.")
    quantity: float = Field(description="Units destroyed.")
    method: DestructionMethod = Field(description="How they were made non-retrievable.")
    reason: DestructionReason = Field(description="Why.")
    note: str = Field(description="What the method or reason 'other' was, and anything else.")
    destroyed_by_id: int = Field(description="Who destroyed them.")
    destroyed_at: dt.datetime = Field(description="When (the units left the book then).")
    first_witness_id: int = Field(description="The first witness.")
    first_confirmed_at: dt.datetime | None = Field(description="When they confirmed.")
    second_witness_id: int = Field(description="The second witness.")
    second_confirmed_at: dt.datetime | None = Field(description="When they confirmed.")
    complete: bool = Field(description="Both witnesses have confirmed.")
    awaiting_ids: list[int] = Field(description="The witnesses who have not confirmed yet.")


def _out(d: Destruction) -> DestructionOut:
    return DestructionOut(
        id=d.pk,
        lot_id=d.lot_id,
        lot_number=d.lot.lot_number,
        product=d.lot.product,
        unit=d.lot.unit,
        quantity=float(d.quantity),
        method=DestructionMethod(d.method),
        reason=DestructionReason(d.reason),
        note=d.note,
        destroyed_by_id=d.destroyed_by_id,
        destroyed_at=d.destroyed_at,
        first_witness_id=d.first_witness_id,
        first_confirmed_at=d.first_confirmed_at,
        second_witness_id=d.second_witness_id,
        second_confirmed_at=d.second_confirmed_at,
        complete=d.is_complete,
        awaiting_ids=[w.pk for w in queries.awaiting(d)],
    )


@router.post(
    "/lots/{lot_id}/destructions",
    response={201: DestructionOut, **WRITE_ERRORS},
    summary="Record a destruction of stock",
)
def record_destruction(
    request: HttpRequest, payload: DestructionSpec, lot_id: int = id_in_path("lot")
) -> Status[DestructionOut]:
    """A pharmacist destroyed units of the lot before two witnesses of the clinic.

    The units leave the book now (409 `lot_short` beyond what the lot holds); the record
    is complete when each witness has confirmed it (POST .../confirm, from their own sign-in).
    A witness who is not another pharmacist, prescriber or clinician of the clinic is a 422.
    """
    user = actor(request)
    policy.require_role(user, policy.rule("destroy_stock"))
    done = destroy_stock(user, stock_queries.visible_lot(user, lot_id), payload)
    return Status(201, _out(queries.destructions(user).get(pk=done.pk)))


@router.get("/destructions", response={200: list[DestructionOut], **ERRORS}, summary="Destructions")
def list_destructions(request: HttpRequest) -> list[DestructionOut]:
    """The clinic's destructions, newest first (a witness who does not see the stock: theirs)."""
    user = actor(request)
    queries.require_reader(user)
    rows = list(queries.destructions(user))
    audit_list(request, Destruction._meta.label, [d.pk for d in rows])
    return [_out(d) for d in rows]


def _readable(request: HttpRequest, destruction_id: int) -> Destruction:
    user = actor(request)
    queries.require_reader(user)
    found = queries.destructions(user).filter(pk=destruction_id).first()
    if found is None:
        raise NotFound("No such destruction.")
    return found


@router.get(
    "/destructions/{destruction_id}",
    response={200: DestructionOut, **ERRORS},
    summary="A destruction",
)
def get_destruction(
    request: HttpRequest, destruction_id: int = id_in_path("destruction")
) -> DestructionOut:
    """One destruction, with its witnesses and when each confirmed."""
    found = _readable(request, destruction_id)
    audit_read(request, found)
    return _out(found)


@router.post(
    "/destructions/{destruction_id}/confirm",
    response={200: DestructionOut, **WRITE_ERRORS},
    summary="Confirm a destruction as its witness",
)
def confirm(
    request: HttpRequest, destruction_id: int = id_in_path("destruction")
) -> DestructionOut:
    """A witness named on the destruction confirms it, signed in as themself (anyone else: 403).

    A second confirmation by the same witness is a 409 `already_confirmed`.
    """
    user = actor(request)
    policy.require_role(user, policy.rule("witness_destruction"))
    found = Destruction.objects.visible_to(user).filter(pk=destruction_id).first()
    if found is None:
        raise NotFound("No such destruction.")
    confirm_destruction(user, found)
    return _out(queries.destructions(user).get(pk=found.pk))
