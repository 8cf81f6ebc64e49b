"""The destruction record (the fields of DEA Form 41): what, how much, how, why, who saw it.

21 CFR 1304.21(e), 1317.95: a record of each destruction, with the two employees who
witnessed it. Each witness confirmed it from their own signed-in account; one who has not
(yet) is shown as "NOT CONFIRMED", plainly, never left blank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar

from ketacare.kernel.errors import NotFound
from ketacare.pharmacy.models import Destruction
from ketacare.reports.inspection.common import (
    Registrant,
    printed_at,
    registrant,
    strength_and_form,
    units,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from ketacare.accounts.models import User

NOT_CONFIRMED = "NOT CONFIRMED"


@dataclass(frozen=True)
class Witness:
    name: str
    confirmed: str  # when, on the clinic's clock, or NOT_CONFIRMED
    has_confirmed: bool


@dataclass(frozen=True)
class DestructionLine:
    number: int
    destroyed_at: str
    product: str
    strength_and_form: str
    lot_number: str
    quantity: str
    method: str
    reason: str
    note: str
    destroyed_by: str
    witnesses: tuple[Witness, Witness]

    @property
    def complete(self) -> bool:
        return all(w.has_confirmed for w in self.witnesses)


@dataclass(frozen=True)
class DestructionRecord:
    template: ClassVar[str] = "reports/inspection/_destructions.html"
    title: ClassVar[str] = "Record of controlled substances destroyed"
    what: ClassVar[str] = "destructions"

    registrant: Registrant
    period: str
    lines: tuple[DestructionLine, ...]
    printed_at: str

    @property
    def filename(self) -> str:
        return f"destructions-{self.period.replace(' ', '-').lower()}.pdf"

    @property
    def audit_detail(self) -> dict[str, object]:
        return {"period": self.period, "ids": [line.number for line in self.lines]}


def _witness(reg: Registrant, who: User, at: datetime | None) -> Witness:
    if at is None:
        return Witness(who.display_name, NOT_CONFIRMED, has_confirmed=False)
    return Witness(who.display_name, reg.at(at), has_confirmed=True)


def _line(reg: Registrant, d: Destruction) -> DestructionLine:
    return DestructionLine(
        number=d.pk,
        destroyed_at=reg.at(d.destroyed_at),
        product=d.lot.product,
        strength_and_form=strength_and_form(d.lot),
        lot_number=d.lot.lot_number,
        quantity=units(d.lot, d.quantity),
        method=d.get_method_display(),
        reason=d.get_reason_display(),
        note=d.note,
        destroyed_by=d.destroyed_by.display_name,
        witnesses=(
            _witness(reg, d.first_witness, d.first_confirmed_at),
            _witness(reg, d.second_witness, d.second_confirmed_at),
        ),
    )


def _rows(actor: User, reg: Registrant) -> QuerySet[Destruction]:
    return (
        Destruction.objects.visible_to(actor)
        .filter(clinic_id=reg.clinic_id)
        .select_related("lot", "destroyed_by", "first_witness", "second_witness")
        .order_by("destroyed_at", "pk")
    )


def _record(reg: Registrant, period: str, found: list[Destruction]) -> DestructionRecord:
    return DestructionRecord(
        registrant=reg,
        period=period,
        lines=tuple(_line(reg, d) for d in found),
        printed_at=printed_at(reg),
    )


def gather(actor: User, *, first: date, last: date) -> DestructionRecord:
    """Every destruction of the actor's clinic from `first` to `last` (the clinic's days)."""
    reg = registrant(actor)
    start, end = reg.day_bounds(first, last)
    found = list(_rows(actor, reg).filter(destroyed_at__gte=start, destroyed_at__lt=end))
    return _record(reg, f"{first:%Y-%m-%d} to {last:%Y-%m-%d}", found)


def gather_one(actor: User, destruction_id: int) -> DestructionRecord:
    """One destruction; NotFound for a number the actor's clinic does not hold."""
    reg = registrant(actor)
    found = list(_rows(actor, reg).filter(pk=destruction_id))
    if not found:
        msg = "No destruction of your clinic has this number."
        raise NotFound(msg)
    return _record(reg, f"Destruction {destruction_id}", found)
