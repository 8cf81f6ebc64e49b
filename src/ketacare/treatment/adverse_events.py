"""Adverse events: reported by the patient, their sitter or staff, graded for the alerts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction

from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical import safety
from ketacare.kernel import clock
from ketacare.patients.models import Patient
from ketacare.treatment import alerting
from ketacare.treatment.access import REPORTERS, require
from ketacare.treatment.models import AdverseEvent, AdverseEventOutcome, DosingSession, Severity
from ketacare.treatment.parsing import Errors, as_aware, as_bool, as_choice, as_text
from ketacare.treatment.sessions import finding_json, read

if TYPE_CHECKING:
    from ketacare.accounts.models import User


def report_adverse_event(  # noqa: PLR0913 - the event's fields
    actor: User,
    patient: Patient,
    *,
    description: str,
    severity: str,
    serious: bool,
    outcome: str,
    session: DosingSession | None = None,
    onset_at: datetime | None = None,
) -> AdverseEvent:
    """An adverse event, graded by clinical.safety (how pressing, for the alerts)."""
    require(actor, patient, REPORTERS, "report adverse events", own=True, sitter=True)
    errors = Errors()
    text = as_text(
        description, "description", errors, max_length=4000, required="Describe what happened."
    )
    grade = as_choice(severity, Severity, "severity", errors)
    is_serious = as_bool(serious, "serious", errors)
    result = as_choice(outcome, AdverseEventOutcome, "outcome", errors)
    if session is not None and session.patient_id != patient.pk:
        errors.add("session", "This session belongs to another patient.")
    onset = None if onset_at is None else as_aware(onset_at, "onset_at", errors)
    if onset is not None and onset > clock.now():
        errors.add("onset_at", "The onset is not in the future.")
    # ICH E2A: an event that is life-threatening or results in death is serious.
    if is_serious is False and (
        grade == Severity.LIFE_THREATENING or result == AdverseEventOutcome.FATAL
    ):
        errors.add("serious", "A life-threatening or fatal event is serious (ICH E2A).")
    errors.raise_if_any()
    finding = safety.check_adverse_event(
        safety.AdverseEventSeverity(read(grade)), serious=read(is_serious), description=text
    )
    with transaction.atomic():
        event = AdverseEvent.objects.create(
            patient=patient,
            session=session,
            description=text,
            severity=read(grade),
            serious=read(is_serious),
            outcome=read(result),
            onset_at=onset,
            finding=finding_json(finding),
            reported_by=actor,
            reported_at=clock.now(),
        )
        alerting.adverse_event(patient, event, finding)
        record(Event.about(AuditAction.CREATE, event), actor=actor)
    return event
