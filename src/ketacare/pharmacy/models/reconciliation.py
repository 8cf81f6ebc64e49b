"""Reconciliation: the stock counted on the shelf against the book, lot by lot.

A count never changes the book. A lot whose count differs from its book is a stock
discrepancy: a diversion finding at the clinic's level, raised as an alert, explained
(and closed) by a person of the clinic with what they found; a real loss is then recorded
as a loss (pharmacy.models.movements, LOST_OR_STOLEN) and drafts the theft or loss report.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ketacare.accounts.models import Clinic
from ketacare.kernel.clock import now
from ketacare.pharmacy.models.base import LEDGER_MAX_DIGITS, LEDGER_PLACES
from ketacare.pharmacy.models.lots import Lot
from ketacare.pharmacy.models.scoping import ClinicStockQuerySet


class Reconciliation(models.Model):
    """One count of the clinic's shelf: one row a lot counted."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    counted_at = models.DateTimeField(default=now)
    note = models.TextField(blank=True)

    objects = ClinicStockQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-counted_at", "-pk"]

    def __str__(self) -> str:
        return f"Reconciliation {self.pk} of clinic {self.clinic_id}"


class StockCount(models.Model):
    """What was on the shelf of one lot, against what the book said."""

    reconciliation = models.ForeignKey(
        Reconciliation, on_delete=models.PROTECT, related_name="counts"
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="counts")
    expected = models.DecimalField(max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES)
    counted = models.DecimalField(max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES)

    class Meta:
        ordering: ClassVar = ["reconciliation", "lot"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["reconciliation", "lot"], name="one_count_a_lot_a_reconciliation"
            ),
            models.CheckConstraint(
                condition=Q(expected__gte=0, counted__gte=0), name="stock_count_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"Lot {self.lot_id}: counted {self.counted}, book {self.expected}"

    @property
    def differs(self) -> bool:
        return self.counted != self.expected


class StockDiscrepancy(models.Model):
    """A count that differs from the book: may be diversion; an alert until explained."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="discrepancies")
    count = models.OneToOneField(StockCount, on_delete=models.PROTECT, related_name="discrepancy")
    expected = models.DecimalField(max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES)
    counted = models.DecimalField(max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES)
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    found_at = models.DateTimeField(default=now)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    explained_at = models.DateTimeField(null=True, blank=True)
    explanation = models.TextField(blank=True)

    objects = ClinicStockQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-found_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~Q(expected=F("counted")), name="stock_discrepancy_counts_differ"
            ),
            models.CheckConstraint(
                condition=Q(explained_by__isnull=True, explained_at__isnull=True, explanation="")
                | (Q(explained_by__isnull=False, explained_at__isnull=False) & ~Q(explanation="")),
                name="stock_discrepancy_explained_with_who_when_what",
            ),
        ]

    def __str__(self) -> str:
        return f"Lot {self.lot_id}: counted {self.counted}, book {self.expected}"

    @property
    def difference(self) -> Decimal:
        return self.counted - self.expected
