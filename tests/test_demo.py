"""`ketacare demo`: the demo clinic it loads (its options: tests/test_commands.py).

The journeys of its patients, replayed through the services: tests/test_demo_journeys.py.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.test import RequestFactory

from ketacare.accounts.mfa import has_second_factor
from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Role
from ketacare.audit.log import verify
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.demo.clinic import DEMO_CLINIC_NAME, DEMO_PASSWORD
from ketacare.demo.second_factor import demo_key_base32
from ketacare.patients.models import Patient, PhaseChange, Sitter
from ketacare.patients.phases import Phase
from tests.demo_helpers import counts, demo_once, printed_logins, run_demo

STAFF_ROLES = {
    "admin": {Role.ADMIN},
    "dr.rivera": {Role.CLINICIAN, Role.PRESCRIBER},
    "dr.chen": {Role.CLINICIAN},
    "pharmacist": {Role.PHARMACIST},
    "coordinator": {Role.COORDINATOR},
}
# Patients who dose (or may soon, or will again, or did) at home have a sitter.
WITH_SITTER = {Phase.APPROVED, Phase.INDUCTION, Phase.MAINTENANCE, Phase.PAUSED, Phase.DISCHARGED}


# --- demo ------------------------------------------------------------------------------------


_demo_40 = demo_once("--patients", "40")


@pytest.fixture
def demo_output(_demo_40, db) -> str:
    return _demo_40


def test_demo_creates_a_clinic_with_the_patients_asked_for(demo_output) -> None:
    clinic = Clinic.objects.get(name=DEMO_CLINIC_NAME)
    assert Clinic.objects.count() == 1
    assert Patient.objects.filter(clinic=clinic).count() == 40
    assert "Loaded Demo Ketamine Clinic: 40 patients" in demo_output
    # Every patient has an account of their own, with the patient role.
    patients = Patient.objects.filter(clinic=clinic).select_related("user")
    assert all(p.user is not None and p.user.roles == {Role.PATIENT} for p in patients)


def test_demo_covers_every_phase_with_a_matching_history(demo_output) -> None:
    phases = set(Patient.objects.values_list("phase", flat=True))
    assert phases == {phase.value for phase in Phase}
    for patient in Patient.objects.all():
        last = PhaseChange.objects.filter(patient=patient).order_by("at", "pk").last()
        assert last is not None
        assert last.to_phase == patient.phase
    paused = Patient.objects.filter(phase=Phase.PAUSED)
    assert paused.exists()
    assert all(p.paused_from == Phase.MAINTENANCE for p in paused)


def test_demo_creates_the_five_staff_with_their_roles(demo_output) -> None:
    clinic = Clinic.objects.get(name=DEMO_CLINIC_NAME)
    staff = User.objects.filter(clinic=clinic, is_staff=True)
    assert {u.username: set(u.roles) for u in staff} == STAFF_ROLES


def test_demo_links_sitters_to_patients_who_need_one(demo_output) -> None:
    for patient in Patient.objects.prefetch_related("sitters__user"):
        sitters = list(patient.sitters.all())
        if patient.phase in WITH_SITTER:
            assert sitters, f"{patient.phase} patient has no sitter"
            assert all(s.user is not None and s.user.roles == {Role.SITTER} for s in sitters)
            assert all(s.clinic_id == patient.clinic_id for s in sitters)
            assert all(s.adult_confirmed for s in sitters)  # CLINICAL.md D
        else:
            assert sitters == [], f"{patient.phase} patient should have no sitter"
    # One sitter of their own for each of the 24 (12 in every 20) who need one.
    assert Patient.objects.filter(phase__in=WITH_SITTER).count() == 24
    assert Sitter.objects.count() == 24


def test_demo_records_audit_entries_that_verify(demo_output) -> None:
    entries = AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="patients.Patient")
    assert entries.count() == 40
    assert set(entries.values_list("patient_id", flat=True)) == set(
        Patient.objects.values_list("pk", flat=True)
    )
    assert set(entries.values_list("actor_label", flat=True)) == {"command:demo"}
    result = verify()
    assert result.ok
    assert result.checked == AuditEntry.objects.count()


def sign_in_request() -> HttpRequest:
    """A sign-in's request: the lockout (django-axes) counts failures by it."""
    return RequestFactory().post("/login/")


def test_demo_printed_logins_work(demo_output) -> None:
    usernames = printed_logins(demo_output)
    assert set(STAFF_ROLES) <= set(usernames)
    assert any(name.startswith("patient") for name in usernames)
    assert any(name.startswith("sitter") for name in usernames)
    assert "ketacare-demo" in demo_output
    # The prescriber and the pharmacist give a code: the demo's key is printed.
    assert demo_key_base32() in demo_output
    assert has_second_factor(User.objects.get(username="dr.rivera"))
    assert not has_second_factor(User.objects.get(username="dr.chen"))  # the clinic's choice
    # The logins the README lists.
    assert {"patient11", "patient15", "sitter11", "sitter15"} <= set(usernames)
    for username in usernames:
        user = authenticate(sign_in_request(), username=username, password=DEMO_PASSWORD)
        assert user is not None, f"{username} cannot sign in"
        assert user.get_username() == username
        assert authenticate(sign_in_request(), username=username, password="wrong") is None


def test_demo_twice_changes_nothing(demo_output) -> None:
    before = counts()
    again = run_demo("--patients", "40")
    assert "already loaded" in again
    assert "(40 patients)" in again
    assert counts() == before
    # The logins are printed again, and still work.
    assert set(STAFF_ROLES) <= set(printed_logins(again))


def test_demo_under_another_name_makes_a_second_clinic(demo_output) -> None:
    output = run_demo("--patients", "3", "--clinic", "Second Site")
    assert Clinic.objects.count() == 2
    second = Clinic.objects.get(name="Second Site")
    assert second.patients.count() == 3
    usernames = printed_logins(output)
    assert "secondsite.admin" in usernames
    rivera = authenticate(
        sign_in_request(), username="secondsite.dr.rivera", password=DEMO_PASSWORD
    )
    assert rivera is not None
    assert verify().ok
