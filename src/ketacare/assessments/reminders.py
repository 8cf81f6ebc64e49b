"""Reminders that a questionnaire is ready: the worker's tick queues them to patients.

When a questionnaire falls due by the clinic's schedule (assessments.schedules, the same
rules as the portal's list and the overdue alert), the patient is reminded once for the
day it fell due on their clock, however many fell due that day. Patients in induction
or maintenance with a sign-in only (the message is a sign-in link); a questionnaire due
longer ago than `REMIND_WITHIN` is left to the overdue alert and the care team (the first
run of a new installation reminds nobody about last month). The message never names the
questionnaire.

The schedule's facts are read for every patient at once: the latest response per
instrument, the responses that carry a suicidality flag, the clinics' schedules (three
queries), then alerts.contact.queue_reminders' three; no query per patient.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Max

from ketacare.accounts.models import User
from ketacare.alerts.contact import Person, Reminder, queue_reminders
from ketacare.alerts.services import sign_in_url
from ketacare.assessments.models import ClinicQuestionnaireSettings, QuestionnaireResponse
from ketacare.assessments.schedules import (
    DEFAULT_SCHEDULE,
    DueItem,
    QuestionnaireSchedule,
    ScheduleFacts,
    schedule_items,
)
from ketacare.clinical import instruments
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase

# ketacare default (no published number): a questionnaire that fell due within the last
# day is reminded; an older one is the overdue alert's, for the care team.
REMIND_WITHIN = timedelta(hours=24)
_IN_TREATMENT = (Phase.INDUCTION.value, Phase.MAINTENANCE.value)


def _schedules(clinic_ids: set[int]) -> dict[int, QuestionnaireSchedule]:
    found = {
        row.clinic_id: row.schedule()
        for row in ClinicQuestionnaireSettings.objects.filter(clinic_id__in=clinic_ids)
    }
    return {cid: found.get(cid, DEFAULT_SCHEDULE) for cid in clinic_ids}


def _last_responses(ids: list[int], now: datetime) -> dict[int, dict[str, datetime]]:
    last: dict[int, dict[str, datetime]] = defaultdict(dict)
    rows = (
        QuestionnaireResponse.objects.filter(patient_id__in=ids, recorded_at__lte=now)
        .values("patient_id", "instrument")
        .annotate(at=Max("recorded_at"))
        .values_list("patient_id", "instrument", "at")
        .order_by()
    )
    for patient_id, instrument, at in rows:
        last[patient_id][instrument] = at
    return last


def _flags(ids: list[int], now: datetime) -> dict[int, list[tuple[str, datetime]]]:
    """Every response with a suicidality flag, by patient (few: the text match narrows)."""
    flagged: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    rows = QuestionnaireResponse.objects.filter(
        patient_id__in=ids, recorded_at__lte=now, flags__icontains=instruments.SUICIDALITY
    ).values_list("patient_id", "instrument", "recorded_at", "flags")
    for patient_id, instrument, at, flags in rows:
        if instruments.SUICIDALITY in flags:
            flagged[patient_id].append((instrument, at))
    return flagged


def _body(_sent_at: datetime) -> str:
    return f"ketacare: you have a questionnaire to fill in. Sign in: {sign_in_url()}"


def schedules_of(patients: list[Patient], now: datetime) -> dict[int, list[DueItem]]:
    """Each patient's schedule items at `now`, for every patient at once.

    The same items as assessments.queries.questionnaire_schedule reads for one patient
    in treatment, in three queries whatever their number.
    """
    ids = [p.pk for p in patients]
    schedules = _schedules({p.clinic_id for p in patients})
    last, flags = _last_responses(ids, now), _flags(ids, now)
    found = {}
    for patient in patients:
        facts = ScheduleFacts(
            phase=patient.phase_enum,
            indication=patient.indication,
            zone=ZoneInfo(patient.timezone),
            phase_started_at=patient.phase_since,
            intake_started_at=None,  # only read in the intake phases, never reminded
            last_at=last.get(patient.pk, {}),
            suicidality_flags=tuple(flags.get(patient.pk, ())),
        )
        found[patient.pk] = schedule_items(schedules[patient.clinic_id], facts, at=now)
    return found


def _reminder(patient: Patient, user: User, first: datetime) -> Reminder:
    zone = ZoneInfo(patient.timezone)
    person = Person(
        user.pk,
        f"patient {patient.record_number}",
        zone,
        patient.phone,
        patient.email or user.email,
    )
    day = first.astimezone(zone).date().isoformat()
    return Reminder(person, f"questionnaire-due:{user.pk}:{day}", first, _body)


def queue_questionnaire_reminders(now: datetime) -> int:
    """How many "questionnaire due" messages were queued."""
    patients = list(
        Patient.objects.filter(
            phase__in=_IN_TREATMENT, user__isnull=False, user__is_active=True
        ).select_related("user")
    )
    if not patients:
        return 0
    items = schedules_of(patients, now)
    reminders = []
    for patient in patients:
        due = [i.due_at for i in items[patient.pk] if now - REMIND_WITHIN <= i.due_at <= now]
        if due and patient.user is not None:
            reminders.append(_reminder(patient, patient.user, min(due)))
    return queue_reminders(reminders)
