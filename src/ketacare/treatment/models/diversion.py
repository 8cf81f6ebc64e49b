"""Diversion findings: facts that may mean diversion, each raised as an alert."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ketacare.kernel.clock import now
from ketacare.patients.models import Patient
from ketacare.patients.scoping import ScopedQuerySet
from ketacare.treatment.models.base import LEDGER_MAX_DIGITS, LEDGER_PLACES, known
from ketacare.treatment.models.dispensing import Dispense
from ketacare.treatment.models.ledger import LedgerEvent
from ketacare.treatment.models.prescriptions import Prescription, RefillRequest


class DiversionKind(models.TextChoices):
    COUNT_MISMATCH = "count_mismatch", "Count differs from the expected balance"
    EARLY_REFILL = "early_refill", "Early refill"
    LOST_OR_STOLEN = "lost_or_stolen", "Lost or stolen"
    DOSE_BEYOND_LEDGER = "dose_beyond_ledger", "Dose reported beyond the ledger balance"


class DiversionFinding(models.Model):
    """A fact that may mean diversion; the alerts app turns each into an alert."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="diversion_findings"
    )
    kind = models.CharField(max_length=24, choices=DiversionKind.choices)
    expected = models.DecimalField(
        max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES, null=True, blank=True
    )
    counted = models.DecimalField(
        max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES, null=True, blank=True
    )
    quantity = models.DecimalField(
        max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES, null=True, blank=True
    )
    ledger_event = models.ForeignKey(
        LedgerEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="findings"
    )
    prescription = models.ForeignKey(
        Prescription, on_delete=models.PROTECT, null=True, blank=True, related_name="findings"
    )
    dispense = models.ForeignKey(
        Dispense, on_delete=models.PROTECT, null=True, blank=True, related_name="findings"
    )
    refill_request = models.ForeignKey(
        RefillRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="findings"
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    found_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-found_at", "-pk"]
        constraints: ClassVar = [
            known("kind", DiversionKind, "diversion_kind_known"),
            models.CheckConstraint(
                condition=~Q(kind=DiversionKind.COUNT_MISMATCH)
                | (Q(expected__isnull=False, counted__isnull=False) & ~Q(expected=F("counted"))),
                name="count_mismatch_has_differing_counts",
            ),
            models.CheckConstraint(
                condition=~Q(kind=DiversionKind.EARLY_REFILL) | Q(prescription__isnull=False),
                name="early_refill_names_prescription",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (patient {self.patient_id})"
