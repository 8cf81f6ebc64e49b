"""Note use cases: draft, edit, discard, sign, and add an addendum to a signed note.

The policy table says which roles write notes; the object rule is this module's: a
draft is its author's alone (edit, sign, discard), a signed note is locked and corrected
only by an addendum (any note writer of the clinic may add one, signed as it is
written). A note may name a dosing session: the face passes the session it found
through treatment's scoped queries, and this module checks it is the patient's by its
attribute (treatment sits above notes and is never imported here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock, usecase
from ketacare.kernel.errors import NotFound
from ketacare.kernel.usecase import use_case
from ketacare.notes.errors import NoteNotSigned, NoteSigned, NotNoteAuthor, SessionOfAnotherPatient
from ketacare.notes.models import Note, NoteAddendum
from ketacare.notes.specs import AddendumSpec, NoteEditSpec, NoteSpec
from ketacare.patients.access import require
from ketacare.patients.models import Patient

if TYPE_CHECKING:
    from ketacare.accounts.models import User


def _check_session(patient: Patient, session: Any | None) -> None:
    if session is not None and session.patient_id != patient.pk:
        raise SessionOfAnotherPatient(
            "That session is another patient's: choose one of this patient's sessions.",
            field="session",
        )


@use_case("draft_note")
def draft_note(actor: User, patient: Patient, spec: NoteSpec, session: Any | None = None) -> Note:
    """A new draft on the patient's chart, editable by its author until they sign it."""
    require(actor, patient, "draft_note")
    _check_session(patient, session)
    note = Note.objects.create(
        patient=patient,
        kind=spec.kind,
        title=spec.title,
        body=spec.body,
        session=session,
        author=actor,
    )
    detail = {"kind": str(note.kind), "session": note.session_id}
    usecase.note(Event.about(AuditAction.CREATE, note, detail=detail))
    return note


def _locked(actor: User, note: Note, use_case: str) -> Note:
    """The note under a row lock, seen through the actor's scope (NotFound otherwise)."""
    require(actor, note.patient, use_case)
    locked = (
        Note.objects.visible_to(actor)
        .select_for_update(no_key=True, of=("self",))
        .filter(pk=note.pk, patient_id=note.patient_id)
        .first()
    )
    if locked is None:
        raise NotFound("No such note.")
    return locked


# The verb of each step, as a refusal says it: (may <do>, cannot be <done>).
_VERBS = {
    "edit_note": ("edit", "edited"),
    "discard_note": ("discard", "discarded"),
    "sign_note": ("sign", "signed again"),
}


def _own_draft(actor: User, note: Note, use_case: str) -> None:
    """Refuse unless `note` is a draft and `actor` wrote it."""
    do, done = _VERBS[use_case]
    if note.is_signed:
        raise NoteSigned(
            f"This note is signed and locked, so it cannot be {done}: add an addendum "
            "to correct it."
        )
    if note.author_id != actor.pk:
        raise NotNoteAuthor(
            f"Only the note's author may {do} their draft: ask them to, or write a note "
            "of your own."
        )


@use_case("edit_note")
def edit_note(actor: User, note: Note, spec: NoteEditSpec) -> Note:
    """Change the author's draft: a field not given keeps its value."""
    locked = _locked(actor, note, "edit_note")
    _own_draft(actor, locked, "edit_note")
    changed = []
    for name in ("kind", "title", "body"):
        value = getattr(spec, name)
        if value is not None and value != getattr(locked, name):
            setattr(locked, name, value)
            changed.append(name)
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    usecase.note(Event.about(AuditAction.UPDATE, locked, detail={"changed": changed}))
    return locked


@use_case("discard_note")
def discard_note(actor: User, note: Note) -> None:
    """Delete the author's draft (never signed, so never part of the record)."""
    locked = _locked(actor, note, "discard_note")
    _own_draft(actor, locked, "discard_note")
    event = Event.about(AuditAction.DELETE, locked, detail={"kind": str(locked.kind)})
    locked.delete()
    usecase.note(event)


@use_case("sign_note")
def sign_note(actor: User, note: Note) -> Note:
    """The author signs their draft: from now on it is locked."""
    locked = _locked(actor, note, "sign_note")
    _own_draft(actor, locked, "sign_note")
    locked.signed_at = clock.now()
    locked.signed_by = actor
    locked.save(update_fields=["signed_at", "signed_by", "updated_at"])
    detail = {"change": "signed", "kind": str(locked.kind)}
    usecase.note(Event.about(AuditAction.UPDATE, locked, detail=detail))
    return locked


@use_case("add_note_addendum")
def add_note_addendum(actor: User, note: Note, spec: AddendumSpec) -> NoteAddendum:
    """Correct or add to a signed note: a new row, signed by its author, never changed."""
    locked = _locked(actor, note, "add_note_addendum")
    if not locked.is_signed:
        raise NoteNotSigned(
            "This note is still a draft: edit it instead (an addendum corrects a signed note)."
        )
    addendum = NoteAddendum.objects.create(
        note=locked, body=spec.body, author=actor, signed_at=clock.now()
    )
    detail = {"note": locked.pk}
    usecase.note(
        Event.about(AuditAction.CREATE, addendum, patient_id=locked.patient_id, detail=detail)
    )
    return addendum
