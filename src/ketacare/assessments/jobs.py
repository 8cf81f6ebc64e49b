"""Assessment facts that come from time passing, which the worker's tick raises as alerts.

A questionnaire becomes overdue because the clock moved, not because anyone asked, so
the tick (ketacare.jobs.worker) looks each minute, and like every job it derives the
fact by a query (a worker that was down catches up) and raises each case once.

Overdue questionnaire: one overdue by the schedule (queries.due_questionnaires) for a
patient in induction or maintenance -> questionnaire_overdue, warning, subject
"<instrument>:<due date>"; resolved automatically once it is no longer overdue
(answered, or the patient left treatment).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from ketacare.alerts.models import Alert, AlertStatus
from ketacare.alerts.queries import raised_keys
from ketacare.alerts.services import AlertCause, AlertSeverity, raise_alert, resolve_alerts
from ketacare.assessments.queries import due_questionnaires
from ketacare.assessments.schedules import DueItem
from ketacare.clinical.safety import when
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase

_PREFIX = f"{AlertCause.QUESTIONNAIRE_OVERDUE}:"
_IN_TREATMENT = (Phase.INDUCTION.value, Phase.MAINTENANCE.value)


def _patients_to_look_at() -> QuerySet[Patient]:
    """Patients in treatment, and any patient with an open overdue alert to resolve."""
    return Patient.objects.filter(
        Q(phase__in=_IN_TREATMENT)
        | Q(alerts__cause=AlertCause.QUESTIONNAIRE_OVERDUE, alerts__status=AlertStatus.OPEN)
    ).distinct()


def _overdue(patient: Patient, now: datetime) -> dict[str, DueItem]:
    """The patient's overdue questionnaires by their alert's subject; none out of treatment."""
    if patient.phase not in _IN_TREATMENT:
        return {}
    items = [i for i in due_questionnaires(patient, at=now) if i.overdue]
    return {f"{i.instrument}:{i.due_at.date().isoformat()}": i for i in items}


def raise_overdue_questionnaires(now: datetime) -> tuple[int, int]:
    """(raised, auto-resolved) questionnaire_overdue alerts."""
    raised = resolved = 0
    for patient in _patients_to_look_at():
        overdue = _overdue(patient, now)
        resolved += _resolve_no_longer_overdue(patient, overdue)
        raised += _raise_new(patient, overdue)
    return raised, resolved


def _resolve_no_longer_overdue(patient: Patient, overdue: dict[str, DueItem]) -> int:
    resolved = 0
    for alert in Alert.objects.filter(
        patient=patient, cause=AlertCause.QUESTIONNAIRE_OVERDUE
    ).exclude(status=AlertStatus.RESOLVED):
        subject = alert.dedupe_key.removeprefix(_PREFIX)
        if subject not in overdue:
            resolved += resolve_alerts(
                cause=AlertCause.QUESTIONNAIRE_OVERDUE,
                subject=subject,
                note="The questionnaire is no longer overdue.",
            )
    return resolved


def _raise_new(patient: Patient, overdue: dict[str, DueItem]) -> int:
    known = raised_keys(_PREFIX + s for s in overdue)
    new = {s: item for s, item in overdue.items() if _PREFIX + s not in known}
    for subject, item in new.items():
        raise_alert(
            patient=patient,
            cause=AlertCause.QUESTIONNAIRE_OVERDUE,
            severity=AlertSeverity.WARNING,
            subject=subject,
            title=f"{item.instrument} questionnaire overdue",
            # On the patient's clock (their day is what the schedule counts), named.
            message=f"The {item.instrument} questionnaire was due "
            f"{when(item.due_at, ZoneInfo(str(patient.timezone)))}. {item.reason}".strip(),
            source="ketacare questionnaire schedule",
            detail={"instrument": item.instrument, "due_at": item.due_at.isoformat()},
        )
    return len(new)
