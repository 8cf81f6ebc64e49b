"""Reads of the notes, shared by the pages, the API and the use cases above notes.

Every read a face shows is scoped to the actor (`Note.objects.visible_to`) and audited:
the chart's list as a list of the notes shown, one note as a read of that note.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from ketacare.accounts.roles import Role
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel.errors import NotFound
from ketacare.notes.models import Note, NoteAddendum, NoteKind
from ketacare.patients.access import require
from ketacare.patients.models import Patient

if TYPE_CHECKING:
    from ketacare.accounts.models import User


def notes_for(actor: User, patient: Patient) -> QuerySet[Note]:
    """The patient's notes the actor may see, newest first, with their people joined."""
    return (
        Note.objects.visible_to(actor)
        .filter(patient=patient)
        .select_related("author", "signed_by", "session")
        .prefetch_related(
            Prefetch("addenda", queryset=NoteAddendum.objects.select_related("author"))
        )
    )


def latest_signed(
    patient: Patient, kind: NoteKind, *, since: datetime | None = None, role: Role | None = None
) -> Note | None:
    """The patient's latest signed note of `kind` (signed after `since`; by a `role`)."""
    notes = Note.objects.filter(patient=patient, kind=kind, signed_at__isnull=False)
    if since is not None:
        notes = notes.filter(signed_at__gt=since)
    if role is not None:
        notes = notes.filter(signed_by__role_grants__role=role)
    return notes.order_by("-signed_at", "-pk").first()


def read_notes(actor: User, patient: Patient, *, via: str) -> list[Note]:
    """The patient's notes for a page or the API, the list recorded in the audit log."""
    require(actor, patient, "read_notes")
    notes = list(notes_for(actor, patient))
    record(
        Event(
            AuditAction.LIST,
            Note._meta.label,
            patient_id=patient.pk,
            clinic_id=patient.clinic_id,
            detail={"via": via, "ids": [n.pk for n in notes]},
        ),
        actor=actor,
    )
    return notes


def read_note(actor: User, patient: Patient, note_id: int, *, via: str) -> Note:
    """One of the patient's notes, its read recorded; NotFound if the actor may not see it."""
    require(actor, patient, "read_notes")
    note = notes_for(actor, patient).filter(pk=note_id).first()
    if note is None:
        raise NotFound("No such note.")
    record(Event.about(AuditAction.READ, note, detail={"via": via}), actor=actor)
    return note
