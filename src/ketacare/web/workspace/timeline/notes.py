"""The timeline's entries of the clinician notes: one query, the authors joined in.

A signed note stands at its signing time, a draft at its writing time (marked as a draft:
only its author may change it). The note's words are shown in full on its own page.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count
from django.urls import reverse

from ketacare.notes.models import Note
from ketacare.patients.models import Patient
from ketacare.web.workspace.note_forms import session_record_url
from ketacare.web.workspace.timeline.entries import Entry, Kind, local_time, who

EXCERPT_CHARS = 200


def _excerpt(body: str) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1].rstrip() + "…"


def _links(note: Note) -> tuple[tuple[str, str], ...]:
    page = reverse("ws-note", kwargs={"patient_id": note.patient_id, "note_id": note.pk})
    links = [("Open the note", page)]
    if note.session_id is not None:
        record = session_record_url(note.patient_id, note.session_id)
        if record is not None:
            links.append(("Printable session record", record))
    return tuple(links)


def _lines(note: Note, addenda: int) -> tuple[str, ...]:
    lines = [f"Signed {local_time(note.signed_at)}"] if note.signed_at else []
    if note.title:
        lines.append(note.title)
    lines.append(_excerpt(note.body))
    if addenda:
        lines.append(f"{addenda} addend{'um' if addenda == 1 else 'a'}")
    return tuple(lines)


def note_entries(patient: Patient) -> Iterator[Entry]:
    notes = (
        Note.objects.filter(patient=patient)
        .select_related("author")
        .annotate(addenda_count=Count("addenda"))
    )
    for note in notes:
        kind = note.get_kind_display()
        yield Entry(
            note.signed_at or note.created_at,
            Kind.NOTE,
            kind if note.signed_at else f"{kind} (draft, not signed)",
            _lines(note, getattr(note, "addenda_count", 0)),
            who(note.author),
            links=_links(note),
        )
