"""A prescriber's release of one held fill (staged dispensing, issue 17, item 6).

A fill is held while its conditions are not met (clinical.staging); a prescriber may
let that one fill be dispensed despite its holds, with a note saying why.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketacare.kernel.clock import now
from ketacare.patients.models import Patient
from ketacare.patients.scoping import ScopedQuerySet
from ketacare.treatment.models.prescriptions import Prescription


class FillRelease(models.Model):
    """Fill `fill_number` of a prescription, released despite its holds by a prescriber."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="fill_releases")
    prescription = models.ForeignKey(
        Prescription, on_delete=models.PROTECT, related_name="releases"
    )
    fill_number = models.PositiveSmallIntegerField()
    # The holds the fill had when it was released, in words.
    holds = models.JSONField(default=list, blank=True)
    note = models.TextField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-released_at", "-pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["prescription", "fill_number"], name="one_release_per_fill"
            ),
            models.CheckConstraint(condition=~Q(note=""), name="fill_release_has_a_note"),
        ]

    def __str__(self) -> str:
        return f"Release of fill {self.fill_number} of prescription {self.prescription_id}"
