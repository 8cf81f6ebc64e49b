"""The forms of the notes pages, and the link to a note's printable session record."""

from __future__ import annotations

from django import forms
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ketacare.accounts.models import User
from ketacare.notes.models import BODY_LENGTH, TITLE_LENGTH, NoteKind
from ketacare.patients.models import Patient
from ketacare.treatment.models import DosingSession

# The printable session record's page, by the names it may be registered under.
SESSION_RECORD = ("ws-session-record", "workspace:session_record")


def session_record_url(patient_id: int, session_id: int) -> str | None:
    """The printable record of a session, where the installation serves it (else None)."""
    kwargs = {"patient_id": patient_id, "session_id": session_id}
    for name in SESSION_RECORD:
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


def session_label(session: DosingSession) -> str:
    started = timezone.localtime(session.started_at).strftime("%Y-%m-%d %H:%M")
    return f"Session of {started} ({session.get_status_display().lower()})"


def patient_sessions(user: User, patient: Patient) -> list[DosingSession]:
    """The patient's sessions the user may see, newest first (a note may name one)."""
    return list(
        DosingSession.objects.visible_to(user).filter(patient=patient).order_by("-started_at")
    )


class NoteForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of note", choices=NoteKind.choices)
    title = forms.CharField(label="Title (optional)", max_length=TITLE_LENGTH, required=False)
    body = forms.CharField(
        label="Note", max_length=BODY_LENGTH, widget=forms.Textarea(attrs={"rows": 8})
    )
    session = forms.TypedChoiceField(
        label="About the session (optional)",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="Attach the session's record to the note.",
    )

    def __init__(self, *args: object, sessions: list[DosingSession], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [("", "No session"), *((s.pk, session_label(s)) for s in sessions)]
        self.fields["session"].choices = choices  # type: ignore[attr-defined]


class EditNoteForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of note", choices=NoteKind.choices)
    title = forms.CharField(label="Title (optional)", max_length=TITLE_LENGTH, required=False)
    body = forms.CharField(
        label="Note", max_length=BODY_LENGTH, widget=forms.Textarea(attrs={"rows": 8})
    )


class SignForm(forms.Form):
    confirm = forms.BooleanField(
        label="Signing locks this note: I have read it and it is ready to sign.",
        error_messages={"required": "Tick the box to sign: signing locks this note."},
    )


class AddendumForm(forms.Form):
    body = forms.CharField(
        label="Addendum",
        max_length=BODY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Signed by you as it is saved; it cannot be changed afterwards.",
    )
