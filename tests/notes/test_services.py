"""Notes: drafted, edited and discarded by their author, signed and locked, then addenda."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from ketacare.accounts.models import User
from ketacare.accounts.roles import Role
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.kernel import specs
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.notes import services
from ketacare.notes.errors import NoteNotSigned, NoteSigned, NotNoteAuthor, SessionOfAnotherPatient
from ketacare.notes.models import Note, NoteAddendum, NoteKind, SignedNoteChanged
from ketacare.notes.queries import latest_signed, notes_for, read_note, read_notes
from ketacare.notes.specs import AddendumSpec, NoteEditSpec, NoteSpec
from ketacare.patients.models import Patient
from tests.factories import (
    DoseTakenFactory,
    NoteFactory,
    PatientFactory,
    TreatmentPlanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def draft(actor: User, patient: Patient, **fields: object) -> Note:
    data = {"kind": "phone_call", "body": "Called: sleeping better, no dissociation."} | fields
    return services.draft_note(actor, patient, specs.read(NoteSpec, data))


def entries(action: AuditAction, object_type: str = "notes.Note") -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, object_type=object_type))


# --- Drafting ---------------------------------------------------------------------------


def test_a_clinician_drafts_a_note_on_the_chart_and_it_is_audited(clinician, patient):
    note = draft(clinician, patient, title="Day after", kind="session_follow_up")
    assert (note.kind, note.title, note.author, note.signed_at) == (
        NoteKind.SESSION_FOLLOW_UP,
        "Day after",
        clinician,
        None,
    )
    (entry,) = entries(AuditAction.CREATE)
    assert (entry.object_id, entry.patient_id, entry.actor_id) == (
        str(note.pk),
        patient.pk,
        clinician.pk,
    )


def test_a_note_without_words_is_refused_and_nothing_is_stored(clinician, patient):
    with pytest.raises(ValidationError) as err:
        draft(clinician, patient, body="   ")
    assert err.value.message_dict == {"body": ["Write the note."]}
    assert not Note.objects.exists()


@pytest.mark.parametrize("role", ["pharmacist", "clinic_admin"])
def test_a_pharmacist_or_an_administrator_writes_no_notes(role, clinic, patient):
    user = UserFactory(clinic=clinic, **{role: True})
    with pytest.raises(NotAllowed, match="may write clinical notes"):
        draft(user, patient)


def test_another_clinics_clinician_cannot_write_on_the_chart(outsider, patient):
    with pytest.raises(NotFound):
        draft(outsider, patient)
    assert not Note.objects.exists()


def test_a_note_carries_one_of_the_patients_sessions(clinician, patient):
    session = DoseTakenFactory(plan=TreatmentPlanFactory(patient=patient))
    note = services.draft_note(
        clinician,
        patient,
        specs.read(NoteSpec, {"kind": "session_follow_up", "body": "OK"}),
        session,
    )
    assert note.session == session


def test_a_session_of_another_patient_is_refused(clinician, clinic, patient):
    elsewhere = DoseTakenFactory(plan=TreatmentPlanFactory(patient=PatientFactory(clinic=clinic)))
    spec = specs.read(NoteSpec, {"kind": "session_follow_up", "body": "OK"})
    with pytest.raises(SessionOfAnotherPatient, match="another patient's"):
        services.draft_note(clinician, patient, spec, elsewhere)
    assert not Note.objects.exists()


# --- A draft is its author's ------------------------------------------------------------


def test_the_author_edits_their_draft_and_fields_not_given_stay(clinician, patient):
    note = draft(clinician, patient, title="First")
    services.edit_note(clinician, note, NoteEditSpec(body="Called twice: no answer, then fine."))
    note.refresh_from_db()
    assert (note.title, note.body) == ("First", "Called twice: no answer, then fine.")
    (entry,) = entries(AuditAction.UPDATE)
    assert entry.detail["changed"] == ["body"]


@pytest.mark.parametrize(
    ("step", "words"),
    [
        (lambda u, n: services.edit_note(u, n, NoteEditSpec(body="Mine now")), "edit"),
        (services.sign_note, "sign"),
        (services.discard_note, "discard"),
    ],
)
def test_only_the_author_edits_signs_or_discards_a_draft(
    step, words, clinician, colleague, patient
):
    note = draft(clinician, patient)
    with pytest.raises(NotNoteAuthor) as err:
        step(colleague, note)
    assert err.value.message == (
        f"Only the note's author may {words} their draft: ask them to, or write a note of your own."
    )
    note.refresh_from_db()
    assert (note.body, note.signed_at) == ("Called: sleeping better, no dissociation.", None)


def test_the_author_discards_their_draft(clinician, patient):
    note = draft(clinician, patient)
    services.discard_note(clinician, note)
    assert not Note.objects.exists()
    (entry,) = entries(AuditAction.DELETE)
    assert entry.object_id == str(note.pk)


# --- Signing locks ----------------------------------------------------------------------


def test_signing_locks_the_note(clinician, patient):
    note = services.sign_note(clinician, draft(clinician, patient))
    assert note.signed_by == clinician
    assert note.signed_at is not None
    for step, done in [
        (lambda: services.edit_note(clinician, note, NoteEditSpec(body="Changed")), "edited"),
        (lambda: services.discard_note(clinician, note), "discarded"),
        (lambda: services.sign_note(clinician, note), "signed again"),
    ]:
        with pytest.raises(NoteSigned, match=f"cannot be {done}: add an addendum"):
            step()
    assert Note.objects.get().body == "Called: sleeping better, no dissociation."


def test_the_model_refuses_to_save_a_change_to_a_signed_notes_words(clinician, patient):
    services.sign_note(clinician, draft(clinician, patient))
    note = Note.objects.get()
    note.body = "Quietly changed"
    with pytest.raises(SignedNoteChanged):
        note.save()
    note.refresh_from_db()
    assert note.body == "Called: sleeping better, no dissociation."


def test_the_database_refuses_to_change_a_signed_note_on_postgresql(clinician, patient):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger guards PostgreSQL only")
    services.sign_note(clinician, draft(clinician, patient))
    with pytest.raises(DatabaseError, match="signed and locked"), transaction.atomic():
        Note.objects.update(body="Bulk change")
    with pytest.raises(DatabaseError, match="signed and locked"), transaction.atomic():
        Note.objects.all().delete()
    # A draft is still the author's to change at the database too.
    other = draft(clinician, patient)
    Note.objects.filter(pk=other.pk).update(body="Fine")


# --- Addenda ----------------------------------------------------------------------------


def test_a_colleague_adds_an_addendum_to_a_signed_note(clinician, colleague, patient):
    note = services.sign_note(clinician, draft(clinician, patient))
    addendum = services.add_note_addendum(
        colleague, note, AddendumSpec(body="Correction: the call was on Tuesday.")
    )
    assert (addendum.note, addendum.author, addendum.signed_at is not None) == (
        note,
        colleague,
        True,
    )
    (entry,) = entries(AuditAction.CREATE, "notes.NoteAddendum")
    assert (entry.patient_id, entry.detail["note"]) == (patient.pk, note.pk)


def test_a_draft_takes_no_addendum(clinician, patient):
    note = draft(clinician, patient)
    with pytest.raises(NoteNotSigned, match="still a draft: edit it instead"):
        services.add_note_addendum(clinician, note, AddendumSpec(body="More"))
    assert not NoteAddendum.objects.exists()


def test_an_addendum_is_never_changed(clinician, patient):
    note = services.sign_note(clinician, draft(clinician, patient))
    addendum = services.add_note_addendum(clinician, note, AddendumSpec(body="More"))
    addendum.body = "Different"
    with pytest.raises(SignedNoteChanged):
        addendum.save()


# --- Reads ------------------------------------------------------------------------------


def test_reading_the_notes_is_audited_as_a_list_and_one_note_as_a_read(clinician, patient):
    note = NoteFactory(patient=patient, signed=True)
    assert read_notes(clinician, patient, via="test") == [note]
    (listed,) = entries(AuditAction.LIST)
    assert listed.detail["ids"] == [note.pk]
    assert read_note(clinician, patient, note.pk, via="test") == note
    (read,) = entries(AuditAction.READ)
    assert read.object_id == str(note.pk)


def test_another_patients_note_is_not_found_and_no_read_is_audited(clinician, clinic, patient):
    elsewhere = NoteFactory(patient=PatientFactory(clinic=clinic))
    with pytest.raises(NotFound):
        read_note(clinician, patient, elsewhere.pk, via="test")
    assert not entries(AuditAction.READ)


def test_notes_are_scoped_to_the_actors_clinic(clinician, outsider, patient):
    NoteFactory(patient=patient)
    assert notes_for(clinician, patient).count() == 1
    assert notes_for(outsider, patient).count() == 0


def test_latest_signed_finds_the_latest_signed_note_of_a_kind_since_a_time(
    clinician, prescriber, patient
):
    NoteFactory(patient=patient, author=clinician, kind=NoteKind.PRESCRIBER_REVIEW)
    assert latest_signed(patient, NoteKind.PRESCRIBER_REVIEW) is None
    by_clinician = NoteFactory(
        patient=patient, author=clinician, kind=NoteKind.PRESCRIBER_REVIEW, signed=True
    )
    assert latest_signed(patient, NoteKind.PRESCRIBER_REVIEW) == by_clinician
    assert latest_signed(patient, NoteKind.PRESCRIBER_REVIEW, role=Role.PRESCRIBER) is None
    assert latest_signed(patient, NoteKind.PRESCRIBER_REVIEW, since=by_clinician.signed_at) is None
    assert latest_signed(patient, NoteKind.PHONE_CALL) is None
