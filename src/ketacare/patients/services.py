"""Use cases on patient records: (actor, target, spec), one transaction, one audit batch.

Web views, the admin, the API and commands all call these; none writes a patient
itself. `apply_phase_move` and `apply_fields` are the bodies other apps' use cases
call inside their own transaction (a patient's own intake submission, a review that
copies the intake's demographics): a use case never calls another one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.clinical import plausible
from ketacare.kernel import clock, policy, usecase
from ketacare.kernel.errors import NotAllowed
from ketacare.kernel.usecase import use_case
from ketacare.patients.access import require
from ketacare.patients.models import (
    Consent,
    ConsentDocument,
    Patient,
    PhaseChange,
    Sitter,
)
from ketacare.patients.phases import (
    MADE_ELSEWHERE,
    Phase,
    TransitionFacts,
    allowed_next,
    check_transition,
    decided_by,
)
from ketacare.patients.registration import require_adult, require_no_duplicate
from ketacare.patients.specs import (
    ConsentDocumentSpec,
    PatientSpec,
    PhaseMoveSpec,
    RegistrationSpec,
    SignatureSpec,
    SitterSpec,
)

if TYPE_CHECKING:
    from ketacare.accounts.models import Clinic, User

PATIENT_FIELDS = tuple(PatientSpec.model_fields)


def require_clinic(actor: User, clinic: Clinic, name: str) -> None:
    """Staff act for their own clinic only (the use case's roles were checked already)."""
    if actor.clinic_id != clinic.pk:
        rule = policy.rule(name)
        raise NotAllowed(f"Only {policy.words(rule.roles)} of this clinic may {rule.what}.")


@use_case("register_patient")
def register_patient(actor: User, clinic: Clinic, spec: RegistrationSpec) -> Patient:
    """Create a patient record in `clinic`; it starts in the screening phase.

    An adult only; a record like one of the clinic's is flagged (PossibleDuplicate)
    unless staff confirmed it is a different person (`patients.registration`).
    """
    return create_patient(actor, clinic, spec)


def create_patient(actor: User, clinic: Clinic, spec: RegistrationSpec) -> Patient:
    """The steps of `register_patient`, inside another use case that registers.

    A screening lead converted to a patient: `intake.leads.register_lead`.
    """
    require_clinic(actor, clinic, "register_patient")
    fields = spec.fields()
    require_adult(clinic.pk, fields["date_of_birth"])
    if not spec.not_a_duplicate:
        require_no_duplicate(clinic.pk, fields, exclude=None)
    patient = Patient(clinic=clinic, **fields)
    patient.save()
    PhaseChange.objects.create(
        patient=patient, from_phase="", to_phase=Phase.SCREENING, actor=actor, reason="registered"
    )
    usecase.note(Event.about(AuditAction.CREATE, patient))
    return patient


def apply_fields(locked: Patient, fields: Mapping[str, Any]) -> Event:
    """Write record fields, already checked, to a patient row the caller holds locked.

    No role check: for `update_patient` and for a use case that authorises the change
    itself (a review copying the intake's checked demographics to the record). Returns
    the audit event, which names the fields that changed (never their values).
    """
    unknown = set(fields) - set(PATIENT_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed here."))
    changed = sorted(k for k, v in fields.items() if getattr(locked, k) != v)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save()
    return Event.about(AuditAction.UPDATE, locked, detail={"fields": changed})


@use_case("update_patient")
def update_patient(actor: User, patient: Patient, spec: PatientSpec) -> Patient:
    """Change demographics; the audit entry names the fields that changed (not their values)."""
    require(actor, patient, "update_patient")
    locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
    if spec.date_of_birth != locked.date_of_birth:
        require_adult(locked.clinic_id, spec.date_of_birth)
    usecase.note(apply_fields(locked, spec.fields()))
    return locked


@use_case("add_sitter")
def add_sitter(actor: User, patient: Patient, spec: SitterSpec) -> Sitter:
    """Register a sitter for a patient."""
    require(actor, patient, "add_sitter")
    sitter = Sitter(clinic_id=patient.clinic_id, **spec.model_dump())
    sitter.save()
    sitter.patients.add(patient)
    usecase.note(Event.about(AuditAction.CREATE, sitter, patient_id=patient.pk))
    return sitter


@use_case("publish_consent")
def publish_consent(actor: User, clinic: Clinic, spec: ConsentDocumentSpec) -> ConsentDocument:
    """Publish a new version of the clinic's treatment consent (numbered after the last)."""
    require_clinic(actor, clinic, "publish_consent")
    last = (
        ConsentDocument.objects.select_for_update(no_key=True)
        .filter(clinic=clinic, kind=ConsentDocument.Kind.TREATMENT)
        .order_by("-version")
        .first()
    )
    doc = ConsentDocument.objects.create(
        clinic=clinic,
        version=(last.version + 1) if last else 1,
        title=spec.title,
        body=spec.body,
    )
    usecase.note(Event.about(AuditAction.CREATE, doc, detail={"version": doc.version}))
    return doc


def current_consent_document(clinic_id: int) -> ConsentDocument | None:
    return (
        ConsentDocument.objects.filter(
            clinic_id=clinic_id,
            kind=ConsentDocument.Kind.TREATMENT,
            published_at__lte=clock.now(),
        )
        .order_by("-version")
        .first()
    )


def has_current_consent(patient: Patient) -> bool:
    doc = current_consent_document(patient.clinic_id)
    return doc is not None and patient.consents.filter(document=doc).exists()


@use_case("sign_consent")
def sign_consent(
    actor: User, patient: Patient, document: ConsentDocument, spec: SignatureSpec
) -> Consent:
    """Record the patient's signature; the patient signs, or a coordinator on their behalf."""
    require(actor, patient, "sign_consent")
    if not plausible.same_name(spec.signature_name, patient.legal_name):
        raise ValidationError(
            {
                "signature_name": (
                    f"Type the full name exactly as on the record, {patient.legal_name} "
                    "(capital letters and spaces do not matter)."
                )
            }
        )
    if document.clinic_id != patient.clinic_id:
        raise ValidationError({"document": "This consent document belongs to another clinic."})
    locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
    if Consent.objects.filter(patient=locked, document=document).exists():
        raise ValidationError({"document": f"{document} is already signed."})
    consent = Consent.objects.create(
        patient=locked, document=document, signed_by=actor, signature_name=spec.signature_name
    )
    usecase.note(Event.about(AuditAction.CREATE, consent, detail={"version": document.version}))
    return consent


# --- The phase machine applied to stored patients -------------------------------


def apply_phase_move(actor: User, locked: Patient, target: Phase, reason: str = "") -> Event:
    """The phase machine applied to a patient row the caller holds locked (no role check).

    For use cases that authorise the move themselves (a patient's own intake submission,
    the first dose a patient or sitter records) and for `move_patient`. Writes the phase
    and its history row; returns the audit event for the caller's one audit entry.
    Raises PhaseTransitionError when the rules refuse the move.
    """
    current = locked.phase_enum
    facts = TransitionFacts(
        has_current_consent=target is Phase.UNDER_REVIEW and has_current_consent(locked),
        paused_from=locked.paused_from_enum,
        reason=reason,
    )
    check_transition(current, target, facts)
    locked.paused_from = current.value if target is Phase.PAUSED else ""
    locked.phase = target.value
    locked.phase_since = clock.now()
    locked.save(update_fields=["phase", "phase_since", "paused_from", "updated_at"])
    PhaseChange.objects.create(
        patient=locked, from_phase=current, to_phase=target, actor=actor, reason=reason.strip()
    )
    return Event.about(AuditAction.UPDATE, locked, detail={"phase": [current.value, target.value]})


def may_move(actor: User, current: Phase, target: Phase) -> bool:
    """Whether `actor`'s roles decide `current -> target` here (the record's move form)."""
    name = decided_by(current, target)
    return name is not None and name not in MADE_ELSEWHERE and policy.may(actor, name)


@use_case("move_patient")
def move_patient(actor: User, patient: Patient, spec: PhaseMoveSpec) -> Patient:
    """Move `patient` to `spec.target` if the phase rules allow it (PhaseTransitionError if not).

    The move is the decision of the use case that owns it (`phases.DECIDED_BY`): the actor
    must hold a role of that row (NotAllowed names who may), and approval, decline and the
    start of treatment are refused here, with where they are made.
    """
    require(actor, patient, "move_patient")
    # Lock and re-read: two clinicians clicking at once must not both succeed.
    locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
    current = locked.phase_enum
    # A move the phase rules refuse anyway is refused by them, naming the moves allowed.
    legal = spec.target in allowed_next(current, locked.paused_from_enum)
    name = decided_by(current, spec.target) if legal else None
    if name in MADE_ELSEWHERE:
        raise NotAllowed(MADE_ELSEWHERE[name])
    if name is not None and name != "move_patient":
        require(actor, locked, name)
    usecase.note(apply_phase_move(actor, locked, spec.target, spec.reason))
    return locked
