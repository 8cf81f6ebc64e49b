"""Signed clinician notes over FHIR R4: DocumentReference. Drafts are never served.

A note's words are its content: text/plain, UTF-8, base64 in `content.attachment`, with
its title and its signing time. An addendum is part of the note's record (its own row,
signed as it is written, not a document of its own), so it is appended to the text
under a line naming its author and time, and the note's `docStatus` is "amended" (R4
composition-status: modified by an addendum after it was first made final), "final"
otherwise. The note's kind is its type, in words: CLINICAL.md names no document code.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch

from ketacare.interop.fhir import registry
from ketacare.interop.fhir.medication import instant, patient_reference, person_reference
from ketacare.interop.fhir.registry import Context, ResourceType, Search
from ketacare.notes.models import Note, NoteAddendum
from ketacare.treatment.models import DOSED_STATUSES

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from ketacare.patients.models import Patient


def _signed_at(note: Note) -> str:
    if note.signed_at is None:
        msg = f"note {note.pk} is a draft: only signed notes are documents"
        raise ValueError(msg)
    return instant(note.signed_at)


def note_text(note: Note) -> str:
    """The note's words, then each addendum's under a line naming who signed it, and when."""
    parts = [note.body]
    for addendum in note.addenda.all():
        heading = f"Addendum by {addendum.author.display_name}, {instant(addendum.signed_at)}:"
        parts.append(f"{heading}\n{addendum.body}")
    return "\n\n".join(parts)


def title(note: Note) -> str:
    return note.title or note.get_kind_display()


def document_reference(note: Note) -> dict[str, Any]:
    """A signed note as a DocumentReference (R4): current, final (amended by addenda)."""
    signed_at = _signed_at(note)
    text = note_text(note)
    resource: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": str(note.pk),
        "status": "current",
        "docStatus": "amended" if note.addenda.all() else "final",
        "type": {"text": note.get_kind_display()},
        "subject": patient_reference(note.patient),
        "date": signed_at,
        "author": [person_reference(note.author, note.patient)],
        "description": title(note),
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "language": "en",
                    "data": base64.b64encode(text.encode("utf-8")).decode("ascii"),
                    "title": title(note),
                    "creation": signed_at,
                }
            }
        ],
    }
    if note.signed_by is not None:
        resource["authenticator"] = person_reference(note.signed_by, note.patient)
    session = note.session
    if session is not None and session.status in DOSED_STATUSES:
        dose = {"reference": f"MedicationAdministration/{session.pk}"}
        resource["context"] = {"related": [dose]}
    return resource


# --- the plug-in -----------------------------------------------------------------------------


def _signed_notes(patients: QuerySet[Patient]) -> QuerySet[Note]:
    notes = Note.objects.filter(patient__in=patients, signed_at__isnull=False)
    addenda = NoteAddendum.objects.select_related("author").order_by("signed_at", "pk")
    return notes.select_related("patient", "author", "signed_by", "session").prefetch_related(
        "author__role_grants", "signed_by__role_grants", Prefetch("addenda", queryset=addenda)
    )


def _find(patients: QuerySet[Patient], search: Search) -> QuerySet[Note]:
    rows = _signed_notes(patients).filter(
        registry.patient_filter(search), registry.date_filter(search, "signed_at")
    )
    return rows.order_by("signed_at", "pk")


def _lookup(patients: QuerySet[Patient], fhir_id: str) -> Note | None:
    pk = registry.row_id(fhir_id)
    return None if pk is None else _signed_notes(patients).filter(pk=pk).first()


def _render(note: Note, _context: Context) -> dict[str, Any]:
    return document_reference(note)


def _pk(note: Note) -> str:
    return str(note.pk)


def _patient(note: Note) -> Patient:
    return note.patient


registry.register(
    ResourceType(
        name="DocumentReference",
        reads=("read_notes",),
        search_params=frozenset({"patient", "date"}),  # date: when signed
        find=_find,
        render=_render,
        fhir_id=_pk,
        lookup=_lookup,
        patient_of=_patient,
        description="Signed clinician notes, with their addenda, as plain text",
    )
)
