"""Clinician notes on a patient's chart: list, read, draft, edit, sign, discard, addenda.

Staff of the patient's clinic read them (kernel.policy's `read_notes`); the clinical team
writes them. A draft is its author's alone; a signed note is locked (409 `note_signed`)
and corrected by an addendum. Another clinic's patient or note, another patient and a
sitter of another patient: 404; the patient themself and their sitters: 403 (the notes
are the clinic's, not theirs to read).
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from ketacare.api.access import actor, visible_patient
from ketacare.api.schemas import ERRORS, WRITE_ERRORS, id_in_path
from ketacare.notes import services
from ketacare.notes.models import Note, NoteAddendum, NoteKind
from ketacare.notes.queries import notes_for, read_note, read_notes
from ketacare.notes.specs import AddendumSpec, NoteEditSpec, NoteSpec
from ketacare.patients.models import Patient
from ketacare.treatment.models import DosingSession

router = Router(tags=["notes"])


class AddendumOut(Schema):
    id: int = Field(description="The addendum's id.")
    body: str = Field(description="Its words.")
    author_id: int = Field(description="Who wrote and signed it.")
    signed_at: dt.datetime = Field(description="When it was written and signed.")


class NoteOut(Schema):
    id: int = Field(description="The note's id.")
    patient_id: int = Field(description="The patient whose chart it is on.")
    kind: NoteKind = Field(description="What the note records.")
    title: str = Field(description="Its title (may be empty).")
    body: str = Field(description="Its words.")
    session_id: int | None = Field(description="The dosing session it is about, if any.")
    author_id: int = Field(description="Who wrote it (only they change a draft).")
    created_at: dt.datetime = Field(description="When it was drafted.")
    signed_at: dt.datetime | None = Field(description="When it was signed; empty: a draft.")
    signed_by_id: int | None = Field(description="Who signed it.")
    addenda: list[AddendumOut] = Field(description="Its addenda, oldest first.")

    @staticmethod
    def resolve_addenda(obj: Note) -> list[NoteAddendum]:
        return list(obj.addenda.all())


class NoteList(Schema):
    items: list[NoteOut] = Field(description="Newest first.")


class NoteDraftIn(NoteSpec):
    """A new draft note; `session_id` attaches one of the patient's dosing sessions."""

    session_id: int | None = Field(default=None, ge=1, description="A session of the patient.")


def _note(request: HttpRequest, patient: Patient, note_id: int) -> Note:
    note = notes_for(actor(request), patient).filter(pk=note_id).first()
    if note is None:
        raise Http404("No such note.")
    return note


def _out(request: HttpRequest, patient: Patient, note_id: int) -> NoteOut:
    """The note as it now stands (its addenda joined)."""
    return NoteOut.model_validate(_note(request, patient, note_id))


def _session(
    request: HttpRequest, patient: Patient, session_id: int | None
) -> DosingSession | None:
    if session_id is None:
        return None
    sessions = DosingSession.objects.visible_to(actor(request)).filter(patient=patient)
    session = sessions.filter(pk=session_id).first()
    if session is None:
        raise Http404("No such session.")
    return session


@router.get(
    "/{patient_id}/notes", response={200: NoteList, **ERRORS}, summary="The patient's notes"
)
def list_notes(request: HttpRequest, patient_id: int = id_in_path("patient")) -> NoteList:
    """The notes on the patient's chart, newest first, drafts and signed, with addenda."""
    patient = visible_patient(request, patient_id)
    notes = read_notes(actor(request), patient, via="api")
    return NoteList.model_validate({"items": notes})


@router.post(
    "/{patient_id}/notes",
    response={201: NoteOut, **WRITE_ERRORS},
    summary="Draft a note",
)
def draft_note(
    request: HttpRequest, payload: NoteDraftIn, patient_id: int = id_in_path("patient")
) -> Status[NoteOut]:
    """A new draft on the chart; only its author edits, signs or discards it."""
    patient = visible_patient(request, patient_id)
    session = _session(request, patient, payload.session_id)
    spec = NoteSpec.model_validate(payload.model_dump(include={"kind", "title", "body"}))
    note = services.draft_note(actor(request), patient, spec, session)
    return Status(201, _out(request, patient, note.pk))


@router.get("/{patient_id}/notes/{note_id}", response={200: NoteOut, **ERRORS}, summary="One note")
def get_note(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    note_id: int = id_in_path("note"),
) -> NoteOut:
    """One note of the patient's chart, with its addenda."""
    patient = visible_patient(request, patient_id)
    return NoteOut.model_validate(read_note(actor(request), patient, note_id, via="api"))


@router.patch(
    "/{patient_id}/notes/{note_id}",
    response={200: NoteOut, **WRITE_ERRORS},
    summary="Edit a draft note",
)
def edit_note(
    request: HttpRequest,
    payload: NoteEditSpec,
    patient_id: int = id_in_path("patient"),
    note_id: int = id_in_path("note"),
) -> NoteOut:
    """Change the author's draft (409 `note_signed`, `not_note_author`); fields not given stay."""
    patient = visible_patient(request, patient_id)
    services.edit_note(actor(request), _note(request, patient, note_id), payload)
    return _out(request, patient, note_id)


@router.post(
    "/{patient_id}/notes/{note_id}/sign",
    response={200: NoteOut, **WRITE_ERRORS},
    summary="Sign a draft note",
)
def sign_note(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    note_id: int = id_in_path("note"),
) -> NoteOut:
    """The author signs their draft: from now on it is locked."""
    patient = visible_patient(request, patient_id)
    services.sign_note(actor(request), _note(request, patient, note_id))
    return _out(request, patient, note_id)


@router.post(
    "/{patient_id}/notes/{note_id}/addenda",
    response={201: NoteOut, **WRITE_ERRORS},
    summary="Add an addendum to a signed note",
)
def add_addendum(
    request: HttpRequest,
    payload: AddendumSpec,
    patient_id: int = id_in_path("patient"),
    note_id: int = id_in_path("note"),
) -> Status[NoteOut]:
    """Correct or add to a signed note (409 `note_not_signed` for a draft); signed as written."""
    patient = visible_patient(request, patient_id)
    services.add_note_addendum(actor(request), _note(request, patient, note_id), payload)
    return Status(201, _out(request, patient, note_id))


@router.delete(
    "/{patient_id}/notes/{note_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Discard a draft note",
)
def discard_note(
    request: HttpRequest,
    patient_id: int = id_in_path("patient"),
    note_id: int = id_in_path("note"),
) -> Status[None]:
    """The author discards their draft (409 `note_signed` once it is signed)."""
    patient = visible_patient(request, patient_id)
    services.discard_note(actor(request), _note(request, patient, note_id))
    return Status(204, None)
