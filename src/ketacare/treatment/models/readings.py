"""Blood pressures taken after the dose, in the observation window."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ketacare.kernel.clock import now
from ketacare.patients.models import Patient
from ketacare.patients.scoping import ScopedQuerySet
from ketacare.treatment.models.sessions import DosingSession


class PostDoseReading(models.Model):
    """A blood pressure after the dose: at ~40 min, a re-measure, or at the check-in."""

    session = models.ForeignKey(
        DosingSession, on_delete=models.PROTECT, related_name="post_dose_readings"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    systolic_mmhg = models.PositiveSmallIntegerField()
    diastolic_mmhg = models.PositiveSmallIntegerField()
    high = models.BooleanField(help_text="Above the gate, a rise of 40/25, or a crisis.")
    # clinical.postdose's finding (empty when the reading is as it should be).
    finding = models.JSONField(default=dict, blank=True)
    at_check_in = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["recorded_at", "pk"]
        indexes: ClassVar = [models.Index(fields=["session", "recorded_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(diastolic_mmhg__lt=F("systolic_mmhg")),
                name="post_dose_reading_diastolic_below_systolic",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.systolic_mmhg}/{self.diastolic_mmhg} after session {self.session_id}"
