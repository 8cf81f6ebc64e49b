"""Reads the portal, the sitter's page, the API and the worker share about a patient's day.

They take a patient the caller has already fetched through `visible_to`; they check
no access themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from ketacare.clinical import predose
from ketacare.patients.models import Patient, Sitter
from ketacare.patients.phases import Phase
from ketacare.treatment.gate import day_start, latest_presence, suicidality_signals
from ketacare.treatment.models import (
    DOSED_STATUSES,
    CodePurpose,
    DosingSession,
    SessionStatus,
    SitterCode,
    SitterPresence,
    TreatmentPlan,
)
from ketacare.treatment.plans import active_plan, plan_safety_rules, safety_rules_in_force
from ketacare.treatment.sitting import CODE_TRIES

# How long an unfinished window stays the patient's open session: a day, the worker's
# look-back for missed check-ins (ketacare default).
OPEN_WINDOW_SHOWN_FOR = timedelta(hours=24)


@dataclass(frozen=True)
class ScheduledSession:
    """One session of the plan's schedule (clinical.dosing lays them out at plan time)."""

    number: int
    at: datetime  # aware
    phase: str
    dose_mg: float | None  # None: the plan's dose (at-home schedules)
    note: str


# Phases in which a patient has sessions ahead of them (paused, discharged: none).
SCHEDULED_PHASES = frozenset({Phase.APPROVED, Phase.INDUCTION, Phase.MAINTENANCE})


def next_scheduled_session(
    patient: Patient, plan: TreatmentPlan, now: datetime
) -> ScheduledSession | None:
    """The next session of the plan's schedule: today's until a dose is taken today."""
    last = (
        DosingSession.objects.filter(patient_id=patient.pk, taken_at__lte=now)
        .order_by("-taken_at")
        .values_list("taken_at", flat=True)
        .first()
    )
    return next_session(patient, plan, now, last_dose_at=last)


def next_session(
    patient: Patient, plan: TreatmentPlan | None, now: datetime, *, last_dose_at: datetime | None
) -> ScheduledSession | None:
    """The next session of the plan's schedule, given the patient's last dose (no query).

    Today's session stays next until a dose is taken today (a late dose is still due);
    None outside the phases with sessions ahead, or when the schedule has none left.
    """
    if plan is None or patient.phase not in SCHEDULED_PHASES:
        return None
    start = day_start(patient, now)
    dosed_today = last_dose_at is not None and start <= last_dose_at <= now
    # Wall-clock arithmetic on the patient's zone: the next midnight, DST or not.
    from_when = start + timedelta(days=1) if dosed_today else start
    for raw in plan.schedule.get("sessions", []):
        at = datetime.fromisoformat(raw["at"])
        if at >= from_when:
            return ScheduledSession(
                number=int(raw["number"]),
                at=at,
                phase=str(raw.get("phase", "")),
                dose_mg=None if raw.get("dose_mg") is None else float(raw["dose_mg"]),
                note=str(raw.get("note", "")),
            )
    return None


def sitter_presence_today(patient: Patient, now: datetime) -> SitterPresence | None:
    """The latest confirmation by one of the patient's sitters on the patient's day."""
    return (
        SitterPresence.objects.filter(
            patient_id=patient.pk, confirmed_at__gte=day_start(patient, now), confirmed_at__lte=now
        )
        .select_related("sitter")
        .order_by("-confirmed_at", "-pk")
        .first()
    )


def open_session(patient: Patient, now: datetime) -> DosingSession | None:
    """The session the patient is in the middle of, or None.

    That is a dose of the last day whose observation the sitter has not ended yet, or
    else a checklist passed that still authorises a dose (CLINICAL.md G2: it expires). A
    window left open for more than a day is the clinic's to close (the worker raised its
    alerts): it no longer keeps the patient from their next session.
    """
    dosed = (
        DosingSession.objects.filter(
            patient_id=patient.pk,
            status__in=[SessionStatus.DOSED, SessionStatus.CHECKED_IN],
            taken_at__gte=now - OPEN_WINDOW_SHOWN_FOR,
        )
        .order_by("-taken_at", "-pk")
        .first()
    )
    if dosed is not None:
        return dosed
    ready = (
        DosingSession.objects.filter(
            patient_id=patient.pk, status=SessionStatus.READY, started_at__lte=now
        )
        .select_related("plan__patient")
        .order_by("-started_at", "-pk")
        .first()
    )
    if ready is None:
        return None
    valid_for = plan_safety_rules(ready.plan).checklist_valid_for
    return ready if now - ready.started_at <= valid_for else None


def todays_session(patient: Patient, now: datetime) -> DosingSession | None:
    """The session a sitter follows: the open one, else the latest started or ended today.

    Ended today counts too: an evening dose released after midnight stays on the page.
    """
    start = day_start(patient, now)
    return open_session(patient, now) or (
        DosingSession.objects.filter(
            Q(started_at__gte=start) | Q(released_at__gte=start), patient_id=patient.pk
        )
        .order_by("-started_at", "-pk")
        .first()
    )


def dosed_today(patient: Patient, now: datetime) -> DosingSession | None:
    """The dose taken on the patient's day, if any (CLINICAL.md G1: at most one)."""
    return (
        DosingSession.objects.filter(
            Q(patient_id=patient.pk, status__in=DOSED_STATUSES),
            taken_at__gte=day_start(patient, now),
            taken_at__lte=now,
        )
        .order_by("-taken_at")
        .first()
    )


def suicidality_hold(patient: Patient) -> tuple[predose.SuicidalitySignal, ...]:
    """Why dosing is held over suicidality (empty: it is not), for the pages."""
    return suicidality_signals(patient)


# --- The sitter, as the checklist and the end of the window show it ---------------------------


def eligible_sitters(patient: Patient) -> list[Sitter]:
    """The sitters who may sit for the patient (as `sitting.require_eligible` decides).

    Registered as the patient's sitter, confirmed an adult by the clinic, and not the
    patient's own sign-in.
    """
    sitters = Sitter.objects.filter(patients=patient, adult_confirmed=True)
    if patient.user_id is not None:
        sitters = sitters.exclude(user_id=patient.user_id)
    return list(sitters.order_by("name", "pk"))


def counted_presence(patient: Patient, now: datetime) -> SitterPresence | None:
    """The sitter's latest confirmation if the gate would count it now, else None.

    Counted: by an eligible sitter, no older than the clinic allows (the plan's rules;
    the clinic's without a plan).
    """
    presence = latest_presence(patient, now)
    if presence is None:
        return None
    rules = safety_rules_in_force(patient, active_plan(patient))
    if now - presence.confirmed_at > rules.sitter_confirmation_valid_for:
        return None
    eligible = {s.pk for s in eligible_sitters(patient)}
    return presence if presence.sitter_id in eligible else None


def codes_waiting(
    patient: Patient, purpose: CodePurpose, now: datetime, *, session: DosingSession | None = None
) -> dict[int, SitterCode]:
    """The codes texted to the patient's sitters that can still be typed, by sitter id.

    The latest unused code of each sitter for `purpose`, unexpired, with tries left (as
    `sitting.spend_code` would accept).
    """
    rows = SitterCode.objects.filter(patient=patient, purpose=purpose, used_at__isnull=True)
    if session is not None:
        rows = rows.filter(session=session)
    waiting: dict[int, SitterCode] = {}
    for row in rows.order_by("-sent_at", "-pk"):
        if row.sitter_id in waiting:
            continue
        waiting[row.sitter_id] = row
    return {
        sitter_id: row
        for sitter_id, row in waiting.items()
        if row.expires_at > now and row.attempts < CODE_TRIES
    }
