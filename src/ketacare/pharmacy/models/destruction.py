"""Destruction of the clinic's stock, before two witnesses who each confirm it themselves.

The person who destroys units records what (the lot and how much), how (the method that
makes them non-retrievable, 21 CFR 1317.90) and why, naming two witnesses of the clinic
who may handle controlled substances. The units leave the book when it is recorded
(they are gone); the record is complete only when each witness has confirmed it from
their own signed-in account. An unconfirmed record is shown as such wherever it appears.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ketacare.accounts.models import Clinic
from ketacare.kernel.clock import now
from ketacare.pharmacy.models.base import LEDGER_MAX_DIGITS, LEDGER_PLACES, known
from ketacare.pharmacy.models.lots import Lot
from ketacare.pharmacy.models.movements import StockMovement
from ketacare.pharmacy.models.scoping import ClinicStockQuerySet


class DestructionMethod(models.TextChoices):
    CHEMICAL_DIGESTION = "chemical_digestion", "Chemical digestion kit (non-retrievable)"
    INCINERATION = "incineration", "Incineration"
    OTHER = "other", "Other (described in the note)"


class DestructionReason(models.TextChoices):
    EXPIRED = "expired", "Expired"
    RECALLED = "recalled", "Recalled"
    DAMAGED = "damaged", "Damaged or contaminated"
    OTHER = "other", "Other (described in the note)"


class Destruction(models.Model):
    """Units of one lot destroyed, witnessed by two other people of the clinic."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="destructions")
    quantity = models.DecimalField(max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES)
    method = models.CharField(max_length=24, choices=DestructionMethod.choices)
    reason = models.CharField(max_length=16, choices=DestructionReason.choices)
    note = models.TextField(blank=True)
    destroyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    destroyed_at = models.DateTimeField(default=now)
    movement = models.OneToOneField(
        StockMovement, on_delete=models.PROTECT, related_name="destruction"
    )
    first_witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    first_confirmed_at = models.DateTimeField(null=True, blank=True)
    second_witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    second_confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = ClinicStockQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-destroyed_at", "-pk"]
        constraints: ClassVar = [
            known("method", DestructionMethod, "destruction_method_known"),
            known("reason", DestructionReason, "destruction_reason_known"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="destruction_quantity_positive"
            ),
            models.CheckConstraint(
                condition=~Q(first_witness=F("destroyed_by"))
                & ~Q(second_witness=F("destroyed_by"))
                & ~Q(first_witness=F("second_witness")),
                name="destruction_three_different_people",
            ),
            models.CheckConstraint(
                condition=Q(
                    method__in=[
                        DestructionMethod.CHEMICAL_DIGESTION,
                        DestructionMethod.INCINERATION,
                    ]
                )
                & Q(
                    reason__in=[
                        DestructionReason.EXPIRED,
                        DestructionReason.RECALLED,
                        DestructionReason.DAMAGED,
                    ]
                )
                | ~Q(note=""),
                name="destruction_other_is_described",
            ),
        ]

    def __str__(self) -> str:
        return f"Destruction {self.pk}: {self.quantity} of lot {self.lot_id}"

    @property
    def is_complete(self) -> bool:
        """Both witnesses have confirmed it from their own accounts."""
        return self.first_confirmed_at is not None and self.second_confirmed_at is not None
