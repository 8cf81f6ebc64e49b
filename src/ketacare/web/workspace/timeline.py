"""A patient's chart as one timeline: every recorded step of their journey, newest first.

One query per kind of record (with the people it names joined in), so the chart costs
the same number of queries for a patient with one session or a hundred. The entries are
words for the care team, built from the stored records; nothing is judged here (the
gate's and the check-in's findings are shown as the services stored them).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ketacare.alerts.models import Alert
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.clinical import instruments
from ketacare.intake.models import EligibilityReview, Intake
from ketacare.patients.models import Patient, PhaseChange
from ketacare.patients.phases import Phase
from ketacare.treatment.models import (
    AdverseEvent,
    ConfirmedBy,
    Dispense,
    DosingClearance,
    DosingSession,
    Feeling,
    LedgerEvent,
    PostDoseReading,
    Prescription,
    PrescriptionState,
    SideEffect,
    SubstanceToday,
    TreatmentPlan,
)


class Kind(enum.StrEnum):
    INTAKE = "intake"
    PHASE = "phase"
    PLAN = "plan"
    PRESCRIPTION = "prescription"
    SESSION = "session"
    ADVERSE_EVENT = "adverse_event"
    QUESTIONNAIRE = "questionnaire"
    ALERT = "alert"
    LEDGER = "ledger"
    HOLD = "hold"

    @property
    def label(self) -> str:
        return {
            "intake": "Intake and review",
            "phase": "Phase change",
            "plan": "Plan",
            "prescription": "Prescription and dispensing",
            "session": "Session",
            "adverse_event": "Adverse event",
            "questionnaire": "Questionnaire",
            "alert": "Alert",
            "ledger": "Ledger",
            "hold": "Hold cleared",
        }[self.value]


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: Kind
    title: str
    lines: tuple[str, ...] = ()
    by: str = ""
    # What the care team must not miss (a high reading, a dose against the gate or not
    # as planned, a sitter who could not confirm): shown marked, before the lines.
    flagged: tuple[str, ...] = ()


def _local(at: datetime) -> str:
    # The zone DisplayTimezoneMiddleware activated (the clinic's, for staff).
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def _who(user: Any) -> str:
    return str(user.display_name) if user is not None else ""


def _phase(value: str) -> str:
    return Phase(value).label if value else ""


def _mg(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f} mg"


def _findings(findings: Iterable[dict[str, Any]]) -> list[str]:
    return [str(f.get("message", "")) for f in findings if f.get("message")]


def _intakes(patient: Patient) -> Iterator[Entry]:
    for intake in Intake.objects.filter(patient=patient, submitted_at__isnull=False).select_related(
        "submitted_by"
    ):
        assert intake.submitted_at is not None  # noqa: S101 - filtered above
        eligibility = intake.eligibility or {}
        lines = [f"Eligibility assessment: {eligibility.get('decision', 'not recorded')}"]
        lines += _findings(eligibility.get("findings", []))
        yield Entry(
            intake.submitted_at,
            Kind.INTAKE,
            "Intake submitted",
            tuple(lines),
            _who(intake.submitted_by),
        )
    for review in EligibilityReview.objects.filter(patient=patient).select_related("reviewer"):
        lines = [review.justification] if review.justification else []
        yield Entry(
            review.at,
            Kind.INTAKE,
            f"Eligibility review: {review.get_decision_display()}",
            tuple(lines),
            _who(review.reviewer),
        )


def _phases(patient: Patient) -> Iterator[Entry]:
    for change in PhaseChange.objects.filter(patient=patient).select_related("actor"):
        lines = (f"Reason: {change.reason}",) if change.reason else ()
        title = f"{_phase(change.from_phase)} to {_phase(change.to_phase)}"
        yield Entry(change.at, Kind.PHASE, title, lines, _who(change.actor))


def _plans(patient: Patient) -> Iterator[Entry]:
    for plan in TreatmentPlan.objects.filter(patient=patient).select_related("created_by"):
        title = f"Plan version {plan.version}" + (" (revision)" if plan.version > 1 else "")
        lines = [
            (
                f"{plan.get_route_display()}, {_mg(plan.dose_mg)} "
                f"({plan.dose_mg_per_kg.normalize():f} mg/kg at {plan.weight_kg} kg)"
            ),
            f"Take: {plan.take}",
        ]
        if plan.reason:
            lines.append(f"Why: {plan.reason}")
        if not plan.is_current:
            lines.append("Superseded by a later version.")
        yield Entry(plan.created_at, Kind.PLAN, title, tuple(lines), _who(plan.created_by))


def _prescriptions(patient: Patient) -> Iterator[Entry]:
    for rx in Prescription.objects.filter(patient=patient).select_related("written_by"):
        lines: tuple[str, ...] = (
            f"{rx.quantity} {rx.get_unit_display()} a fill, {rx.refills} refill(s)",
            f"Directions: {rx.directions}",
        )
        if rx.needs_cosign:
            lines += (f"More than the plan needs: {rx.quantity_reason}",)
        if rx.state != PrescriptionState.ACTIVE:
            lines += (f"{rx.state.label}" + (f": {rx.void_reason}" if rx.void_reason else ""),)
        yield Entry(
            rx.written_at,
            Kind.PRESCRIPTION,
            f"Prescription: {rx.product}",
            lines,
            _who(rx.written_by),
        )
    for fill in Dispense.objects.filter(patient=patient).select_related(
        "dispensed_by", "prescription"
    ):
        fill_lines = [
            f"Lot {fill.lot_number}, expires {fill.expires_on.isoformat()}",
        ]
        if fill.early:
            fill_lines.append(f"Early fill: {fill.early_reason}")
        if fill.is_voided:
            fill_lines.append(f"Voided: {fill.void_reason}")
        title = (
            f"Dispensed {fill.quantity} {fill.prescription.get_unit_display()} "
            f"(fill {fill.fill_number})"
        )
        yield Entry(
            fill.dispensed_at, Kind.PRESCRIPTION, title, tuple(fill_lines), _who(fill.dispensed_by)
        )


def _check_in_lines(session: DosingSession) -> list[str]:
    check_in = getattr(session, "check_in", None)
    if check_in is None:
        if session.check_in_due_at is not None:
            return [f"Check-in due by {_local(session.check_in_due_at)}: not yet done."]
        return []
    lines = [
        f"Checked in at {_local(check_in.checked_in_at)}"
        + (" (late)" if check_in.late else "")
        + f": feeling {Feeling(check_in.feeling).label.lower()}"
    ]
    if check_in.systolic_mmhg is not None:
        lines.append(
            f"Blood pressure after the dose: {check_in.systolic_mmhg}/"
            f"{check_in.diastolic_mmhg} mmHg"
        )
    if check_in.cadss6_total is not None:
        band = f" ({check_in.cadss6_band})" if check_in.cadss6_band else ""
        lines.append(f"CADSS-6: {check_in.cadss6_total} of 24{band}")
    effects = [SideEffect(e).label for e in check_in.side_effects if e in SideEffect.values]
    if check_in.side_effect_other:
        effects.append(check_in.side_effect_other)
    lines.append("Side effects: " + (", ".join(effects) if effects else "none reported"))
    lines += _findings(check_in.findings)
    if check_in.notes:
        lines.append(f"Notes: {check_in.notes}")
    return lines


def _sitter_line(session: DosingSession) -> str:
    answer = "yes" if session.sitter_present else "no"
    presence = session.sitter_presence
    if presence is None:
        return f"Sitter present (patient's answer): {answer}; no sitter had confirmed"
    how = ConfirmedBy(presence.method).label
    return (
        f"Sitter present (patient's answer): {answer}; {presence.sitter.name} confirmed at "
        f"{_local(presence.confirmed_at)} ({how})"
    )


def _checklist_lines(session: DosingSession) -> list[str]:
    lines = []
    if session.cssrs_response is not None:
        band = session.cssrs_response.band.replace("_", " ")
        lines.append(f"C-SSRS screen since the last contact: {band}")
    if session.substances_today:
        taken = [SubstanceToday(s).value.replace("_", " ") for s in session.substances_today]
        lines.append("Substances today: " + ", ".join(taken))
    return lines


def _dose(session: DosingSession) -> tuple[list[str], list[str]]:
    """(lines, flagged) of the dose: what was taken, and whether it was the plan's."""
    if session.taken_at is None:
        return [], []
    lines = [f"Dose taken: {_mg(session.dose_mg)} at {_local(session.taken_at)}"]
    flagged = []
    if session.against_gate:
        flagged.append("Taken against the gate (the patient reported it taken already)")
    if not session.as_planned:
        flagged.append(
            f"Not as planned: {_mg(session.dose_mg)} taken, the plan's dose is "
            f"{_mg(session.planned_dose_mg)}"
        )
    flagged += _findings(session.dose_findings)
    return lines, flagged


def _reading(reading: PostDoseReading) -> str:
    words = (
        f"Blood pressure after the dose at {_local(reading.recorded_at)}: "
        f"{reading.systolic_mmhg}/{reading.diastolic_mmhg} mmHg"
    )
    message = reading.finding.get("message", "") if reading.finding else ""
    return f"High: {words}. {message}".strip() if reading.high else words


def _release(session: DosingSession) -> tuple[list[str], list[str]]:
    """(lines, flagged) of the end of the window by the sitter."""
    sitter = session.released_by_sitter
    if session.released_at is None or sitter is None:
        return [], []
    where = (
        "own sign-in"
        if session.released_by_id is not None and session.released_by_id == sitter.user_id
        else "code on the patient's device"
    )
    note = [f"Sitter's note: {session.release_note}"] if session.release_note else []
    at = _local(session.released_at)
    if session.release_stable:
        return [
            f"Observation ended at {at}: {sitter.name} confirmed alert and stable ({where})",
            *note,
        ], []
    return note, [
        (
            f"{sitter.name} could not confirm alert and stable at {at} ({where}); the on-call "
            "clinician was paged"
        )
    ]


def _readings(patient: Patient) -> dict[int, list[PostDoseReading]]:
    """The readings after each dose (not the check-in's own), one query for them all."""
    by_session: dict[int, list[PostDoseReading]] = defaultdict(list)
    for reading in PostDoseReading.objects.filter(patient=patient, at_check_in=False):
        by_session[reading.session_id].append(reading)
    return by_session


def _sessions(patient: Patient) -> Iterator[Entry]:
    sessions = DosingSession.objects.filter(patient=patient).select_related(
        "started_by",
        "check_in",
        "sitter_presence__sitter",
        "cssrs_response",
        "released_by_sitter",
    )
    readings = _readings(patient)
    for session in sessions:
        gate = "passed" if not session.gate_findings else "failed"
        heart = f", heart rate {session.heart_rate_bpm}/min" if session.heart_rate_bpm else ""
        dose, dose_flags = _dose(session)
        release, release_flags = _release(session)
        taken = readings.get(session.pk, [])
        lines = [
            (
                f"Pre-dose gate {gate}: blood pressure {session.systolic_mmhg}/"
                f"{session.diastolic_mmhg} mmHg{heart}"
            ),
            *_findings(session.gate_findings),
            _sitter_line(session),
            *_checklist_lines(session),
            *dose,
            *(_reading(r) for r in taken if not r.high),
            *_check_in_lines(session),
            *release,
        ]
        yield Entry(
            session.started_at,
            Kind.SESSION,
            f"Session: {session.get_status_display()}",
            tuple(lines),
            _who(session.started_by),
            flagged=(*dose_flags, *(_reading(r) for r in taken if r.high), *release_flags),
        )
    for event in AdverseEvent.objects.filter(patient=patient).select_related("reported_by"):
        serious = "serious" if event.serious else "not serious"
        event_lines = (
            event.description,
            (
                f"Severity {event.get_severity_display().lower()}, {serious}; "
                f"outcome {event.get_outcome_display().lower()}"
            ),
            *_findings([event.finding]),
        )
        yield Entry(
            event.reported_at,
            Kind.ADVERSE_EVENT,
            "Adverse event reported",
            event_lines,
            _who(event.reported_by),
        )


def _clearances(patient: Patient) -> Iterator[Entry]:
    for clearance in DosingClearance.objects.filter(patient=patient).select_related("cleared_by"):
        yield Entry(
            clearance.cleared_at,
            Kind.HOLD,
            f"Cleared for dosing: {clearance.get_hold_display().lower()} hold",
            (f"Note: {clearance.note}",),
            _who(clearance.cleared_by),
        )


def _questionnaires(patient: Patient) -> Iterator[Entry]:
    responses = QuestionnaireResponse.objects.filter(patient=patient).select_related("submitted_by")
    for response in responses:
        title = instruments.get(response.instrument).title
        lines = [
            f"Score {response.total} of {instruments.get(response.instrument).max_total}"
            + (f" ({response.band.replace('_', ' ')})" if response.band else "")
        ]
        if response.flags:
            lines.append("Flags: " + ", ".join(str(f).replace("_", " ") for f in response.flags))
        yield Entry(
            response.recorded_at,
            Kind.QUESTIONNAIRE,
            title,
            tuple(lines),
            _who(response.submitted_by),
        )


def _alerts(patient: Patient) -> Iterator[Entry]:
    alerts = Alert.objects.filter(patient=patient).select_related("acknowledged_by", "resolved_by")
    for alert in alerts:
        name = f"{alert.get_severity_display()} alert: {alert.title}"
        yield Entry(
            alert.raised_at,
            Kind.ALERT,
            f"{name} (raised)",
            (alert.message,) if alert.message else (),
        )
        if alert.acknowledged_at is not None:
            note = (f"Note: {alert.acknowledged_note}",) if alert.acknowledged_note else ()
            yield Entry(
                alert.acknowledged_at,
                Kind.ALERT,
                f"{name} (acknowledged)",
                note,
                _who(alert.acknowledged_by),
            )
        if alert.resolved_at is not None:
            note = (f"Note: {alert.resolved_note}",) if alert.resolved_note else ()
            if alert.resolved_by is None:
                note = ("Resolved automatically by ketacare.", *note)
            yield Entry(
                alert.resolved_at,
                Kind.ALERT,
                f"{name} (resolved)",
                note,
                _who(alert.resolved_by),
            )


def _ledger(patient: Patient) -> Iterator[Entry]:
    events = LedgerEvent.objects.filter(patient=patient).select_related("actor", "witness")
    for event in events:
        lines = [f"Balance after: {event.balance_after}"]
        if event.counted is not None:
            lines.append(f"Counted: {event.counted}")
        if event.witness is not None:
            lines.append(f"Witness: {_who(event.witness)}")
        if event.note:
            lines.append(f"Note: {event.note}")
        title = f"{event.get_kind_display()}: {event.quantity:+}"
        yield Entry(event.at, Kind.LEDGER, title, tuple(lines), _who(event.actor))


_SOURCES = {
    Kind.INTAKE: _intakes,
    Kind.PHASE: _phases,
    Kind.PLAN: _plans,
    Kind.PRESCRIPTION: _prescriptions,
    Kind.SESSION: _sessions,
    Kind.QUESTIONNAIRE: _questionnaires,
    Kind.ALERT: _alerts,
    Kind.LEDGER: _ledger,
    Kind.HOLD: _clearances,
}


def timeline(patient: Patient, kind: Kind | None = None) -> list[Entry]:
    """The patient's entries, newest first; only those of `kind` when given."""
    entries: list[Entry] = []
    for source_kind, source in _SOURCES.items():
        if (
            kind is None
            or kind == source_kind
            or (kind == Kind.ADVERSE_EVENT and source_kind == Kind.SESSION)
        ):
            entries.extend(source(patient))
    if kind is not None:
        entries = [e for e in entries if e.kind == kind]
    return sorted(entries, key=lambda e: e.at, reverse=True)
