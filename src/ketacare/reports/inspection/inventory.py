"""The initial or biennial inventory: every Schedule III lot on hand at one moment.

21 CFR 1304.11: the registrant's inventory of every controlled substance on hand, taken
at the opening or the close of business (the record says which), signed and dated. Each
lot's quantity is the stock book's at that moment (the last movement at or before it:
`on_hand_after`), not today's, so an inventory of a past day shows the stock of that day.
Every product of the lot master is ketamine or esketamine: Schedule III.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models import OuterRef, Subquery

from ketacare.kernel import clock
from ketacare.pharmacy.models import LEDGER_MAX_DIGITS, LEDGER_PLACES, Drug, Lot, StockMovement
from ketacare.reports.inspection.common import (
    Registrant,
    printed_at,
    registrant,
    strength_and_form,
    units,
)

if TYPE_CHECKING:
    from ketacare.accounts.models import User


class InventoryKind(models.TextChoices):
    INITIAL = "initial", "Initial inventory"
    BIENNIAL = "biennial", "Biennial inventory"


class BusinessHours(models.TextChoices):
    OPENING = "opening", "Taken at the opening of business"
    CLOSE = "close", "Taken at the close of business"


@dataclass(frozen=True)
class InventoryLine:
    substance: str
    product: str
    strength_and_form: str
    lot_number: str
    expires_on: str
    on_hand: Decimal
    on_hand_words: str
    count: str  # an estimate is allowed, or an exact count is required


@dataclass(frozen=True)
class InventoryRecord:
    template: ClassVar[str] = "reports/inspection/_inventory.html"
    title: ClassVar[str] = "Controlled substance inventory"
    what: ClassVar[str] = "inventory"

    registrant: Registrant
    kind: str
    business_hours: str
    as_of: str
    as_of_date: date
    taken_by: str
    schedule: str
    lines: tuple[InventoryLine, ...]
    printed_at: str

    @property
    def filename(self) -> str:
        return f"inventory-{self.as_of_date:%Y-%m-%d}.pdf"

    @property
    def audit_detail(self) -> dict[str, object]:
        return {"as_of": self.as_of, "kind": self.kind, "lots": len(self.lines)}


def _lots_then(actor: User, clinic_id: int, moment: datetime) -> list[Lot]:
    """The clinic's lots with their stock on hand at `moment` (one query), those above 0."""
    then = (
        StockMovement.objects.filter(lot=OuterRef("pk"), at__lte=moment)
        .order_by("-at", "-pk")
        .values("on_hand_after")[:1]
    )
    field: models.DecimalField[Decimal, Decimal] = models.DecimalField(
        max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES
    )
    return list(
        Lot.objects.visible_to(actor)
        .filter(clinic_id=clinic_id)
        .annotate(on_hand_then=Subquery(then, output_field=field))
        .filter(on_hand_then__gt=0)
        .order_by("product", "expires_on", "lot_number")
    )


def _line(reg: Registrant, lot: Lot) -> InventoryLine:
    on_hand: Decimal = lot.on_hand_then  # type: ignore[attr-defined]
    exact = on_hand > reg.law.exact_count_above
    return InventoryLine(
        substance=Drug(lot.drug).label,
        product=lot.product,
        strength_and_form=strength_and_form(lot),
        lot_number=lot.lot_number,
        expires_on=f"{lot.expires_on:%Y-%m-%d}",
        on_hand=on_hand,
        on_hand_words=units(lot, on_hand),
        count="Exact count required" if exact else "Estimated count allowed",
    )


def gather(
    actor: User,
    *,
    kind: InventoryKind = InventoryKind.BIENNIAL,
    business_hours: BusinessHours = BusinessHours.CLOSE,
    moment: datetime | None = None,
) -> InventoryRecord:
    """The inventory of the actor's clinic as of `moment` (default: now)."""
    reg = registrant(actor)
    at = moment or clock.now()
    lines = tuple(_line(reg, lot) for lot in _lots_then(actor, reg.clinic_id, at))
    return InventoryRecord(
        registrant=reg,
        kind=InventoryKind(kind).label,
        business_hours=BusinessHours(business_hours).label,
        as_of=reg.at(at),
        as_of_date=at.astimezone(reg.tz).date(),
        taken_by=actor.display_name,
        schedule=reg.law.schedule,
        lines=lines,
        printed_at=printed_at(reg),
    )
