"""The lot master: every lot of a controlled product the clinic holds, and its stock on hand.

A lot is entered once, when its first receipt is recorded (product, lot number, expiry,
supplier), and every later movement names it. `on_hand` is the running sum of the lot's
movements (pharmacy.models.movements), kept under the lot's row lock; a CHECK keeps it
at zero or above, so no race can overdraw a lot. A recalled lot keeps its stock until
it is returned or destroyed, but nothing more is dispensed from it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketacare.accounts.models import Clinic
from ketacare.kernel.clock import now
from ketacare.pharmacy.models.base import LEDGER_MAX_DIGITS, LEDGER_PLACES, known
from ketacare.pharmacy.models.product import LedgerUnit, Product
from ketacare.pharmacy.models.scoping import ClinicStockQuerySet


class Lot(Product):
    """One manufacturer's lot of one product at one clinic."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="lots")
    product = models.CharField(max_length=200, help_text="The product as its label names it.")
    unit = models.CharField(max_length=8, choices=LedgerUnit.choices)
    lot_number = models.CharField(max_length=40)
    expires_on = models.DateField()
    supplier = models.CharField(max_length=200)
    on_hand = models.DecimalField(
        max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES, default=Decimal(0)
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    recalled_at = models.DateTimeField(null=True, blank=True)
    recalled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recall_reason = models.TextField(blank=True)
    recall_reference = models.CharField(
        max_length=100, blank=True, help_text="The manufacturer's or FDA's recall number."
    )

    objects = ClinicStockQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["clinic", "expires_on", "lot_number"]
        constraints: ClassVar = [
            Product.shape_constraint("lot_product_shape"),
            known("unit", LedgerUnit, "lot_unit_known"),
            models.UniqueConstraint(
                fields=["clinic", "lot_number"], name="one_lot_number_a_clinic"
            ),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="lot_on_hand_never_negative"),
            models.CheckConstraint(
                condition=Q(recalled_at__isnull=True, recalled_by__isnull=True, recall_reason="")
                | (Q(recalled_at__isnull=False, recalled_by__isnull=False) & ~Q(recall_reason="")),
                name="lot_recall_has_who_when_why",
            ),
        ]

    def __str__(self) -> str:
        return f"Lot {self.lot_number} of {self.product}"

    @property
    def is_recalled(self) -> bool:
        return self.recalled_at is not None
