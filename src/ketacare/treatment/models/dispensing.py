"""Dispenses: a pharmacist fills (part of) a prescription into the patient's ledger."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketacare.kernel.clock import now
from ketacare.patients.models import Patient
from ketacare.patients.scoping import ScopedQuerySet
from ketacare.pharmacy.models import Lot, StockMovement
from ketacare.treatment.models.ledger import LedgerEvent
from ketacare.treatment.models.prescriptions import Prescription


class Dispense(models.Model):
    """One dispense of a prescription by a pharmacist: adds `quantity` to the ledger.

    Part `part` of fill `fill_number`: a fill may be dispensed in parts until its quantity
    is reached (21 CFR 1306.23), and one dispense never straddles two fills. Never deleted:
    its pharmacist voids it with a reason (a `dispense_reversed` ledger event takes the
    units back out), and a correction is a new dispense that `corrects` the voided one.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="dispenses")
    prescription = models.ForeignKey(
        Prescription, on_delete=models.PROTECT, related_name="dispenses"
    )
    fill_number = models.PositiveSmallIntegerField()
    part = models.PositiveSmallIntegerField(default=1, help_text="The part of the fill.")
    quantity = models.PositiveIntegerField()
    # The lot it was drawn from (the clinic's lot master) and its two stock movements; a
    # dispense recorded before the lot master (issue 17) names its lot in words only.
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="dispenses"
    )
    stock_draw = models.OneToOneField(
        StockMovement, on_delete=models.PROTECT, null=True, blank=True, related_name="dispense"
    )
    stock_return = models.OneToOneField(
        StockMovement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="voided_dispense",
    )
    lot_number = models.CharField(max_length=40)
    expires_on = models.DateField()
    early = models.BooleanField(default=False, help_text="Before the earliest refill date.")
    early_reason = models.TextField(blank=True)
    ledger_event = models.OneToOneField(
        LedgerEvent, on_delete=models.PROTECT, related_name="dispense"
    )
    dispensed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    dispensed_at = models.DateTimeField(default=now)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)
    reversal_event = models.OneToOneField(
        LedgerEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_dispense",
    )
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        help_text="The voided dispense this one replaces.",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-dispensed_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["prescription", "fill_number", "part"], name="one_dispense_per_fill_part"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="dispense_quantity_positive"),
            models.CheckConstraint(condition=Q(fill_number__gte=1), name="dispense_fill_gte_1"),
            models.CheckConstraint(condition=Q(part__gte=1), name="dispense_part_gte_1"),
            models.CheckConstraint(
                condition=Q(early=False) | ~Q(early_reason=""), name="early_dispense_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(
                    voided_by__isnull=True,
                    voided_at__isnull=True,
                    void_reason="",
                    reversal_event__isnull=True,
                )
                | (
                    Q(voided_by__isnull=False, voided_at__isnull=False)
                    & Q(reversal_event__isnull=False)
                    & ~Q(void_reason="")
                ),
                name="dispense_void_has_who_when_why_and_reversal",
            ),
        ]

    def __str__(self) -> str:
        return f"Fill {self.fill_number} part {self.part} of prescription {self.prescription_id}"

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None
