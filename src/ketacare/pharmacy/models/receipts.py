"""Receipts: stock comes in on one person's word and goes on the shelf on a second's.

The person who receives a delivery records it (supplier, invoice, product, lot, expiry,
quantity); the stock counts as on hand only when another person of the clinic who may
handle controlled substances verifies it from their own account (their own count), or it
is rejected with a reason. Until then the lot holds nothing that can be dispensed.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ketacare.accounts.models import Clinic
from ketacare.kernel.clock import now
from ketacare.pharmacy.models.base import LEDGER_MAX_DIGITS, LEDGER_PLACES
from ketacare.pharmacy.models.lots import Lot
from ketacare.pharmacy.models.movements import StockMovement
from ketacare.pharmacy.models.scoping import ClinicStockQuerySet


class Receipt(models.Model):
    """One delivery of one lot, received by one person and verified by another."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="receipts")
    quantity = models.DecimalField(max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES)
    supplier = models.CharField(max_length=200)
    supplier_dea_number = models.CharField(max_length=9, blank=True)
    invoice_number = models.CharField(max_length=100)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(default=now)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    movement = models.OneToOneField(
        StockMovement, on_delete=models.PROTECT, null=True, blank=True, related_name="receipt"
    )
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)

    objects = ClinicStockQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-received_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="receipt_quantity_positive"),
            models.CheckConstraint(
                condition=~Q(verified_by=F("received_by")), name="receipt_verifier_not_receiver"
            ),
            models.CheckConstraint(
                condition=~Q(rejected_by=F("received_by")), name="receipt_rejecter_not_receiver"
            ),
            models.CheckConstraint(
                condition=Q(
                    verified_by__isnull=True, verified_at__isnull=True, movement__isnull=True
                )
                | Q(verified_by__isnull=False, verified_at__isnull=False, movement__isnull=False),
                name="receipt_verified_with_its_movement",
            ),
            models.CheckConstraint(
                condition=Q(rejected_by__isnull=True, rejected_at__isnull=True, rejection_reason="")
                | (
                    Q(rejected_by__isnull=False, rejected_at__isnull=False)
                    & ~Q(rejection_reason="")
                    & Q(verified_by__isnull=True)
                ),
                name="receipt_rejected_with_reason_never_verified",
            ),
        ]

    def __str__(self) -> str:
        return f"Receipt {self.pk}: {self.quantity} of lot {self.lot_id}"

    @property
    def is_pending(self) -> bool:
        return self.verified_at is None and self.rejected_at is None
