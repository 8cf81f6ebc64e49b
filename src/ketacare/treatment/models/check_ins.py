"""The release check-in after the dose: how the patient is, and their side effects."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketacare.clinical import postdose
from ketacare.kernel.clock import now
from ketacare.patients.models import Patient
from ketacare.patients.scoping import ScopedQuerySet
from ketacare.treatment.models.base import known
from ketacare.treatment.models.sessions import DosingSession


class Feeling(models.TextChoices):
    VERY_WELL = postdose.Feeling.VERY_WELL.value, "Very well"
    WELL = postdose.Feeling.WELL.value, "Well"
    OKAY = postdose.Feeling.OKAY.value, "Okay"
    UNWELL = postdose.Feeling.UNWELL.value, "Unwell"
    VERY_UNWELL = postdose.Feeling.VERY_UNWELL.value, "Very unwell"


class SideEffect(models.TextChoices):
    """clinical.postdose.Symptom in the words of the check-in (patient and sitter)."""

    NAUSEA = postdose.Symptom.NAUSEA.value, "Feeling sick (nausea)"
    VOMITING = postdose.Symptom.VOMITING.value, "Being sick (vomiting)"
    DIZZINESS = postdose.Symptom.DIZZINESS.value, "Dizziness"
    HEADACHE = postdose.Symptom.HEADACHE.value, "Headache"
    SEDATION = postdose.Symptom.SEDATION.value, "Drowsy, but easy to wake"
    MARKED_SEDATION = postdose.Symptom.MARKED_SEDATION.value, "Very drowsy, hard to keep awake"
    ANXIETY = postdose.Symptom.ANXIETY.value, "Anxiety"
    SEVERE_HEADACHE = postdose.Symptom.SEVERE_HEADACHE.value, "A sudden, severe headache"
    VISION_CHANGE = postdose.Symptom.VISION_CHANGE.value, "A sudden change in vision"
    CHEST_PAIN = postdose.Symptom.CHEST_PAIN.value, "Chest pain"
    TROUBLE_BREATHING = postdose.Symptom.TROUBLE_BREATHING.value, "Trouble breathing"
    LOSS_OF_CONSCIOUSNESS = (
        postdose.Symptom.LOSS_OF_CONSCIOUSNESS.value,
        "Fainted, or could not be woken",
    )
    SEIZURE = postdose.Symptom.SEIZURE.value, "A seizure (fit)"
    OTHER = postdose.Symptom.OTHER.value, "Something else"


class PostDoseCheckIn(models.Model):
    """How the patient is after the dose: due by the session's check_in_due_at."""

    session = models.OneToOneField(DosingSession, on_delete=models.PROTECT, related_name="check_in")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="check_ins")
    feeling = models.CharField(max_length=16, choices=Feeling.choices)
    notes = models.TextField(blank=True)
    systolic_mmhg = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic_mmhg = models.PositiveSmallIntegerField(null=True, blank=True)
    cadss6_answers = models.JSONField(null=True, blank=True)
    cadss6_total = models.PositiveSmallIntegerField(null=True, blank=True)
    cadss6_band = models.CharField(max_length=16, blank=True)
    side_effects = models.JSONField(default=list, blank=True)
    side_effect_other = models.CharField(max_length=200, blank=True)
    late = models.BooleanField(default=False, help_text="After the check-in deadline.")
    # Safety findings of the check-in (late, blood-pressure rise, high dissociation).
    findings = models.JSONField(default=list, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_in_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-checked_in_at", "-pk"]
        constraints: ClassVar = [
            known("feeling", Feeling, "check_in_feeling_known"),
            models.CheckConstraint(
                condition=Q(systolic_mmhg__isnull=True, diastolic_mmhg__isnull=True)
                | Q(systolic_mmhg__isnull=False, diastolic_mmhg__isnull=False),
                name="check_in_bp_both_or_neither",
            ),
            models.CheckConstraint(
                condition=Q(cadss6_total__isnull=True) | Q(cadss6_total__lte=24),
                name="check_in_cadss6_total_in_range",  # CLINICAL.md A7: 0-24
            ),
        ]

    def __str__(self) -> str:
        return f"Check-in of session {self.session_id}"
