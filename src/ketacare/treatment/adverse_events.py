"""Adverse events: reported by the patient, their sitter or staff, graded for the alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.clinical import safety
from ketacare.kernel import clock, usecase
from ketacare.kernel.usecase import use_case
from ketacare.patients.access import is_own_record, require
from ketacare.patients.models import Patient
from ketacare.treatment import alerting
from ketacare.treatment.models import AdverseEvent, AdverseEventOutcome, DosingSession
from ketacare.treatment.sessions import finding_json
from ketacare.treatment.specs.sessions import AdverseEventSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import User


@use_case("report_adverse_event")
def report_adverse_event(actor: User, patient: Patient, spec: AdverseEventSpec) -> AdverseEvent:
    """An adverse event, graded by clinical.safety (how pressing, for the alerts).

    Refused on its field: a session that is not one of the patient's, an onset in the
    future, a "fatal" outcome from the patient about themself.
    """
    require(actor, patient, "report_adverse_event")
    refused: dict[str, str] = {}
    session = None
    if spec.session_id is not None:
        session = DosingSession.objects.filter(pk=spec.session_id, patient_id=patient.pk).first()
        if session is None:
            refused["session_id"] = "No such session of this patient."
    if spec.onset_at is not None and spec.onset_at > clock.now():
        refused["onset_at"] = "The onset is not in the future."
    if spec.outcome == AdverseEventOutcome.FATAL and is_own_record(actor, patient):
        # A patient reports about themself: "fatal" is for the care team to record.
        refused["outcome"] = "Choose how you are now: not better yet, getting better, or passed."
    if refused:
        raise ValidationError(refused)
    finding = safety.check_adverse_event(
        safety.AdverseEventSeverity(spec.severity),
        serious=spec.serious,
        description=spec.description,
    )
    event = AdverseEvent.objects.create(
        patient=patient,
        session=session,
        description=spec.description,
        severity=spec.severity,
        serious=spec.serious,
        outcome=spec.outcome,
        onset_at=spec.onset_at,
        finding=finding_json(finding),
        reported_by=actor,
        reported_at=clock.now(),
    )
    alerting.adverse_event(patient, event, finding)
    usecase.note(Event.about(AuditAction.CREATE, event))
    return event
