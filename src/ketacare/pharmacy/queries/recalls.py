"""Who received a lot, read from the stock book; the clinic's lots and their recalls.

A patient received units of a lot when their dispenses from it (DISPENSED movements,
negative on the book) outweigh the dispenses voided (DISPENSE_VOIDED, positive): the net
is what the clinic handed them of that lot. A patient whose every dispense was voided
received nothing, and is no recipient. One query, however many patients.

"Who received lot X" with each patient's ledger balance and contact details reads the
patients' ledgers too: treatment.recall_lookup builds it on `recipients`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum

from ketacare.kernel.errors import NotFound
from ketacare.pharmacy.models import PATIENT_KINDS, Lot, MovementKind, RecallTask, StockMovement

if TYPE_CHECKING:
    from ketacare.accounts.models import User

NO_SUCH_LOT = "No lot of that number or id is in your clinic's stock."


@dataclass(frozen=True)
class Recipient:
    """What one patient received of one lot: the net units, first and last dispense."""

    patient_id: int
    units: Decimal
    first_dispensed_at: datetime
    last_dispensed_at: datetime


def recipients(lot: Lot) -> list[Recipient]:
    """The patients whose net units of `lot` are above zero, by patient id (one query)."""
    dispensed = Q(kind=MovementKind.DISPENSED)
    rows = (
        StockMovement.objects.filter(lot_id=lot.pk, kind__in=PATIENT_KINDS)
        .values("patient_id")
        .annotate(
            # DISPENSED is negative on the book, DISPENSE_VOIDED positive: minus the sum
            # is what the patient kept.
            book=Sum("quantity"),
            first=Min("at", filter=dispensed),
            last=Max("at", filter=dispensed),
        )
        .filter(book__lt=0)
        .order_by("patient_id")
    )
    return [
        Recipient(
            patient_id=row["patient_id"],
            units=-row["book"],
            first_dispensed_at=row["first"],
            last_dispensed_at=row["last"],
        )
        for row in rows
    ]


def clinic_lots(actor: User | Any) -> QuerySet[Lot]:
    """The lots `actor` may see: their own clinic's (a superuser of no clinic: every one)."""
    lots = Lot.objects.visible_to(actor)
    clinic_id = getattr(actor, "clinic_id", None)
    return lots.filter(clinic_id=clinic_id) if clinic_id is not None else lots


def lot_of(actor: User | Any, *, lot_id: int | None = None, lot_number: str = "") -> Lot:
    """The lot of the actor's clinic with this id or number; NotFound otherwise.

    Another clinic's lot is not found, exactly as a lot that does not exist.
    """
    lots = clinic_lots(actor)
    if lot_id is not None:
        lots = lots.filter(pk=lot_id)
    else:
        lots = lots.filter(lot_number=lot_number.strip())
    found = list(lots[:2])
    if len(found) != 1:  # a superuser of no clinic: a number names one lot of each clinic
        raise NotFound(NO_SUCH_LOT)
    return found[0]


def recalled_lots(actor: User | Any) -> list[Lot]:
    """The clinic's recalled lots, latest first, with `tasks` and `open_tasks` counted."""
    lots = (
        clinic_lots(actor)
        .filter(recalled_at__isnull=False)
        .annotate(
            tasks=Count("recall_tasks"),
            open_tasks=Count("recall_tasks", filter=Q(recall_tasks__done_at__isnull=True)),
        )
        .order_by("-recalled_at", "-pk")
    )
    return list(lots)


def recall_tasks(actor: User | Any, *, open_only: bool = False) -> list[RecallTask]:
    """The recall tasks of the clinic's lots, open first, with their lot and patient."""
    tasks = RecallTask.objects.visible_to(actor).filter(lot__in=clinic_lots(actor))
    if open_only:
        tasks = tasks.filter(done_at__isnull=True)
    return list(
        tasks.select_related("lot", "patient", "done_by").order_by(
            F("done_at").asc(nulls_first=True), "pk"
        )
    )


def recall_task_of(actor: User | Any, task_id: int) -> RecallTask:
    """One recall task of the actor's clinic, with its lot and patient; NotFound otherwise."""
    task = (
        RecallTask.objects.visible_to(actor)
        .filter(pk=task_id, lot__in=clinic_lots(actor))
        .select_related("lot", "patient", "done_by")
        .first()
    )
    if task is None:
        raise NotFound("No such recall task.")
    return task
