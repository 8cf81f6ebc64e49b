"""Adverse events a patient or their care team reports."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketacare.clinical.safety import AdverseEventSeverity
from ketacare.kernel.clock import now
from ketacare.patients.models import Patient
from ketacare.patients.scoping import ScopedQuerySet
from ketacare.treatment.models.base import known
from ketacare.treatment.models.sessions import DosingSession


class AdverseEventOutcome(models.TextChoices):
    """FHIR R4 AdverseEvent.outcome (adverse-event-outcome value set)."""

    RESOLVED = "resolved", "Resolved"
    RECOVERING = "recovering", "Recovering"
    ONGOING = "ongoing", "Ongoing"
    RESOLVED_WITH_SEQUELAE = "resolved_with_sequelae", "Resolved with sequelae"
    FATAL = "fatal", "Fatal"
    UNKNOWN = "unknown", "Unknown"


class Severity(models.TextChoices):
    """clinical.safety.AdverseEventSeverity as database choices."""

    MILD = AdverseEventSeverity.MILD.value, "Mild"
    MODERATE = AdverseEventSeverity.MODERATE.value, "Moderate"
    SEVERE = AdverseEventSeverity.SEVERE.value, "Severe"
    LIFE_THREATENING = AdverseEventSeverity.LIFE_THREATENING.value, "Life-threatening"


class AdverseEvent(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="adverse_events")
    session = models.ForeignKey(
        DosingSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adverse_events",
    )
    description = models.TextField()
    severity = models.CharField(max_length=20, choices=Severity.choices)
    serious = models.BooleanField()
    outcome = models.CharField(max_length=24, choices=AdverseEventOutcome.choices)
    onset_at = models.DateTimeField(null=True, blank=True)
    # safety.check_adverse_event's finding (how pressing, in words, with its source).
    finding = models.JSONField()
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-reported_at", "-pk"]
        constraints: ClassVar = [
            known("severity", Severity, "adverse_event_severity_known"),
            known("outcome", AdverseEventOutcome, "adverse_event_outcome_known"),
            # ICH E2A: an event that is life-threatening or results in death is serious.
            models.CheckConstraint(
                condition=Q(serious=True)
                | (~Q(severity=Severity.LIFE_THREATENING) & ~Q(outcome=AdverseEventOutcome.FATAL)),
                name="adverse_event_serious_when_life_threatening_or_fatal",
            ),
        ]

    def __str__(self) -> str:
        return f"Adverse event {self.pk} ({self.severity}) of patient {self.patient_id}"
