"""The timeline's entries of the records around the sessions.

Intake and review, phase changes, plans, prescriptions and dispenses, clearances of
holds, questionnaires, alerts and the ledger.
"""

from __future__ import annotations

from collections.abc import Iterator

from ketacare.alerts.models import Alert
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.clinical import instruments
from ketacare.intake.models import EligibilityReview, Intake
from ketacare.patients.models import Patient, PhaseChange
from ketacare.patients.phases import Phase
from ketacare.treatment.models import (
    Dispense,
    DosingClearance,
    LedgerEvent,
    Prescription,
    PrescriptionState,
    TreatmentPlan,
)
from ketacare.web.workspace.timeline.entries import Entry, Kind, finding_lines, mg, who


def _phase(value: str) -> str:
    return Phase(value).label if value else ""


def intake_entries(patient: Patient) -> Iterator[Entry]:
    for intake in Intake.objects.filter(patient=patient, submitted_at__isnull=False).select_related(
        "submitted_by"
    ):
        assert intake.submitted_at is not None  # noqa: S101 - filtered above
        eligibility = intake.eligibility or {}
        lines = [f"Eligibility assessment: {eligibility.get('decision', 'not recorded')}"]
        lines += finding_lines(eligibility.get("findings", []))
        yield Entry(
            intake.submitted_at,
            Kind.INTAKE,
            "Intake submitted",
            tuple(lines),
            who(intake.submitted_by),
        )
    for review in EligibilityReview.objects.filter(patient=patient).select_related("reviewer"):
        lines = [review.justification] if review.justification else []
        yield Entry(
            review.at,
            Kind.INTAKE,
            f"Eligibility review: {review.get_decision_display()}",
            tuple(lines),
            who(review.reviewer),
        )


def phase_entries(patient: Patient) -> Iterator[Entry]:
    for change in PhaseChange.objects.filter(patient=patient).select_related("actor"):
        lines = (f"Reason: {change.reason}",) if change.reason else ()
        title = f"{_phase(change.from_phase)} to {_phase(change.to_phase)}"
        yield Entry(change.at, Kind.PHASE, title, lines, who(change.actor))


def plan_entries(patient: Patient) -> Iterator[Entry]:
    for plan in TreatmentPlan.objects.filter(patient=patient).select_related("created_by"):
        title = f"Plan version {plan.version}" + (" (revision)" if plan.version > 1 else "")
        lines = [
            (
                f"{plan.get_route_display()}, {mg(plan.dose_mg)} "
                f"({plan.dose_mg_per_kg.normalize():f} mg/kg at {plan.weight_kg} kg)"
            ),
            f"Take: {plan.take}",
        ]
        if plan.reason:
            lines.append(f"Why: {plan.reason}")
        if not plan.is_current:
            lines.append("Superseded by a later version.")
        yield Entry(plan.created_at, Kind.PLAN, title, tuple(lines), who(plan.created_by))


def prescription_entries(patient: Patient) -> Iterator[Entry]:
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
            who(rx.written_by),
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
            fill.dispensed_at, Kind.PRESCRIPTION, title, tuple(fill_lines), who(fill.dispensed_by)
        )


def clearance_entries(patient: Patient) -> Iterator[Entry]:
    for clearance in DosingClearance.objects.filter(patient=patient).select_related("cleared_by"):
        yield Entry(
            clearance.cleared_at,
            Kind.HOLD,
            f"Cleared for dosing: {clearance.get_hold_display().lower()} hold",
            (f"Note: {clearance.note}",),
            who(clearance.cleared_by),
        )


def questionnaire_entries(patient: Patient) -> Iterator[Entry]:
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
            who(response.submitted_by),
        )


def alert_entries(patient: Patient) -> Iterator[Entry]:
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
                who(alert.acknowledged_by),
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
                who(alert.resolved_by),
            )


def ledger_entries(patient: Patient) -> Iterator[Entry]:
    events = LedgerEvent.objects.filter(patient=patient).select_related("actor", "witness")
    for event in events:
        lines = [f"Balance after: {event.balance_after}"]
        if event.counted is not None:
            lines.append(f"Counted: {event.counted}")
        if event.witness is not None:
            lines.append(f"Witness: {who(event.witness)}")
        if event.note:
            lines.append(f"Note: {event.note}")
        title = f"{event.get_kind_display()}: {event.quantity:+}"
        yield Entry(event.at, Kind.LEDGER, title, tuple(lines), who(event.actor))
