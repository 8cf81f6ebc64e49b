"""Reminders of the sessions ahead: facts of time passing, queued by the worker's tick.

A session's time is the plan's schedule (clinical.dosing lays out each session's moment
on the patient's clock when the plan is written; treatment.queries.next_session reads the
same list). For each session ahead:
- the day before, at the same time on the patient's clock (18:00 the evening before an
  18:00 session), the patient is reminded ("your session tomorrow at 18:00"); not once
  the session's own day has begun (a worker that was down leaves it to the next one);
- an hour before, the patient ("today at 18:00") and each of their sitters with a sign-in
  ("the session you sit for is today at 18:00").
None for a session of a day on which the patient has already taken a dose, nor for a
patient outside the phases with sessions ahead (paused, discharged). The reminders go
only to people who can sign in (the message is a sign-in link), on their channels,
held by their quiet hours (a reminder that would be held past its session is dropped).

Queries, whatever the number of patients: the current plans with their patients and last
dose (one), their sitters (one), then alerts.contact.queue_reminders' three. The sessions
inside the reminder windows are picked from each plan's schedule in memory: the schedule
is a JSON list on the plan, which neither database can search the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, Prefetch, Subquery

from ketacare.alerts.contact import Person, Reminder, clock_words, day_words, queue_reminders
from ketacare.alerts.services import sign_in_url
from ketacare.patients.models import Patient, Sitter
from ketacare.treatment.gate import day_start, zone_of
from ketacare.treatment.models import DOSED_STATUSES, DosingSession, TreatmentPlan
from ketacare.treatment.queries import SCHEDULED_PHASES

HOUR_BEFORE = timedelta(hours=1)
DAY_BEFORE, PATIENT_HOUR, SITTER_HOUR = "session-day-before", "session-hour", "sitter-hour"


def _plans() -> list[TreatmentPlan]:
    last_dose = (
        DosingSession.objects.filter(patient_id=OuterRef("patient_id"), status__in=DOSED_STATUSES)
        .order_by("-taken_at")
        .values("taken_at")[:1]
    )
    sitters = Sitter.objects.filter(user__isnull=False, user__is_active=True).select_related("user")
    return list(
        TreatmentPlan.objects.filter(
            is_current=True, patient__phase__in=[p.value for p in SCHEDULED_PHASES]
        )
        .select_related("patient__user")
        .annotate(last_dose_at=Subquery(last_dose))
        .prefetch_related(Prefetch("patient__sitters", queryset=sitters, to_attr="signed_in"))
        .order_by("pk")
    )


def the_day_before(at: datetime, zone: ZoneInfo) -> datetime:
    """The same wall time a day earlier on the patient's clock (DST: fold=0)."""
    wall = at.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    return wall.replace(tzinfo=zone, fold=0)


def _sessions_ahead(plan: Any, now: datetime) -> Iterator[datetime]:
    """The plan's sessions after `now` within two days, not on a day already dosed."""
    last = plan.last_dose_at
    for raw in plan.schedule.get("sessions", []):
        at = datetime.fromisoformat(raw["at"])
        if not now < at <= now + timedelta(days=2):
            continue
        if last is not None and last >= day_start(plan.patient, at):
            continue  # a dose was taken on the session's day already
        yield at


def _patient(patient: Patient) -> Person | None:
    user = patient.user
    if user is None or not user.is_active:
        return None
    email = patient.email or user.email
    return Person(
        user.pk, f"patient {patient.record_number}", zone_of(patient), patient.phone, email
    )


def _sitter(sitter: Sitter, zone: ZoneInfo) -> Person:
    email = sitter.email or (sitter.user.email if sitter.user else "")
    return Person(sitter.user_id, f"sitter {sitter.name}", zone, sitter.phone, email)


def _words(template: str, at: datetime, zone: ZoneInfo) -> Callable[[datetime], str]:
    """The message, given when it goes: "{day}" is today/tomorrow as read then."""

    def body(sent_at: datetime) -> str:
        when = f"{day_words(at, sent_at, zone)} at {clock_words(at, zone)}"
        return f"ketacare: {template.format(when=when)} Sign in: {sign_in_url()}"

    return body


def _for_session(plan: Any, at: datetime, now: datetime) -> list[Reminder]:
    patient: Patient = plan.patient
    zone = zone_of(patient)
    person = _patient(patient)
    found: list[Reminder] = []
    if at - HOUR_BEFORE <= now:
        if person is not None:
            body = _words("your session is {when}.", at, zone)
            found.append(
                Reminder(person, _key(PATIENT_HOUR, person, at), at - HOUR_BEFORE, body, at)
            )
        for sitter in patient.signed_in:  # type: ignore[attr-defined]
            who = _sitter(sitter, zone)
            body = _words("the session you sit for is {when}.", at, zone)
            found.append(Reminder(who, _key(SITTER_HOUR, who, at), at - HOUR_BEFORE, body, at))
        return found
    due = the_day_before(at, zone)
    if person is not None and due <= now < day_start(patient, at):
        body = _words("a reminder of your session {when}.", at, zone)
        found.append(Reminder(person, _key(DAY_BEFORE, person, at), due, body, at - HOUR_BEFORE))
    return found


def _key(kind: str, person: Person, at: datetime) -> str:
    return f"{kind}:{person.user_id}:{at.isoformat()}"


def queue_session_reminders(now: datetime) -> int:
    """How many reminder messages about sessions were queued."""
    reminders = [
        reminder
        for plan in _plans()
        for at in _sessions_ahead(plan, now)
        for reminder in _for_session(plan, at, now)
    ]
    return queue_reminders(reminders)
