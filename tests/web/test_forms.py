"""Every form, fed bad input: a clear message naming the field, and nothing stored."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils.html import escape

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.patients.models import Patient, PhaseChange
from ketacare.patients.phases import Phase
from tests.factories import ConsentDocumentFactory, ConsentFactory, PatientFactory, UserFactory
from tests.web.helpers import assert_field_error, audit, page_text, valid_patient_data

# (field, bad value, label on the page, the message that must appear)
BAD_PATIENT_INPUT = [
    ("legal_name", "", "Legal name", "This field is required."),
    ("legal_name", "   ", "Legal name", "This field is required."),
    ("weight_kg", "10", "Weight (kg)", "Ensure this value is greater than or equal to 30."),
    ("weight_kg", "400", "Weight (kg)", "Ensure this value is less than or equal to 250."),
    ("weight_kg", "seventy", "Weight (kg)", "Enter a number."),
    ("timezone", "Mars/Olympus", "Timezone", "Mars/Olympus is not a time zone name"),
    ("phone", "abc", "Phone", "Enter a phone number of 3 to 15 digits"),
    ("emergency_contact_phone", "12", "Emergency contact phone", "Enter a phone number of 3"),
    ("emergency_contact_name", "", "Emergency contact name", "This field is required."),
    ("indication", "insomnia", "Indication", "Select a valid choice. insomnia is not one of"),
    ("sex_at_birth", "", "Sex at birth", "This field is required."),
    ("date_of_birth", "1980-02-31", "Date of birth", "Enter a valid date."),
    ("email", "not an address", "Email", "Enter a valid email address."),
]
BAD_IDS = [f"{field}={value!r}" for field, value, _, _ in BAD_PATIENT_INPUT]


def _stored() -> tuple[int, int, int]:
    return Patient.objects.count(), PhaseChange.objects.count(), AuditEntry.objects.count()


# --- Registering a patient -----------------------------------------------------------


@pytest.fixture
def coordinator_client(client: Client, coordinator: User) -> Client:
    client.force_login(coordinator)
    return client


@pytest.mark.parametrize(("field", "value", "label", "message"), BAD_PATIENT_INPUT, ids=BAD_IDS)
def test_registering_with_bad_input_names_the_field_and_stores_nothing(
    coordinator_client: Client, field: str, value: str, label: str, message: str
) -> None:
    before = _stored()
    response = coordinator_client.post(
        "/workspace/patients/new/", valid_patient_data(**{field: value})
    )
    assert response.status_code == 200
    assert_field_error(response, field, label, message)
    assert list(response.context["form"].errors) == [field]  # only the bad field complains
    assert _stored() == before
    # What was typed is kept, so the coordinator fixes one field instead of retyping all.
    if field != "legal_name":
        assert 'value="Jordan Newpatient"' in page_text(response)


def test_registering_with_several_bad_fields_lists_them_all(coordinator_client: Client) -> None:
    data = valid_patient_data(legal_name="", weight_kg="400", phone="abc")
    response = coordinator_client.post("/workspace/patients/new/", data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"legal_name", "weight_kg", "phone"}
    assert "Please correct the fields marked below." in page_text(response)
    assert not Patient.objects.exists()


def test_registering_a_patient(
    coordinator_client: Client, coordinator: User, clinic: Clinic, other_clinic: Clinic
) -> None:
    # Fields the form does not have are ignored, whatever is posted.
    data = valid_patient_data(clinic=str(other_clinic.pk), phase="approved", user="1")
    response = coordinator_client.post("/workspace/patients/new/", data)
    patient = Patient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/workspace/patients/{patient.pk}/"

    assert patient.clinic == clinic
    assert patient.phase == Phase.SCREENING
    assert patient.user is None
    assert patient.legal_name == "Jordan Newpatient"
    assert patient.weight_kg == Decimal("72.5")
    assert patient.timezone == "Europe/London"

    [change] = PhaseChange.objects.filter(patient=patient)
    assert (change.from_phase, change.to_phase, change.actor) == ("", Phase.SCREENING, coordinator)

    [entry] = audit(action=AuditAction.CREATE)
    assert entry.object_type == "patients.Patient"
    assert entry.patient_id == patient.pk
    assert entry.clinic_id == clinic.pk
    assert entry.actor_id == coordinator.pk

    page = page_text(coordinator_client.get(response["Location"]))
    assert "Jordan Newpatient registered (phase: screening)." in page


def test_the_weight_limits_themselves_are_accepted(coordinator_client: Client) -> None:
    for name, weight, phone in (
        ("Light Patient", "30", "+44 20 7946 0200"),
        ("Heavy Patient", "250", "+44 20 7946 0201"),
    ):
        # Each their own phone and email: the same would be flagged as a duplicate.
        email = f"{weight}@example.org"
        data = valid_patient_data(legal_name=name, weight_kg=weight, phone=phone, email=email)
        response = coordinator_client.post("/workspace/patients/new/", data)
        assert response.status_code == 302, response.context["form"].errors
    assert Patient.objects.count() == 2


def test_a_pharmacist_cannot_register_patients(client: Client, pharmacist: User) -> None:
    client.force_login(pharmacist)
    assert client.get("/workspace/patients/new/").status_code == 403
    assert client.post("/workspace/patients/new/", valid_patient_data()).status_code == 403
    assert not Patient.objects.exists()


# --- Editing a patient ------------------------------------------------------------


def _edit_data(patient: Patient, **overrides: str) -> dict[str, str]:
    """The edit form as the browser posts it back: the stored values, then the changes."""
    data = {name: str(getattr(patient, name)) for name in valid_patient_data()}
    data.update(overrides)
    return data


@pytest.fixture
def alice_client(client: Client, clinician: User) -> Client:
    client.force_login(clinician)
    return client


@pytest.mark.parametrize("case", BAD_PATIENT_INPUT, ids=BAD_IDS)
def test_editing_with_bad_input_names_the_field_and_changes_nothing(
    alice_client: Client, patient: Patient, case: tuple[str, str, str, str]
) -> None:
    field, value, label, message = case
    before = Patient.objects.values().get(pk=patient.pk)
    response = alice_client.post(
        f"/workspace/patients/{patient.pk}/edit/", _edit_data(patient, **{field: value})
    )
    assert response.status_code == 200
    assert_field_error(response, field, label, message)
    assert Patient.objects.values().get(pk=patient.pk) == before
    assert not audit(action=AuditAction.UPDATE)


def test_editing_a_patient(alice_client: Client, patient: Patient, other_clinic: Clinic) -> None:
    data = _edit_data(
        patient, weight_kg="64.0", phone="+1 555 000 1111", clinic=str(other_clinic.pk)
    )
    data["phase"] = "approved"  # not a field of this form
    response = alice_client.post(f"/workspace/patients/{patient.pk}/edit/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/workspace/patients/{patient.pk}/"

    patient.refresh_from_db()
    assert patient.weight_kg == Decimal("64.0")
    assert patient.phone == "+1 555 000 1111"
    assert patient.clinic.name == "Clinic A"
    assert patient.phase == Phase.SCREENING

    [entry] = audit(action=AuditAction.UPDATE)
    assert entry.patient_id == patient.pk
    assert entry.detail == {"fields": ["phone", "weight_kg"]}  # names, never values
    assert "Record saved." in page_text(alice_client.get(response["Location"]))


def test_the_edit_form_shows_the_record_and_audits_the_read(
    alice_client: Client, patient: Patient
) -> None:
    response = alice_client.get(f"/workspace/patients/{patient.pk}/edit/")
    assert response.status_code == 200
    html = page_text(response)
    assert f'value="{escape(patient.legal_name)}"' in html
    assert 'value="70.0"' in html
    [entry] = audit(action=AuditAction.READ, patient_id=patient.pk)
    assert entry.detail == {"via": "edit form"}


def test_a_pharmacist_cannot_open_the_edit_form(
    client: Client, pharmacist: User, patient: Patient
) -> None:
    client.force_login(pharmacist)
    assert client.get(f"/workspace/patients/{patient.pk}/edit/").status_code == 403
    response = client.post(
        f"/workspace/patients/{patient.pk}/edit/", _edit_data(patient, weight_kg="90")
    )
    assert response.status_code == 403
    patient.refresh_from_db()
    assert patient.weight_kg == Decimal("70.0")


# --- Moving a patient between phases -------------------------------------------------


def _move(client: Client, patient: Patient, target: str, reason: str = ""):
    return client.post(
        f"/workspace/patients/{patient.pk}/phase/", {"target": target, "reason": reason}
    )


def _move_errors(response, field: str = "target") -> list[str]:
    return response.context["move_form"].errors.get(field, [])


def test_an_illegal_move_names_the_current_phase_and_the_allowed_ones(
    alice_client: Client, patient: Patient
) -> None:
    response = _move(alice_client, patient, "approved")
    assert response.status_code == 400
    [error] = _move_errors(response)
    assert "from screening to approved" in error
    assert "allowed after screening are intake" in error
    assert escape(error) in page_text(response)
    patient.refresh_from_db()
    assert patient.phase == Phase.SCREENING
    assert not PhaseChange.objects.filter(patient=patient).exists()
    assert not audit(action=AuditAction.UPDATE)


def test_a_move_from_a_stale_page_explains_what_changed(
    client: Client, clinician: User, colleague: User, patient: Patient
) -> None:
    # Alice's page offered "intake"; Bob moved the patient there first.
    client.force_login(colleague)
    assert _move(client, patient, "intake").status_code == 302
    client.force_login(clinician)
    response = _move(client, patient, "intake")
    assert response.status_code == 400
    [error] = _move_errors(response)
    assert "Cannot move from intake to intake" in error
    assert "allowed after intake are under review" in error
    assert PhaseChange.objects.filter(patient=patient).count() == 1


def test_an_unknown_phase_is_refused_naming_the_field(
    alice_client: Client, patient: Patient
) -> None:
    response = _move(alice_client, patient, "bogus")
    assert response.status_code == 400
    [error] = _move_errors(response)
    assert "bogus is not one of the available choices" in error
    assert escape(f"Move to: {error}") in page_text(response)
    patient.refresh_from_db()
    assert patient.phase == Phase.SCREENING


def test_a_legal_move_writes_the_phase_change(
    alice_client: Client, clinician: User, patient: Patient
) -> None:
    response = _move(alice_client, patient, "intake")
    assert response.status_code == 302
    assert response["Location"] == f"/workspace/patients/{patient.pk}/"
    patient.refresh_from_db()
    assert patient.phase == Phase.INTAKE
    [change] = PhaseChange.objects.filter(patient=patient)
    assert (change.from_phase, change.to_phase, change.actor) == (
        Phase.SCREENING,
        Phase.INTAKE,
        clinician,
    )
    [entry] = audit(action=AuditAction.UPDATE)
    assert entry.detail == {"phase": ["screening", "intake"]}
    page = page_text(alice_client.get(response["Location"]))
    assert "Moved to Intake." in page
    assert "Screening → Intake by" in page


@pytest.fixture
def under_review(clinic: Clinic) -> Patient:
    return PatientFactory(clinic=clinic, phase=Phase.UNDER_REVIEW, legal_name="Rey Underreview")


def test_a_pause_without_a_reason_fails_naming_the_reason(
    alice_client: Client, clinic: Clinic
) -> None:
    patient = PatientFactory(clinic=clinic, phase=Phase.INDUCTION)
    response = _move(alice_client, patient, "paused", reason="   ")
    assert not _move_errors(response)  # the error belongs to the Reason box, not the phase
    assert response.status_code == 400
    [error] = _move_errors(response, "reason")
    assert "needs a reason" in error
    assert escape(error) in page_text(response)
    patient.refresh_from_db()
    assert patient.phase == Phase.INDUCTION
    assert not PhaseChange.objects.filter(patient=patient).exists()


def test_declining_is_not_a_move_of_the_record(alice_client: Client, under_review: Patient) -> None:
    # Approval and decline are made in the eligibility review, with its assessment.
    page = page_text(alice_client.get(f"/workspace/patients/{under_review.pk}/"))
    assert "in the eligibility review" in page
    assert 'value="declined"' not in page
    assert 'value="approved"' not in page
    response = _move(alice_client, under_review, "declined", reason="  Active psychosis.  ")
    assert response.status_code == 403
    assert "eligibility review" in page_text(response)
    under_review.refresh_from_db()
    assert under_review.phase == Phase.UNDER_REVIEW
    assert not PhaseChange.objects.filter(patient=under_review).exists()


def test_a_discharge_is_final(alice_client: Client, clinic: Clinic) -> None:
    patient = PatientFactory(clinic=clinic, phase=Phase.INDUCTION)
    response = _move(alice_client, patient, "discharged", reason="  Moved away.  ")
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.phase == Phase.DISCHARGED
    assert PhaseChange.objects.get(patient=patient).reason == "Moved away."
    # Discharged is final: the page says so and offers no move.
    page = page_text(alice_client.get(f"/workspace/patients/{patient.pk}/"))
    assert "Discharged is a final phase." in page
    assert 'name="target"' not in page


def test_review_needs_the_current_consent_signed(
    alice_client: Client, clinic: Clinic, patient: Patient
) -> None:
    Patient.objects.filter(pk=patient.pk).update(phase=Phase.INTAKE)
    response = _move(alice_client, patient, "under_review")
    assert response.status_code == 400
    assert "has not signed the current version" in _move_errors(response)[0]

    ConsentFactory(patient=patient, document=ConsentDocumentFactory(clinic=clinic))
    assert _move(alice_client, patient, "under_review").status_code == 302
    patient.refresh_from_db()
    assert patient.phase == Phase.UNDER_REVIEW


def test_a_pause_returns_only_where_it_came_from(alice_client: Client, clinic: Clinic) -> None:
    patient = PatientFactory(clinic=clinic, phase=Phase.MAINTENANCE)
    assert _move(alice_client, patient, "paused").status_code == 400  # no reason given
    assert _move(alice_client, patient, "paused", reason="Travelling").status_code == 302
    response = _move(alice_client, patient, "induction")
    assert response.status_code == 400
    assert "allowed after paused are discharged, maintenance" in _move_errors(response)[0]
    # Resuming a course of the drug is the prescriber's: the clinician is told so.
    refused = _move(alice_client, patient, "maintenance")
    assert refused.status_code == 403
    assert "Only prescriber may resume" in page_text(refused)
    client = Client()
    client.force_login(UserFactory(clinic=clinic, prescriber=True))
    assert _move(client, patient, "maintenance").status_code == 302
    patient.refresh_from_db()
    assert (patient.phase, patient.paused_from) == (Phase.MAINTENANCE, "")


def test_a_pharmacist_cannot_move_a_patient(
    client: Client, pharmacist: User, patient: Patient
) -> None:
    client.force_login(pharmacist)
    page = page_text(client.get(f"/workspace/patients/{patient.pk}/"))
    assert 'name="target"' not in page  # no form offered...
    assert _move(client, patient, "intake").status_code == 403  # ...and none accepted
    patient.refresh_from_db()
    assert patient.phase == Phase.SCREENING


# --- Signing in ---------------------------------------------------------------------


def test_a_wrong_password_shows_an_error_and_does_not_sign_in(
    client: Client, clinician: User
) -> None:
    response = client.post("/login/", {"username": "alice", "password": "not the password"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in page_text(response)
    assert 'role="alert"' in page_text(response)
    assert "_auth_user_id" not in client.session
    assert client.get("/workspace/").status_code == 302  # still signed out
    [entry] = audit(action=AuditAction.LOGIN_FAILED)
    assert entry.detail == {"username": "alice"}  # never the password


def test_a_blank_username_names_the_field(client: Client) -> None:
    response = client.post("/login/", {"username": "", "password": "whatever"})
    assert response.status_code == 200
    assert_field_error(response, "username", "Username", "This field is required.")
    assert "_auth_user_id" not in client.session


def test_a_blank_password_names_the_field(client: Client, clinician: User) -> None:
    response = client.post("/login/", {"username": "alice", "password": ""})
    assert response.status_code == 200
    assert_field_error(response, "password", "Password", "This field is required.")
    assert "_auth_user_id" not in client.session


def test_signing_in(client: Client, clinician: User) -> None:
    from tests.factories import PASSWORD  # noqa: PLC0415 - only this test signs in for real

    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(clinician.pk)
    [entry] = audit(action=AuditAction.LOGIN)
    assert entry.actor_id == clinician.pk


def test_signing_in_never_redirects_off_site(client: Client, clinician: User) -> None:
    from tests.factories import PASSWORD  # noqa: PLC0415

    data = {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"}
    response = client.post("/login/", data)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_deactivated_account_cannot_sign_in(client: Client, clinician: User) -> None:
    from tests.factories import PASSWORD  # noqa: PLC0415

    User.objects.filter(pk=clinician.pk).update(is_active=False)
    response = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


# --- Filtering the patient list (the workspace panel) -------------------------------


def test_a_bogus_phase_filter_shows_an_error_not_a_crash(
    alice_client: Client, patient: Patient
) -> None:
    response = alice_client.get("/workspace/", {"phase": "bogus"})
    assert response.status_code == 200
    message = "Select a valid choice. bogus is not one of the available choices."
    assert response.context["form"].errors["phase"] == [message]
    assert escape(f"Phase: {message}") in page_text(response)
    # Not "no patients match", which would read as an empty clinic.
    assert "No patients match." not in page_text(response)
    assert "The filter above is not valid" in page_text(response)


def test_filtering_by_phase_and_name(alice_client: Client, clinic: Clinic) -> None:
    PatientFactory(clinic=clinic, legal_name="Ada Screening")
    intake = PatientFactory(clinic=clinic, legal_name="Ada Intake", phase=Phase.INTAKE)
    PatientFactory(clinic=clinic, legal_name="Bo Intake", phase=Phase.INTAKE)

    response = alice_client.get("/workspace/", {"phase": "intake", "q": "ada"})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [intake]


def test_a_too_long_name_filter_names_the_field(alice_client: Client) -> None:
    response = alice_client.get("/workspace/", {"q": "x" * 101})
    assert response.status_code == 200
    assert "at most 100 characters" in response.context["form"].errors["q"][0]
    # The panel's name filter is labelled "Name contains".
    assert "Name or record number: Ensure this value has at most 100 characters" in page_text(
        response
    )


def test_a_failed_edit_keeps_the_stored_name_in_the_heading(
    alice_client: Client, patient: Patient
) -> None:
    # The typed name is kept in its box, but the page must not claim it is the record's.
    data = _edit_data(patient, legal_name="Someone Else", weight_kg="400")
    response = alice_client.post(f"/workspace/patients/{patient.pk}/edit/", data)
    assert response.status_code == 200
    html = page_text(response)
    assert f"<h1>Edit {escape(patient.legal_name)}</h1>" in html
    assert 'value="Someone Else"' in html
    patient.refresh_from_db()
    assert patient.legal_name != "Someone Else"


def test_a_possible_duplicate_is_flagged_on_the_form_and_registered_once_confirmed(
    coordinator_client: Client,
) -> None:
    data = valid_patient_data(legal_name="Sky Smith")
    assert coordinator_client.post("/workspace/patients/new/", data).status_code == 302
    again = coordinator_client.post("/workspace/patients/new/", data)
    assert again.status_code == 409
    assert "This may be Sky Smith, born" in page_text(again)
    assert Patient.objects.count() == 1
    confirmed = {**data, "not_a_duplicate": "on"}
    assert coordinator_client.post("/workspace/patients/new/", confirmed).status_code == 302
    assert Patient.objects.count() == 2
