"""Use cases on patient records. One function, one transaction, one audit entry.

Web views, the admin and commands all call these; none writes a patient itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ketacare.accounts.roles import PHASE_ROLES, RECORD_EDITOR_ROLES, Role
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock
from ketacare.kernel.errors import NotAllowed
from ketacare.patients.models import (
    Consent,
    ConsentDocument,
    Patient,
    PhaseChange,
    Sitter,
)
from ketacare.patients.phases import Phase, TransitionFacts, check_transition

if TYPE_CHECKING:
    from ketacare.accounts.models import Clinic, User

PATIENT_FIELDS = (
    "legal_name",
    "date_of_birth",
    "sex_at_birth",
    "weight_kg",
    "timezone",
    "phone",
    "email",
    "emergency_contact_name",
    "emergency_contact_phone",
    "indication",
)


def _require(actor: User, roles: frozenset[Role], clinic_id: int | None, what: str) -> None:
    if actor.is_superuser:
        return
    if actor.clinic_id != clinic_id or not actor.roles & roles:
        allowed = ", ".join(sorted(roles))
        raise NotAllowed(f"Only {allowed} of this clinic may {what}.")


def _validated(instance: Patient | Sitter, exclude: list[str] | None = None) -> None:
    # The same validation whatever the caller: a form, the admin, the API or a command.
    instance.full_clean(exclude=exclude)


def register_patient(actor: User, clinic: Clinic, fields: dict[str, Any]) -> Patient:
    """Create a patient record in `clinic`; it starts in the screening phase."""
    _require(actor, RECORD_EDITOR_ROLES, clinic.pk, "register patients")
    unknown = set(fields) - set(PATIENT_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be set here."))
    patient = Patient(clinic=clinic, **fields)
    _validated(patient, exclude=["user"])
    with transaction.atomic():
        patient.save()
        PhaseChange.objects.create(
            patient=patient,
            from_phase="",
            to_phase=Phase.SCREENING,
            actor=actor,
            reason="registered",
        )
        record(Event.about(AuditAction.CREATE, patient), actor=actor)
    return patient


def update_patient(actor: User, patient: Patient, fields: dict[str, Any]) -> Patient:
    """Change demographics; the audit entry names the fields that changed (not their values)."""
    _require(actor, RECORD_EDITOR_ROLES, patient.clinic_id, "edit patient records")
    unknown = set(fields) - set(PATIENT_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed here."))
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        changed = sorted(k for k, v in fields.items() if getattr(locked, k) != v)
        for name, value in fields.items():
            setattr(locked, name, value)
        _validated(locked, exclude=["user"])
        locked.save()
        record(Event.about(AuditAction.UPDATE, locked, detail={"fields": changed}), actor=actor)
    return locked


def add_sitter(actor: User, patient: Patient, fields: dict[str, Any]) -> Sitter:
    """Register a sitter for a patient (or link an existing sitter of the same clinic)."""
    _require(actor, RECORD_EDITOR_ROLES, patient.clinic_id, "add sitters")
    sitter = Sitter(clinic_id=patient.clinic_id, **fields)
    _validated(sitter, exclude=["user"])
    with transaction.atomic():
        sitter.save()
        sitter.patients.add(patient)
        record(Event.about(AuditAction.CREATE, sitter, patient_id=patient.pk), actor=actor)
    return sitter


def publish_consent(actor: User, clinic: Clinic, title: str, body: str) -> ConsentDocument:
    """Publish a new version of the clinic's treatment consent (numbered after the last)."""
    _require(actor, frozenset({Role.ADMIN}), clinic.pk, "publish consent documents")
    if not title.strip():
        raise ValidationError({"title": "Give the consent document a title."})
    if not body.strip():
        raise ValidationError({"body": "The consent text is empty."})
    with transaction.atomic():
        last = (
            ConsentDocument.objects.select_for_update()
            .filter(clinic=clinic, kind=ConsentDocument.Kind.TREATMENT)
            .order_by("-version")
            .first()
        )
        doc = ConsentDocument.objects.create(
            clinic=clinic, version=(last.version + 1) if last else 1, title=title, body=body
        )
        record(Event.about(AuditAction.CREATE, doc, detail={"version": doc.version}), actor=actor)
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


def sign_consent(
    actor: User, patient: Patient, document: ConsentDocument, signature_name: str
) -> Consent:
    """Record the patient's signature; the patient signs, or a coordinator on their behalf."""
    own = patient.user_id is not None and actor.pk == patient.user_id
    if not own:
        _require(
            actor,
            frozenset({Role.COORDINATOR, Role.ADMIN}),
            patient.clinic_id,
            "sign consent for a patient",
        )
    if document.clinic_id != patient.clinic_id:
        raise ValidationError({"document": "This consent document belongs to another clinic."})
    if not signature_name.strip():
        raise ValidationError({"signature_name": "Type the full name to sign."})
    with transaction.atomic():
        if Consent.objects.filter(patient=patient, document=document).exists():
            raise ValidationError({"document": f"{document} is already signed."})
        consent = Consent.objects.create(
            patient=patient,
            document=document,
            signed_by=actor,
            signature_name=signature_name.strip(),
        )
        record(
            Event.about(AuditAction.CREATE, consent, detail={"version": document.version}),
            actor=actor,
        )
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


def move_patient(actor: User, patient: Patient, target: Phase, reason: str = "") -> Patient:
    """Move `patient` to `target` if the phase rules allow it; raise PhaseTransitionError if not."""
    _require(actor, PHASE_ROLES, patient.clinic_id, "change a patient's phase")
    with transaction.atomic():
        # Lock and re-read: two clinicians clicking at once must not both succeed.
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        record(apply_phase_move(actor, locked, target, reason), actor=actor)
    return locked


def begin_intake(actor: User, patient: Patient) -> Patient:
    return move_patient(actor, patient, Phase.INTAKE)


def submit_for_review(actor: User, patient: Patient) -> Patient:
    return move_patient(actor, patient, Phase.UNDER_REVIEW)


def approve(actor: User, patient: Patient, note: str = "") -> Patient:
    return move_patient(actor, patient, Phase.APPROVED, note)


def decline(actor: User, patient: Patient, reason: str) -> Patient:
    return move_patient(actor, patient, Phase.DECLINED, reason)


def return_to_intake(actor: User, patient: Patient, reason: str) -> Patient:
    return move_patient(actor, patient, Phase.INTAKE, reason)


def start_induction(actor: User, patient: Patient) -> Patient:
    return move_patient(actor, patient, Phase.INDUCTION)


def start_maintenance(actor: User, patient: Patient) -> Patient:
    return move_patient(actor, patient, Phase.MAINTENANCE)


def pause(actor: User, patient: Patient, reason: str) -> Patient:
    return move_patient(actor, patient, Phase.PAUSED, reason)


def resume(actor: User, patient: Patient) -> Patient:
    """Return a paused patient to the phase they were paused from."""
    back_to = patient.paused_from_enum or Phase.MAINTENANCE
    return move_patient(actor, patient, back_to)


def discharge(actor: User, patient: Patient, reason: str) -> Patient:
    return move_patient(actor, patient, Phase.DISCHARGED, reason)
