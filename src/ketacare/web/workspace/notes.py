"""Clinician notes on the chart: the list, a new note, one note, and its steps.

Staff of the patient's clinic read the notes (kernel.policy's `read_notes`; another
clinic's patient or note is a 404, a patient or sitter gets the staff pages' 403). The
clinical team writes them: a draft is edited, signed or discarded by its author only; a
signed note is locked and corrected by an addendum. Each step posts to its own address,
calls its use case and shows the note again with what happened.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ketacare.accounts.models import User
from ketacare.kernel import policy
from ketacare.kernel.specs import read
from ketacare.notes import services
from ketacare.notes.models import Note
from ketacare.notes.queries import notes_for, read_note, read_notes
from ketacare.notes.specs import AddendumSpec, NoteEditSpec, NoteSpec
from ketacare.patients.models import Patient
from ketacare.web.refusals import REFUSALS, show_refusal
from ketacare.web.workspace.common import staff_patient, staff_user
from ketacare.web.workspace.note_forms import (
    AddendumForm,
    EditNoteForm,
    NoteForm,
    SignForm,
    patient_sessions,
    session_record_url,
)

WHAT = "Only the clinic's staff see clinical notes."
WORDS = ("kind", "title", "body")


def _link(note: Note) -> str | None:
    return None if note.session_id is None else session_record_url(note.patient_id, note.session_id)


def _patient(request: HttpRequest, patient_id: int) -> tuple[User, Patient]:
    user = staff_user(request)
    return user, staff_patient(user, patient_id, "read_notes", what=WHAT)


def _list_page(
    request: HttpRequest,
    user: User,
    patient: Patient,
    form: NoteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    notes = read_notes(user, patient, via="workspace notes")
    context = {
        "patient": patient,
        "notes": [(note, _link(note)) for note in notes],
        "form": form or NoteForm(sessions=patient_sessions(user, patient)),
        "may_write": policy.may(user, "draft_note"),
    }
    return render(request, "web/workspace/notes/notes.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def notes_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient's notes, newest first, and the form of a new note (draft_note)."""
    user, patient = _patient(request, patient_id)
    if request.method == "GET":
        return _list_page(request, user, patient)
    sessions = patient_sessions(user, patient)
    form = NoteForm(request.POST, sessions=sessions)
    if not form.is_valid():
        return _list_page(request, user, patient, form, status=400)
    data = form.cleaned_data
    session = next((s for s in sessions if s.pk == data["session"]), None)
    try:
        spec = read(NoteSpec, {name: data[name] for name in WORDS})
        note = services.draft_note(user, patient, spec, session)
    except REFUSALS as exc:
        return _list_page(request, user, patient, form, status=show_refusal(form, exc))
    messages.success(request, "Draft saved. Sign it when it is ready: signing locks it.")
    return redirect("ws-note", patient_id=patient.pk, note_id=note.pk)


def _note_page(
    request: HttpRequest,
    user: User,
    patient: Patient,
    note_id: int,
    bound: tuple[str, forms.Form, int] | None = None,
) -> HttpResponse:
    """The note's page; `bound`: a refused form (its name on the page, and the status)."""
    note = read_note(user, patient, note_id, via="workspace note")
    own_draft = not note.is_signed and note.author_id == user.pk
    may_add = note.is_signed and policy.may(user, "add_note_addendum")
    context: dict[str, Any] = {
        "patient": patient,
        "note": note,
        "session_link": _link(note),
        "own_draft": own_draft,
        "may_add": may_add,
        "edit_form": EditNoteForm(initial={name: getattr(note, name) for name in WORDS}),
        "sign_form": SignForm(),
        "addendum_form": AddendumForm(),
    }
    status = 200
    if bound is not None:
        name, form, status = bound
        context[name] = form
        # A refusal of a form the page does not draw for this user is said at the top.
        drawn = {"edit_form": own_draft, "sign_form": own_draft, "addendum_form": may_add}
        context["refused"] = None if drawn.get(name) else form
    return render(request, "web/workspace/notes/note.html", context, status=status)


def _note(user: User, patient: Patient, note_id: int) -> Note:
    """The note to act on (404 unless it is this patient's and the user may see it)."""
    note = notes_for(user, patient).filter(pk=note_id).first()
    if note is None:
        raise Http404("No such note.")
    return note


@login_required
@require_http_methods(["GET"])
def note_view(request: HttpRequest, patient_id: int, note_id: int) -> HttpResponse:
    user, patient = _patient(request, patient_id)
    return _note_page(request, user, patient, note_id)


@login_required
@require_POST
def note_edit_view(request: HttpRequest, patient_id: int, note_id: int) -> HttpResponse:
    """The author changes their draft (edit_note)."""
    user, patient = _patient(request, patient_id)
    note = _note(user, patient, note_id)
    form = EditNoteForm(request.POST)
    if not form.is_valid():
        return _note_page(request, user, patient, note_id, ("edit_form", form, 400))
    try:
        spec = read(NoteEditSpec, {name: form.cleaned_data[name] for name in WORDS})
        services.edit_note(user, note, spec)
    except REFUSALS as exc:
        status = show_refusal(form, exc)
        return _note_page(request, user, patient, note_id, ("edit_form", form, status))
    messages.success(request, "Draft saved.")
    return redirect("ws-note", patient_id=patient.pk, note_id=note.pk)


@login_required
@require_POST
def note_sign_view(request: HttpRequest, patient_id: int, note_id: int) -> HttpResponse:
    """The author signs their draft (sign_note): from now on it is locked."""
    user, patient = _patient(request, patient_id)
    note = _note(user, patient, note_id)
    form = SignForm(request.POST)
    if not form.is_valid():
        return _note_page(request, user, patient, note_id, ("sign_form", form, 400))
    try:
        services.sign_note(user, note)
    except REFUSALS as exc:
        status = show_refusal(form, exc)
        return _note_page(request, user, patient, note_id, ("sign_form", form, status))
    messages.success(request, "Note signed. It is locked now: correct it with an addendum.")
    return redirect("ws-note", patient_id=patient.pk, note_id=note.pk)


@login_required
@require_POST
def note_discard_view(request: HttpRequest, patient_id: int, note_id: int) -> HttpResponse:
    """The author discards their draft (discard_note)."""
    user, patient = _patient(request, patient_id)
    note = _note(user, patient, note_id)
    form = forms.Form(request.POST)
    try:
        services.discard_note(user, note)
    except REFUSALS as exc:
        status = show_refusal(form, exc)
        return _note_page(request, user, patient, note_id, ("discard_form", form, status))
    messages.success(request, "Draft discarded.")
    return redirect("ws-notes", patient_id=patient.pk)


@login_required
@require_POST
def note_addendum_view(request: HttpRequest, patient_id: int, note_id: int) -> HttpResponse:
    """An addendum to a signed note (add_note_addendum), signed as it is saved."""
    user, patient = _patient(request, patient_id)
    note = _note(user, patient, note_id)
    form = AddendumForm(request.POST)
    if not form.is_valid():
        return _note_page(request, user, patient, note_id, ("addendum_form", form, 400))
    try:
        services.add_note_addendum(user, note, read(AddendumSpec, form.cleaned_data))
    except REFUSALS as exc:
        status = show_refusal(form, exc)
        return _note_page(request, user, patient, note_id, ("addendum_form", form, status))
    messages.success(request, "Addendum added and signed.")
    return redirect("ws-note", patient_id=patient.pk, note_id=note.pk)
