"""DocumentReference over FHIR R4: signed clinician notes, with their addenda."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from ketacare.accounts.models import User
from ketacare.interop.fhir.documents import document_reference
from ketacare.notes import services
from ketacare.notes.models import Note, NoteKind
from ketacare.notes.specs import AddendumSpec, NoteSpec
from ketacare.patients.models import Patient
from ketacare.treatment.models import Dispense
from tests.interop.fhir.record_helpers import (
    dosed,
    get,
    hidden_from,
    ids,
    others,
    search,
    valid,
)
from tests.treatment.helpers import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def signed_note(author: User, patient: Patient, **fields: object) -> Note:
    spec = NoteSpec(
        **({"kind": NoteKind.PHONE_CALL, "body": "Slept well after the dose."} | fields)
    )
    return services.sign_note(author, services.draft_note(author, patient, spec))


def _text(resource: dict[str, object]) -> str:
    (content,) = resource["content"]  # type: ignore[attr-defined]
    return base64.b64decode(content["attachment"]["data"]).decode("utf-8")


def test_a_signed_note_is_a_valid_current_final_document(
    clinician: User, approved: Patient
) -> None:
    note = signed_note(clinician, approved, title="Call after session 1")

    resource = valid(document_reference(note))

    assert (resource["status"], resource["docStatus"]) == ("current", "final")
    assert resource["subject"]["reference"] == f"Patient/{approved.pk}"
    assert resource["date"] == "2025-03-03T23:00:00+00:00"
    assert resource["type"] == {"text": "Phone call"}
    author = {"reference": f"Practitioner/{clinician.pk}", "display": clinician.display_name}
    assert resource["author"] == [author]
    assert resource["authenticator"] == author


def test_the_words_are_plain_text_with_the_title(clinician: User, approved: Patient) -> None:
    note = signed_note(clinician, approved, title="Call after session 1", body="Calm; no nausea.")

    (content,) = document_reference(note)["content"]

    assert content["attachment"]["contentType"] == "text/plain; charset=utf-8"
    assert content["attachment"]["title"] == "Call after session 1"
    assert content["attachment"]["creation"] == "2025-03-03T23:00:00+00:00"
    assert _text(document_reference(note)) == "Calm; no nausea."


def test_a_note_without_a_title_is_titled_by_its_kind(clinician: User, approved: Patient) -> None:
    note = signed_note(clinician, approved)

    assert document_reference(note)["content"][0]["attachment"]["title"] == "Phone call"


def test_addenda_follow_the_words_and_amend_the_document(
    clinician: User, colleague: User, approved: Patient, clock: time_machine.Coordinates
) -> None:
    note = signed_note(clinician, approved, body="Dose 100 mg.")
    clock.shift(timedelta(hours=1))
    services.add_note_addendum(colleague, note, AddendumSpec(body="Correction: 75 mg."))
    note = Note.objects.get(pk=note.pk)

    resource = valid(document_reference(note))

    assert resource["docStatus"] == "amended"
    assert _text(resource) == (
        "Dose 100 mg.\n\n"
        f"Addendum by {colleague.display_name}, 2025-03-04T00:00:00+00:00:\n"
        "Correction: 75 mg."
    )


def test_a_note_about_a_dose_names_it(
    clinician: User, approved: Patient, stocked: Dispense
) -> None:
    session = dosed(approved)
    spec = NoteSpec(kind=NoteKind.SESSION_FOLLOW_UP, body="Went well.")
    note = services.sign_note(
        clinician, services.draft_note(clinician, approved, spec, session=session)
    )

    resource = valid(document_reference(note))

    assert resource["context"] == {
        "related": [{"reference": f"MedicationAdministration/{session.pk}"}]
    }


def test_a_draft_is_not_a_document(clinician: User, approved: Patient) -> None:
    spec = NoteSpec(kind=NoteKind.PHONE_CALL, body="Not yet signed.")
    draft = services.draft_note(clinician, approved, spec)

    with pytest.raises(ValueError, match="draft"):
        document_reference(draft)


# --- over HTTP: search parameters and ownership ----------------------------------------------


def test_staff_of_the_clinic_search_signed_notes_by_patient_and_date(
    client: Client, clinician: User, approved: Patient
) -> None:
    note = signed_note(clinician, approved)
    services.draft_note(clinician, approved, NoteSpec(kind=NoteKind.PHONE_CALL, body="Draft."))
    mine = {"patient": str(approved.pk)}

    assert ids(search(client, clinician, "DocumentReference", **mine)) == [str(note.pk)]
    assert ids(search(client, clinician, "DocumentReference", **mine, date="ge2025-03-03")) == [
        str(note.pk)
    ]
    assert search(client, clinician, "DocumentReference", **mine, date="lt2025-03-03") == []
    assert search(client, clinician, "DocumentReference", **mine, date="gt2025-03-03") == []


def test_a_draft_is_not_found(client: Client, clinician: User, approved: Patient) -> None:
    spec = NoteSpec(kind=NoteKind.PHONE_CALL, body="Not yet signed.")
    draft = services.draft_note(clinician, approved, spec)

    assert get(client, clinician, f"DocumentReference/{draft.pk}").status_code == 404


def test_staff_read_a_signed_note(
    client: Client, colleague: User, clinician: User, approved: Patient
) -> None:
    note = signed_note(clinician, approved)

    response = get(client, colleague, f"DocumentReference/{note.pk}")

    assert response.status_code == 200, response.content
    assert valid(response.json())["id"] == str(note.pk)


def test_others_find_nothing(
    client: Client, outsider: User, clinician: User, approved: Patient
) -> None:
    note = signed_note(clinician, approved)

    for user in others(outsider, approved):
        assert hidden_from(client, user, "DocumentReference", str(note.pk), approved)
