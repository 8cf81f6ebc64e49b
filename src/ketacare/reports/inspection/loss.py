"""A draft of the theft or significant loss report (the fields of DEA Form 106).

21 CFR 1301.76(b): the registrant notifies the DEA Field Division in writing within one
business day of discovering a theft or significant loss, and files the report. ketacare
drafts it from the clinic's own records: a LOST_OR_STOLEN movement of the stock book (with
every other one of the same reference: one incident across lots), or a stock discrepancy
found at a count. The registrant files it through the DEA's own system; the draft says so.
A patient's report that their own medication was lost or stolen (a treatment ledger event)
is not on it: those units had left the registrant's stock when they were dispensed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django.db.models import F

from ketacare.kernel.errors import NotFound
from ketacare.pharmacy.models import Lot, MovementKind, StockDiscrepancy, StockMovement
from ketacare.reports.inspection.common import (
    NOT_RECORDED,
    Registrant,
    printed_at,
    registrant,
    strength_and_form,
    units,
)

if TYPE_CHECKING:
    from ketacare.accounts.models import User

PATIENT_LOSSES = (
    "Losses that patients report of their own medication (recorded in their ledgers) are "
    "not on this report: those units had been dispensed and were no longer the "
    "registrant's stock."
)


@dataclass(frozen=True)
class LossLine:
    product: str
    strength_and_form: str
    lot_number: str
    quantity: Decimal
    quantity_words: str


@dataclass(frozen=True)
class LossReport:
    template: ClassVar[str] = "reports/inspection/_loss.html"
    title: ClassVar[str] = "Report of theft or loss of controlled substances"
    what: ClassVar[str] = "loss"

    registrant: Registrant
    source: str  # "stock book entry 12" or "count discrepancy 3"
    discovered_on: date
    discovered_at: str
    loss_type: str
    lines: tuple[LossLine, ...]
    reference: str
    recorded_by: str
    patient_losses: str
    printed_at: str

    @property
    def filename(self) -> str:
        return f"loss-report-draft-{self.discovered_on:%Y-%m-%d}.pdf"

    @property
    def audit_detail(self) -> dict[str, object]:
        return {"source": self.source}


def _line(lot: Lot, lost: Decimal) -> LossLine:
    return LossLine(
        product=lot.product,
        strength_and_form=strength_and_form(lot),
        lot_number=lot.lot_number,
        quantity=lost,
        quantity_words=units(lot, lost),
    )


def gather(actor: User, movement_id: int) -> LossReport:
    """The draft for a LOST_OR_STOLEN movement of the actor's clinic (NotFound otherwise)."""
    reg = registrant(actor)
    losses = StockMovement.objects.visible_to(actor).filter(
        clinic_id=reg.clinic_id, kind=MovementKind.LOST_OR_STOLEN
    )
    movement = losses.filter(pk=movement_id).select_related("actor", "lot").first()
    if movement is None:
        msg = "No loss of your clinic's stock has this number."
        raise NotFound(msg)
    incident = [movement]
    if movement.reference:
        incident = list(
            losses.filter(reference=movement.reference).select_related("lot").order_by("at", "pk")
        )
    return LossReport(
        registrant=reg,
        source=f"stock book entry {movement.pk}",
        discovered_on=movement.at.astimezone(reg.tz).date(),
        discovered_at=reg.at(movement.at),
        loss_type=movement.note or NOT_RECORDED,
        lines=tuple(_line(m.lot, -m.quantity) for m in incident),
        reference=movement.reference or NOT_RECORDED,
        recorded_by=movement.actor.display_name,
        patient_losses=PATIENT_LOSSES,
        printed_at=printed_at(reg),
    )


def gather_discrepancy(actor: User, discrepancy_id: int) -> LossReport:
    """The draft for units missing at a count (a discrepancy with fewer counted than booked)."""
    reg = registrant(actor)
    found = (
        StockDiscrepancy.objects.visible_to(actor)
        .filter(clinic_id=reg.clinic_id, pk=discrepancy_id, counted__lt=F("expected"))
        .select_related("lot", "found_by")
        .first()
    )
    if found is None:
        msg = "No count of your clinic found units missing under this number."
        raise NotFound(msg)
    explained = found.explanation or "Not explained yet"
    return LossReport(
        registrant=reg,
        source=f"count discrepancy {found.pk}",
        discovered_on=found.found_at.astimezone(reg.tz).date(),
        discovered_at=reg.at(found.found_at),
        loss_type=f"Missing at a count of the stock ({explained})",
        lines=(_line(found.lot, found.expected - found.counted),),
        reference=f"Count {found.count_id}",
        recorded_by=found.found_by.display_name,
        patient_losses=PATIENT_LOSSES,
        printed_at=printed_at(reg),
    )
