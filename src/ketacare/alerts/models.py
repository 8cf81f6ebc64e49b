"""Alerts with a lifecycle, the on-call roster, the notification outbox and the worker lease.

An alert is open -> acknowledged -> resolved. Its `dedupe_key` ("<cause>:<subject>") is
unique among alerts that are not resolved, so the same fact never raises two open alerts.
Notifications are the outbox: written in the transaction that raises the alert, sent by
`ketacare worker`, retried with backoff, dead-lettered after the last try.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketacare.accounts.models import Clinic
from ketacare.alerts.preferences import ContactPreference  # noqa: F401 - registers the model
from ketacare.kernel.clock import now
from ketacare.patients.models import Patient
from ketacare.patients.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from ketacare.accounts.models import User

# ketacare defaults (CLINICAL.md has no number for them); a clinic changes the first two on
# its roster, the others are Django settings (see ketacare.alerts.outbox).
URGENT_ESCALATION_MIN = 15
EMERGENCY_ESCALATION_MIN = 5


class AlertCause(models.TextChoices):
    SUICIDALITY = "suicidality", "Suicidality"
    BP_GATE_FAILED = "bp_gate_failed", "Blood pressure gate failed"
    BP_RISE_AFTER_DOSE = "bp_rise_after_dose", "Blood pressure rise after dose"
    MISSED_CHECK_IN = "missed_check_in", "Missed post-dose check-in"
    ADVERSE_EVENT = "adverse_event", "Adverse event"
    HIGH_DISSOCIATION = "high_dissociation", "High dissociation"
    WORSENING = "worsening", "Worsening"
    RELAPSE = "relapse", "Response lost (relapse)"
    BLADDER_SYMPTOMS = "bladder_symptoms", "Bladder symptoms"
    MISUSE_SCREEN = "misuse_screen", "Drug use screen positive"
    QUESTIONNAIRE_OVERDUE = "questionnaire_overdue", "Questionnaire overdue"
    LEDGER_DISCREPANCY = "ledger_discrepancy", "Ledger discrepancy"
    EARLY_REFILL = "early_refill", "Early refill"
    LOST_OR_STOLEN = "lost_or_stolen", "Lost or stolen medicine"
    DOSE_OUTSIDE_PLAN = "dose_outside_plan", "Dose outside the plan"
    NOTIFICATION_FAILED = "notification_failed", "Notification failed"
    HYPERTENSIVE_CRISIS = "hypertensive_crisis", "Hypertensive crisis after a dose"
    POST_DOSE_BP_MISSED = "post_dose_bp_missed", "Blood pressure after the dose missing"
    SITTER_NOT_RELEASED = "sitter_not_released", "Observation not ended by the sitter"
    DOSE_AGAINST_GATE = "dose_against_gate", "Dose taken against the checklist"
    # A public self-screen visitor (a screening lead, no patient yet) with item 9 above 0.
    SUICIDAL_LEAD = "suicidal_lead", "Self-screen: thoughts of self-harm"
    # About the clinic's own stock (issue 17), not about a patient nor a lead.
    STOCK_DISCREPANCY = "stock_discrepancy", "Clinic stock count differs from the book"
    STOCK_LOST = "stock_lost", "Clinic stock lost or stolen"


# The causes of an alert about the clinic itself: they name neither patient nor lead (a
# notification about such an alert that failed is about the clinic too).
CLINIC_CAUSES = (
    AlertCause.STOCK_DISCREPANCY,
    AlertCause.STOCK_LOST,
    AlertCause.NOTIFICATION_FAILED,
)


class AlertSeverity(models.TextChoices):
    """The same values as clinical.safety.Severity, least to most pressing."""

    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    URGENT = "urgent", "Urgent"
    EMERGENCY = "emergency", "Emergency"


SEVERITY_RANK = {s.value: i for i, s in enumerate(AlertSeverity)}


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


def _known(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


def staff_scope(user: User | Any, clinic_field: str) -> Q | None:
    """Alerts and their messages are for clinic staff only: patients and sitters see none.

    The filter on `clinic_field` for `user` (Q() for a superuser), or None: nothing.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return Q()
    clinic_id: int | None = user.clinic_id
    if clinic_id is None or not user.is_clinic_staff:
        return None
    return Q(**{clinic_field: clinic_id})


class AlertQuerySet(ScopedQuerySet["Alert"]):
    def visible_to(self, user: User | Any) -> AlertQuerySet:
        """Clinic staff see their clinic's alerts; patients and sitters never see alerts."""
        scope = staff_scope(user, "clinic_id")
        return self.none() if scope is None else self.filter(scope)


class Alert(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="alerts")
    # Whom it is about: a patient, or a screening lead of the public self-screen (who has
    # no record yet); exactly one of the two, or neither for the clinic's own stock.
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    lead = models.ForeignKey(
        "intake.ScreeningLead",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
    )
    cause = models.CharField(max_length=32, choices=AlertCause.choices)
    severity = models.CharField(max_length=16, choices=AlertSeverity.choices)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    dedupe_key = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    message = models.TextField(blank=True)
    source = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    raised_at = models.DateTimeField(default=now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_note = models.TextField(blank=True)
    # Empty for an automatic resolution (e.g. the check-in arrived).
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_note = models.TextField(blank=True)
    # The highest roster level notified so far; 0 when nobody on the roster was.
    escalation_level = models.PositiveSmallIntegerField(default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-raised_at", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["clinic", "status"]),
            models.Index(fields=["status", "next_escalation_at"]),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~Q(status=AlertStatus.RESOLVED),
                name="one_unresolved_alert_per_key",
            ),
            models.CheckConstraint(
                condition=Q(patient__isnull=False, lead__isnull=True)
                | Q(patient__isnull=True, lead__isnull=False)
                | Q(patient__isnull=True, lead__isnull=True, cause__in=CLINIC_CAUSES),
                name="alert_about_patient_lead_or_clinic",
            ),
            _known("cause", AlertCause, "alert_cause_known"),
            _known("severity", AlertSeverity, "alert_severity_known"),
            _known("status", AlertStatus, "alert_status_known"),
            models.CheckConstraint(
                condition=Q(status=AlertStatus.OPEN, acknowledged_at__isnull=True)
                | Q(status__in=[AlertStatus.ACKNOWLEDGED, AlertStatus.RESOLVED]),
                name="alert_open_not_acknowledged",
            ),
            models.CheckConstraint(
                condition=Q(status=AlertStatus.RESOLVED, resolved_at__isnull=False)
                | (~Q(status=AlertStatus.RESOLVED) & Q(resolved_at__isnull=True)),
                name="alert_resolved_iff_resolved_at",
            ),
        ]

    def __str__(self) -> str:
        return f"Alert {self.pk} {self.cause} ({self.severity}, {self.status})"

    @property
    def patient_name(self) -> str | None:
        """The patient's legal name; None for an alert about a screening lead."""
        return None if self.patient is None else self.patient.legal_name

    @property
    def subject_name(self) -> str:
        """Whom it is about, in words: the patient, or the screening lead (no record yet)."""
        if self.patient is not None:
            return self.patient.legal_name
        if self.lead is not None:
            return f"{self.lead.name} (screening lead)"
        return "The clinic's stock"

    @property
    def severity_rank(self) -> int:
        return SEVERITY_RANK[self.severity]


class OnCallRoster(models.Model):
    """A clinic's escalation settings; its shifts say who is on call at which level."""

    clinic = models.OneToOneField(Clinic, on_delete=models.CASCADE, related_name="on_call_roster")
    urgent_escalation_min = models.PositiveSmallIntegerField(default=URGENT_ESCALATION_MIN)
    emergency_escalation_min = models.PositiveSmallIntegerField(default=EMERGENCY_ESCALATION_MIN)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(urgent_escalation_min__gte=1, emergency_escalation_min__gte=1),
                name="roster_escalation_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"On-call roster of {self.clinic}"


class OnCallShift(models.Model):
    """One person on one level of a clinic's roster, optionally only for a time window.

    Level 1 is notified when an alert is raised, level 2 after the first escalation, and
    so on; the medical director rows come after every numbered level, whatever theirs.
    """

    roster = models.ForeignKey(OnCallRoster, on_delete=models.CASCADE, related_name="shifts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField(default=1)
    is_medical_director = models.BooleanField(default=False)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["roster", "is_medical_director", "level", "pk"]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(level__gte=1), name="shift_level_positive"),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=models.F("starts_at")),
                name="shift_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        label = "medical director" if self.is_medical_director else f"level {self.level}"
        return f"{self.user} ({label})"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DEAD = "dead", "Dead-lettered"
    CANCELLED = "cancelled", "Cancelled"  # the alert was resolved before it went out


class NotificationQuerySet(ScopedQuerySet["Notification"]):
    patient_path = "alert__patient__"

    def visible_to(self, user: User | Any) -> NotificationQuerySet:
        scope = staff_scope(user, "alert__clinic_id")
        return self.none() if scope is None else self.filter(scope)


class Notification(models.Model):
    """One message to one recipient on one channel: the outbox row."""

    # Empty for a message that is not about an alert (a one-time code to a sitter).
    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recipient_label = models.CharField(max_length=200, help_text="e.g. 'sitter Sam'")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = models.CharField(max_length=254, help_text="The email address or phone number.")
    # An email's subject; empty: the alert's ("ketacare: an alert needs you").
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    status = models.CharField(
        max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=now)
    last_error = models.TextField(blank=True)
    send_key = models.CharField(max_length=200, unique=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["created_at", "pk"]
        indexes: ClassVar = [models.Index(fields=["status", "next_attempt_at"])]
        constraints: ClassVar = [
            _known("channel", Channel, "notification_channel_known"),
            _known("status", NotificationStatus, "notification_status_known"),
        ]

    def __str__(self) -> str:
        return f"Notification {self.pk} {self.channel} to {self.recipient_label} ({self.status})"


class WorkerLease(models.Model):
    """The single row (pk 1) that lets one worker run at a time on SQLite."""

    holder = models.CharField(max_length=100, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Worker lease held by {self.holder or 'nobody'} until {self.expires_at}"
