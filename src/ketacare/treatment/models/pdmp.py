"""A prescriber's record that the state prescription-monitoring program (PDMP) was checked.

The query itself happens in the state's system; ketacare records it, and no
prescription is written nor refill dispensed without one within the clinic's window
(issue 17, item 5; docs/clinical-defaults.md).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketacare.kernel.clock import now
from ketacare.patients.models import Patient
from ketacare.patients.scoping import ScopedQuerySet
from ketacare.treatment.models.base import known


class PdmpResult(models.TextChoices):
    NOTHING_OF_CONCERN = "nothing_of_concern", "Nothing of concern"
    CONCERNS = "concerns", "Concerns"


class PdmpCheck(models.Model):
    """The state PDMP checked for a patient: when, by whom, and what it showed."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="pdmp_checks")
    checked_at = models.DateTimeField(default=now)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(max_length=24, choices=PdmpResult.choices)
    note = models.TextField(blank=True, help_text="What the concerns are (needed with concerns).")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-checked_at", "-pk"]
        constraints: ClassVar = [
            known("result", PdmpResult, "pdmp_result_known"),
            models.CheckConstraint(
                condition=~Q(result=PdmpResult.CONCERNS) | ~Q(note=""),
                name="pdmp_concerns_have_a_note",
            ),
        ]

    def __str__(self) -> str:
        return f"PDMP check {self.pk} of patient {self.patient_id}"
