"""Refusals of the note use cases, each naming the reason and what to do instead."""

from __future__ import annotations

from ketacare.kernel.errors import DomainError


class NotNoteAuthor(DomainError):
    """Only a draft's author edits, signs or discards it."""

    code = "not_note_author"


class NoteSigned(DomainError):
    """A signed note is locked: a correction is an addendum."""

    code = "note_signed"


class NoteNotSigned(DomainError):
    """An addendum corrects a signed note; a draft is edited instead."""

    code = "note_not_signed"


class SessionOfAnotherPatient(DomainError):
    """The session a note names must be one of the note's patient's."""

    code = "session_of_another_patient"
