"""The intake a patient fills in (a draft, then a submission) and its eligibility review."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.timezone import now

from ketacare.patients.models import Patient
from ketacare.patients.scoping import ScopedQuerySet


class IntakeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class Intake(models.Model):
    """One intake questionnaire of a patient.

    `data` is the draft as last saved (it may be incomplete; each saved value has the
    right type, see `schemas.IntakeData`). Submission checks it is complete, stores the
    baseline questionnaires and the eligibility assessment computed from it; from then
    on the row is a record and is not edited.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="intakes")
    status = models.CharField(
        max_length=16, choices=IntakeStatus.choices, default=IntakeStatus.DRAFT
    )
    # DjangoJSONEncoder: a service caller may pass dates and decimals, stored as strings
    # that the schema reads back (an API client sends them as strings anyway).
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The assessment computed at submission (services.eligibility_json): decision,
    # findings [code, severity, message, source], trd, failed_adequate_trials, maudsley.
    eligibility = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["patient", "created_at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(status__in=IntakeStatus.values), name="intake_status_known"
            ),
            # One open (draft) intake per patient; submitted ones are kept as records.
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(status=IntakeStatus.DRAFT),
                name="one_open_intake_per_patient",
            ),
            # A submission says who and when, and carries its assessment; a draft none.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status=IntakeStatus.DRAFT,
                        submitted_at__isnull=True,
                        submitted_by__isnull=True,
                        eligibility__isnull=True,
                    )
                    | models.Q(
                        status=IntakeStatus.SUBMITTED,
                        submitted_at__isnull=False,
                        submitted_by__isnull=False,
                        eligibility__isnull=False,
                    )
                ),
                name="intake_submission_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Intake {self.pk} of patient {self.patient_id} ({self.status})"


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", "Approve"
    DECLINE = "decline", "Decline"


class EligibilityReview(models.Model):
    """A clinician's decision on a submitted intake, with the assessment it was based on."""

    intake = models.OneToOneField(Intake, on_delete=models.PROTECT, related_name="review")
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="eligibility_reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=16, choices=ReviewDecision.choices)
    # Declining: the reason. Approving over cautions: the clinician's justification.
    justification = models.TextField(blank=True)
    # A copy of intake.eligibility as the reviewer saw it.
    eligibility = models.JSONField()
    at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(decision__in=ReviewDecision.values),
                name="eligibility_review_decision_known",
            ),
            models.CheckConstraint(
                condition=models.Q(decision=ReviewDecision.APPROVE) | ~models.Q(justification=""),
                name="eligibility_decline_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} intake {self.intake_id}"
