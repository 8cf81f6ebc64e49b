"""What the pre-dose gate reads from the records, for the checklist and again at the dose.

`clinical.predose.check_pre_dose` decides; this module only gathers its facts: the
doses taken, the blood pressures of the patient's day, a clinician's clearances, the
suicidality signals since the last clinician review, and the sitter's confirmation.
Both use cases (the checklist, the dose) call `gate_facts` under the patient's lock, so
a dose recorded in between is seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ketacare.alerts.models import Alert, AlertCause, AlertStatus
from ketacare.assessments.models import QuestionnaireResponse
from ketacare.clinical import instruments, predose, safety
from ketacare.clinical.vitals import BloodPressure, HeartRate
from ketacare.patients.models import Patient, PhaseChange
from ketacare.patients.phases import Phase
from ketacare.treatment.models import (
    DOSED_STATUSES,
    DosingClearance,
    DosingSession,
    Hold,
    SitterPresence,
    TreatmentPlan,
)
from ketacare.treatment.plans import plan_caps


@dataclass(frozen=True)
class Checklist:
    """The patient's (and sitter's) answers, as the gate reads them."""

    blood_pressure: BloodPressure
    heart_rate: HeartRate | None
    measured_at: datetime
    sitter_present: bool
    fasted: bool
    no_driving_until_tomorrow: bool
    substances_today: frozenset[safety.Substance]
    cssrs: instruments.Score | None


def zone_of(patient: Patient) -> ZoneInfo:
    return ZoneInfo(str(patient.timezone))


def day_start(patient: Patient, at: datetime) -> datetime:
    """Midnight of `at`'s day on the patient's clock (a 23:30 dose is that day's, there)."""
    local = at.astimezone(zone_of(patient))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def dose_times(patient: Patient, now: datetime) -> list[datetime]:
    """Every dose the patient has taken up to `now`, oldest first."""
    taken = DosingSession.objects.filter(
        patient_id=patient.pk, status__in=DOSED_STATUSES, taken_at__lte=now
    )
    return [at for at in taken.order_by("taken_at").values_list("taken_at", flat=True) if at]


def earlier_readings(patient: Patient, before: datetime) -> tuple[predose.EarlierReading, ...]:
    """The pre-dose readings of the patient's day before `before` (every one is kept)."""
    rows = DosingSession.objects.filter(
        patient_id=patient.pk, started_at__gte=day_start(patient, before), started_at__lt=before
    ).order_by("started_at", "pk")
    return tuple(
        predose.EarlierReading(at, BloodPressure(systolic, diastolic))
        for at, systolic, diastolic in rows.values_list(
            "started_at", "systolic_mmhg", "diastolic_mmhg"
        )
    )


def last_clearance(
    patient: Patient, hold: Hold, *, since: datetime | None = None
) -> datetime | None:
    """When a clinician last cleared `hold` for the patient (since `since`), or None."""
    rows = DosingClearance.objects.filter(patient_id=patient.pk, hold=hold)
    if since is not None:
        rows = rows.filter(cleared_at__gte=since)
    found: datetime | None = (
        rows.order_by("-cleared_at").values_list("cleared_at", flat=True).first()
    )
    return found


def last_review(patient: Patient) -> datetime | None:
    """The last clinician review of suicidality: a clearance, else the approval for treatment."""
    approved: datetime | None = (
        PhaseChange.objects.filter(patient_id=patient.pk, to_phase=Phase.APPROVED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    cleared = last_clearance(patient, Hold.SUICIDALITY)
    return max((t for t in (approved, cleared) if t is not None), default=None)


def suicidality_signals(patient: Patient) -> tuple[predose.SuicidalitySignal, ...]:
    """Unresolved suicidality alerts, and suicidality signals since the last review.

    CLINICAL.md A1, A8, G3: any flag (PHQ-9 item 9, C-SSRS, QIDS item 12, MADRS item 10)
    and any C-SSRS ideation hold dosing until a clinician records a clearance.
    """
    alerts = Alert.objects.filter(patient_id=patient.pk, cause=AlertCause.SUICIDALITY).exclude(
        status=AlertStatus.RESOLVED
    )
    signals = [
        predose.SuicidalitySignal(raised_at, f"an unresolved {severity} suicidality alert")
        for raised_at, severity in alerts.values_list("raised_at", "severity")
    ]
    responses = QuestionnaireResponse.objects.filter(patient_id=patient.pk)
    since = last_review(patient)
    if since is not None:
        responses = responses.filter(recorded_at__gt=since)
    for code, band, flags, at in responses.values_list(
        "instrument", "band", "flags", "recorded_at"
    ):
        if safety.is_suicidality_signal(code, band, flags):
            title = instruments.get(code).title
            signals.append(predose.SuicidalitySignal(at, f"{title}: {band.replace('_', ' ')}"))
    return tuple(sorted(signals, key=lambda s: s.at))


def latest_presence(patient: Patient, now: datetime) -> SitterPresence | None:
    """The latest confirmation by a sitter of being with the patient, up to `now`."""
    return (
        SitterPresence.objects.filter(patient_id=patient.pk, confirmed_at__lte=now)
        .select_related("sitter")
        .order_by("-confirmed_at", "-pk")
        .first()
    )


def sitter_confirmation(
    patient: Patient, presence: SitterPresence | None
) -> predose.SitterConfirmation | None:
    if presence is None:
        return None
    sitter = presence.sitter
    return predose.SitterConfirmation(
        name=sitter.name,
        confirmed_at=presence.confirmed_at,
        registered_for_patient=sitter.patients.filter(pk=patient.pk).exists(),
        adult=sitter.adult_confirmed,
        is_the_patient=sitter.user_id is not None and sitter.user_id == patient.user_id,
    )


def gate_facts(
    patient: Patient,
    plan: TreatmentPlan,
    checklist: Checklist,
    *,
    now: datetime,
    presence: SitterPresence | None,
) -> predose.PreDoseFacts:
    """The gate's facts at `now` (the checklist, or the dose), from the records."""
    doses = dose_times(patient, now)
    caps = plan_caps(plan)
    today = day_start(patient, now)
    return predose.PreDoseFacts(
        blood_pressure=checklist.blood_pressure,
        heart_rate=checklist.heart_rate,
        measured_at=checklist.measured_at,
        now=now,
        zone=zone_of(patient),
        sitter_present=checklist.sitter_present,
        sitter=sitter_confirmation(patient, presence),
        fasted=checklist.fasted,
        no_driving_until_tomorrow=checklist.no_driving_until_tomorrow,
        substances_today=checklist.substances_today,
        last_dose_at=doses[-1] if doses else None,
        recent_doses_at=tuple(at for at in doses if at > now - predose.ROLLING_WINDOW),
        min_interval_between_doses=caps.min_interval or timedelta(0),
        max_sessions_per_7_days=caps.max_sessions_per_7_days,
        earlier_readings_today=earlier_readings(patient, checklist.measured_at),
        bp_cleared_at=last_clearance(patient, Hold.BLOOD_PRESSURE, since=today),
        suicidality=suicidality_signals(patient),
        cssrs=checklist.cssrs,
    )


def checklist_of(session: DosingSession) -> Checklist:
    """A stored checklist, to run the gate again at the moment of the dose."""
    cssrs = None
    if session.cssrs_response is not None:
        answers = {int(k): v for k, v in session.cssrs_response.answers.items()}
        cssrs = instruments.score("cssrs_screen", answers)
    return Checklist(
        blood_pressure=BloodPressure(session.systolic_mmhg, session.diastolic_mmhg),
        heart_rate=None if session.heart_rate_bpm is None else HeartRate(session.heart_rate_bpm),
        measured_at=session.started_at,
        sitter_present=session.sitter_present,
        fasted=session.fasted,
        no_driving_until_tomorrow=session.no_driving_until_tomorrow,
        substances_today=frozenset(safety.Substance(s) for s in session.substances_today),
        cssrs=cssrs,
    )
