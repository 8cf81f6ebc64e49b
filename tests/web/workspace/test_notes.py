"""Clinician notes on the chart: the list, a new note, edit, sign, discard, addenda.

Alice (clinician) writes; Bob (her colleague) reads but cannot change her draft; Charlie
(another clinic) gets 404 and no read of the note is audited; a patient or a sitter gets
the staff pages' 403. The clock is frozen at tests.treatment.helpers.NOW (18:00 in New
York, the clinic's zone).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketacare.accounts.models import User
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.notes.models import Note, NoteAddendum, NoteKind
from ketacare.patients.models import Patient
from ketacare.patients.protocol import review_note_required
from ketacare.web.workspace.note_forms import session_record_url
from ketacare.web.workspace.timeline import Kind
from tests.factories import (
    DoseTakenFactory,
    NoteFactory,
    PatientFactory,
    SitterFactory,
    TreatmentPlanFactory,
)
from tests.treatment.helpers import NOW

pytestmark = pytest.mark.django_db

BODY = "Called after the session: slept well, no dissociation the next day."


def notes_url(patient: Patient) -> str:
    return reverse("ws-notes", kwargs={"patient_id": patient.pk})


def note_url(note: Note, step: str = "") -> str:
    name = f"ws-note-{step}" if step else "ws-note"
    return reverse(name, kwargs={"patient_id": note.patient_id, "note_id": note.pk})


def reads_of(note: Note) -> int:
    return AuditEntry.objects.filter(
        action=AuditAction.READ, object_type="notes.Note", object_id=str(note.pk)
    ).count()


@pytest.fixture
def draft(clinician: User, patient: Patient) -> Note:
    return NoteFactory(patient=patient, author=clinician, body=BODY)


# --- Writing ----------------------------------------------------------------------------


def test_alice_writes_a_note_about_a_session_and_lands_on_it(
    alice_client: Client, clinician: User, patient: Patient
):
    session = DoseTakenFactory(plan=TreatmentPlanFactory(patient=patient), taken_at=NOW)
    page = alice_client.get(notes_url(patient))
    assert page.status_code == 200
    assert "Session of 2025-03-03 18:00 (released by the sitter)" in page.content.decode()
    response = alice_client.post(
        notes_url(patient),
        {"kind": "session_follow_up", "title": "Day after", "body": BODY, "session": session.pk},
    )
    note = Note.objects.get()
    assert response.status_code == 302
    assert response["Location"] == note_url(note)
    assert (note.kind, note.title, note.author, note.session, note.signed_at) == (
        NoteKind.SESSION_FOLLOW_UP,
        "Day after",
        clinician,
        session,
        None,
    )


def test_a_note_without_words_is_shown_again_with_the_error(alice_client, patient):
    response = alice_client.post(notes_url(patient), {"kind": "phone_call", "body": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Note.objects.exists()


def test_a_session_of_another_patient_cannot_be_chosen(alice_client, clinic, patient):
    elsewhere = DoseTakenFactory(plan=TreatmentPlanFactory(patient=PatientFactory(clinic=clinic)))
    response = alice_client.post(
        notes_url(patient), {"kind": "phone_call", "body": BODY, "session": elsewhere.pk}
    )
    assert response.status_code == 400
    assert not Note.objects.exists()


def test_the_author_edits_their_draft(alice_client, draft):
    response = alice_client.post(
        note_url(draft, "edit"), {"kind": "phone_call", "title": "", "body": "Called twice."}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.body == "Called twice."


def test_a_colleague_sees_the_draft_but_cannot_change_it(client, colleague, draft):
    client.force_login(colleague)
    page = client.get(note_url(draft)).content.decode()
    assert "only they can change, sign or discard it" in page
    assert note_url(draft, "edit") not in page
    response = client.post(note_url(draft, "edit"), {"kind": "phone_call", "body": "Mine."})
    assert response.status_code == 409
    assert "Only the note&#x27;s author may edit their draft" in response.content.decode()
    draft.refresh_from_db()
    assert draft.body == BODY


def test_signing_asks_to_confirm_that_it_locks_the_note(alice_client, draft):
    page = alice_client.get(note_url(draft)).content.decode()
    assert "Signing locks this note" in page
    refused = alice_client.post(note_url(draft, "sign"), {})
    assert refused.status_code == 400
    assert "Tick the box to sign: signing locks this note." in refused.content.decode()
    assert alice_client.post(note_url(draft, "sign"), {"confirm": "on"}).status_code == 302
    draft.refresh_from_db()
    assert draft.signed_at == NOW


def test_a_signed_note_is_locked_and_takes_an_addendum(alice_client, clinician, draft):
    alice_client.post(note_url(draft, "sign"), {"confirm": "on"})
    page = alice_client.get(note_url(draft)).content.decode()
    assert note_url(draft, "edit") not in page
    assert "Add an addendum" in page
    edit = alice_client.post(note_url(draft, "edit"), {"kind": "phone_call", "body": "Changed"})
    assert edit.status_code == 409
    assert "signed and locked" in edit.content.decode()
    added = alice_client.post(note_url(draft, "addendum"), {"body": "Correction: Tuesday."})
    assert added.status_code == 302
    addendum = NoteAddendum.objects.get()
    assert (addendum.author, addendum.body) == (clinician, "Correction: Tuesday.")
    assert "Correction: Tuesday." in alice_client.get(note_url(draft)).content.decode()


def test_the_author_discards_their_draft(alice_client, patient, draft):
    response = alice_client.post(note_url(draft, "discard"))
    assert response.status_code == 302
    assert response["Location"] == notes_url(patient)
    assert not Note.objects.exists()


# --- Reading ----------------------------------------------------------------------------


def test_the_notes_list_and_one_note_are_audited_reads(alice_client, patient, draft):
    alice_client.get(notes_url(patient))
    listed = AuditEntry.objects.get(action=AuditAction.LIST, object_type="notes.Note")
    assert (listed.patient_id, listed.detail["ids"]) == (patient.pk, [draft.pk])
    alice_client.get(note_url(draft))
    assert reads_of(draft) == 1


def test_the_chart_shows_notes_in_its_timeline_in_the_clinics_zone(
    alice_client, clinician, patient
):
    note = NoteFactory(
        patient=patient, author=clinician, kind=NoteKind.PRESCRIBER_REVIEW, signed=True
    )
    response = alice_client.get(reverse("ws-chart", kwargs={"patient_id": patient.pk}))
    (entry,) = [e for e in response.context["entries"] if e.kind == Kind.NOTE]
    assert (entry.title, entry.by) == ("Prescriber review", clinician.display_name)
    assert "Signed 2025-03-03 15:00" in entry.lines  # 20:00 UTC, in New York
    assert entry.links[0] == ("Open the note", note_url(note))
    html = response.content.decode()
    assert f'href="{note_url(note)}"' in html
    assert f'href="{notes_url(patient)}"' in html


def test_a_note_about_a_session_links_its_printable_record_where_it_is_served(
    alice_client, clinician, dosed
):
    session = dosed()
    patient = session.patient
    note = NoteFactory(patient=patient, author=clinician, session=session, signed=True)
    record = session_record_url(patient.pk, session.pk)
    html = alice_client.get(note_url(note)).content.decode()
    chart = alice_client.get(reverse("ws-chart", kwargs={"patient_id": patient.pk}))
    if record is None:
        assert "A session is attached" in html
        assert "Printable session record" not in chart.content.decode()
    else:
        assert f'href="{record}"' in html
        assert f'href="{record}"' in chart.content.decode()


def test_the_charts_notes_cost_one_query_however_many(alice_client, clinician, patient):
    chart = reverse("ws-chart", kwargs={"patient_id": patient.pk})
    NoteFactory(patient=patient, author=clinician)
    with CaptureQueriesContext(connection) as one:
        alice_client.get(chart)
    for _ in range(5):
        note = NoteFactory(patient=patient, author=clinician, signed=True)
        NoteAddendum.objects.create(note=note, body="More", author=clinician, signed_at=NOW)
    with CaptureQueriesContext(connection) as six:
        response = alice_client.get(chart)
    assert len(six.captured_queries) == len(one.captured_queries)
    assert len([e for e in response.context["entries"] if e.kind == Kind.NOTE]) == 6


def test_a_pharmacist_reads_the_notes_but_gets_no_form(client, pharmacist, patient, draft):
    client.force_login(pharmacist)
    page = client.get(notes_url(patient))
    assert page.status_code == 200
    assert "New note" not in page.content.decode()
    response = client.post(notes_url(patient), {"kind": "phone_call", "body": BODY})
    assert response.status_code == 403
    assert Note.objects.count() == 1


# --- Who may see them -------------------------------------------------------------------


def test_another_clinics_staff_get_404_and_no_read_is_audited(client, outsider, draft):
    client.force_login(outsider)
    patient = draft.patient
    for url in (notes_url(patient), note_url(draft)):
        assert client.get(url).status_code == 404
    for step in ("edit", "sign", "discard", "addendum"):
        assert client.post(note_url(draft, step), {"body": "x"}).status_code == 404
    assert reads_of(draft) == 0
    assert not AuditEntry.objects.filter(action=AuditAction.LIST, patient_id=patient.pk).exists()
    draft.refresh_from_db()
    assert (draft.body, draft.signed_at) == (BODY, None)


def test_a_note_of_another_patient_is_404_under_this_one(alice_client, clinic, draft):
    neighbour = PatientFactory(clinic=clinic)
    url = reverse("ws-note", kwargs={"patient_id": neighbour.pk, "note_id": draft.pk})
    assert alice_client.get(url).status_code == 404
    assert reads_of(draft) == 0


def test_a_patient_and_a_sitter_get_the_staff_pages_refusal(client, clinic, patient, draft):
    sitter = SitterFactory(clinic=clinic, patients=[patient])
    for user in (patient.user, sitter.user):
        client.force_login(user)
        assert client.get(notes_url(patient)).status_code == 403
        assert client.get(note_url(draft)).status_code == 403
    assert reads_of(draft) == 0


# --- The clinic's setting: a prescriber's review note before a plan revision --------------


def test_an_administrator_requires_a_review_note_before_a_plan_revision(client, clinic_admin):
    client.force_login(clinic_admin)
    url = reverse("ws-protocol")
    page = client.get(url)
    assert "before a plan revision: <strong>not required</strong>" in page.content.decode()
    form = page.context["form"]
    data = {name: form[name].initial for name in form.fields if name != "reason"}
    data |= {"review_note_before_revision": "on", "reason": "Reasoning on the chart first"}
    assert client.post(url, data).status_code == 302
    assert review_note_required(clinic_admin.clinic_id)
    page = client.get(url).content.decode()
    assert "before a plan revision: <strong>required</strong>" in page
