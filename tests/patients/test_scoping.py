"""Who sees which patient: every query for health data is scoped by the acting user."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from ketacare.accounts.roles import Role
from ketacare.patients.models import Consent, Patient, PhaseChange, Sitter
from tests.factories import ConsentFactory, PatientFactory, SitterFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_clinics(clinic, other_clinic):
    mine = PatientFactory.create_batch(3, clinic=clinic, with_account=True)
    theirs = PatientFactory.create_batch(2, clinic=other_clinic, with_account=True)
    return mine, theirs


@pytest.mark.parametrize(
    "role", [Role.CLINICIAN, Role.PRESCRIBER, Role.PHARMACIST, Role.COORDINATOR, Role.ADMIN]
)
def test_staff_see_their_own_clinic_only(clinic, two_clinics, role):
    mine, _ = two_clinics
    user = UserFactory(clinic=clinic, roles=[role])
    assert set(Patient.objects.visible_to(user)) == set(mine)


def test_a_patient_sees_only_themself(two_clinics):
    mine, _ = two_clinics
    me = mine[0]
    assert list(Patient.objects.visible_to(me.user)) == [me]


def test_a_sitter_sees_only_the_patients_they_sit_for(clinic, two_clinics):
    mine, _ = two_clinics
    sitter = SitterFactory(clinic=clinic, patients=mine[:2])
    assert set(Patient.objects.visible_to(sitter.user)) == set(mine[:2])
    assert list(Sitter.objects.visible_to(sitter.user)) == [sitter]


def test_roles_add_up(clinic, two_clinics):
    mine, _ = two_clinics
    other = PatientFactory(clinic=clinic)
    user = UserFactory(clinic=clinic, roles=[Role.SITTER])
    SitterFactory(clinic=clinic, user=user, patients=[other])
    assert list(Patient.objects.visible_to(user)) == [other]
    UserFactory  # noqa: B018 - (same user gains a staff role below)
    from ketacare.accounts.models import RoleGrant  # noqa: PLC0415

    RoleGrant.objects.create(user=user, role=Role.COORDINATOR)
    user.forget_roles()
    assert set(Patient.objects.visible_to(user)) == {*mine, other}


def test_no_role_and_anonymous_see_nothing(clinic, two_clinics):
    nobody = UserFactory(clinic=clinic)
    assert not Patient.objects.visible_to(nobody).exists()
    assert not Patient.objects.visible_to(AnonymousUser()).exists()
    assert not Patient.objects.visible_to(None).exists()


def test_a_staff_role_without_a_clinic_sees_nothing(two_clinics):
    drifter = UserFactory(clinic=None, roles=[Role.CLINICIAN])
    assert not Patient.objects.visible_to(drifter).exists()


def test_the_platform_superuser_sees_every_clinic(two_clinics):
    root = UserFactory(clinic=None, is_superuser=True)
    assert Patient.objects.visible_to(root).count() == 5


def test_related_health_rows_follow_their_patient(clinic, outsider, two_clinics):
    mine, theirs = two_clinics
    consent = ConsentFactory(patient=mine[0])
    ConsentFactory(patient=theirs[0])
    clinician = UserFactory(clinic=clinic, clinician=True)
    assert list(Consent.objects.visible_to(clinician)) == [consent]
    assert list(Consent.objects.visible_to(mine[0].user)) == [consent]
    assert not Consent.objects.visible_to(mine[1].user).exists()
    PhaseChange.objects.create(patient=mine[0], from_phase="", to_phase="screening")
    assert not PhaseChange.objects.visible_to(outsider).exists()
    assert PhaseChange.objects.visible_to(clinician).count() == 1


def test_a_patient_sees_their_own_sitters_only(clinic, two_clinics):
    mine, _ = two_clinics
    mine_sitter = SitterFactory(clinic=clinic, patients=[mine[0]])
    SitterFactory(clinic=clinic, patients=[mine[1]])
    assert list(Sitter.objects.visible_to(mine[0].user)) == [mine_sitter]
