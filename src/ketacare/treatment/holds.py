"""Holds on dosing that only a clinician lifts, and the clearance that lifts them.

Two holds (CLINICAL.md G2, G3): suicidality (an unresolved suicidality alert, or any
flag or C-SSRS ideation since the last clinician review) and blood pressure on the
patient's day (a reading at the hard stop, or the day's tries used). A clinician or
prescriber clears one with a note; the clearance resolves the hold's open alerts in the
same transaction, and the gate counts only what comes after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ketacare.alerts.services import AlertCause, resolve_alerts
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.clinical import predose
from ketacare.kernel import clock, usecase
from ketacare.kernel.usecase import use_case
from ketacare.patients.access import require
from ketacare.patients.models import Patient
from ketacare.treatment.gate import (
    day_start,
    earlier_readings,
    last_clearance,
    suicidality_signals,
)
from ketacare.treatment.models import DosingClearance, Hold
from ketacare.treatment.plans import active_plan, plan_safety_rules
from ketacare.treatment.specs.plans import ClearanceSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import User

# The alerts a clearance resolves, and the subject each is raised on.
_ALERTS = {
    Hold.SUICIDALITY: AlertCause.SUICIDALITY,
    Hold.BLOOD_PRESSURE: AlertCause.BP_GATE_FAILED,
}


@dataclass(frozen=True)
class ActiveHold:
    """A hold on dosing as the chart shows it: which, since when, and why."""

    hold: Hold
    since: datetime
    reasons: tuple[str, ...]


def active_holds(patient: Patient, now: datetime) -> list[ActiveHold]:
    """The holds a clinician must clear before the patient may dose (empty: none)."""
    holds = []
    signals = suicidality_signals(patient)
    if signals:
        holds.append(ActiveHold(Hold.SUICIDALITY, signals[0].at, tuple(s.what for s in signals)))
    pressure = _blood_pressure_hold(patient, now)
    if pressure is not None:
        holds.append(pressure)
    return holds


def _blood_pressure_hold(patient: Patient, now: datetime) -> ActiveHold | None:
    plan = active_plan(patient)
    if plan is None:
        return None
    rules = plan_safety_rules(plan)
    cleared = last_clearance(patient, Hold.BLOOD_PRESSURE, since=day_start(patient, now))
    day = predose.blood_pressure_day(earlier_readings(patient, now), cleared, rules)
    if not day.holds(rules):
        return None
    if day.hard_stops:
        first = day.hard_stops[0]
        return ActiveHold(
            Hold.BLOOD_PRESSURE, first.at, (f"{first.reading} reached the hard stop",)
        )
    return ActiveHold(
        Hold.BLOOD_PRESSURE,
        day.over[-1].at,
        (f"{len(day.over)} readings over the pre-dose limit today",),
    )


@use_case("clear_for_dosing")
def clear_for_dosing(actor: User, patient: Patient, spec: ClearanceSpec) -> DosingClearance:
    """A clinician lifts a hold on dosing, saying why; the hold's open alerts are resolved.

    Only the clinic's clinicians and prescribers (NotAllowed; another clinic's patient:
    404). The note is required: it is the record of the clinician's review.
    """
    require(actor, patient, "clear_for_dosing")
    hold: Hold = spec.hold
    locked = Patient.objects.select_for_update(no_key=True).get(pk=patient.pk)
    clearance = DosingClearance.objects.create(
        patient=locked, hold=hold, note=spec.note, cleared_by=actor, cleared_at=clock.now()
    )
    resolve_alerts(
        cause=_ALERTS[hold],
        subject=f"patient:{locked.pk}",
        note=f"Cleared for dosing: {spec.note}",
        actor=actor,
    )
    usecase.note(Event.about(AuditAction.CREATE, clearance, detail={"hold": clearance.hold}))
    return clearance
