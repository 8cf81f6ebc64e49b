"""Recall tasks: one a patient who received units of a recalled lot.

Recalling a lot (pharmacy.models.lots) raises a task for each patient who received units
of it (the net of their dispenses and voids from that lot, in the stock book): call
them, tell them what to do with what they hold, record the outcome.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketacare.accounts.models import Clinic
from ketacare.kernel.clock import now
from ketacare.patients.models import Patient
from ketacare.patients.scoping import ScopedQuerySet
from ketacare.pharmacy.models.base import LEDGER_MAX_DIGITS, LEDGER_PLACES
from ketacare.pharmacy.models.lots import Lot


class RecallTask(models.Model):
    """Contact one patient about one recalled lot; done with the outcome."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="recall_tasks")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="recall_tasks")
    units_received = models.DecimalField(max_digits=LEDGER_MAX_DIGITS, decimal_places=LEDGER_PLACES)
    raised_at = models.DateTimeField(default=now)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["done_at", "raised_at", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["lot", "patient"], name="one_recall_task_a_patient"),
            models.CheckConstraint(
                condition=Q(units_received__gt=0), name="recall_task_units_positive"
            ),
            models.CheckConstraint(
                condition=Q(done_by__isnull=True, done_at__isnull=True, outcome="")
                | (Q(done_by__isnull=False, done_at__isnull=False) & ~Q(outcome="")),
                name="recall_task_done_with_who_when_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Recall of lot {self.lot_id}: patient {self.patient_id}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
