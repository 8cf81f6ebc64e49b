"""The intake a patient fills in (a draft, then a submission) and its eligibility review."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import STAFF_ROLES
from ketacare.accounts.validators import validate_phone
from ketacare.kernel.clock import now
from ketacare.kernel.fields import ClockDateTimeField
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
    # What the clinic's clinicians rated of a submitted intake before its review
    # (services.rate_intake), never the patient: {"maudsley": {duration, severity,
    # treatment_failures, rated_by, rated_at}, "madrs": {response_id, total, band,
    # rated_by, rated_at}}, each part once rated. A JSON column beside `eligibility`
    # rather than a model: the Maudsley rating is replaced, not accumulated (the audit
    # log keeps each rating), and the MADRS is a questionnaire response of its own.
    staff_ratings = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = ClockDateTimeField(auto_now=True)

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
            # Staff rate a submitted intake only.
            models.CheckConstraint(
                condition=models.Q(staff_ratings__isnull=True)
                | models.Q(status=IntakeStatus.SUBMITTED),
                name="intake_rated_once_submitted",
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


class LeadStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    NOT_REACHABLE = "not_reachable", "Not reachable"
    BOOKED = "booked", "Booked"
    DECLINED = "declined", "Declined"
    # Only by registering the lead as a patient (`register_lead`), never by hand.
    CONVERTED = "converted", "Converted to patient"
    CLOSED = "closed", "Closed"


# A lead nobody has spoken to yet. One with PHQ-9 item 9 above 0 is "call today"
# (CLINICAL.md A1: same-day follow-up) until someone reaches them.
NOT_YET_REACHED = (LeadStatus.NEW, LeadStatus.NOT_REACHABLE)


class ContactTime(models.TextChoices):
    ANY = "any", "Any time"
    MORNING = "morning", "Morning"
    AFTERNOON = "afternoon", "Afternoon"
    EVENING = "evening", "Evening"


class SelfScreenOutcome(models.TextChoices):
    # The values of ketacare.clinical.selfscreen.Outcome.
    MAY_BE_CANDIDATE = "may_be_candidate", "May be a candidate"
    TALK_TO_DOCTOR = "talk_to_doctor", "Talk to their doctor first"
    NOT_SUITABLE = "not_suitable", "Not suitable"


class ScreeningLeadQuerySet(models.QuerySet["ScreeningLead"]):
    def visible_to(self, user: User | Any) -> ScreeningLeadQuerySet:
        """Leads of the user's clinic for its staff; all for a superuser; else none."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self.all()
        if user.clinic_id is not None and user.roles & STAFF_ROLES:
            return self.filter(clinic_id=user.clinic_id)
        return self.none()


class ScreeningLead(models.Model):
    """A visitor who took the public self-screen and asked the clinic to contact them.

    Only what they agreed to leave is kept: their contact details, the result they saw
    with its reasons, the PHQ-9 total and whether item 9 was answered above 0 (a call
    the same day, CLINICAL.md A1). Never their individual answers.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="screening_leads")
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=32, blank=True, validators=[validate_phone])
    email = models.EmailField(blank=True)
    preferred_contact_time = models.CharField(
        max_length=16, choices=ContactTime.choices, default=ContactTime.ANY
    )
    result = models.CharField(max_length=32, choices=SelfScreenOutcome.choices)
    # The reasons as the visitor read them, in order.
    reasons = models.JSONField(default=list, blank=True)
    phq9_total = models.PositiveSmallIntegerField()
    suicidal_thoughts = models.BooleanField(help_text="PHQ-9 item 9 answered above 0.")
    consent_version = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    created_at = models.DateTimeField(default=now)
    # The patient registered from this lead ("Convert to patient"); set with CONVERTED.
    patient = models.OneToOneField(
        Patient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="screening_lead",
    )

    objects = ScreeningLeadQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["clinic", "status", "created_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(status__in=LeadStatus.values), name="lead_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(result__in=SelfScreenOutcome.values), name="lead_result_known"
            ),
            models.CheckConstraint(
                condition=models.Q(preferred_contact_time__in=ContactTime.values),
                name="lead_contact_time_known",
            ),
            # CLINICAL.md A1: a PHQ-9 total is 0-27.
            models.CheckConstraint(
                condition=models.Q(phq9_total__lte=27), name="lead_phq9_total_in_range"
            ),
            # A lead the clinic cannot reach is no lead.
            models.CheckConstraint(
                condition=~models.Q(phone="") | ~models.Q(email=""),
                name="lead_has_phone_or_email",
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="lead_has_name"),
            models.CheckConstraint(
                condition=~models.Q(consent_version=""), name="lead_has_consent_version"
            ),
            # Converted exactly when a patient was registered from it.
            models.CheckConstraint(
                condition=models.Q(status=LeadStatus.CONVERTED, patient__isnull=False)
                | (~models.Q(status=LeadStatus.CONVERTED) & models.Q(patient__isnull=True)),
                name="lead_converted_iff_patient",
            ),
        ]

    def __str__(self) -> str:
        return f"Screening lead {self.pk} ({self.get_status_display()})"

    @property
    def call_today(self) -> bool:
        """Item 9 above 0 and nobody has reached them yet (CLINICAL.md A1: same day)."""
        return self.suicidal_thoughts and self.status in NOT_YET_REACHED


class LeadNote(models.Model):
    """What staff noted while following a lead up (a call, a message left); audited."""

    lead = models.ForeignKey(ScreeningLead, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    at = models.DateTimeField(default=now)

    class Meta:
        ordering: ClassVar = ["at", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=~models.Q(text=""), name="lead_note_has_text"),
        ]

    def __str__(self) -> str:
        return f"Note {self.pk} on screening lead {self.lead_id}"
