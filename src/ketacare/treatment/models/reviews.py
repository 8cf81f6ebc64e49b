"""The end-of-induction review: a clinician's judgement of benefit and the decision on it."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketacare.kernel.clock import now
from ketacare.patients.models import Patient
from ketacare.patients.scoping import ScopedQuerySet
from ketacare.treatment.models.base import known
from ketacare.treatment.models.plans import TreatmentPlan


class Benefit(models.TextChoices):
    """Whether treatment helped, as the clinician judges it (with the scores, not by them)."""

    RESPONSE = "response", "Response"
    PARTIAL = "partial", "Partial response"
    NONE = "none", "No response"


class ReviewDecision(models.TextChoices):
    """What follows the induction."""

    CONTINUE = "continue_to_maintenance", "Continue to maintenance"
    CHANGE_DOSE = "change_dose", "Change the dose"
    STOP = "stop", "Stop treatment"


# The decisions that need a note saying why (a new dose, or the end of treatment).
NOTE_REQUIRED = frozenset({ReviewDecision.CHANGE_DOSE, ReviewDecision.STOP})


class InductionReview(models.Model):
    """The review at the end of a patient's induction: one per patient, never edited.

    The PHQ-9 figures are the outcome summary's at the decision, copied so that the
    record shows what the clinician saw (later scores do not change it). A response or
    remission is null where it was not judged (no baseline, no score on treatment, or a
    baseline not clinically significant: CLINICAL.md G9).
    """

    patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, related_name="induction_review"
    )
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="+")
    benefit = models.CharField(max_length=8, choices=Benefit.choices)
    decision = models.CharField(max_length=24, choices=ReviewDecision.choices)
    note = models.TextField(blank=True)
    due_because = models.CharField(max_length=100, help_text="Why the review was due.")
    phq9_baseline = models.PositiveSmallIntegerField(null=True, blank=True)
    phq9_latest = models.PositiveSmallIntegerField(null=True, blank=True)
    phq9_percent_change = models.FloatField(null=True, blank=True)
    phq9_response = models.BooleanField(null=True, blank=True)
    phq9_remission = models.BooleanField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-decided_at", "-pk"]
        constraints: ClassVar = [
            known("benefit", Benefit, "induction_review_benefit_known"),
            known("decision", ReviewDecision, "induction_review_decision_known"),
            models.CheckConstraint(
                condition=Q(decision=ReviewDecision.CONTINUE) | ~Q(note=""),
                name="induction_review_note_unless_continuing",
            ),
        ]

    def __str__(self) -> str:
        return f"End-of-induction review of patient {self.patient_id}: {self.decision}"
