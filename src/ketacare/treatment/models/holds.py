"""Holds on dosing, and a clinician's clearance of one."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketacare.kernel.clock import now
from ketacare.patients.models import Patient
from ketacare.patients.scoping import ScopedQuerySet
from ketacare.treatment.models.base import known


class Hold(models.TextChoices):
    """What a clinician clears for dosing."""

    SUICIDALITY = "suicidality", "Suicidality"
    BLOOD_PRESSURE = "blood_pressure", "Blood pressure"


class DosingClearance(models.Model):
    """A clinician clears a hold on dosing, with a note: the gate counts only what came after."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="dosing_clearances")
    hold = models.CharField(max_length=16, choices=Hold.choices)
    note = models.TextField()
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cleared_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-cleared_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["patient", "hold", "cleared_at"])]
        constraints: ClassVar = [
            known("hold", Hold, "dosing_clearance_hold_known"),
            models.CheckConstraint(condition=~Q(note=""), name="dosing_clearance_has_note"),
        ]

    def __str__(self) -> str:
        return f"{self.get_hold_display()} cleared for patient {self.patient_id}"
