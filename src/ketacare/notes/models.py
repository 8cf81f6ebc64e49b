"""Clinician notes on a patient's chart, and the addenda that correct a signed note.

A note is a draft until its author signs it; signed, its words are locked (the model
refuses to save a change to them, and on PostgreSQL a trigger refuses the UPDATE): a
correction is an addendum, its own row, signed by its author when written and never
changed. A note may name the dosing session it is about (the printable session record
is attached this way); the model is named by string, so this app imports nothing of
treatment, which sits above it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketacare.kernel.fields import ClockDateTimeField
from ketacare.patients.models import Patient
from ketacare.patients.scoping import ScopedQuerySet

TITLE_LENGTH = 200
BODY_LENGTH = 20_000
# The words a signature locks (and what an edit of a draft may change).
LOCKED_FIELDS = ("kind", "title", "body", "session_id", "author_id", "patient_id")


class NoteKind(models.TextChoices):
    INTAKE_ASSESSMENT = "intake_assessment", "Intake assessment"
    SESSION_FOLLOW_UP = "session_follow_up", "Session follow-up"
    INTEGRATION = "integration", "Integration or therapy session"
    PHONE_CALL = "phone_call", "Phone call"
    INDUCTION_REVIEW = "induction_review", "End-of-induction review"
    # The note a prescriber writes before revising a plan (a clinic may require it:
    # patients.models.ClinicProtocol.require_review_note_for_revision).
    PRESCRIBER_REVIEW = "prescriber_review", "Prescriber review"


class SignedNoteChanged(Exception):
    """A save that would change the words of a signed note (a bug: the services refuse first)."""


class Note(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="notes")
    kind = models.CharField(max_length=32, choices=NoteKind.choices)
    title = models.CharField(max_length=TITLE_LENGTH, blank=True)
    body = models.TextField()
    session = models.ForeignKey(
        "treatment.DosingSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notes",
        help_text="The dosing session the note is about, if any.",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = ClockDateTimeField(auto_now_add=True)
    updated_at = ClockDateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    # The locked words as read from the database (Note.save compares against them).
    _as_loaded: dict[str, Any]

    class Meta:
        ordering: ClassVar = ["-created_at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["patient", "kind", "signed_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(kind__in=NoteKind.values), name="note_kind_known"),
            # Signed means both: when and by whom.
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True, signed_by__isnull=True)
                | Q(signed_at__isnull=False, signed_by__isnull=False),
                name="note_signed_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} note #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        loaded: dict[str, Any] = getattr(self, "_as_loaded", {})
        if loaded.get("signed_at") is not None and any(
            value != loaded[name] for name, value in _words(self).items()
        ):
            msg = f"note #{self.pk} is signed: its words are locked (add an addendum)"
            raise SignedNoteChanged(msg)
        super().save(*args, **kwargs)
        self._as_loaded = _words(self)

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Note:
        note = super().from_db(db, field_names, values)
        whole = {"signed_at", "body", "kind", "title"} <= set(field_names)
        note._as_loaded = _words(note) if whole else {}
        return note

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


def _words(note: Note) -> dict[str, Any]:
    return {name: getattr(note, name) for name in (*LOCKED_FIELDS, "signed_at")}


class AddendumQuerySet(ScopedQuerySet["NoteAddendum"]):
    patient_path = "note__patient__"


class NoteAddendum(models.Model):
    """A correction or addition to a signed note: signed by its author when written."""

    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="addenda")
    body = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()

    objects = AddendumQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["signed_at", "pk"]

    def __str__(self) -> str:
        return f"Addendum #{self.pk} to note #{self.note_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            msg = f"addendum #{self.pk} is signed: addenda are never changed"
            raise SignedNoteChanged(msg)
        super().save(*args, **kwargs)
