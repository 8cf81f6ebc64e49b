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
        clinician = factory.Trait(roles=[Role.CLINICIAN], is_staff=True)
        prescriber = factory.Trait(roles=[Role.CLINICIAN, Role.PRESCRIBER], is_staff=True)
        pharmacist = factory.Trait(roles=[Role.PHARMACIST], is_staff=True)
        coordinator = factory.Trait(roles=[Role.COORDINATOR], is_staff=True)
        clinic_admin = factory.Trait(roles=[Role.ADMIN], is_staff=True)


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
