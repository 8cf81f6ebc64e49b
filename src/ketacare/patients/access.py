"""The object rule every use case about a patient starts with, read off kernel.policy.

Order (shared design): the use-case wrapper checks the actor's roles (403, NotAllowed)
before anything is read; then the patient must be visible to the actor (another clinic's
patient is a 404, never a 403); then the object: staff act for their clinic's patients,
a patient only for themself (the row's `own`), a sitter only for the people they sit for
(`sitter`). Superusers get no pass: prescribing, dispensing and the ledger of a
controlled substance need the clinical role itself.

A patient the actor may not see is a denied read, and the audit log keeps it
(`denied_read`): who asked, and the id they asked for, never the patient it may name
(object patients.Patient, object_id the id asked for, no patient id, detail
{"denied": true, "asked_for": ...}). Every face finds patients by id through
`visible_patient_or_none` (the API's and the web's 404), so each records it the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ketacare.accounts.roles import Role
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel import policy
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.patients.models import Patient, Sitter

if TYPE_CHECKING:
    from ketacare.accounts.models import User


def denied_read(actor: User, asked_for: object, via: str) -> None:
    """Record that `actor` asked for a patient they may not see (the id, never the patient).

    Called where a face looks a patient up by id, before any use case runs: a use case's
    refusal rolls its transaction back, and the entry with it.
    """
    asked = str(asked_for)[:64]
    event = Event(
        AuditAction.READ,
        "patients.Patient",
        asked,
        detail={"denied": True, "asked_for": asked, "via": via},
    )
    record(event, actor=actor)


def visible_patient_or_none(actor: User, patient_id: int, *, via: str) -> Patient | None:
    """The patient `actor` may see with this id; None (the denied read recorded) otherwise."""
    found = Patient.objects.visible_to(actor).filter(pk=patient_id).first()
    if found is None:
        denied_read(actor, patient_id, via)
    return found


def is_own_record(actor: User, patient: Patient) -> bool:
    return actor.has_role(Role.PATIENT) and patient.user_id == actor.pk


def sitter_of(actor: User, patient: Patient) -> Sitter | None:
    """The actor's sitter record if they sit for `patient`, else None."""
    if not actor.has_role(Role.SITTER):
        return None
    return Sitter.objects.filter(user_id=actor.pk, patients=patient).first()


def require(actor: User, patient: Patient, use_case: str) -> None:
    """Refuse unless the row of `use_case` lets `actor` act for `patient`."""
    rule = policy.rule(use_case)
    policy.require_role(actor, rule)
    if not Patient.objects.visible_to(actor).filter(pk=patient.pk).exists():
        raise NotFound("No such patient.")
    staff = actor.clinic_id == patient.clinic_id and bool(
        {str(r) for r in actor.roles} & rule.staff
    )
    if staff or (rule.superuser and actor.is_superuser):
        return
    if rule.own and is_own_record(actor, patient):
        return
    if rule.sitter and sitter_of(actor, patient) is not None:
        return
    raise NotAllowed(f"Only {policy.words(rule.roles)} of this patient may {rule.what}.")
