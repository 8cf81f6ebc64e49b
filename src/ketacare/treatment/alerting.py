"""The treatment facts that raise alerts, each in the transaction that stores the fact.

One subject per fact, so the same fact never raises two open alerts (the alerts app
keeps one unresolved alert per "<cause>:<subject>"; a repeat returns the open one, a
higher severity upgrades it):

- bp_gate_failed: "patient:<id>": a patient retrying the checklist with the same high
  reading raises one alert until someone resolves it. Only the blood-pressure item of
  the gate raises an alert; the other items (sitter, fasting, ...) are the patient's to
  fix and are shown to them with the session.
- bp_rise_after_dose, hypertensive_crisis, post_dose_bp_missed, high_dissociation,
  sitter_not_released, dose_against_gate, dose_outside_plan: "session:<id>" (one per
  session and cause; a high reading that stays high, or is not measured again, upgrades
  the open alert).
- adverse_event: "session:<id>" when the event belongs to a session (a report and how
  the patient said they are at that session's check-in are one alert, at the highest
  severity), else "adverse_event:<id>".
- ledger_discrepancy, lost_or_stolen: "patient:<id>" (one open alert per patient; every
  finding stays in the patient's DiversionFinding rows).
- early_refill: "prescription:<id>:fill:<n>" (an early request and the early fill of
  the same refill are one fact).

Lock order: the alerts are raised after the fact's rows and before its audit entry, so
the alert rows are locked before the audit head (the last lock of every use case, see
ledger.py), as the worker and the inbox lock them: alert, then audit head.

Severities come from clinical.safety where it has a finding; the diversion causes have
none there, and are warnings (ketacare default: a concern the prescriber reviews, not a
medical emergency). The alert message is for the care team; what leaves ketacare by
email or SMS holds no health detail (the alerts app writes it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ketacare.alerts.services import AlertCause, AlertSeverity, raise_alert, resolve_alerts
from ketacare.clinical import predose, safety

if TYPE_CHECKING:
    from ketacare.patients.models import Patient, Sitter
    from ketacare.treatment.models import (
        AdverseEvent,
        DiversionFinding,
        DosingSession,
        PostDoseCheckIn,
    )

# Ketacare default severities of the diversion findings (no source grades them).
DIVERSION_SEVERITY = "warning"
DIVERSION_SOURCE = "ketacare default (controlled-substance ledger)"

_TITLES = {
    safety.Cause.BP_GATE_FAILED: "Dose blocked: blood pressure at the pre-dose checklist",
    safety.Cause.BP_RISE_AFTER_DOSE: "Blood pressure high after the dose",
    safety.Cause.HIGH_DISSOCIATION: "High dissociation after the dose",
    safety.Cause.HYPERTENSIVE_CRISIS: "Hypertensive crisis after the dose",
    safety.Cause.POST_DOSE_BP_MISSED: "No blood pressure after the dose",
    safety.Cause.SITTER_NOT_RELEASED: "Sitter could not end the observation",
    safety.Cause.DOSE_AGAINST_GATE: "Dose taken although the checklist held it",
    safety.Cause.DOSE_OUTSIDE_PLAN: "Dose taken that is not the plan's",
    safety.Cause.ADVERSE_EVENT: "How the patient is at the post-dose check-in",
}


def _raise(  # noqa: PLR0913 - an alert is its patient, cause, severity, subject and words
    patient: Patient,
    *,
    cause: str,
    severity: str,
    subject: str,
    title: str,
    message: str,
    source: str,
    detail: dict[str, Any],
) -> None:
    raise_alert(
        patient=patient,
        cause=AlertCause(cause),
        severity=AlertSeverity(severity),
        subject=subject,
        title=title,
        message=message,
        source=source,
        detail=detail,
    )


def _from_finding(
    patient: Patient,
    finding: safety.Finding,
    *,
    subject: str,
    detail: dict[str, Any],
    sitters: Iterable[Sitter] = (),
) -> None:
    raise_alert(
        patient=patient,
        cause=AlertCause(finding.cause.value),
        severity=AlertSeverity(finding.severity.value),
        subject=subject,
        title=_TITLES[finding.cause],
        message=finding.message,
        source=finding.source,
        detail=detail,
        sitters=sitters,
    )


def gate_failed(patient: Patient, session: DosingSession, gate: predose.GateResult) -> None:
    """A checklist stopped by blood pressure (hard stop: urgent; delay gate: warning)."""
    for finding in gate.findings:
        if finding.cause == safety.Cause.BP_GATE_FAILED:
            _from_finding(
                patient,
                finding,
                subject=f"patient:{patient.pk}",
                detail={"session_id": session.pk},
            )


def check_in_findings(
    patient: Patient, check_in: PostDoseCheckIn, findings: list[safety.Finding]
) -> None:
    """A blood-pressure rise and high dissociation found at the check-in."""
    for finding in findings:
        if finding.cause in (safety.Cause.BP_RISE_AFTER_DOSE, safety.Cause.HIGH_DISSOCIATION):
            _from_finding(
                patient,
                finding,
                subject=f"session:{check_in.session_id}",
                detail={"session_id": check_in.session_id, "check_in_id": check_in.pk},
            )


def check_in_report(patient: Patient, check_in: PostDoseCheckIn, finding: safety.Finding) -> None:
    """How the patient is at the check-in (clinical.postdose.check_in_report, G6 and G7).

    One alert per session with a reported adverse event (the same subject), at the most
    pressing grade of the two.
    """
    _from_finding(
        patient,
        finding,
        subject=f"session:{check_in.session_id}",
        detail={"session_id": check_in.session_id, "check_in_id": check_in.pk},
    )


def check_in_received(check_in: PostDoseCheckIn) -> int:
    """The check-in arrived: the session's missed-check-in alert resolves itself."""
    # On the patient's clock, as everyone who reads the note knows it.
    at = safety.when(check_in.checked_in_at, ZoneInfo(str(check_in.patient.timezone)))
    return _resolve(
        safety.Cause.MISSED_CHECK_IN,
        subject=f"session:{check_in.session_id}",
        note=f"check-in received at {at}",
    )


def _resolve(cause: safety.Cause, *, subject: str, note: str) -> int:

    return resolve_alerts(cause=AlertCause(cause.value), subject=subject, note=note)


def adverse_event(patient: Patient, event: AdverseEvent, finding: safety.Finding) -> None:
    """A reported adverse event, graded by clinical.safety.check_adverse_event."""
    subject = (
        f"session:{event.session_id}"
        if event.session_id is not None
        else f"adverse_event:{event.pk}"
    )
    _raise(
        patient,
        cause=finding.cause.value,
        severity=finding.severity.value,
        subject=subject,
        title="Adverse event reported" + (" (serious)" if event.serious else ""),
        message=finding.message,
        source=finding.source,
        detail={"adverse_event_id": event.pk, "session_id": event.session_id},
    )


def session_finding(
    session: DosingSession,
    finding: safety.Finding,
    *,
    sitters: Iterable[Sitter] = (),
    **detail: Any,
) -> None:
    """A finding about one session's dose or window, one alert per cause and session.

    A dose taken against the gate or not as planned, a high reading or a crisis after
    the dose, no reading at 40 minutes, no re-measure, a sitter who could not end the
    observation, or no release at all. A repeat upgrades the open alert's severity.
    """
    _from_finding(
        session.patient,
        finding,
        subject=f"session:{session.pk}",
        detail={"session_id": session.pk, **detail},
        sitters=sitters,
    )


def reading_arrived(session: DosingSession) -> int:
    """A blood pressure after the dose arrived: its missing-reading alert resolves itself."""
    return _resolve(
        safety.Cause.POST_DOSE_BP_MISSED,
        subject=f"session:{session.pk}",
        note="a blood pressure after the dose arrived",
    )


_DIVERSION = {
    "count_mismatch": ("ledger_discrepancy", "Pill count differs from the ledger"),
    "dose_beyond_ledger": ("ledger_discrepancy", "A dose taken beyond the ledger balance"),
    "early_refill": ("early_refill", "Early refill"),
    "lost_or_stolen": ("lost_or_stolen", "Medication reported lost or stolen"),
}


def diversion_finding(patient: Patient, finding: DiversionFinding, *, fill: int = 0) -> None:
    """Every diversion finding raises its alert (a warning; ketacare default)."""
    cause, title = _DIVERSION[finding.kind]
    subject = (
        f"prescription:{finding.prescription_id}:fill:{fill}"
        if cause == "early_refill"
        else f"patient:{patient.pk}"
    )
    _raise(
        patient,
        cause=cause,
        severity=DIVERSION_SEVERITY,
        subject=subject,
        title=title,
        message=finding.note or title,
        source=DIVERSION_SOURCE,
        detail={"diversion_finding_id": finding.pk, "kind": finding.kind},
    )
