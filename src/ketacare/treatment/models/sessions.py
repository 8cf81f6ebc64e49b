"""At-home dosing sessions: the pre-dose checklist, its gate, the dose and its window."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ketacare.assessments.models import QuestionnaireResponse
from ketacare.clinical.predose import SUBSTANCE_WORDS
from ketacare.clinical.safety import Substance
from ketacare.kernel.clock import now
from ketacare.patients.models import Patient, Sitter
from ketacare.patients.scoping import ScopedQuerySet
from ketacare.treatment.models.base import DOSE_MAX_DIGITS, DOSE_PLACES, known
from ketacare.treatment.models.ledger import LedgerEvent
from ketacare.treatment.models.plans import TreatmentPlan


class SessionStatus(models.TextChoices):
    GATE_FAILED = "gate_failed", "Pre-dose checklist failed"
    READY = "ready", "Checklist passed, dose not yet taken"
    DOSED = "dosed", "Dose taken, observation under way"
    CHECKED_IN = "checked_in", "Checked in, awaiting the sitter's release"
    RELEASED = "released", "Released by the sitter"


DOSED_STATUSES = (SessionStatus.DOSED, SessionStatus.CHECKED_IN, SessionStatus.RELEASED)


class SubstanceToday(models.TextChoices):
    """clinical.safety.Substance in the patient's words (the checklist's choices)."""

    ALCOHOL = Substance.ALCOHOL.value, SUBSTANCE_WORDS[Substance.ALCOHOL]
    BENZODIAZEPINES = Substance.BENZODIAZEPINES.value, SUBSTANCE_WORDS[Substance.BENZODIAZEPINES]
    STIMULANTS = Substance.STIMULANTS.value, SUBSTANCE_WORDS[Substance.STIMULANTS]
    OPIOIDS = Substance.OPIOIDS.value, SUBSTANCE_WORDS[Substance.OPIOIDS]
    GABAPENTINOIDS = Substance.GABAPENTINOIDS.value, SUBSTANCE_WORDS[Substance.GABAPENTINOIDS]
    Z_DRUGS = Substance.Z_DRUGS.value, SUBSTANCE_WORDS[Substance.Z_DRUGS]
    SEDATING_ANTIHISTAMINES = (
        Substance.SEDATING_ANTIHISTAMINES.value,
        SUBSTANCE_WORDS[Substance.SEDATING_ANTIHISTAMINES],
    )
    CANNABIS = Substance.CANNABIS.value, SUBSTANCE_WORDS[Substance.CANNABIS]
    MAOIS = Substance.MAOIS.value, SUBSTANCE_WORDS[Substance.MAOIS]


class DosingSession(models.Model):
    """An at-home session: the pre-dose checklist and its gate, then the dose taken."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="dosing_sessions")
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="sessions")
    status = models.CharField(max_length=16, choices=SessionStatus.choices)
    # The checklist, as the patient and sitter confirmed it.
    sitter_present = models.BooleanField()
    sitter_name = models.CharField(max_length=200, blank=True)
    sitter = models.ForeignKey(
        Sitter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The sitter whose confirmation of presence the checklist relied on.",
    )
    sitter_presence = models.ForeignKey(
        "SitterPresence", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The C-SSRS screen asked with the checklist (since the last contact).
    cssrs_response = models.ForeignKey(
        QuestionnaireResponse, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fasted = models.BooleanField()
    no_driving_until_tomorrow = models.BooleanField()
    substances_today = models.JSONField(default=list, blank=True)
    systolic_mmhg = models.PositiveSmallIntegerField()
    diastolic_mmhg = models.PositiveSmallIntegerField()
    heart_rate_bpm = models.PositiveSmallIntegerField(null=True, blank=True)
    # The gate's findings (cause, severity, message, next_step, source): empty when passed.
    gate_findings = models.JSONField(default=list, blank=True)
    # How many doses the patient had taken when the gate ran: a dose recorded on another
    # session since then makes this checklist out of date.
    doses_before = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(default=now)
    # The dose: what the patient reports taking, a fact even when it is not the plan's.
    dose_mg = models.DecimalField(
        max_digits=DOSE_MAX_DIGITS, decimal_places=DOSE_PLACES, null=True, blank=True
    )
    planned_dose_mg = models.DecimalField(
        max_digits=DOSE_MAX_DIGITS, decimal_places=DOSE_PLACES, null=True, blank=True
    )
    as_planned = models.BooleanField(default=True, help_text="The dose taken was the plan's.")
    against_gate = models.BooleanField(
        default=False, help_text="Taken although the gate no longer allowed it at dose time."
    )
    # What the gate or the plan found at dose time (a dose against the gate, off the plan).
    dose_findings = models.JSONField(default=list, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    # The observation window (clinical.postdose.post_dose_window).
    bp_due_at = models.DateTimeField(null=True, blank=True)
    observation_ends_at = models.DateTimeField(null=True, blank=True)
    check_in_due_at = models.DateTimeField(null=True, blank=True)
    # A high reading after the dose asks for another by then; cleared by a normal one.
    remeasure_due_at = models.DateTimeField(null=True, blank=True)
    # The sitter ends the window: the patient is alert and stable (or not: the clinic is paged).
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_by_sitter = models.ForeignKey(
        Sitter, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    release_stable = models.BooleanField(null=True, blank=True)
    release_note = models.TextField(blank=True)
    ledger_event = models.OneToOneField(
        LedgerEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="session"
    )
    dose_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dose_recorded_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-started_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["patient", "taken_at"])]
        constraints: ClassVar = [
            known("status", SessionStatus, "session_status_known"),
            models.CheckConstraint(
                condition=Q(
                    status__in=[SessionStatus.GATE_FAILED, SessionStatus.READY],
                    taken_at__isnull=True,
                    dose_mg__isnull=True,
                    check_in_due_at__isnull=True,
                    ledger_event__isnull=True,
                )
                | Q(
                    status__in=DOSED_STATUSES,
                    taken_at__isnull=False,
                    dose_mg__isnull=False,
                    dose_mg__gt=0,
                    check_in_due_at__isnull=False,
                    check_in_due_at__gt=F("taken_at"),
                    # A dose is a fact even when the ledger held none of it (a diversion
                    # finding then says so), so a dosed session may have no ledger event.
                ),
                name="session_dose_iff_dosed",
            ),
            # The observation ends before the check-in falls due (clinical.postdose).
            models.CheckConstraint(
                condition=Q(observation_ends_at__isnull=True)
                | Q(observation_ends_at__lt=F("check_in_due_at")),
                name="session_observation_before_check_in",
            ),
            models.CheckConstraint(
                condition=~Q(status=SessionStatus.RELEASED)
                | Q(released_at__isnull=False, release_stable__isnull=False),
                name="session_released_has_release",
            ),
            models.CheckConstraint(
                condition=~Q(status=SessionStatus.READY) | Q(gate_findings=[]),
                name="session_ready_only_without_findings",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.pk} of patient {self.patient_id} ({self.status})"
