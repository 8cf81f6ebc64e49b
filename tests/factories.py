"""factory_boy factories for the Django models, with traits for the roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory

from ketacare.accounts.models import Clinic, RoleGrant, User
from ketacare.accounts.roles import Role
from ketacare.patients.models import (
    Consent,
    ConsentDocument,
    Indication,
    Patient,
    SexAtBirth,
    Sitter,
)

PASSWORD = "correct horse battery staple"


class ClinicFactory(DjangoModelFactory[Clinic]):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    timezone = "America/New_York"
    on_call_phone = "+1 555 010 0100"


class RoleGrantFactory(DjangoModelFactory[RoleGrant]):
    class Meta:
        model = RoleGrant


def _grant(role: Role) -> factory.RelatedFactory:
    return factory.RelatedFactory(RoleGrantFactory, "user", role=role)


class UserFactory(DjangoModelFactory[User]):
    """A user of a clinic; `UserFactory(roles=[Role.CLINICIAN])` grants roles."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    clinic = factory.SubFactory(ClinicFactory)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        for role in extracted or ():
            RoleGrant.objects.create(user=self, role=role)
        self.forget_roles()

    class Params:
        # Traits: UserFactory(clinician=True), UserFactory(prescriber=True), ...
        clinician = factory.Trait(is_staff=True, grant_clinician=_grant(Role.CLINICIAN))
        prescriber = factory.Trait(
            is_staff=True,
            grant_clinician=_grant(Role.CLINICIAN),
            grant_prescriber=_grant(Role.PRESCRIBER),
        )
        pharmacist = factory.Trait(is_staff=True, grant_pharmacist=_grant(Role.PHARMACIST))
        coordinator = factory.Trait(is_staff=True, grant_coordinator=_grant(Role.COORDINATOR))
        clinic_admin = factory.Trait(is_staff=True, grant_admin=_grant(Role.ADMIN))

    @classmethod
    def _after_postgeneration(cls, instance: User, create: bool, results: Any = None) -> None:
        instance.forget_roles()  # grants made by traits come after the roles hook


class PatientFactory(DjangoModelFactory[Patient]):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    legal_name = factory.Sequence(lambda n: f"Patient Number{n}")
    date_of_birth = dt.date(1985, 6, 15)
    sex_at_birth = SexAtBirth.FEMALE
    weight_kg = Decimal("70.0")
    timezone = "America/New_York"
    phone = "+1 555 123 4567"
    email = factory.Sequence(lambda n: f"patient{n}@example.org")
    emergency_contact_name = "Sam Contact"
    emergency_contact_phone = "+1 555 765 4321"
    indication = Indication.TRD

    class Params:
        with_account = factory.Trait(
            user=factory.SubFactory(
                UserFactory,
                clinic=factory.SelfAttribute("..clinic"),
                roles=[Role.PATIENT],
            )
        )


class SitterFactory(DjangoModelFactory[Sitter]):
    """A sitter with their own sign-in; `SitterFactory(patients=[p])` links patients."""

    class Meta:
        model = Sitter
        skip_postgeneration_save = True

    clinic = factory.SubFactory(ClinicFactory)
    user = factory.SubFactory(
        UserFactory, clinic=factory.SelfAttribute("..clinic"), roles=[Role.SITTER]
    )
    name = "Robin Sitter"
    phone = "+1 555 222 3333"
    adult_confirmed = True

    @factory.post_generation
    def patients(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if extracted:
            self.patients.add(*extracted)


class ConsentDocumentFactory(DjangoModelFactory[ConsentDocument]):
    class Meta:
        model = ConsentDocument

    clinic = factory.SubFactory(ClinicFactory)
    version = 1
    title = "Informed consent"
    body = "I understand the risks of at-home ketamine treatment."


class ConsentFactory(DjangoModelFactory[Consent]):
    class Meta:
        model = Consent

    patient = factory.SubFactory(PatientFactory)
    document = factory.SubFactory(
        ConsentDocumentFactory, clinic=factory.SelfAttribute("..patient.clinic")
    )
    signed_by = factory.SelfAttribute("patient.user")
    signature_name = factory.SelfAttribute("patient.legal_name")
