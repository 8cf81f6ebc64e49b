"""The notes API: draft, list, read, edit, sign, addenda, discard; refusals and ownership."""

from __future__ import annotations

from typing import Any

import pytest

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.notes.models import Note
from ketacare.patients.models import Patient
from tests.api.conftest import ApiClient
from tests.factories import (
    DoseTakenFactory,
    NoteFactory,
    PatientFactory,
    SitterFactory,
    TreatmentPlanFactory,
)

BODY = {"kind": "phone_call", "title": "Day after", "body": "Called: slept well."}


@pytest.fixture
def alice(as_user, clinician: User) -> ApiClient:
    client: ApiClient = as_user(clinician)
    return client


@pytest.fixture
def bob(as_user, colleague: User) -> ApiClient:
    client: ApiClient = as_user(colleague)
    return client


def reads_of(note_id: int) -> int:
    return AuditEntry.objects.filter(
        action=AuditAction.READ, object_type="notes.Note", object_id=str(note_id)
    ).count()


def test_draft_edit_sign_and_add_an_addendum(alice: ApiClient, clinician: User, patient: Patient):
    base = f"patients/{patient.pk}/notes"
    made = alice.post(base, BODY)
    assert made.status_code == 201, made.json()
    note: dict[str, Any] = made.json()
    assert (note["kind"], note["author_id"], note["signed_at"], note["addenda"]) == (
        "phone_call",
        clinician.pk,
        None,
        [],
    )
    edited = alice.patch(f"{base}/{note['id']}", {"body": "Called twice: slept well."})
    assert (edited.status_code, edited.json()["title"]) == (200, "Day after")
    assert edited.json()["body"] == "Called twice: slept well."
    signed = alice.post(f"{base}/{note['id']}/sign")
    assert signed.status_code == 200
    assert signed.json()["signed_by_id"] == clinician.pk
    added = alice.post(f"{base}/{note['id']}/addenda", {"body": "Correction: Tuesday."})
    assert added.status_code == 201
    (addendum,) = added.json()["addenda"]
    assert (addendum["body"], addendum["author_id"]) == ("Correction: Tuesday.", clinician.pk)


def test_a_signed_note_is_locked(alice: ApiClient, clinician: User, patient: Patient):
    note = NoteFactory(patient=patient, author=clinician, signed=True)
    base = f"patients/{patient.pk}/notes/{note.pk}"
    for answer in (
        alice.patch(base, {"body": "Changed"}),
        alice.post(f"{base}/sign"),
        alice.delete(base),
    ):
        assert (answer.status_code, answer.json()["code"]) == (409, "note_signed")
        assert "add an addendum" in answer.json()["message"]
    assert Note.objects.get().body == note.body


def test_only_the_author_changes_a_draft(bob: ApiClient, clinician: User, patient: Patient):
    note = NoteFactory(patient=patient, author=clinician)
    base = f"patients/{patient.pk}/notes/{note.pk}"
    for answer in (bob.patch(base, {"body": "Mine"}), bob.post(f"{base}/sign"), bob.delete(base)):
        assert (answer.status_code, answer.json()["code"]) == (409, "not_note_author")
    addendum = bob.post(f"{base}/addenda", {"body": "More"})
    assert (addendum.status_code, addendum.json()["code"]) == (409, "note_not_signed")


def test_the_author_discards_their_draft(alice: ApiClient, clinician: User, patient: Patient):
    note = NoteFactory(patient=patient, author=clinician)
    assert alice.delete(f"patients/{patient.pk}/notes/{note.pk}").status_code == 204
    assert not Note.objects.exists()


def test_a_note_carries_one_of_the_patients_sessions(alice: ApiClient, clinic, patient):
    mine = DoseTakenFactory(plan=TreatmentPlanFactory(patient=patient))
    theirs = DoseTakenFactory(plan=TreatmentPlanFactory(patient=PatientFactory(clinic=clinic)))
    made = alice.post(f"patients/{patient.pk}/notes", {**BODY, "session_id": mine.pk})
    assert made.json()["session_id"] == mine.pk
    refused = alice.post(f"patients/{patient.pk}/notes", {**BODY, "session_id": theirs.pk})
    assert refused.status_code == 404
    assert Note.objects.count() == 1


def test_a_bad_note_is_422_naming_the_field(alice: ApiClient, patient: Patient):
    answer = alice.post(f"patients/{patient.pk}/notes", {"kind": "gossip", "body": " "})
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {"body.kind", "body.body"}
    assert not Note.objects.exists()


def test_reads_are_audited(alice: ApiClient, clinician: User, patient: Patient):
    note = NoteFactory(patient=patient, author=clinician, signed=True)
    listed = alice.get(f"patients/{patient.pk}/notes")
    assert [n["id"] for n in listed.json()["items"]] == [note.pk]
    entry = AuditEntry.objects.get(action=AuditAction.LIST, object_type="notes.Note")
    assert entry.detail == {"via": "api", "ids": [note.pk]}
    assert alice.get(f"patients/{patient.pk}/notes/{note.pk}").status_code == 200
    assert reads_of(note.pk) == 1


# --- Ownership --------------------------------------------------------------------------


@pytest.fixture
def strangers(as_user, clinic: Clinic, outsider: User) -> dict[str, ApiClient]:
    """Charlie (clinic B), another patient of clinic A and that patient's sitter."""
    other = PatientFactory(clinic=clinic, with_account=True)
    sitter = SitterFactory(clinic=clinic, patients=[other])
    return {
        "charlie": as_user(outsider),
        "other_patient": as_user(other.user),
        "other_sitter": as_user(sitter.user),
    }


def test_strangers_get_404_and_no_read_of_the_note_is_audited(
    strangers: dict[str, ApiClient], clinician: User, patient: Patient
):
    note = NoteFactory(patient=patient, author=clinician)
    base = f"patients/{patient.pk}/notes"
    for who, client in strangers.items():
        answers = [
            client.get(base),
            client.get(f"{base}/{note.pk}"),
            client.post(base, BODY),
            client.patch(f"{base}/{note.pk}", {"body": "x"}),
            client.post(f"{base}/{note.pk}/sign"),
            client.post(f"{base}/{note.pk}/addenda", {"body": "x"}),
            client.delete(f"{base}/{note.pk}"),
        ]
        assert {a.status_code for a in answers} == {404}, who
    assert reads_of(note.pk) == 0
    assert not AuditEntry.objects.filter(action=AuditAction.LIST, patient_id=patient.pk).exists()
    note.refresh_from_db()
    assert (Note.objects.count(), note.signed_at) == (1, None)


def test_a_note_of_another_patient_is_404_under_this_one(
    alice: ApiClient, clinic: Clinic, clinician: User, patient: Patient
):
    note = NoteFactory(patient=patient, author=clinician)
    neighbour = PatientFactory(clinic=clinic)
    assert alice.get(f"patients/{neighbour.pk}/notes/{note.pk}").status_code == 404
    assert alice.post(f"patients/{neighbour.pk}/notes/{note.pk}/sign").status_code == 404
    assert reads_of(note.pk) == 0


def test_the_patient_and_their_sitter_may_not_read_the_clinics_notes(
    as_user, clinic: Clinic, clinician: User, patient: Patient
):
    note = NoteFactory(patient=patient, author=clinician, signed=True)
    sitter = SitterFactory(clinic=clinic, patients=[patient])
    for user in (patient.user, sitter.user):
        client = as_user(user)
        for answer in (
            client.get(f"patients/{patient.pk}/notes"),
            client.get(f"patients/{patient.pk}/notes/{note.pk}"),
        ):
            assert (answer.status_code, answer.json()["code"]) == (403, "forbidden")
    assert reads_of(note.pk) == 0
