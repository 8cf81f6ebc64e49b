"""Reminders from time passing: sessions (patient, sitter), questionnaires due; quiet hours.

The session times are the plan's schedule (18:00 on the patient's clock from Monday 3 March
2025, tests.treatment.helpers.PLAN); each test sets the clock around its second session.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketacare.alerts.models import Channel, Notification, NotificationStatus
from ketacare.alerts.preferences import ContactPreference
from ketacare.assessments.queries import questionnaire_schedule
from ketacare.assessments.reminders import queue_questionnaire_reminders, schedules_of
from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from ketacare.clinical import instruments
from ketacare.jobs.worker import TickResult, tick
from ketacare.kernel import clock
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment.models import TreatmentPlan
from ketacare.treatment.reminders import queue_session_reminders, the_day_before
from tests.factories import PatientFactory, SitterFactory
from tests.jobs.helpers import run_worker
from tests.treatment.helpers import NOW, plan_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_sms")]

NY = ZoneInfo("America/New_York")
# Nothing in a reminder says more than that something is due, when, and where to sign in.
FORBIDDEN = [
    "ketamine",
    "esketamine",
    "dose",
    "dosing",
    "mg",
    "troche",
    "medic",
    "treatment",
    "depress",
    "suicid",
    "phq",
    "gad",
    "pcl",
    "c-ssrs",
    "cssrs",
    "dast",
    "bladder",
    "score",
    *(instruments.get(code).title.lower() for code in instruments.CODES),
]


def _session(plan: TreatmentPlan, number: int = 2) -> datetime:
    raw = next(s for s in plan.schedule["sessions"] if s["number"] == number)
    return datetime.fromisoformat(raw["at"])


def _queue(at: datetime) -> int:
    with clock.frozen_at(at):
        return queue_session_reminders(at)


def _rows() -> list[Notification]:
    return list(Notification.objects.filter(alert=None).order_by("pk"))


def assert_no_health_detail(rows: list[Notification], *names: str) -> None:
    for row in rows:
        text = row.body.lower()
        found = [
            w for w in [*FORBIDDEN, *(n.lower() for n in names)] if re.search(re.escape(w), text)
        ]
        assert not found, (found, row.body)
        assert re.search(r"Sign in: http://\S+/login/$", row.body), row.body


@pytest.fixture
def plan(prescriber, approved: Patient) -> TreatmentPlan:
    """Written on Monday 3 March 2025: sessions at 18:00 New York time from that day."""
    with time_machine.travel(NOW, tick=False):
        return plan_for(prescriber, approved)


@pytest.fixture
def sitter(approved: Patient):
    return SitterFactory(clinic=approved.clinic, patients=[approved], name="Robin Sitter")


def test_the_day_before_the_patient_is_reminded_once(plan, approved):
    at = _session(plan)
    due = the_day_before(at, NY)
    assert _queue(due - timedelta(minutes=1)) == 0
    assert _queue(due) == 1
    [row] = _rows()
    local = at.astimezone(NY)
    assert row.body.startswith(f"ketacare: a reminder of your session tomorrow at {local:%H:%M}.")
    assert (row.channel, row.address, row.recipient) == (Channel.SMS, approved.phone, approved.user)
    assert row.subject == "ketacare: a reminder"
    assert row.next_attempt_at == due  # 18:00: not in the default quiet hours
    assert _queue(due + timedelta(minutes=5)) == 0  # not twice
    assert row.send_key.startswith("reminder:")
    assert str(approved.pk) not in row.send_key  # the key goes to providers: a hash
    assert_no_health_detail(_rows(), approved.legal_name)


def test_an_hour_before_the_patient_and_the_sitter(plan, approved, sitter):
    at = _session(plan)
    assert _queue(at - timedelta(minutes=61)) == 0
    assert _queue(at - timedelta(minutes=60)) == 2
    patient_row, sitter_row = _rows()
    assert patient_row.body.startswith(
        f"ketacare: your session is today at {at.astimezone(NY):%H:%M}."
    )
    assert sitter_row.body.startswith("ketacare: the session you sit for is today at 18:00.")
    assert (sitter_row.address, sitter_row.recipient) == (sitter.phone, sitter.user)
    assert _queue(at - timedelta(minutes=30)) == 0
    assert _queue(at + timedelta(minutes=1)) == 0  # the session has begun: nothing more
    assert_no_health_detail(_rows(), approved.legal_name, sitter.name)


def test_no_day_before_reminder_once_the_day_has_begun(plan):
    at = _session(plan)
    # The worker was down the evening before: the morning of the session, only the hour.
    assert _queue(at.astimezone(NY).replace(hour=9)) == 0
    assert _queue(at - timedelta(hours=1)) == 1


def test_quiet_hours_hold_a_reminder_until_they_end(plan, approved):
    ContactPreference.objects.create(
        user=approved.user, channels="sms", quiet_from=time(17, 0), quiet_until=time(9, 0)
    )
    at = _session(plan)
    assert _queue(the_day_before(at, NY)) == 1
    [row] = _rows()
    morning = at.astimezone(NY).replace(hour=9, minute=0)
    assert row.next_attempt_at == morning
    # It goes on the session's own day: "today", not "tomorrow".
    assert row.body.startswith("ketacare: a reminder of your session today at 18:00.")


def test_a_reminder_held_past_its_session_is_dropped(plan, approved):
    ContactPreference.objects.create(
        user=approved.user, channels="sms", quiet_from=time(16, 0), quiet_until=time(20, 0)
    )
    assert _queue(_session(plan) - timedelta(hours=1)) == 0


def test_both_channels_and_the_patients_zone(prescriber, clinic):
    patient = PatientFactory(
        clinic=clinic, with_account=True, phase=Phase.APPROVED.value, timezone="Asia/Tokyo"
    )
    ContactPreference.objects.create(user=patient.user, channels="both")
    with time_machine.travel(NOW - timedelta(hours=12), tick=False):
        plan = plan_for(prescriber, patient)
    at = _session(plan)
    assert at.astimezone(ZoneInfo("Asia/Tokyo")).hour == 18
    assert _queue(the_day_before(at, ZoneInfo("Asia/Tokyo"))) == 2
    sms, email = _rows()
    assert (sms.channel, email.channel) == (Channel.SMS, Channel.EMAIL)
    assert email.address == patient.email
    assert "tomorrow at 18:00" in email.body


def test_no_reminder_without_a_sign_in_or_outside_treatment(prescriber, clinic, plan, approved):
    Patient.objects.filter(pk=approved.pk).update(phase=Phase.PAUSED.value, paused_from="induction")
    assert _queue(_session(plan) - timedelta(hours=1)) == 0


# --- Questionnaires due ----------------------------------------------------------------------


def _in_induction(patient: Patient, since: datetime) -> None:
    Patient.objects.filter(pk=patient.pk).update(phase=Phase.INDUCTION.value, phase_since=since)


def test_a_questionnaire_due_is_reminded_once_without_its_name(approved):
    start = datetime(2026, 3, 2, 15, 0, tzinfo=NY)
    _in_induction(approved, start)
    with clock.frozen_at(start + timedelta(minutes=1)):
        assert queue_questionnaire_reminders(clock.now()) == 1
        assert queue_questionnaire_reminders(clock.now()) == 0
    [row] = _rows()
    assert row.body.startswith("ketacare: you have a questionnaire to fill in.")
    assert_no_health_detail([row], approved.legal_name)


def test_a_questionnaire_due_long_ago_is_left_to_the_care_team(approved):
    start = datetime(2026, 3, 2, 15, 0, tzinfo=NY)
    _in_induction(approved, start)
    with clock.frozen_at(start + timedelta(days=2)):
        assert queue_questionnaire_reminders(clock.now()) == 0


# --- The worker's tick -----------------------------------------------------------------------


def _tick(at: datetime) -> TickResult:
    with time_machine.travel(at, tick=False):
        return tick("test-worker")


def test_the_worker_queues_and_sends_reminders(plan, approved, sitter, memory_sms):
    at = _session(plan)
    result = _tick(at - timedelta(hours=1))
    assert (result.reminders, result.outbox.sent) == (2, 2)
    assert "reminders queued: 2" in result.summary()
    assert {to for to, _, _ in memory_sms} == {approved.phone, sitter.phone}
    assert all(r.status == NotificationStatus.SENT for r in _rows())
    assert _tick(at - timedelta(minutes=59)).reminders == 0


def test_the_worker_command_reports_reminders(plan):
    assert "reminders queued: 1" in run_worker(_session(plan) - timedelta(hours=1))


def test_a_tick_with_fifty_patients_due_takes_a_fixed_number_of_queries(plan, approved, clinic):
    for _ in range(49):
        other = PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED.value)
        TreatmentPlan.objects.create(
            **{
                f.attname: getattr(plan, f.attname)
                for f in TreatmentPlan._meta.concrete_fields
                if f.attname not in {"id", "patient_id", "product_ptr_id", "supersedes_id"}
            }
            | {"patient_id": other.pk}
        )
        SitterFactory(clinic=clinic, patients=[other])
    at = _session(plan) - timedelta(hours=1)
    with CaptureQueriesContext(connection) as queries, clock.frozen_at(at):
        assert queue_session_reminders(at) == 50 + 49  # every patient, and 49 sitters
    assert len(queries) <= 6, [q["sql"][:80] for q in queries]
    for patient in Patient.objects.filter(phase=Phase.APPROVED.value):
        Patient.objects.filter(pk=patient.pk).update(
            phase=Phase.INDUCTION.value, phase_since=at - timedelta(hours=1)
        )
    with CaptureQueriesContext(connection) as queries, clock.frozen_at(at):
        assert queue_questionnaire_reminders(at) == 50
    assert len(queries) <= 7, [q["sql"][:80] for q in queries]


def test_the_bulk_schedule_reads_as_the_one_patient_query(approved, clinician):
    """The reminders' facts for many patients at once give the portal's list for each."""
    start = datetime(2026, 3, 2, 15, 0, tzinfo=NY)
    _in_induction(approved, start)
    approved.refresh_from_db()
    flagged = [1, 2, 0, 3, 1, 0, 2, 1, 2]  # item 9 above 0: a suicidality flag
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        none = questionnaire(instrument="cssrs_screen", answers=[0] * 7)
        submit_questionnaire(approved.user, approved, none)
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        submit_questionnaire(
            approved.user, approved, questionnaire(instrument="phq9", answers=flagged)
        )
    now = start + timedelta(days=1)
    bulk = schedules_of([approved], now)[approved.pk]
    with clock.frozen_at(now):
        one = questionnaire_schedule(approved, at=now)
    assert bulk == one
    assert any(i.reason == "after a suicidality flag" for i in bulk)
