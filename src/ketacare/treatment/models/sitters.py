"""The sitter's proof of presence: confirmations, and the codes texted to their phone."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ketacare.kernel.clock import now
from ketacare.patients.models import Patient, Sitter
from ketacare.patients.scoping import ScopedQuerySet
from ketacare.treatment.models.base import known
from ketacare.treatment.models.sessions import DosingSession


class ConfirmedBy(models.TextChoices):
    ACCOUNT = "account", "the sitter's own sign-in"
    CODE = "code", "a code texted to the sitter's phone"


class SitterPresence(models.Model):
    """A sitter confirms being with the patient: from their own sign-in, or with a code.

    Given before the pre-dose checklist (a session does not exist yet), so it belongs to
    the patient; the gate counts the latest for the time the clinic sets (2 h by default)
    and the checklist shows it ("Robin confirmed being with you at 09:55"). Every
    confirmation is kept.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="sitter_presences")
    sitter = models.ForeignKey(Sitter, on_delete=models.PROTECT, related_name="+")
    # Who pressed the button: the sitter signed in as themself, or the patient typing the
    # code that was texted to the sitter's phone.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(
        max_length=8, choices=ConfirmedBy.choices, default=ConfirmedBy.ACCOUNT
    )
    confirmed_at = models.DateTimeField(default=now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-confirmed_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["patient", "confirmed_at"])]

    def __str__(self) -> str:
        return f"Sitter {self.sitter_id} with patient {self.patient_id} at {self.confirmed_at}"


class CodePurpose(models.TextChoices):
    PRESENCE = "presence", "confirm being with the patient"
    RELEASE = "release", "end the observation window"


class SitterCode(models.Model):
    """A one-time code texted to a sitter's phone, typed on the patient's device.

    For a sitter without their own sign-in: it proves the sitter is there. Only a hash is
    kept; a code works once, for a few minutes, with a few tries.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="sitter_codes")
    sitter = models.ForeignKey(Sitter, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        DosingSession, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(max_length=8, choices=CodePurpose.choices)
    code_hash = models.CharField(max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-sent_at", "-pk"]
        constraints: ClassVar = [
            known("purpose", CodePurpose, "sitter_code_purpose_known"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("sent_at")), name="sitter_code_expires_after_sent"
            ),
        ]

    def __str__(self) -> str:
        return f"Code for sitter {self.sitter_id} ({self.purpose})"
