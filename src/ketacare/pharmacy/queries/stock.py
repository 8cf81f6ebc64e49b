"""The clinic's stock as its pages and the API show it: lots on hand, pending receipts, a book.

Every read is scoped to the acting user (`visible_to`: the clinic's staff, or the
installation's superuser); a lot or receipt of another clinic is NotFound. Whether a lot
is expired is judged on the calendar of the lot's clinic (its time zone), as dispensing
judges it (pharmacy.stock.refuse_unless_dispensable: expired on its expiry day).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ketacare.kernel import clock
from ketacare.kernel.errors import NotFound
from ketacare.pharmacy.models import Lot, Receipt, StockMovement

if TYPE_CHECKING:
    from ketacare.accounts.models import Clinic, User


def clinic_today(clinic: Clinic) -> date:
    """Today on the clinic's calendar (its time zone), not UTC's."""
    return clock.now().astimezone(ZoneInfo(str(clinic.timezone))).date()


@dataclass(frozen=True)
class LotLine:
    """One lot with what the page and the API say of it on the clinic's today."""

    lot: Lot
    expired: bool
    recalled: bool

    @property
    def status(self) -> str:
        if self.recalled:
            return "recalled"
        if self.expired:
            return "expired"
        return "in date" if self.lot.on_hand > 0 else "empty"

    @property
    def dispensable(self) -> bool:
        return not (self.expired or self.recalled) and self.lot.on_hand > 0


@dataclass
class ProductStock:
    """A product's lots, the first to expire first, and their units on hand together."""

    product: str
    unit: str
    lots: list[LotLine] = field(default_factory=list)

    @property
    def on_hand(self) -> Decimal:
        return sum((line.lot.on_hand for line in self.lots), Decimal(0))

    @property
    def dispensable(self) -> Decimal:
        return sum((line.lot.on_hand for line in self.lots if line.dispensable), Decimal(0))


def _lines(lots: Iterable[Lot]) -> list[LotLine]:
    days: dict[int, date] = {}
    lines = []
    for lot in lots:
        if lot.clinic_id not in days:
            days[lot.clinic_id] = clinic_today(lot.clinic)
        today = days[lot.clinic_id]
        lines.append(LotLine(lot, expired=lot.expires_on <= today, recalled=lot.is_recalled))
    return lines


def lot_lines(actor: User) -> list[LotLine]:
    """Every lot of the actor's clinic, by product, the first to expire first."""
    lots = (
        Lot.objects.visible_to(actor)
        .select_related("clinic")
        .order_by("clinic_id", "product", "expires_on", "lot_number")
    )
    return _lines(lots)


def stock_by_product(actor: User) -> list[ProductStock]:
    """The lots of the actor's clinic grouped by product (its label name and shape)."""
    products: dict[tuple[object, ...], ProductStock] = {}
    for line in lot_lines(actor):
        lot = line.lot
        key = (lot.clinic_id, lot.product, lot.drug, *lot.product_key)
        group = products.setdefault(key, ProductStock(lot.product, lot.unit_word))
        group.lots.append(line)
    return list(products.values())


def visible_lot(actor: User, lot_id: int) -> Lot:
    """One lot of the actor's clinic; NotFound for any other, as for one that does not exist."""
    lot = Lot.objects.visible_to(actor).select_related("clinic").filter(pk=lot_id).first()
    if lot is None:
        raise NotFound("No such lot.")
    return lot


def lot_line(actor: User, lot_id: int) -> LotLine:
    """One lot of the actor's clinic (NotFound for any other)."""
    return _lines([visible_lot(actor, lot_id)])[0]


def lot_book(actor: User, lot: Lot) -> list[StockMovement]:
    """The lot's movements, oldest first; `on_hand_after` is the running balance."""
    return list(
        StockMovement.objects.visible_to(actor)
        .filter(lot=lot)
        .select_related("actor", "patient")
        .order_by("at", "pk")
    )


def receipts(actor: User, *, pending: bool = False) -> list[Receipt]:
    """The receipts of the actor's clinic, newest first; only those awaiting a second person."""
    rows = Receipt.objects.visible_to(actor).select_related(
        "lot", "received_by", "verified_by", "rejected_by"
    )
    if pending:
        rows = rows.filter(verified_at__isnull=True, rejected_at__isnull=True)
    return list(rows.order_by("-received_at", "-pk"))


def receipt(actor: User, receipt_id: int) -> Receipt:
    """One receipt of the actor's clinic (NotFound for any other)."""
    found = (
        Receipt.objects.visible_to(actor)
        .select_related("lot", "received_by", "verified_by", "rejected_by")
        .filter(pk=receipt_id)
        .first()
    )
    if found is None:
        raise NotFound
    return found
