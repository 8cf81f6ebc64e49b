"""Counts of the shelf and their discrepancies as the pages and the API show them.

Scoped to the acting user (`visible_to`: the clinic's staff, or the installation's
superuser). The lots a count offers are those with stock on hand or a book at all
(a lot emptied by its movements is still counted: its shelf should be empty).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from ketacare.pharmacy.models import Lot, Reconciliation, StockDiscrepancy, StockMovement

if TYPE_CHECKING:
    from ketacare.accounts.models import User

# A page of counts: the newest first.
RECENT = 50


def countable_lots(actor: User) -> list[Lot]:
    """The lots of the actor's clinic with stock on hand or any movement, by product."""
    moved = StockMovement.objects.filter(lot=OuterRef("pk"))
    lots = Lot.objects.visible_to(actor).filter(Q(on_hand__gt=0) | Exists(moved))
    return list(lots.order_by("product", "expires_on", "lot_number"))


def reconciliations(actor: User, *, limit: int = RECENT) -> list[Reconciliation]:
    """The clinic's counts, newest first, each with its counts and their lots."""
    rows = (
        Reconciliation.objects.visible_to(actor)
        .select_related("counted_by")
        .prefetch_related("counts__lot", "counts__discrepancy")
    )
    return list(rows.order_by("-counted_at", "-pk")[:limit])


def discrepancies(actor: User, *, open_only: bool = False) -> QuerySet[StockDiscrepancy]:
    """The clinic's stock discrepancies, open ones first, then the newest first."""
    rows = StockDiscrepancy.objects.visible_to(actor).select_related(
        "lot", "found_by", "explained_by"
    )
    if open_only:
        rows = rows.filter(explained_at__isnull=True)
    return rows.order_by(F("explained_at").desc(nulls_first=True), "-found_at", "-pk")


def discrepancy(actor: User, discrepancy_id: int) -> StockDiscrepancy | None:
    """One discrepancy of the actor's clinic, or None."""
    return discrepancies(actor).filter(pk=discrepancy_id).first()
