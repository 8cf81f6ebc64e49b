"""factory_boy factories for the Django models, with traits for the roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from factory.django import DjangoModelFactory

from ketacare.accounts.models import Clinic, RoleGrant, User
from ketacare.accounts.roles import Role
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.clinical import safety
from ketacare.notes.models import Note, NoteKind
from ketacare.patients.models import (
    Consent,
    ConsentDocument,
    Indication,
    Patient,
    SexAtBirth,
    Sitter,
)
from ketacare.pharmacy.models import Lot, MovementKind, Product, StockMovement
from ketacare.treatment.models import (
    AdverseEvent,
    AdverseEventOutcome,
    DosingSession,
    PdmpCheck,
    PdmpResult,
    SessionStatus,
    Severity,
    TreatmentPlan,
)
from ketacare.treatment.sessions.common import finding_json

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
    # A valid DEA number and NPI (their check digits pass): a prescription needs both.
    dea_number = "AB1234563"
    npi = "1234567893"

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
    address_line1 = "12 Elm Street"
    address_city = "Springfield"
    address_region = "IL"
    address_postal_code = "62701"

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


# FHIR adverse events: an adverse event as report_adverse_event stores it, without alerts.


class AdverseEventFactory(DjangoModelFactory[AdverseEvent]):
    """`AdverseEventFactory(patient=p, reported_by=u)`, graded as clinical.safety grades it."""

    class Meta:
        model = AdverseEvent

    patient = factory.SubFactory(PatientFactory, with_account=True)
    description = "Felt sick and dizzy for an hour after the dose."
    severity = Severity.MODERATE
    serious = False
    outcome = AdverseEventOutcome.RESOLVED
    reported_by = factory.SelfAttribute("patient.user")
    finding = factory.LazyAttribute(
        lambda event: finding_json(
            safety.check_adverse_event(
                safety.AdverseEventSeverity(event.severity),
                serious=event.serious,
                description=event.description,
            )
        )
    )


# Cohort report: plans, doses taken and questionnaire totals as rows, for a cohort built fast.


_COHORT_START = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC)


def _induction_schedule(sessions: int) -> dict[str, Any]:
    """`sessions` induction sessions 3-4 days apart from _COHORT_START, as plans store them."""
    return {
        "pattern": "at_home",
        "sessions": [
            {
                "number": i + 1,
                "at": (_COHORT_START + dt.timedelta(days=i * 7 // 2)).isoformat(),
                "phase": "induction",
                "dose_mg": None,
                "note": "",
            }
            for i in range(sessions)
        ],
    }


class TreatmentPlanFactory(DjangoModelFactory[TreatmentPlan]):
    """A first plan as a row: 100 mg of 50 mg troches; `induction=4` sets its sessions."""

    class Meta:
        model = TreatmentPlan

    class Params:
        induction = 4

    patient = factory.SubFactory(PatientFactory)
    version = 1
    indication = factory.SelfAttribute("patient.indication")
    route = "sublingual"
    drug = "racemic"
    formulation_kind = "troche"
    strength_mg = Decimal(50)
    scored = True
    weight_kg = Decimal("70.0")
    dose_mg = Decimal(100)
    dose_mg_per_kg = Decimal("1.429")
    take = "2 troches of 50 mg"
    schedule = factory.LazyAttribute(lambda plan: _induction_schedule(plan.induction))
    caps = factory.LazyFunction(dict)
    pre_dose_limits = factory.LazyFunction(dict)
    pk_summary = factory.LazyFunction(dict)
    created_by = factory.SubFactory(
        UserFactory, clinic=factory.SelfAttribute("..patient.clinic"), prescriber=True
    )


class DoseTakenFactory(DjangoModelFactory[DosingSession]):
    """A session whose dose was taken at `taken_at` (released by the sitter)."""

    class Meta:
        model = DosingSession

    plan = factory.SubFactory(TreatmentPlanFactory)
    patient = factory.SelfAttribute("plan.patient")
    status = SessionStatus.RELEASED
    sitter_present = True
    fasted = True
    no_driving_until_tomorrow = True
    systolic_mmhg = 120
    diastolic_mmhg = 80
    started_by = factory.SelfAttribute("plan.created_by")
    taken_at = _COHORT_START
    started_at = factory.SelfAttribute("taken_at")
    dose_mg = Decimal(100)
    check_in_due_at = factory.LazyAttribute(
        lambda s: s.taken_at + dt.timedelta(hours=2, minutes=30)
    )
    released_at = factory.LazyAttribute(lambda s: s.taken_at + dt.timedelta(hours=2))
    release_stable = True


class ScoreFactory(DjangoModelFactory[QuestionnaireResponse]):
    """A questionnaire total at `recorded_at` (answers not itemised: the report reads totals)."""

    class Meta:
        model = QuestionnaireResponse

    patient = factory.SubFactory(PatientFactory)
    instrument = "phq9"
    answers = factory.LazyFunction(dict)
    total = 10
    band = "moderate"
    recorded_at = _COHORT_START
    patient_timezone = factory.SelfAttribute("patient.timezone")
    submitted_by = factory.SubFactory(
        UserFactory, clinic=factory.SelfAttribute("..patient.clinic"), clinician=True
    )


# Clinician notes: a draft by a clinician of the patient's clinic; `signed=True` signs it.


class NoteFactory(DjangoModelFactory[Note]):
    """A draft note on the patient's chart; `NoteFactory(signed=True)` is signed by its author."""

    class Meta:
        model = Note

    class Params:
        signed = factory.Trait(
            signed_at=factory.LazyFunction(lambda: dt.datetime(2025, 3, 3, 20, 0, tzinfo=dt.UTC)),
            signed_by=factory.SelfAttribute("author"),
        )

    patient = factory.SubFactory(PatientFactory)
    kind = NoteKind.PHONE_CALL
    body = "Called to check in after the session; feeling well, no new symptoms."
    author = factory.SubFactory(
        UserFactory, clinic=factory.SelfAttribute("..patient.clinic"), clinician=True
    )


# State PDMP checks: a prescriber recorded one for the patient (prescriptions need it).


class PdmpCheckFactory(DjangoModelFactory[PdmpCheck]):
    """A PDMP check of the patient just now, nothing of concern, by a prescriber of the clinic."""

    class Meta:
        model = PdmpCheck

    patient = factory.SubFactory(PatientFactory)
    checked_by = factory.SubFactory(
        UserFactory, clinic=factory.SelfAttribute("..patient.clinic"), prescriber=True
    )
    result = PdmpResult.NOTHING_OF_CONCERN


# The clinic's shelf: a lot of a product, received and verified (dispensing draws from it).

TEST_LOT_EXPIRY = dt.date(2026, 1, 31)


def shelve(
    product: Product,
    clinic: Clinic,
    *,
    lot_number: str = "LOT-2025-01",
    expires_on: dt.date = TEST_LOT_EXPIRY,
    quantity: Decimal = Decimal(1000),
) -> Lot:
    """Lot `lot_number` of `product` on the clinic's shelf.

    The lot is entered in the lot master on first use with `quantity` units (one
    `received` movement, as a verified receipt makes); later calls return it as it is.
    """
    fields = {f: getattr(product, f) for f in _PRODUCT_FIELDS}
    lot, created = Lot.objects.get_or_create(
        clinic=clinic,
        lot_number=lot_number,
        defaults=fields
        | {
            "product": str(getattr(product, "product", "") or product.formulation.name),
            "unit": product.ledger_unit,
            "expires_on": expires_on,
            "supplier": "Compounding Pharmacy of Record",
            "created_by": _stock_handler(clinic),
        },
    )
    if not created:
        return lot
    lot.on_hand += quantity
    StockMovement.objects.create(
        clinic=clinic,
        lot=lot,
        kind=MovementKind.RECEIVED,
        quantity=quantity,
        on_hand_after=lot.on_hand,
        counterparty=lot.supplier,
        reference="INV-TEST",
        actor=lot.created_by,
    )
    lot.save(update_fields=["on_hand"])
    return lot


_PRODUCT_FIELDS = (
    "drug",
    "formulation_kind",
    "strength_mg",
    "scored",
    "concentration_mg_per_ml",
    "spray_volume_ml",
)


def _stock_handler(clinic: Clinic) -> User:
    """A pharmacist of the clinic to sign the shelf's receipt (one is made when none is)."""
    pharmacist = User.objects.filter(clinic=clinic, role_grants__role=Role.PHARMACIST).first()
    return pharmacist or UserFactory(clinic=clinic, pharmacist=True)
