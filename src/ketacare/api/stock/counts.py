"""Counts of the clinic's shelf, their discrepancies, losses, and the book's consistency check.

Mounted at /stock. Who may is kernel.policy's (`reconcile_stock`,
`explain_stock_discrepancy`, `report_stock_lost`, `read_stock`): the role is checked
before anything is looked up (403), and a lot or discrepancy of another clinic is a 404.
The rules are the services' (pharmacy.reconcile): a count never changes the book, a
count that differs is a discrepancy and an alert about the clinic; a discrepancy is
explained once (409 `discrepancy_explained`); a loss never beyond the lot (409
`lot_short`), and its alert names the duty to tell the DEA (21 CFR 1301.76(b)).
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from ketacare.accounts.models import User
from ketacare.api.access import actor, audit_list
from ketacare.api.schemas import ERRORS, WRITE_ERRORS, id_in_path
from ketacare.kernel import policy
from ketacare.pharmacy import reconcile
from ketacare.pharmacy.models import Reconciliation, StockCount, StockDiscrepancy
from ketacare.pharmacy.queries import reconcile as queries
from ketacare.pharmacy.queries import stock as stock_queries
from ketacare.pharmacy.specs.reconcile import ExplanationSpec, LossSpec, ReconciliationSpec
from ketacare.treatment.stock_book import book_against_ledgers, unlotted_dispenses

router = Router(tags=["stock"])


class CountOut(Schema):
    lot_id: int = Field(description="The lot counted.")
    lot_number: str = Field(description="Its lot number.")
    expected: float = Field(description="Units the book said, when it was counted.")
    counted: float = Field(description="Units on the shelf.")
    differs: bool = Field(description="Whether they differ (a discrepancy).")
    discrepancy_id: int | None = Field(description="The discrepancy, when they differ.")


class ReconciliationOut(Schema):
    id: int = Field(description="The count's id.")
    counted_by_id: int = Field(description="Who counted.")
    counted_at: dt.datetime = Field(description="When.")
    note: str = Field(description="What the count says.")
    counts: list[CountOut] = Field(description="One row a lot counted.")


class DiscrepancyOut(Schema):
    id: int = Field(description="The discrepancy's id.")
    lot_id: int = Field(description="The lot.")
    lot_number: str = Field(description="Its lot number.")
    expected: float = Field(description="Units the book said.")
    counted: float = Field(description="Units on the shelf.")
    difference: float = Field(description="Counted less expected (negative: units missing).")
    found_by_id: int = Field(description="Who counted.")
    found_at: dt.datetime = Field(description="When.")
    explained_by_id: int | None = Field(description="Who explained it; null: still open.")
    explained_at: dt.datetime | None = Field(description="When.")
    explanation: str = Field(description="What explains it.")


class DiscrepancyFilter(Schema):
    open: bool = Field(default=False, description="Only those not yet explained.")


class LossOut(Schema):
    id: int = Field(description="The book's `lost_or_stolen` movement.")
    lot_id: int = Field(description="The lot.")
    quantity: float = Field(description="Signed change of the lot's stock (negative).")
    on_hand_after: float = Field(description="The lot's stock after the loss.")
    reference: str = Field(description="The police report's reference, if any.")
    note: str = Field(description="What happened, when discovered, whether police were told.")
    at: dt.datetime = Field(description="When it was recorded.")


class InconsistencyOut(Schema):
    check: str = Field(description="ledger, patient_book, lot_on_hand or running_sum.")
    message: str = Field(description="What disagrees, in words.")
    expected: float = Field(description="What the other side says.")
    found: float = Field(description="What this side holds.")
    patient_id: int | None = Field(description="The patient, when about one.")
    lot_id: int | None = Field(description="The lot, when about one.")
    movement_id: int | None = Field(description="The movement, when about one.")


class UnlottedOut(Schema):
    patient_id: int = Field(description="The patient.")
    dispenses: int = Field(description="Their dispenses from before the lot master.")
    units: float = Field(description="Their units, net of voids.")


class CheckOut(Schema):
    consistent: bool = Field(description="No inconsistency.")
    inconsistencies: list[InconsistencyOut] = Field(description="Each one found.")
    unlotted: list[UnlottedOut] = Field(
        description="Dispenses from before the lot master, by patient (not in the book)."
    )


def _count_out(row: StockCount) -> CountOut:
    found = getattr(row, "discrepancy", None)
    return CountOut(
        lot_id=row.lot_id,
        lot_number=row.lot.lot_number,
        expected=float(row.expected),
        counted=float(row.counted),
        differs=row.differs,
        discrepancy_id=None if found is None else found.pk,
    )


def _reconciliation_out(row: Reconciliation) -> ReconciliationOut:
    return ReconciliationOut(
        id=row.pk,
        counted_by_id=row.counted_by_id,
        counted_at=row.counted_at,
        note=row.note,
        counts=[_count_out(c) for c in row.counts.all()],
    )


def _discrepancy_out(row: StockDiscrepancy) -> DiscrepancyOut:
    return DiscrepancyOut.model_validate(
        {
            **{n: getattr(row, n) for n in DiscrepancyOut.model_fields if n != "lot_number"},
            "lot_number": row.lot.lot_number,
        }
    )


def _may(request: HttpRequest, use_case: str) -> User:
    """The caller, if their role may run `use_case` (403 before anything is looked up)."""
    user = actor(request)
    policy.require_role(user, policy.rule(use_case))
    return user


@router.post(
    "/reconciliations",
    response={201: ReconciliationOut, **WRITE_ERRORS},
    summary="Count the shelf against the book",
)
def create_reconciliation(
    request: HttpRequest, payload: ReconciliationSpec
) -> Status[ReconciliationOut]:
    """Units on the shelf for some or all lots: each that differs is a discrepancy and an alert.

    The book is not changed. 422 for a lot not in the clinic's stock (`counts.<lot id>`),
    or half a unit of a lot that is not scored tablets.
    """
    user = _may(request, "reconcile_stock")
    clinic = user.clinic
    if clinic is None:
        raise Http404("No clinic.")
    done = reconcile.reconcile_stock(user, clinic, payload)
    again = Reconciliation.objects.prefetch_related("counts__lot", "counts__discrepancy")
    return Status(201, _reconciliation_out(again.get(pk=done.pk)))


@router.get(
    "/reconciliations",
    response={200: list[ReconciliationOut], **ERRORS},
    summary="Counts of the shelf",
)
def list_reconciliations(request: HttpRequest) -> list[ReconciliationOut]:
    """The clinic's counts, newest first (the last 50)."""
    rows = queries.reconciliations(_may(request, "read_stock"))
    audit_list(request, "pharmacy.Reconciliation", [r.pk for r in rows])
    return [_reconciliation_out(r) for r in rows]


@router.get(
    "/discrepancies",
    response={200: list[DiscrepancyOut], **ERRORS},
    summary="Stock discrepancies",
)
def list_discrepancies(
    request: HttpRequest, filters: Query[DiscrepancyFilter]
) -> list[DiscrepancyOut]:
    """Counts that differed from the book: open ones first, then the newest."""
    rows = list(queries.discrepancies(_may(request, "read_stock"), open_only=filters.open))
    audit_list(request, "pharmacy.StockDiscrepancy", [r.pk for r in rows])
    return [_discrepancy_out(r) for r in rows]


@router.post(
    "/discrepancies/{discrepancy_id}/explain",
    response={200: DiscrepancyOut, **WRITE_ERRORS},
    summary="Explain a stock discrepancy",
)
def explain_discrepancy(
    request: HttpRequest,
    payload: ExplanationSpec,
    discrepancy_id: int = id_in_path("discrepancy"),
) -> DiscrepancyOut:
    """What explains it (required): it is closed and its alert resolved; once (else 409)."""
    user = _may(request, "explain_stock_discrepancy")
    found = queries.discrepancy(user, discrepancy_id)
    if found is None:
        raise Http404("No such stock discrepancy.")
    explained = reconcile.explain_stock_discrepancy(user, found, payload)
    return _discrepancy_out(queries.discrepancies(user).get(pk=explained.pk))


@router.post(
    "/lots/{lot_id}/losses",
    response={201: LossOut, **WRITE_ERRORS},
    summary="Report clinic stock lost or stolen",
)
def report_loss(
    request: HttpRequest, payload: LossSpec, lot_id: int = id_in_path("lot")
) -> Status[LossOut]:
    """Units of the lot lost or stolen: they leave the book, and an alert names the DEA duty.

    A theft or significant loss is reported to the DEA within one business day of its
    discovery, on DEA Form 106 (21 CFR 1301.76(b)). 409 `lot_short` beyond the lot.
    """
    user = _may(request, "report_stock_lost")
    movement = reconcile.report_stock_lost(user, stock_queries.visible_lot(user, lot_id), payload)
    return Status(201, LossOut.model_validate(movement, from_attributes=True))


@router.get("/check", response={200: CheckOut, **ERRORS}, summary="The book against the ledgers")
def check_book(request: HttpRequest) -> CheckOut:
    """Whether the clinic's stock book sums consistently with its patients' ledgers and itself."""
    user = _may(request, "read_stock")
    if user.clinic_id is None:
        raise Http404("No clinic.")
    found = book_against_ledgers(user.clinic_id)
    return CheckOut(
        consistent=not found,
        inconsistencies=[InconsistencyOut.model_validate(f, from_attributes=True) for f in found],
        unlotted=[
            UnlottedOut.model_validate(u, from_attributes=True)
            for u in unlotted_dispenses(user.clinic_id)
        ],
    )
