"""Clinic isolation and ownership: who sees which patient, on every web page and in the admin.

Alice and Bob work at clinic A, where the patient is treated; Charlie works at clinic B
and must not learn that the patient exists (404, never 403 or a redirect). The patient,
another patient and the patient's sitter are not staff; anonymous visitors sign in first.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from ketacare.accounts.models import Clinic, User
from ketacare.patients.models import Patient, PhaseChange, Sitter
from ketacare.patients.phases import Phase
from tests.factories import (
    ConsentDocumentFactory,
    ConsentFactory,
    PatientFactory,
    SitterFactory,
)
from tests.web.conftest import ACTORS
from tests.web.helpers import page_text

LOGIN = "/login/?next="
ADMIN_LOGIN = "/admin/login/?next="


def _expect(response, expected: int | str) -> None:
    """`expected` is a status code, or the start of the URL a 302 goes to."""
    if isinstance(expected, str):
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith(expected), response["Location"]
    else:
        assert response.status_code == expected, response.status_code


# --- The patient's own pages, actor by actor --------------------------------------

DETAIL_ACCESS = {
    "alice": 200,
    "bob": 200,
    "charlie": 404,
    "patient_self": 403,  # staff pages; the patient's own page is /portal/
    "other_patient": 403,
    "sitter": 403,
    "anonymous": LOGIN,
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("suffix", ["", "edit/"])
def test_patient_pages_by_actor(as_actor, patient: Patient, actor: str, suffix: str) -> None:
    response = as_actor(actor).get(f"/workspace/patients/{patient.pk}/{suffix}")
    expected = DETAIL_ACCESS[actor]
    _expect(response, expected)
    if expected == 200:
        assert patient.legal_name in page_text(response)
    elif isinstance(expected, int):
        # A refusal says nothing about the record.
        assert patient.legal_name not in page_text(response)
        assert patient.phone not in page_text(response)


MOVE_ACCESS = {
    "alice": "/workspace/patients/",  # moved; back to the chart
    "bob": "/workspace/patients/",
    "charlie": 404,
    "patient_self": 403,
    "other_patient": 403,
    "sitter": 403,
    "anonymous": LOGIN,
}


@pytest.mark.parametrize("actor", ACTORS)
def test_phase_move_by_actor(as_actor, patient: Patient, actor: str) -> None:
    response = as_actor(actor).post(
        f"/workspace/patients/{patient.pk}/phase/", {"target": "intake"}
    )
    _expect(response, MOVE_ACCESS[actor])
    patient.refresh_from_db()
    moved = actor in {"alice", "bob"}
    assert patient.phase == (Phase.INTAKE if moved else Phase.SCREENING)
    assert PhaseChange.objects.filter(patient=patient, to_phase=Phase.INTAKE).exists() is moved
    if moved:
        assert response["Location"] == f"/workspace/patients/{patient.pk}/"


@pytest.mark.parametrize("actor", ACTORS)
def test_admin_patient_change_page_by_actor(as_actor, patient: Patient, actor: str) -> None:
    expected = {
        "alice": 200,
        "bob": 200,
        "charlie": 404,
        "patient_self": ADMIN_LOGIN,  # not staff: the admin asks them to sign in as staff
        "other_patient": ADMIN_LOGIN,
        "sitter": ADMIN_LOGIN,
        "anonymous": ADMIN_LOGIN,
    }[actor]
    response = as_actor(actor).get(f"/admin/patients/patient/{patient.pk}/change/")
    _expect(response, expected)
    if expected == 200:
        assert patient.legal_name in page_text(response)
    elif expected == 404:
        assert patient.legal_name not in page_text(response)


@pytest.mark.parametrize("page", ["history/", "delete/"])
def test_charlie_gets_404_on_other_admin_pages_of_the_patient(
    client: Client, outsider: User, patient: Patient, page: str
) -> None:
    client.force_login(outsider)
    response = client.get(f"/admin/patients/patient/{patient.pk}/{page}")
    assert response.status_code == 404


def test_a_missing_patient_is_the_same_404_as_another_clinics(
    client: Client, outsider: User, patient: Patient
) -> None:
    client.force_login(outsider)
    theirs = client.get(f"/workspace/patients/{patient.pk}/")
    missing = client.get("/workspace/patients/999999/")
    assert theirs.status_code == missing.status_code == 404
    assert _without_csrf(theirs) == _without_csrf(missing)


def _without_csrf(response) -> str:
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page_text(response))
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", text)


# --- Lists -------------------------------------------------------------------------


@pytest.fixture
def clinic_b_patient(other_clinic: Clinic) -> Patient:
    return PatientFactory(clinic=other_clinic, legal_name="Bea Otherclinic")


LIST_ACCESS = {
    "alice": 200,
    "bob": 200,
    "charlie": 200,
    "patient_self": 403,
    "other_patient": 403,
    "sitter": 403,
    "anonymous": LOGIN,
}


@pytest.mark.parametrize("actor", ACTORS)
def test_patient_list_by_actor(
    as_actor, patient: Patient, other_patient: Patient, clinic_b_patient: Patient, actor: str
) -> None:
    response = as_actor(actor).get("/workspace/")
    _expect(response, LIST_ACCESS[actor])
    if response.status_code != 200:
        assert patient.legal_name not in page_text(response)
        return
    listed = set(response.context["page"].object_list)
    html = page_text(response)
    if actor == "charlie":
        assert listed == {clinic_b_patient}
        assert patient.legal_name not in html
        assert other_patient.legal_name not in html
    else:
        assert listed == {patient, other_patient}
        assert clinic_b_patient.legal_name not in html


def test_patient_list_search_does_not_reach_other_clinics(
    client: Client, outsider: User, patient: Patient
) -> None:
    client.force_login(outsider)
    response = client.get("/workspace/", {"q": patient.legal_name})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
    assert "No patients match these filters." in page_text(response)  # the panel's words


# --- The patient's and the sitter's own pages ---------------------------------------

ME_ACCESS = {
    "alice": 404,  # staff have no patient record of their own
    "bob": 404,
    "charlie": 404,
    "patient_self": 200,
    "other_patient": 200,
    "sitter": 404,
    "anonymous": LOGIN,
}


@pytest.mark.parametrize("actor", ACTORS)
def test_my_record_by_actor(as_actor, patient: Patient, other_patient: Patient, actor: str) -> None:
    response = as_actor(actor).get("/portal/")
    _expect(response, ME_ACCESS[actor])
    html = page_text(response)
    if actor == "patient_self":
        assert response.context["patient"] == patient
        assert f"Hello, {patient.legal_name}" in html
        assert other_patient.legal_name not in html
    elif actor == "other_patient":
        # The other patient sees their own record and nothing of the patient's.
        assert response.context["patient"] == other_patient
        assert patient.legal_name not in html
        assert "Robin Sitter" not in html  # the patient's sitter is not theirs
    else:
        assert patient.legal_name not in html


def test_the_patient_sees_their_own_sitter_and_the_crisis_lines(
    client: Client, patient: Patient, sitter: Sitter
) -> None:
    client.force_login(patient.user)
    html = page_text(client.get("/portal/"))
    assert f"{sitter.name}, {sitter.phone}" in html
    assert patient.clinic.on_call_phone in html
    assert f'href="tel:{patient.clinic.emergency_number}"' in html


# The sitter's page answers 404 to anyone who is not a sitter, like every sitter page.
SITTING_ACCESS = {
    "alice": 404,
    "bob": 404,
    "charlie": 404,
    "patient_self": 404,
    "other_patient": 404,
    "sitter": 200,
    "anonymous": LOGIN,
}


def _sat_for(response) -> list[Patient]:
    return [row["patient"] for row in response.context["rows"]]


@pytest.mark.parametrize("actor", ACTORS)
def test_sitting_for_by_actor(
    as_actor, patient: Patient, other_patient: Patient, actor: str
) -> None:
    response = as_actor(actor).get("/portal/sitter/")
    _expect(response, SITTING_ACCESS[actor])
    if actor == "sitter":
        assert _sat_for(response) == [patient]
        assert patient.legal_name in page_text(response)
        assert other_patient.legal_name not in page_text(response)


def test_a_sitter_sees_only_the_patients_they_sit_for(
    client: Client, clinic: Clinic, other_clinic: Clinic, patient: Patient
) -> None:
    second = PatientFactory(clinic=clinic, legal_name="Sam Secondpatient")
    PatientFactory(clinic=clinic, legal_name="Nat Notsatfor")
    PatientFactory(clinic=other_clinic, legal_name="Bea Otherclinic")
    sitter = SitterFactory(clinic=clinic, patients=[patient, second])
    SitterFactory(clinic=clinic, patients=[patient])  # another sitter of the same patient

    client.force_login(sitter.user)
    response = client.get("/portal/sitter/")
    assert response.status_code == 200
    assert set(_sat_for(response)) == {patient, second}
    html = page_text(response)
    assert "Nat Notsatfor" not in html
    assert "Bea Otherclinic" not in html
    # Sitters call the clinic when something goes wrong.
    assert clinic.on_call_phone in html


def test_a_sitter_cannot_open_the_staff_pages_of_their_patient(
    client: Client, patient: Patient, sitter: Sitter
) -> None:
    client.force_login(sitter.user)
    assert client.get(f"/workspace/patients/{patient.pk}/").status_code == 403
    assert client.get("/workspace/").status_code == 403


# --- Registering: the form page -----------------------------------------------------

NEW_ACCESS = {
    "alice": 200,
    "bob": 200,
    "charlie": 200,  # he registers into his own clinic
    "patient_self": 403,
    "other_patient": 403,
    "sitter": 403,
    "anonymous": LOGIN,
}


@pytest.mark.parametrize("actor", ACTORS)
def test_register_page_by_actor(as_actor, actor: str) -> None:
    _expect(as_actor(actor).get("/workspace/patients/new/"), NEW_ACCESS[actor])


@pytest.mark.parametrize(
    "url",
    [
        "/workspace/",
        "/workspace/patients/new/",
        "/workspace/patients/1/",
        "/portal/",
        "/portal/sitter/",
    ],
)
def test_anonymous_users_are_sent_to_sign_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url}"


# --- The admin changelists, seen from clinic B ---------------------------------------


@pytest.fixture
def clinic_a_rows(clinician: User, clinic: Clinic, patient: Patient, sitter: Sitter) -> None:
    """A patient of clinic A with a sitter, a signed consent and a phase change."""
    document = ConsentDocumentFactory(clinic=clinic)
    ConsentFactory(patient=patient, document=document)
    PhaseChange.objects.create(
        patient=patient, from_phase="", to_phase=Phase.SCREENING, actor=clinician
    )


@pytest.fixture
def clinic_b_rows(outsider: User, other_clinic: Clinic) -> Patient:
    """The same rows for a patient of clinic B, so each list has something to show."""
    theirs = PatientFactory(clinic=other_clinic, with_account=True, legal_name="Bea Otherclinic")
    SitterFactory(clinic=other_clinic, patients=[theirs], name="Sid Otherclinic")
    ConsentFactory(patient=theirs, document=ConsentDocumentFactory(clinic=other_clinic))
    PhaseChange.objects.create(
        patient=theirs, from_phase="", to_phase=Phase.SCREENING, actor=outsider
    )
    return theirs


CHANGELISTS = [
    "/admin/patients/patient/",
    "/admin/patients/sitter/",
    "/admin/patients/consent/",
    "/admin/patients/phasechange/",
]


def _clinic_of(row: object) -> int:
    if isinstance(row, Patient | Sitter):
        return row.clinic_id
    return row.patient.clinic_id  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", CHANGELISTS)
@pytest.mark.usefixtures("clinic_a_rows", "clinic_b_rows")
def test_charlie_sees_none_of_clinic_a_in_the_admin_lists(
    client: Client, outsider: User, patient: Patient, sitter: Sitter, url: str
) -> None:
    client.force_login(outsider)
    response = client.get(url)
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows, "clinic B's own rows should be listed"
    assert {_clinic_of(row) for row in rows} == {outsider.clinic_id}
    html = page_text(response)
    assert patient.legal_name not in html
    assert sitter.name not in html


@pytest.mark.parametrize("url", CHANGELISTS)
@pytest.mark.usefixtures("clinic_a_rows")
def test_alice_sees_only_clinic_a_in_the_admin_lists(
    client: Client, clinician: User, clinic_b_rows: Patient, url: str
) -> None:
    client.force_login(clinician)
    response = client.get(url)
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows
    assert {_clinic_of(row) for row in rows} == {clinician.clinic_id}
    assert clinic_b_rows.legal_name not in page_text(response)


def test_audit_entries_stay_in_their_clinic(
    as_actor, other_admin: User, patient: Patient, clinic_b_rows: Patient
) -> None:
    # Alice reads her patient, Charlie his: one audit entry in each clinic.
    client = as_actor("alice")
    assert client.get(f"/workspace/patients/{patient.pk}/").status_code == 200
    client = as_actor("charlie")
    assert client.get(f"/workspace/patients/{clinic_b_rows.pk}/").status_code == 200

    # Charlie is a clinician, not an administrator: the audit trail is not his to read.
    assert client.get("/admin/audit/auditentry/").status_code == 403

    # Clinic B's administrator reads B's trail, and nothing of clinic A's.
    client.force_login(other_admin)
    response = client.get("/admin/audit/auditentry/")
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert {row.clinic_id for row in rows} == {other_admin.clinic_id}
    assert str(clinic_b_rows.pk) in {row.object_id for row in rows}
    assert str(patient.pk) not in {row.object_id for row in rows if row.patient_id}
    assert "alice" not in page_text(response)


@pytest.mark.usefixtures("clinic_a_rows")
def test_charlie_cannot_open_clinic_a_rows_in_the_admin(
    client: Client, outsider: User, clinician: User, sitter: Sitter
) -> None:
    client.force_login(outsider)
    consent = sitter.patients.get().consents.get()
    change = PhaseChange.objects.get(patient__clinic=clinician.clinic)
    for url in (
        f"/admin/patients/sitter/{sitter.pk}/change/",
        f"/admin/patients/consent/{consent.pk}/change/",
        f"/admin/patients/phasechange/{change.pk}/change/",
        f"/admin/accounts/user/{clinician.pk}/change/",
        f"/admin/accounts/clinic/{clinician.clinic_id}/change/",
    ):
        assert client.get(url).status_code == 404, url
