from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from ketacare.accounts.models import Clinic
from ketacare.assessments.schedules import (
    DEFAULT_SCHEDULE,
    MAX_GRACE_HOURS,
    QuestionnaireSchedule,
)
from ketacare.clinical import instruments
from ketacare.kernel.fields import ClockDateTimeField
from ketacare.patients.models import Patient
from ketacare.patients.scoping import ScopedQuerySet

INSTRUMENT_CHOICES = [(code, instruments.get(code).title) for code in instruments.CODES]


class QuestionnaireResponse(models.Model):
    """One completed questionnaire, scored by the clinical core (an append-only observation).

    Never edited: a correction is a new response. `answers` holds every item answered
    as {"item number": value}; `total`, `band`, `subscales` and `flags` are the score
    of `ketacare.clinical.instruments` at the time of submission.
    """

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    instrument = models.CharField(max_length=16, choices=INSTRUMENT_CHOICES)
    answers = models.JSONField()
    total = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=32)
    subscales = models.JSONField(default=dict, blank=True)
    flags = models.JSONField(default=list, blank=True)
    # What scoring needed beyond the answers, e.g. {"sex": "female"} for AUDIT-C.
    context = models.JSONField(default=dict, blank=True)
    recorded_at = models.DateTimeField(help_text="When the questionnaire was completed.")
    # The patient's zone at the time, to show recorded_at as the patient saw it.
    patient_timezone = models.CharField(max_length=64)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = ClockDateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["recorded_at", "pk"]
        constraints: ClassVar = [
            # Two scores of one instrument at one instant leave "the last score" (the
            # baseline, the schedule) undefined; the unique index also serves the
            # per-patient, per-instrument, time-ordered reads.
            models.UniqueConstraint(
                fields=["patient", "instrument", "recorded_at"],
                name="one_response_per_instrument_and_instant",
            ),
            models.CheckConstraint(
                condition=models.Q(instrument__in=instruments.CODES),
                name="questionnaire_instrument_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} of patient {self.patient_id}"


class ClinicQuestionnaireSettings(models.Model):
    """A clinic's changes to the default questionnaire schedule (schedules.DEFAULT_SCHEDULE).

    `instruments` is {instrument: null | {every_days: {phase: days}, indications: [...],
    at_intake: bool, after_suicidality_flag: bool}}: null takes an instrument off the
    schedule, the fields given replace the default's.
    """

    clinic = models.OneToOneField(
        Clinic, on_delete=models.PROTECT, related_name="questionnaire_settings"
    )
    instruments = models.JSONField(default=dict, blank=True)
    grace_hours = models.PositiveIntegerField(
        default=0, help_text="How long after its due time a questionnaire counts as overdue."
    )
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        verbose_name = "clinic questionnaire settings"
        verbose_name_plural = "clinic questionnaire settings"
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(grace_hours__lte=MAX_GRACE_HOURS),
                name="questionnaire_grace_hours_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Questionnaire schedule of {self.clinic}"

    def clean(self) -> None:
        # The same checks as the service; a form has only the two fields to hang them on.
        try:
            self.schedule()
        except ValidationError as err:
            raise ValidationError(
                {
                    ("grace_hours" if path == "grace_hours" else "instruments"): [
                        f"{path}: {message}" for message in messages
                    ]
                    for path, messages in err.message_dict.items()
                }
            ) from None

    def schedule(self) -> QuestionnaireSchedule:
        """The default schedule with this clinic's changes (ValidationError if they are bad)."""
        return DEFAULT_SCHEDULE.with_overrides(self.instruments, self.grace_hours)


def clinic_schedule(clinic_id: int) -> QuestionnaireSchedule:
    """The schedule a clinic runs: the defaults, with its settings if it has any."""
    found = ClinicQuestionnaireSettings.objects.filter(clinic_id=clinic_id).first()
    return DEFAULT_SCHEDULE if found is None else found.schedule()
