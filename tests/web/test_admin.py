"""The Django admin: scoped per clinic, driven by roles, audited, and never deleting."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from ketacare.accounts.models import Clinic, RoleGrant, User
from ketacare.accounts.roles import Role
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.patients.models import ConsentDocument, Patient, PhaseChange, Sitter
from ketacare.patients.phases import Phase
from tests.factories import (
    ConsentDocumentFactory,
    PatientFactory,
    SitterFactory,
    UserFactory,
)
from tests.web.helpers import audit, page_text, valid_patient_data

PATIENTS = "/admin/patients/patient/"


@pytest.fixture
def admin_client(client: Client, clinic_admin: User) -> Client:
    client.force_login(clinic_admin)
    return client


@pytest.fixture
def clinic_b_patient(other_clinic: Clinic) -> Patient:
    return PatientFactory(clinic=other_clinic, with_account=True, legal_name="Bea Otherclinic")


def _listed(response) -> list:
    assert response.status_code == 200, response.status_code
    return list(response.context["cl"].result_list)


# --- What a clinic administrator sees --------------------------------------------


@pytest.mark.usefixtures("clinician", "outsider", "other_admin", "superuser")
def test_clinic_admin_lists_only_their_clinics_users(
    admin_client: Client, clinic: Clinic, patient: Patient
) -> None:
    users = _listed(admin_client.get("/admin/accounts/user/"))
    assert {u.clinic_id for u in users} == {clinic.pk}
    assert {"alice", "adam", patient.user.username} <= {u.username for u in users}
    assert not {"charlie", "dora", "root"} & {u.username for u in users}


def test_clinic_admin_lists_only_their_clinics_patients(
    admin_client: Client, patient: Patient, other_patient: Patient, clinic_b_patient: Patient
) -> None:
    response = admin_client.get(PATIENTS)
    assert set(_listed(response)) == {patient, other_patient}
    assert clinic_b_patient.legal_name not in page_text(response)


def test_clinic_admin_lists_only_their_clinics_sitters(
    admin_client: Client,
    clinic: Clinic,
    other_clinic: Clinic,
    sitter: Sitter,
    clinic_b_patient: Patient,
) -> None:
    # A sitter the clinic has on file but who sits for nobody yet is still the clinic's.
    unlinked = SitterFactory(clinic=clinic, name="Una Unlinked")
    SitterFactory(clinic=other_clinic, patients=[clinic_b_patient], name="Sid Otherclinic")
    SitterFactory(clinic=other_clinic, name="Ulla Otherclinic")

    response = admin_client.get("/admin/patients/sitter/")
    assert set(_listed(response)) == {sitter, unlinked}
    assert admin_client.get(f"/admin/patients/sitter/{unlinked.pk}/change/").status_code == 200


def test_clinic_admin_cannot_open_another_clinics_rows(
    admin_client: Client, outsider: User, other_clinic: Clinic, clinic_b_patient: Patient
) -> None:
    for url in (
        f"{PATIENTS}{clinic_b_patient.pk}/change/",
        f"/admin/accounts/user/{outsider.pk}/change/",
        f"/admin/accounts/user/{outsider.pk}/password/",
        f"/admin/accounts/clinic/{other_clinic.pk}/change/",
    ):
        assert admin_client.get(url).status_code == 404, url


def test_drop_downs_offer_only_the_clinics_own_rows(
    admin_client: Client,
    clinic: Clinic,
    patient: Patient,
    clinic_b_patient: Patient,
    outsider: User,
) -> None:
    response = admin_client.get("/admin/patients/sitter/add/")
    form = response.context["adminform"].form
    assert set(form.fields["patients"].queryset) == {patient}
    assert outsider not in set(form.fields["user"].queryset)
    assert clinic_b_patient.legal_name not in page_text(response)


# --- Patients through the admin ---------------------------------------------------


def test_adding_a_patient_in_the_admin_puts_them_in_the_admins_clinic(
    admin_client: Client, clinic_admin: User, clinic: Clinic, other_clinic: Clinic
) -> None:
    # A posted clinic is ignored: staff work inside their own clinic only.
    data = valid_patient_data(clinic=str(other_clinic.pk), phase="approved", _save="Save")
    response = admin_client.post(f"{PATIENTS}add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert response["Location"] == PATIENTS

    created = Patient.objects.get(legal_name="Jordan Newpatient")
    assert created.clinic == clinic
    assert created.phase == Phase.SCREENING
    assert created.weight_kg == 72.5
    assert created.date_of_birth == date(1980, 2, 3)
    assert PhaseChange.objects.filter(patient=created, to_phase=Phase.SCREENING).count() == 1

    entries = audit(patient_id=created.pk)
    assert [e.action for e in entries] == [AuditAction.CREATE]
    assert entries[0].actor_id == clinic_admin.pk
    assert entries[0].clinic_id == clinic.pk
    assert entries[0].object_type == "patients.Patient"


def test_bad_input_in_the_admin_stores_nothing(admin_client: Client) -> None:
    data = valid_patient_data(weight_kg="400", timezone="Mars/Olympus", _save="Save")
    response = admin_client.post(f"{PATIENTS}add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "less than or equal to 250" in errors["weight_kg"][0]
    assert "Mars/Olympus is not a time zone name" in errors["timezone"][0]
    assert not Patient.objects.exists()
    assert not audit(action=AuditAction.CREATE)


def test_changing_a_patient_in_the_admin_is_audited_with_the_changed_fields(
    admin_client: Client, patient: Patient
) -> None:
    data = valid_patient_data(
        legal_name=patient.legal_name,
        date_of_birth="1985-06-15",
        sex_at_birth=patient.sex_at_birth,
        weight_kg="81.0",
        timezone=patient.timezone,
        phone=patient.phone,
        email=patient.email,
        emergency_contact_name=patient.emergency_contact_name,
        emergency_contact_phone=patient.emergency_contact_phone,
        indication=patient.indication,
        address_line1=patient.address_line1,
        address_city=patient.address_city,
        address_region=patient.address_region,
        address_postal_code=patient.address_postal_code,
        _save="Save",
    )
    response = admin_client.post(f"{PATIENTS}{patient.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    patient.refresh_from_db()
    assert patient.weight_kg == 81
    [entry] = audit(patient_id=patient.pk, action=AuditAction.UPDATE)
    assert entry.detail["fields"] == ["weight_kg"]


def test_reading_a_patient_in_the_admin_is_audited(
    client: Client, colleague: User, patient: Patient
) -> None:
    client.force_login(colleague)
    response = client.get(f"{PATIENTS}{patient.pk}/change/")
    assert response.status_code == 200
    [entry] = audit(patient_id=patient.pk, action=AuditAction.READ)
    assert entry.actor_id == colleague.pk
    assert entry.object_type == "patients.Patient"
    assert entry.object_id == str(patient.pk)
    assert entry.detail == {"via": "admin"}


def test_listing_patients_in_the_admin_is_audited(
    admin_client: Client, clinic: Clinic, patient: Patient
) -> None:
    admin_client.get(PATIENTS)
    [entry] = audit(action=AuditAction.LIST, object_type="patients.Patient")
    assert entry.clinic_id == clinic.pk
    assert entry.detail == {"via": "admin"}


# --- A pharmacist may look, not change ----------------------------------------------


def test_pharmacist_cannot_add_patients(client: Client, pharmacist: User) -> None:
    client.force_login(pharmacist)
    assert client.get(f"{PATIENTS}add/").status_code == 403
    response = client.post(f"{PATIENTS}add/", valid_patient_data(_save="Save"))
    assert response.status_code == 403
    assert not Patient.objects.exists()


def test_pharmacist_sees_a_patient_read_only(
    client: Client, pharmacist: User, patient: Patient
) -> None:
    client.force_login(pharmacist)
    assert patient in _listed(client.get(PATIENTS))

    response = client.get(f"{PATIENTS}{patient.pk}/change/")
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert 'name="_save"' not in page_text(response)

    data = valid_patient_data(legal_name="Changed By Pharmacist", _save="Save")
    assert client.post(f"{PATIENTS}{patient.pk}/change/", data).status_code == 403
    patient.refresh_from_db()
    assert patient.legal_name != "Changed By Pharmacist"
    assert not audit(action=AuditAction.UPDATE)


# --- Consent texts: published versions are never edited ----------------------------


def test_a_published_consent_document_cannot_be_changed(
    admin_client: Client, clinic: Clinic
) -> None:
    document = ConsentDocumentFactory(clinic=clinic, body="Original text.")
    url = f"/admin/patients/consentdocument/{document.pk}/change/"

    response = admin_client.get(url)
    assert response.status_code == 200
    assert 'name="_save"' not in page_text(response)

    data = {
        "kind": "treatment",
        "title": "Edited",
        "body": "Edited text.",
        "published_at_0": "2025-01-01",
        "published_at_1": "00:00:00",
        "_save": "Save",
    }
    assert admin_client.post(url, data).status_code == 403
    document.refresh_from_db()
    assert (document.title, document.body) == ("Informed consent", "Original text.")


def test_publishing_consent_in_the_admin_adds_the_next_version(
    admin_client: Client, clinic: Clinic, other_clinic: Clinic
) -> None:
    first = ConsentDocumentFactory(clinic=clinic, body="Version one.")
    data = {
        "clinic": str(other_clinic.pk),
        "kind": "treatment",
        "title": "Informed consent (revised)",
        "body": "Version two.",
        "published_at_0": "2025-01-01",
        "published_at_1": "00:00:00",
        "_save": "Save",
    }
    response = admin_client.post("/admin/patients/consentdocument/add/", data)
    assert response.status_code == 302
    latest = ConsentDocument.objects.get(body="Version two.")
    assert (latest.clinic, latest.version) == (clinic, 2)
    first.refresh_from_db()
    assert (first.version, first.body) == (1, "Version one.")


@pytest.mark.parametrize("model", ["consent", "phasechange"])
def test_signatures_and_phase_history_cannot_be_added_in_the_admin(
    admin_client: Client, model: str
) -> None:
    assert admin_client.get(f"/admin/patients/{model}/add/").status_code == 403


# --- Nobody but the operator deletes ------------------------------------------------


@pytest.mark.parametrize("who", ["clinic_admin", "clinician", "coordinator", "pharmacist"])
def test_deleting_a_patient_is_not_offered_to_staff(
    request: pytest.FixtureRequest, client: Client, patient: Patient, who: str
) -> None:
    client.force_login(request.getfixturevalue(who))
    delete_url = f"{PATIENTS}{patient.pk}/delete/"

    assert 'value="delete_selected"' not in page_text(client.get(PATIENTS))
    assert delete_url not in page_text(client.get(f"{PATIENTS}{patient.pk}/change/"))
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [patient.pk], "post": "yes"}
    client.post(PATIENTS, bulk)
    assert Patient.objects.filter(pk=patient.pk).exists()


@pytest.mark.parametrize(
    "url", ["/admin/patients/sitter/{sitter}/delete/", "/admin/accounts/user/{user}/delete/"]
)
def test_clinic_admin_cannot_delete_sitters_or_accounts(
    admin_client: Client, sitter: Sitter, colleague: User, url: str
) -> None:
    response = admin_client.post(url.format(sitter=sitter.pk, user=colleague.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Sitter.objects.filter(pk=sitter.pk).exists()
    assert User.objects.filter(pk=colleague.pk).exists()


def test_the_operator_is_offered_delete(client: Client, superuser: User, patient: Patient) -> None:
    # The control for the tests above: the same pages do offer it to a superuser.
    client.force_login(superuser)
    assert 'value="delete_selected"' in page_text(client.get(PATIENTS))
    change = page_text(client.get(f"{PATIENTS}{patient.pk}/change/"))
    assert f"{PATIENTS}{patient.pk}/delete/" in change


# --- Accounts and roles -----------------------------------------------------------


def _user_change_data(user: User, grants: list[tuple[int | str, str]], **extra: str) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "is_staff": "on" if user.is_staff else "",
        "date_joined_0": user.date_joined.date().isoformat(),
        "date_joined_1": "00:00:00",
        "last_login_0": "",
        "last_login_1": "",
        "role_grants-TOTAL_FORMS": str(len(grants)),
        "role_grants-INITIAL_FORMS": str(sum(1 for pk, _ in grants if pk)),
        "role_grants-MIN_NUM_FORMS": "0",
        "role_grants-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for i, (pk, role) in enumerate(grants):
        data[f"role_grants-{i}-id"] = str(pk)
        data[f"role_grants-{i}-user"] = str(user.pk)
        data[f"role_grants-{i}-role"] = role
    data.update(extra)
    return data


def test_clinic_admin_grants_a_role(admin_client: Client, colleague: User) -> None:
    response = admin_client.get(f"/admin/accounts/user/{colleague.pk}/change/")
    assert [f.formset.prefix for f in response.context["inline_admin_formsets"]] == ["role_grants"]
    grant = colleague.role_grants.get()
    data = _user_change_data(colleague, [(grant.pk, "clinician"), ("", "prescriber")])
    response = admin_client.post(f"/admin/accounts/user/{colleague.pk}/change/", data)
    assert response.status_code == 302
    assert set(RoleGrant.objects.filter(user=colleague).values_list("role", flat=True)) == {
        Role.CLINICIAN,
        Role.PRESCRIBER,
    }
    entry = AuditEntry.objects.get(object_type="accounts.User", object_id=str(colleague.pk))
    assert entry.action == AuditAction.UPDATE
    assert entry.detail == {"roles": [["clinician"], ["clinician", "prescriber"]]}


def test_the_consent_form_asks_only_for_title_and_text(admin_client: Client) -> None:
    response = admin_client.get("/admin/patients/consentdocument/add/")
    form = response.context["adminform"].form
    assert set(form.fields) == {"title", "body"}


def test_clinic_admin_cannot_make_a_superuser(admin_client: Client, colleague: User) -> None:
    grant = colleague.role_grants.get()
    data = _user_change_data(colleague, [(grant.pk, "clinician")], is_superuser="on")
    response = admin_client.post(f"/admin/accounts/user/{colleague.pk}/change/", data)
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.is_superuser is False


def test_clinic_admin_adds_an_account_to_their_own_clinic(
    admin_client: Client, clinic: Clinic, other_clinic: Clinic
) -> None:
    data = {
        "username": "newnurse",
        "usable_password": "true",
        "password1": "a long enough passphrase 42",
        "password2": "a long enough passphrase 42",
        "clinic": str(other_clinic.pk),
        "role_grants-TOTAL_FORMS": "1",
        "role_grants-INITIAL_FORMS": "0",
        "role_grants-MIN_NUM_FORMS": "0",
        "role_grants-MAX_NUM_FORMS": "1000",
        "role_grants-0-role": "coordinator",
        "_save": "Save",
    }
    response = admin_client.post("/admin/accounts/user/add/", data)
    assert response.status_code == 302
    created = User.objects.get(username="newnurse")
    assert created.clinic == clinic
    assert created.roles == {Role.COORDINATOR}


def test_a_clinician_may_view_accounts_but_not_change_them(
    client: Client, clinician: User, colleague: User
) -> None:
    client.force_login(clinician)
    assert client.get("/admin/accounts/user/add/").status_code == 403
    grant = colleague.role_grants.get()
    data = _user_change_data(colleague, [(grant.pk, "clinician")], first_name="Renamed")
    assert client.post(f"/admin/accounts/user/{colleague.pk}/change/", data).status_code == 403
    colleague.refresh_from_db()
    assert colleague.first_name != "Renamed"


def test_the_audit_trail_is_read_only_in_the_admin(
    admin_client: Client, clinician: User, patient: Patient
) -> None:
    with_entry = Client()
    with_entry.force_login(clinician)
    with_entry.get(f"/workspace/patients/{patient.pk}/")
    [entry] = audit(action=AuditAction.READ, patient_id=patient.pk)

    assert entry in _listed(admin_client.get("/admin/audit/auditentry/"))
    url = f"/admin/audit/auditentry/{entry.pk}/change/"
    assert 'name="_save"' not in page_text(admin_client.get(url))
    assert admin_client.post(url, {"action": "delete", "_save": "Save"}).status_code == 403
    assert admin_client.get("/admin/audit/auditentry/add/").status_code == 403
    assert admin_client.post(f"/admin/audit/auditentry/{entry.pk}/delete/").status_code == 403
    entry.refresh_from_db()
    assert entry.action == AuditAction.READ


def test_a_user_without_a_staff_role_is_kept_out_of_the_admin(
    client: Client, clinic: Clinic, patient: Patient
) -> None:
    # is_staff alone (say, set by mistake) opens nothing: roles are the permission system.
    stray = UserFactory(clinic=clinic, is_staff=True, roles=[Role.PATIENT])
    client.force_login(stray)
    assert client.get(PATIENTS).status_code == 403
    # Another patient's record is not theirs to see: not found, like another clinic's.
    assert client.get(f"{PATIENTS}{patient.pk}/change/").status_code == 404


def test_loosening_sign_in_security_in_the_admin_is_audited(
    admin_client: Client, clinic: Clinic
) -> None:
    # Reads of the clinic's page are not audited (no health data); a change of its
    # sign-in security is the clinic's decision, and the log says who made it.
    before = AuditEntry.objects.count()
    assert admin_client.get(f"/admin/accounts/clinic/{clinic.pk}/change/").status_code == 200
    assert AuditEntry.objects.count() == before
    data = {
        "name": clinic.name,
        "timezone": clinic.timezone,
        "on_call_phone": clinic.on_call_phone,
        "emergency_number": clinic.emergency_number,
        # require_staff_mfa left out: the box unticked
        "staff_idle_minutes": "30",
        "person_idle_minutes": str(clinic.person_idle_minutes),
        "_save": "Save",
    }
    response = admin_client.post(f"/admin/accounts/clinic/{clinic.pk}/change/", data)
    assert response.status_code == 302, page_text(response)
    clinic.refresh_from_db()
    assert clinic.require_staff_mfa is False
    assert clinic.staff_idle_minutes == 30
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, object_type="accounts.Clinic")
    assert entry.object_id == str(clinic.pk)
    assert entry.detail["fields"] == ["require_staff_mfa", "staff_idle_minutes"]
