"""Patient use cases on the database: validation, roles, clinic, phase history, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ketacare.accounts.roles import Role
from ketacare.audit.log import verify
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.kernel import specs
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.patients import services
from ketacare.patients.models import Consent, ConsentDocument, Patient, PhaseChange
from ketacare.patients.phases import Phase, PhaseTransitionError
from ketacare.patients.specs import (
    ConsentDocumentSpec,
    PhaseMoveSpec,
    RegistrationSpec,
    SignatureSpec,
    SitterSpec,
)
from tests.factories import ConsentDocumentFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "legal_name": "Jordan Example",
    "date_of_birth": "1980-02-03",
    "sex_at_birth": "female",
    "weight_kg": Decimal("72.5"),
    "timezone": "Europe/London",
    "phone": "+44 20 7946 0000",
    "email": "jordan@example.org",
    "emergency_contact_name": "Casey Example",
    "emergency_contact_phone": "+44 20 7946 0001",
    "indication": "trd",
}


def _record(fields: dict) -> RegistrationSpec:
    return specs.read(RegistrationSpec, fields)


def _consent(title: str, body: str) -> ConsentDocumentSpec:
    return specs.read(ConsentDocumentSpec, {"title": title, "body": body})


def _named(patient: Patient, name: str) -> None:
    """The record's legal name, which a signature must match."""
    Patient.objects.filter(pk=patient.pk).update(legal_name=name)
    patient.refresh_from_db()


def _signed(name: str) -> SignatureSpec:
    return specs.read(SignatureSpec, {"signature_name": name})


def _move(actor, patient: Patient, target: Phase, reason: str = "") -> Patient:
    return services.move_patient(actor, patient, PhaseMoveSpec(target=target, reason=reason))


def test_register_patient_starts_in_screening_with_history_and_one_audit_entry(coordinator):
    patient = services.register_patient(coordinator, coordinator.clinic, _record(VALID))
    assert patient.phase == Phase.SCREENING
    assert patient.clinic == coordinator.clinic
    assert list(patient.phase_changes.values_list("from_phase", "to_phase")) == [("", "screening")]
    entries = AuditEntry.objects.filter(patient_id=patient.pk)
    assert [(e.action, e.actor_id) for e in entries] == [(AuditAction.CREATE, coordinator.pk)]
    assert verify().ok


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weight_kg", Decimal("29.9")),
        ("weight_kg", Decimal("250.1")),
        ("timezone", "Mars/Olympus"),
        ("phone", "call me"),
        ("indication", "flu"),
        ("legal_name", ""),
        ("email", "not-an-email"),
        ("date_of_birth", "2999-01-01"),
        ("date_of_birth", "0985-06-01"),
    ],
)
def test_register_patient_rejects_bad_fields_and_stores_nothing(coordinator, field, value):
    with pytest.raises(ValidationError) as err:
        services.register_patient(coordinator, coordinator.clinic, _record({**VALID, field: value}))
    assert field in err.value.message_dict
    assert Patient.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_register_patient_refuses_fields_it_does_not_own(coordinator):
    with pytest.raises(ValidationError) as err:
        services.register_patient(
            coordinator, coordinator.clinic, _record({**VALID, "phase": "approved"})
        )
    assert "phase" in err.value.message_dict
    assert Patient.objects.count() == 0


def test_only_record_editors_of_the_same_clinic_register_patients(clinic, outsider):
    pharmacist = UserFactory(clinic=clinic, pharmacist=True)
    with pytest.raises(NotAllowed):
        services.register_patient(pharmacist, clinic, _record(VALID))
    with pytest.raises(NotAllowed):
        services.register_patient(outsider, clinic, _record(VALID))
    assert Patient.objects.count() == 0


def test_update_patient_audits_the_names_of_changed_fields_not_their_values(coordinator, patient):
    fields = {name: getattr(patient, name) for name in services.PATIENT_FIELDS}
    services.update_patient(coordinator, patient, _record({**fields, "weight_kg": Decimal("80.0")}))
    patient.refresh_from_db()
    assert patient.weight_kg == Decimal("80.0")
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE)
    assert entry.detail == {"fields": ["weight_kg"]}
    assert "80" not in str(entry.detail)


def test_update_patient_with_a_bad_value_changes_nothing(coordinator, patient):
    fields = {name: getattr(patient, name) for name in services.PATIENT_FIELDS}
    with pytest.raises(ValidationError):
        services.update_patient(coordinator, patient, _record({**fields, "weight_kg": 500}))
    patient.refresh_from_db()
    assert patient.weight_kg == Decimal("70.0")
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE).exists()


def test_consent_versions_count_up_and_only_admins_publish(clinic_admin, coordinator):
    first = services.publish_consent(
        clinic_admin, clinic_admin.clinic, _consent("Consent", "Text v1")
    )
    second = services.publish_consent(
        clinic_admin, clinic_admin.clinic, _consent("Consent", "Text v2")
    )
    assert (first.version, second.version) == (1, 2)
    assert services.current_consent_document(clinic_admin.clinic_id) == second
    with pytest.raises(NotAllowed):
        services.publish_consent(coordinator, coordinator.clinic, _consent("Consent", "Text v3"))
    with pytest.raises(ValidationError) as err:
        services.publish_consent(clinic_admin, clinic_admin.clinic, _consent("Consent", "  "))
    assert "body" in err.value.message_dict
    assert ConsentDocument.objects.count() == 2


def test_a_patient_signs_their_own_consent_once(patient):
    _named(patient, "Patient Name")
    doc = ConsentDocumentFactory(clinic=patient.clinic)
    consent = services.sign_consent(patient.user, patient, doc, _signed("  Patient Name "))
    assert consent.signed_by == patient.user
    assert consent.signature_name == "Patient Name"
    with pytest.raises(ValidationError, match="already signed"):
        services.sign_consent(patient.user, patient, doc, _signed("Patient Name"))
    assert Consent.objects.count() == 1


def test_a_coordinator_may_sign_on_behalf_but_a_clinician_may_not(patient, coordinator, clinician):
    _named(patient, "Patient Name")
    doc = ConsentDocumentFactory(clinic=patient.clinic)
    with pytest.raises(NotAllowed):
        services.sign_consent(clinician, patient, doc, _signed("X"))
    services.sign_consent(coordinator, patient, doc, _signed("Patient Name"))
    assert Consent.objects.get().signed_by == coordinator


def test_consent_of_another_clinic_cannot_be_signed(patient, other_clinic):
    _named(patient, "Patient Name")
    doc = ConsentDocumentFactory(clinic=other_clinic)
    with pytest.raises(ValidationError) as err:
        services.sign_consent(patient.user, patient, doc, _signed("Patient Name"))
    assert "document" in err.value.message_dict


def test_the_record_moves_a_patient_into_review_and_a_clinician_returns_them(
    clinician, coordinator, patient
):
    doc = ConsentDocumentFactory(clinic=patient.clinic)
    _move(coordinator, patient, Phase.INTAKE)
    with pytest.raises(PhaseTransitionError, match="consent"):
        _move(coordinator, patient, Phase.UNDER_REVIEW)
    services.sign_consent(patient.user, patient, doc, _signed(patient.legal_name))
    _move(coordinator, patient, Phase.UNDER_REVIEW)
    # Returning an intake for more information is a clinician's part of the review.
    with pytest.raises(NotAllowed, match="Only clinician, prescriber may return"):
        _move(coordinator, patient, Phase.INTAKE, "ask for the trial's dose")
    back = _move(clinician, patient, Phase.INTAKE, "ask for the trial's dose")
    assert back.phase == Phase.INTAKE
    moves = list(PhaseChange.objects.filter(patient=patient).values_list("to_phase", flat=True))
    assert moves == ["intake", "under_review", "intake"]
    phase_audits = AuditEntry.objects.filter(patient_id=patient.pk, detail__has_key="phase")
    assert phase_audits.count() == len(moves)
    assert verify().ok


@pytest.mark.parametrize("target", [Phase.APPROVED, Phase.DECLINED])
def test_approval_and_decline_are_made_only_in_the_eligibility_review(
    clinician, prescriber, clinic, target
):
    # Issue: a coordinator or admin moved patients to "approved" from the record page.
    patient = PatientFactory(clinic=clinic, phase=Phase.UNDER_REVIEW)
    admin = UserFactory(clinic=clinic, clinic_admin=True)
    for actor in (clinician, prescriber, admin, UserFactory(clinic=clinic, coordinator=True)):
        with pytest.raises(NotAllowed, match="eligibility review"):
            _move(actor, patient, target, "meets criteria")
    patient.refresh_from_db()
    assert patient.phase == Phase.UNDER_REVIEW
    assert not PhaseChange.objects.filter(patient=patient).exists()
    assert not AuditEntry.objects.filter(patient_id=patient.pk).exists()


def test_treatment_starts_only_with_the_first_dose(prescriber, clinic):
    patient = PatientFactory(clinic=clinic, phase=Phase.APPROVED)
    with pytest.raises(NotAllowed, match="first dose is recorded"):
        _move(prescriber, patient, Phase.INDUCTION)
    patient.refresh_from_db()
    assert patient.phase == Phase.APPROVED


def test_the_clinical_moves_of_treatment_are_a_clinicians_or_prescribers(
    clinician, prescriber, clinic
):
    patient = PatientFactory(clinic=clinic, phase=Phase.INDUCTION)
    _move(prescriber, patient, Phase.MAINTENANCE)
    paused = _move(clinician, patient, Phase.PAUSED, "travelling")
    assert paused.paused_from == Phase.MAINTENANCE
    resumed = _move(prescriber, paused, Phase.MAINTENANCE)  # back where it was paused from
    assert (resumed.phase, resumed.paused_from) == (Phase.MAINTENANCE, "")
    done = _move(clinician, resumed, Phase.DISCHARGED, "course complete")
    assert done.phase == Phase.DISCHARGED
    moves = list(PhaseChange.objects.filter(patient=patient).values_list("to_phase", flat=True))
    assert moves == ["maintenance", "paused", "maintenance", "discharged"]


@pytest.mark.parametrize(
    ("phase", "target", "who"),
    [
        (Phase.INDUCTION, Phase.MAINTENANCE, "Only prescriber may move"),
        (Phase.INDUCTION, Phase.PAUSED, "Only clinician, prescriber may pause"),
        (Phase.INDUCTION, Phase.DISCHARGED, "Only clinician, prescriber may"),
        (Phase.APPROVED, Phase.DISCHARGED, "Only clinician, prescriber may"),
    ],
)
def test_a_coordinator_or_admin_is_told_who_decides_a_clinical_move(
    clinic, coordinator, phase, target, who
):
    patient = PatientFactory(clinic=clinic, phase=phase)
    for actor in (coordinator, UserFactory(clinic=clinic, clinic_admin=True)):
        with pytest.raises(NotAllowed, match=who):
            _move(actor, patient, target, "a reason")
    patient.refresh_from_db()
    assert patient.phase == phase
    assert not PhaseChange.objects.filter(patient=patient).exists()


def test_a_clinician_does_not_resume_a_course_of_the_drug(clinician, clinic):
    patient = PatientFactory(clinic=clinic, phase=Phase.PAUSED, paused_from=Phase.INDUCTION)
    with pytest.raises(NotAllowed, match="Only prescriber may resume"):
        _move(clinician, patient, Phase.INDUCTION)


def test_a_stale_copy_cannot_repeat_a_move_someone_else_made(clinician, colleague, clinic):
    patient = PatientFactory(clinic=clinic, phase=Phase.INDUCTION)
    alice_copy = Patient.objects.get(pk=patient.pk)
    bob_copy = Patient.objects.get(pk=patient.pk)
    _move(clinician, alice_copy, Phase.DISCHARGED, "moved away")
    with pytest.raises(PhaseTransitionError, match="Cannot move from discharged to paused"):
        _move(colleague, bob_copy, Phase.PAUSED, "travelling")
    patient.refresh_from_db()
    assert patient.phase == Phase.DISCHARGED


def test_pausing_needs_a_reason_and_nothing_changes_without_one(clinician, clinic):
    patient = PatientFactory(clinic=clinic, phase=Phase.INDUCTION)
    with pytest.raises(PhaseTransitionError, match="needs a reason"):
        _move(clinician, patient, Phase.PAUSED, "")
    patient.refresh_from_db()
    assert patient.phase == Phase.INDUCTION
    assert not PhaseChange.objects.filter(patient=patient).exists()


@pytest.mark.parametrize("role", [Role.PHARMACIST, Role.PATIENT, Role.SITTER])
def test_roles_outside_the_care_team_cannot_move_phases(clinic, role):
    patient = PatientFactory(clinic=clinic)
    user = UserFactory(clinic=clinic, roles=[role])
    with pytest.raises(NotAllowed):
        _move(user, patient, Phase.INTAKE)


def test_another_clinics_clinician_cannot_move_phases(outsider, patient):
    # Another clinic's patient is not found (404), as on every face: never confirm a record.
    with pytest.raises(NotFound):
        _move(outsider, patient, Phase.INTAKE)


def test_the_database_refuses_a_pause_origin_outside_a_pause(clinic):
    patient = PatientFactory(clinic=clinic, phase=Phase.INDUCTION)
    patient.paused_from = Phase.MAINTENANCE
    with pytest.raises(IntegrityError), transaction.atomic():
        patient.save()


def test_the_database_refuses_an_impossible_weight(clinic):
    with pytest.raises(IntegrityError), transaction.atomic():
        Patient.objects.bulk_create([PatientFactory.build(clinic=clinic, weight_kg=Decimal(5))])


def test_record_editors_add_a_sitter_to_their_patient(coordinator, patient, clinic):
    spec = specs.read(
        SitterSpec,
        {"name": "Robin Sitter", "phone": "+44 20 7946 0002", "adult_confirmed": True},
    )
    sitter = services.add_sitter(coordinator, patient, spec)
    assert list(sitter.patients.all()) == [patient]
    assert (sitter.clinic_id, sitter.adult_confirmed) == (clinic.pk, True)
    [entry] = AuditEntry.objects.filter(object_type="patients.Sitter")
    assert (entry.action, entry.patient_id, entry.actor_id) == (
        AuditAction.CREATE,
        patient.pk,
        coordinator.pk,
    )
    pharmacist = UserFactory(clinic=clinic, pharmacist=True)
    with pytest.raises(NotAllowed):
        services.add_sitter(pharmacist, patient, spec)
    with pytest.raises(ValidationError) as err:
        specs.read(SitterSpec, {"name": "Robin", "phone": "call me"})
    assert "phone" in err.value.message_dict
