"""Prescriptions for the plan's product, and the patients' refill requests."""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.timezone import localtime

from ketacare.clinical import dosing
from ketacare.kernel.clock import now
from ketacare.patients.models import Patient
from ketacare.patients.scoping import ScopedQuerySet
from ketacare.pharmacy.models.product import LedgerUnit, Product
from ketacare.treatment.models.base import known
from ketacare.treatment.models.plans import TreatmentPlan


class PrescriptionState(models.TextChoices):
    """Where a prescription stands; only an active one is dispensed."""

    ACTIVE = "active", "Active"
    AWAITING_COSIGN = "awaiting_cosign", "Awaiting co-sign"
    VOIDED = "voided", "Voided"


class Prescription(Product):
    """A prescription for the plan's product: `quantity` units a fill, `refills` more fills.

    A fill may be dispensed in parts (21 CFR 1306.23 allows partial fills of Schedule III):
    `fills_dispensed` counts the fills started, `dispensed_quantity` the units dispensed
    and not voided. A prescription for more units than the plan still needs carries the
    prescriber's `quantity_reason` and waits for a second prescriber's co-sign before any
    dispensing. A prescription is never deleted nor edited: its author voids it (with a
    reason), and a correction is a new prescription that `corrects` the voided one.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="prescriptions")
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="prescriptions")
    product = models.CharField(max_length=200, help_text="The product as the prescriber names it.")
    unit = models.CharField(max_length=8, choices=LedgerUnit.choices)
    quantity = models.PositiveIntegerField(help_text="Units per fill.")
    refills = models.PositiveSmallIntegerField(default=0)
    directions = models.TextField()
    earliest_refill_on = models.DateField(null=True, blank=True)
    # Running totals, updated under the prescription's row lock; the constraints below
    # make dispensing beyond the prescription impossible even if the lock were missed.
    dispensed_quantity = models.PositiveIntegerField(default=0)
    fills_dispensed = models.PositiveSmallIntegerField(
        default=0, help_text="Fills started (a fill may be dispensed in parts)."
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=now)
    # Who wrote it and for whom, as they were when it was written (21 CFR 1306.05(a)):
    # copied from the prescriber's account and the patient's record, kept if they change.
    prescriber_dea_number = models.CharField("prescriber's DEA number", max_length=9, blank=True)
    prescriber_npi = models.CharField("prescriber's NPI", max_length=10, blank=True)
    patient_address = models.TextField("patient's address", blank=True)
    # More units than the plan still needs: the prescriber's reason, and a second
    # prescriber's co-sign before any dispensing.
    quantity_reason = models.TextField(
        blank=True, help_text="Why more units than the plan still needs."
    )
    needs_cosign = models.BooleanField(default=False)
    cosigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cosigned_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        help_text="The voided prescription this one replaces.",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-written_at", "-pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="rx_quantity_positive"),
            models.CheckConstraint(
                condition=Q(dispensed_quantity__lte=F("quantity") * (F("refills") + 1)),
                name="rx_never_dispensed_beyond_quantity_and_refills",
            ),
            models.CheckConstraint(
                condition=Q(fills_dispensed__lte=F("refills") + 1),
                name="rx_never_filled_beyond_refills",
            ),
            # A dispense never straddles two fills: the units dispensed fit the fills started.
            models.CheckConstraint(
                condition=Q(dispensed_quantity__lte=F("quantity") * F("fills_dispensed")),
                name="rx_dispensed_within_fills_started",
            ),
            models.CheckConstraint(
                condition=Q(refills=0) | Q(earliest_refill_on__isnull=False),
                name="rx_refills_have_earliest_date",
            ),
            models.CheckConstraint(
                condition=Q(needs_cosign=False) | ~Q(quantity_reason=""),
                name="rx_cosign_has_a_reason",
            ),
            models.CheckConstraint(
                condition=Q(cosigned_by__isnull=True, cosigned_at__isnull=True)
                | Q(needs_cosign=True, cosigned_by__isnull=False, cosigned_at__isnull=False),
                name="rx_cosigned_only_when_needed_with_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(cosigned_by__isnull=True) | ~Q(cosigned_by=F("written_by")),
                name="rx_cosigner_is_not_the_writer",
            ),
            models.CheckConstraint(
                condition=Q(needs_cosign=False)
                | Q(cosigned_at__isnull=False)
                | Q(dispensed_quantity=0, fills_dispensed=0),
                name="rx_no_dispense_before_cosign",
            ),
            models.CheckConstraint(
                condition=Q(voided_by__isnull=True, voided_at__isnull=True, void_reason="")
                | (Q(voided_by__isnull=False, voided_at__isnull=False) & ~Q(void_reason="")),
                name="rx_void_has_who_when_and_why",
            ),
            known("unit", LedgerUnit, "rx_unit_known"),
            Product.shape_constraint("rx_product_shape"),
        ]

    def __str__(self) -> str:
        return f"Prescription {self.pk}: {self.product} x {self.quantity} + {self.refills} refills"

    @property
    def fills_allowed(self) -> int:
        return self.refills + 1

    @property
    def quantity_left(self) -> int:
        return self.quantity * self.fills_allowed - self.dispensed_quantity

    @property
    def state(self) -> PrescriptionState:
        if self.voided_at is not None:
            return PrescriptionState.VOIDED
        if self.needs_cosign and self.cosigned_at is None:
            return PrescriptionState.AWAITING_COSIGN
        return PrescriptionState.ACTIVE

    @property
    def written_on(self) -> date:
        """The date of issue on the patient's calendar."""
        return localtime(self.written_at, ZoneInfo(self.patient.timezone)).date()

    @property
    def last_fill_on(self) -> date:
        """The last day it may be filled (CLINICAL.md G8: 6 months after the date of issue)."""
        return dosing.last_fill_day(self.written_on)


class RefillRequest(models.Model):
    """A patient (or staff on their behalf) asks for the next fill of a prescription."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="refill_requests")
    prescription = models.ForeignKey(
        Prescription, on_delete=models.PROTECT, related_name="refill_requests"
    )
    early = models.BooleanField(help_text="Asked before the earliest refill date.")
    note = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"Refill request {self.pk} on prescription {self.prescription_id}"
