"""A clinic's protocol: its changes to the default safety and dosing settings.

`clinic_rules(clinic_id)` is what every use case reads (the gate, plans, prescriptions,
the worker); `change_protocol` is the only way to change it: a clinic administrator
(the medical director's sign-off) writes a new version with a reason, and the audit
entry names each setting changed and which of them were loosened. Nothing is edited.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.clinical import outcomes, rules
from ketacare.kernel import clock, usecase
from ketacare.kernel.errors import NotAllowed
from ketacare.kernel.usecase import use_case
from ketacare.patients.models import ClinicProtocol, Jurisdiction, PatientReturns
from ketacare.patients.specs import ProtocolSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import Clinic, User


def current_protocol(clinic_id: int) -> ClinicProtocol | None:
    return ClinicProtocol.objects.filter(clinic_id=clinic_id, is_current=True).first()


def clinic_rules(clinic_id: int | None) -> rules.ClinicRules:
    """The clinic's rules: the defaults with its protocol's changes (no clinic: defaults)."""
    protocol = None if clinic_id is None else current_protocol(clinic_id)
    return rules.rules_for(protocol.changes if protocol is not None else None)


def review_note_required(clinic_id: int | None) -> bool:
    """Whether the clinic revises a plan only after a prescriber's signed review note."""
    protocol = None if clinic_id is None else current_protocol(clinic_id)
    return protocol is not None and protocol.require_review_note_for_revision


def outcome_rules(clinic_id: int | None) -> outcomes.OutcomeRules:
    """What the clinic judges response and remission by (CLINICAL.md A11).

    No clinic setting changes them yet, so this reads no protocol: the one place to
    change when a setting does (then it is `clinic_rules(clinic_id).outcomes`).
    """
    del clinic_id
    return rules.DEFAULT.outcomes


@use_case("change_protocol")
def change_protocol(actor: User, clinic: Clinic, spec: ProtocolSpec) -> ClinicProtocol:
    """Set the clinic's settings: `spec.changes` maps a setting to its new value (None: default).

    Settings not named keep their current value, and so do the clinic's choices the spec
    leaves at None (review note before a revision, jurisdiction, patient returns); the
    audit entry names each choice changed, before and after. Refused (nothing stored) for
    anyone but
    the clinic's administrators (the medical director's sign-off), for a value outside a
    setting's allowed range, and without a reason.
    """
    if actor.clinic_id != clinic.pk:
        raise NotAllowed("Only the clinic's administrators may change its protocol.")
    current = (
        ClinicProtocol.objects.select_for_update()
        .filter(clinic_id=clinic.pk, is_current=True)
        .first()
    )
    before = rules.rules_for(current.changes if current is not None else None)
    choices_before = _choices_of(current)
    choices_after = _choices_wanted(choices_before, spec)
    also = choices_after != choices_before
    after, differ = _changed_rules(before, spec.changes, also=also)
    loosened = [n for n in differ if rules.BY_NAME[n].loosens(before.values[n], after.values[n])]
    if current is not None:
        current.is_current = False
        current.save(update_fields=["is_current"])
    protocol = ClinicProtocol.objects.create(
        clinic=clinic,
        version=(current.version + 1) if current is not None else 1,
        changes=after.changed(),
        loosened=loosened,
        **choices_after,
        reason=spec.reason,
        written_by=actor,
        written_at=clock.now(),
    )
    detail = {
        "changed": {n: [before.values[n], after.values[n]] for n in differ},
        "loosened": loosened,
        "version": protocol.version,
    }
    for name, said in _CHOICES.items():
        if choices_after[name] != choices_before[name]:
            detail[said] = [choices_before[name], choices_after[name]]
    action = AuditAction.UPDATE if current is not None else AuditAction.CREATE
    usecase.note(Event.about(action, protocol, detail=detail))
    return protocol


# The clinic's choices beside the numbers of clinical.rules, kept from version to version:
# the protocol's field, and the spec's (and the audit detail's) name for it.
_CHOICES = {
    "require_review_note_for_revision": "review_note_before_revision",
    "jurisdiction": "jurisdiction",
    "patient_returns": "patient_returns",
}


def _choices_of(current: ClinicProtocol | None) -> dict[str, object]:
    """The current version's choices; with none, the defaults (returns not accepted)."""
    if current is None:
        return {
            "require_review_note_for_revision": False,
            "jurisdiction": Jurisdiction.US.value,
            "patient_returns": PatientReturns.NOT_ACCEPTED.value,
        }
    return {name: getattr(current, name) for name in _CHOICES}


def _choices_wanted(before: dict[str, object], spec: ProtocolSpec) -> dict[str, object]:
    """The choices after the change: those the spec names (not None), the rest as before."""
    after = dict(before)
    for name, said in _CHOICES.items():
        wanted = getattr(spec, said)
        if wanted is not None:
            after[name] = (
                wanted.value if isinstance(wanted, Jurisdiction | PatientReturns) else wanted
            )
    return after


def _changed_rules(
    before: rules.ClinicRules, changes: Mapping[str, object], *, also: bool = False
) -> tuple[rules.ClinicRules, list[str]]:
    """The rules after `changes`, and the settings whose value changes.

    Refused if none changes and nothing else does (`also`: another setting changes).
    """
    wanted = {**before.changed(), **changes}
    try:
        after = rules.rules_for({k: v for k, v in wanted.items() if v is not None})
    except rules.InvalidClinicSetting as exc:
        raise ValidationError({"changes": str(exc)}) from None
    differ = sorted(n for n in after.values if after.values[n] != before.values[n])
    if not differ and not also:
        raise ValidationError({"changes": "Nothing changes: every setting keeps its value."})
    return after, differ
