"""The worker: missed check-ins, escalation along the roster, overdue questionnaires."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import (
    Alert,
    AlertCause,
    AlertSeverity,
    AlertStatus,
    Channel,
    Notification,
    NotificationStatus,
    OnCallRoster,
    OnCallShift,
    WorkerLease,
)
from ketacare.alerts.services import acknowledge_alert, raise_alert
from ketacare.alerts.sms import MemorySmsBackend
from ketacare.alerts.worker import tick
from ketacare.audit.models import AuditEntry
from ketacare.treatment import services
from tests.alerts.helpers import DOSE_AT, dosed_session, patient_user
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("memory_sms"),
]


@pytest.fixture
def memory_sms() -> object:
    MemorySmsBackend.outbox.clear()
    with override_settings(KETACARE_SMS_BACKEND="ketacare.alerts.sms.MemorySmsBackend"):
        yield MemorySmsBackend.outbox
    MemorySmsBackend.outbox.clear()


def _worker(at: object) -> str:
    out = StringIO()
    with time_machine.travel(at, tick=False):
        call_command("worker", "--once", stdout=out)
    return out.getvalue()


def test_missed_check_in_scenario(clinic: Clinic, roster: OnCallRoster, on_call: User) -> None:
    from django.core import mail  # noqa: PLC0415

    with time_machine.travel(DOSE_AT, tick=False):
        session = dosed_session(clinic)
    assert session.check_in_due_at == DOSE_AT + timedelta(hours=2)

    # Due at 12:00 with no grace: nothing at 12:00 exactly, the alert just after.
    _worker(DOSE_AT + timedelta(hours=2))
    assert not Alert.objects.filter(cause=AlertCause.MISSED_CHECK_IN).exists()
    out = _worker(DOSE_AT + timedelta(hours=2, minutes=1))
    assert "missed check-ins raised: 1" in out
    alert = Alert.objects.get(cause=AlertCause.MISSED_CHECK_IN)
    assert (alert.cause, alert.severity, alert.status) == (
        AlertCause.MISSED_CHECK_IN,
        AlertSeverity.URGENT,
        AlertStatus.OPEN,
    )
    assert alert.dedupe_key == f"missed_check_in:session:{session.pk}"
    assert alert.patient_id == session.patient_id
    # One notification per recipient: the on-call clinician (email) and the sitter (SMS).
    notes = {(n.channel, n.address): n for n in Notification.objects.all()}
    assert set(notes) == {(Channel.EMAIL, on_call.email), (Channel.SMS, "+1 555 222 3333")}
    assert all(n.status == NotificationStatus.SENT for n in notes.values())
    assert [m.to for m in mail.outbox] == [[on_call.email]]
    assert "Sign in" in mail.outbox[0].body
    assert [to for to, _, _ in MemorySmsBackend.outbox] == ["+1 555 222 3333"]

    # A second run creates nothing and sends nothing.
    out = _worker(DOSE_AT + timedelta(hours=2, minutes=2))
    assert "missed check-ins raised: 0" in out
    assert Alert.objects.filter(cause=AlertCause.MISSED_CHECK_IN).count() == 1
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 1

    # The check-in at 12:05 resolves it automatically, with a note.
    with time_machine.travel(DOSE_AT + timedelta(hours=2, minutes=5), tick=False):
        services.record_check_in(
            patient_user(session), session, feeling="well", blood_pressure=[122, 80]
        )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolved_by is None
    assert "12:05" in alert.resolved_note
    # ...and a later run does not raise it again.
    _worker(DOSE_AT + timedelta(hours=3))
    assert Alert.objects.filter(cause=AlertCause.MISSED_CHECK_IN).count() == 1


def test_grace_delays_the_missed_check_in(clinic: Clinic, roster: OnCallRoster) -> None:
    with time_machine.travel(DOSE_AT, tick=False):
        dosed_session(clinic)
    with override_settings(KETACARE_CHECK_IN_GRACE_MIN=15):
        _worker(DOSE_AT + timedelta(hours=2, minutes=15))
        assert not Alert.objects.filter(cause=AlertCause.MISSED_CHECK_IN).exists()
        _worker(DOSE_AT + timedelta(hours=2, minutes=16))
        assert Alert.objects.filter(cause=AlertCause.MISSED_CHECK_IN).count() == 1


def test_a_resolved_missed_check_in_is_not_raised_again(
    clinic: Clinic, roster: OnCallRoster, on_call: User
) -> None:
    from ketacare.alerts.services import resolve_alert  # noqa: PLC0415

    with time_machine.travel(DOSE_AT, tick=False):
        dosed_session(clinic)
    _worker(DOSE_AT + timedelta(hours=2, minutes=1))
    missed = Alert.objects.get(cause=AlertCause.MISSED_CHECK_IN)
    resolve_alert(on_call, missed, note="Phoned the sitter: all well.")
    _worker(DOSE_AT + timedelta(hours=2, minutes=30))
    assert Alert.objects.filter(cause=AlertCause.MISSED_CHECK_IN).count() == 1


def test_old_doses_are_not_raised_on_a_first_run(clinic: Clinic, roster: OnCallRoster) -> None:
    with time_machine.travel(DOSE_AT, tick=False):
        dosed_session(clinic)
    _worker(DOSE_AT + timedelta(days=2))
    assert not Alert.objects.filter(cause=AlertCause.MISSED_CHECK_IN).exists()


def _urgent(patient: object) -> Alert:
    return raise_alert(
        patient=patient,  # type: ignore[arg-type]
        cause=AlertCause.BP_RISE_AFTER_DOSE,
        severity=AlertSeverity.URGENT,
        subject="check_in:1",
        title="Blood pressure rise after a dose",
        message="",
    )


def _addresses() -> list[str]:
    return list(Notification.objects.order_by("pk").values_list("address", flat=True))


def test_escalation_along_the_roster(
    patient: object, roster: OnCallRoster, on_call: User, second_line: User, director: User
) -> None:
    roster.urgent_escalation_min = 10
    roster.save()
    with time_machine.travel(DOSE_AT, tick=False):
        alert = _urgent(patient)
    assert alert.next_escalation_at == DOSE_AT + timedelta(minutes=10)
    _worker(DOSE_AT + timedelta(minutes=9))
    assert _addresses() == [on_call.email]
    out = _worker(DOSE_AT + timedelta(minutes=10))
    assert "escalated: 1" in out
    assert _addresses() == [on_call.email, second_line.email]
    alert.refresh_from_db()
    assert (alert.escalation_level, alert.next_escalation_at) == (
        2,
        DOSE_AT + timedelta(minutes=20),
    )
    _worker(DOSE_AT + timedelta(minutes=15))
    assert len(_addresses()) == 2
    _worker(DOSE_AT + timedelta(minutes=20))
    assert _addresses() == [on_call.email, second_line.email, director.email]
    alert.refresh_from_db()
    # The medical director is the last level: nothing more is scheduled.
    assert (alert.escalation_level, alert.next_escalation_at) == (3, None)
    _worker(DOSE_AT + timedelta(hours=2))
    assert len(_addresses()) == 3
    assert all(n.status == NotificationStatus.SENT for n in Notification.objects.all())
    changes = AuditEntry.objects.filter(object_type="alerts.Alert", object_id=str(alert.pk))
    assert [e.detail.get("level") for e in changes if e.detail.get("change") == "escalated"] == [
        2,
        3,
    ]


def test_acknowledging_stops_escalation(
    patient: object, roster: OnCallRoster, on_call: User, second_line: User
) -> None:
    with time_machine.travel(DOSE_AT, tick=False):
        alert = _urgent(patient)
    _worker(DOSE_AT + timedelta(minutes=15))
    assert _addresses() == [on_call.email, second_line.email]
    with time_machine.travel(DOSE_AT + timedelta(minutes=16), tick=False):
        acknowledge_alert(second_line, alert, note="On it.")
    _worker(DOSE_AT + timedelta(minutes=30))
    _worker(DOSE_AT + timedelta(hours=3))
    assert _addresses() == [on_call.email, second_line.email]


def test_emergency_escalates_after_five_minutes_to_level_three(
    patient: object, roster: OnCallRoster, director: User
) -> None:
    with time_machine.travel(DOSE_AT, tick=False):
        raise_alert(
            patient=patient,  # type: ignore[arg-type]
            cause=AlertCause.SUICIDALITY,
            severity=AlertSeverity.EMERGENCY,
            subject="response:1",
            title="Suicidality flag",
            message="",
        )
    _worker(DOSE_AT + timedelta(minutes=4))
    assert len(_addresses()) == 2
    _worker(DOSE_AT + timedelta(minutes=5))
    assert _addresses()[-1] == director.email


def test_shift_windows_decide_who_is_on_call(patient: object, clinic: Clinic) -> None:
    day = UserFactory(clinic=clinic, clinician=True, email="day@example.org")
    night = UserFactory(clinic=clinic, clinician=True, email="night@example.org")
    roster = OnCallRoster.objects.create(clinic=clinic)
    OnCallShift.objects.create(
        roster=roster, user=day, starts_at=DOSE_AT - timedelta(hours=2), ends_at=DOSE_AT
    )
    OnCallShift.objects.create(
        roster=roster,
        user=night,
        starts_at=DOSE_AT,
        ends_at=DOSE_AT + timedelta(hours=12),
    )
    with time_machine.travel(DOSE_AT, tick=False):
        _urgent(patient)
    assert _addresses() == ["night@example.org"]


def test_sqlite_lease_keeps_a_second_worker_out(on_postgres: bool) -> None:
    if on_postgres:
        pytest.skip("PostgreSQL workers share the outbox with SKIP LOCKED; no lease")
    with time_machine.travel(DOSE_AT, tick=False):
        WorkerLease.objects.create(
            pk=1, holder="other:1", expires_at=DOSE_AT + timedelta(minutes=3)
        )
    out = _worker(DOSE_AT + timedelta(minutes=1))
    assert "another worker is running; on SQLite one worker is enough" in out
    assert WorkerLease.objects.get().holder == "other:1"
    # An expired lease is taken over, and released at exit.
    out = _worker(DOSE_AT + timedelta(minutes=4))
    assert "notifications sent: 0" in out
    assert WorkerLease.objects.get().holder == ""


def test_tick_is_callable_directly(patient: object) -> None:
    result = tick("test-worker")
    assert result.summary().startswith("missed check-ins raised: 0")


def test_interval_runs_tick_after_tick(monkeypatch: pytest.MonkeyPatch) -> None:
    from ketacare.alerts.management.commands import worker as command  # noqa: PLC0415

    sleeps: list[float] = []
    monkeypatch.setattr(command.time, "sleep", sleeps.append)
    out = StringIO()
    call_command("worker", "--interval", "30", "--max-ticks", "3", stdout=out)
    assert out.getvalue().count("notifications sent") == 3
    assert sleeps == [30, 30]


def test_wait_waits_for_the_lease(on_postgres: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if on_postgres:
        pytest.skip("no lease on PostgreSQL")
    from ketacare.alerts.management.commands import worker as command  # noqa: PLC0415

    WorkerLease.objects.create(pk=1, holder="other:1", expires_at=DOSE_AT + timedelta(hours=1))

    def other_worker_exits(seconds: float) -> None:
        WorkerLease.objects.filter(pk=1).update(holder="", expires_at=None)

    monkeypatch.setattr(command.time, "sleep", other_worker_exits)
    out = StringIO()
    with time_machine.travel(DOSE_AT, tick=False):
        call_command("worker", "--once", "--wait", stdout=out)
    assert "another worker" not in out.getvalue()
    assert "notifications sent: 0" in out.getvalue()


def test_interval_must_be_positive() -> None:
    from django.core.management.base import CommandError  # noqa: PLC0415

    with pytest.raises(CommandError, match="--interval"):
        call_command("worker", "--interval", "0", stdout=StringIO())


def test_a_failing_step_does_not_stop_the_outbox(
    patient: object, roster: OnCallRoster, on_call: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core import mail  # noqa: PLC0415
    from django.core.management.base import CommandError  # noqa: PLC0415

    from ketacare.alerts import worker  # noqa: PLC0415

    def broken(now: object) -> int:
        raise ValueError("bad row")

    monkeypatch.setattr(worker, "raise_missed_check_ins", broken)
    with time_machine.travel(DOSE_AT, tick=False):
        _urgent(patient)
    err = StringIO()
    with time_machine.travel(DOSE_AT, tick=False), pytest.raises(CommandError):
        call_command("worker", "--once", stdout=StringIO(), stderr=err)
    assert "missed: ValueError: bad row" in err.getvalue()
    assert [m.to for m in mail.outbox] == [[on_call.email]]


def test_overdue_questionnaires(clinic: Clinic, roster: OnCallRoster) -> None:
    from ketacare.assessments.services import due_questionnaires, submit_questionnaire  # noqa: PLC0415

    with time_machine.travel(DOSE_AT, tick=False):
        session = dosed_session(clinic)
    patient = session.patient
    later = DOSE_AT + timedelta(days=1)
    overdue = [i for i in due_questionnaires(patient, at=later) if i.overdue]
    assert {i.instrument for i in overdue} >= {"phq9"}
    out = _worker(later)
    assert f"overdue questionnaires raised: {len(overdue)}" in out
    alerts = Alert.objects.filter(cause=AlertCause.QUESTIONNAIRE_OVERDUE)
    assert {a.dedupe_key for a in alerts} == {
        f"questionnaire_overdue:{i.instrument}:{i.due_at.date().isoformat()}" for i in overdue
    }
    assert {a.severity for a in alerts} == {AlertSeverity.WARNING}
    # Warnings wait in the inbox: nobody is paged about them.
    assert not Notification.objects.filter(alert__in=alerts).exists()
    assert "overdue questionnaires raised: 0" in _worker(later + timedelta(minutes=1))
    # Answering it resolves its alert at the next run.
    with time_machine.travel(later + timedelta(minutes=5), tick=False):
        submit_questionnaire(
            patient_user(session), patient, instrument="phq9", answers=[1, 1, 1, 1, 1, 1, 1, 1, 0]
        )
    out = _worker(later + timedelta(minutes=6))
    assert "auto-resolved: 1" in out
    phq9 = Alert.objects.get(cause=AlertCause.QUESTIONNAIRE_OVERDUE, dedupe_key__contains="phq9")
    assert phq9.status == AlertStatus.RESOLVED
    assert phq9.resolved_by is None
    assert phq9.resolved_note == "The questionnaire is no longer overdue."


def test_no_overdue_alerts_outside_induction_and_maintenance(clinic: Clinic) -> None:
    from tests.factories import PatientFactory  # noqa: PLC0415

    PatientFactory(clinic=clinic, phase="approved")
    PatientFactory(clinic=clinic, phase="intake")
    _worker(DOSE_AT + timedelta(days=30))
    assert not Alert.objects.exists()
