"""The outbox: backoff and dead letters, crash recovery, and concurrent workers."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from ketacare.accounts.models import User
from ketacare.alerts import outbox
from ketacare.alerts.models import (
    Alert,
    AlertCause,
    AlertSeverity,
    Notification,
    NotificationStatus,
    OnCallRoster,
)
from ketacare.alerts.services import raise_alert
from ketacare.patients.models import Patient
from tests.alerts.helpers import DOSE_AT
from tests.factories import UserFactory

FAILING = "tests.alerts.test_outbox.FailingEmailBackend"


class FailingEmailBackend(BaseEmailBackend):
    """An SMTP server that is down: every message is refused."""

    calls = 0

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        FailingEmailBackend.calls += 1
        raise ConnectionRefusedError("smtp down")


@pytest.fixture(autouse=True)
def _reset() -> None:
    FailingEmailBackend.calls = 0


def _urgent(patient: Patient, subject: str = "check_in:1") -> Alert:
    return raise_alert(
        patient=patient,
        cause=AlertCause.BP_RISE_AFTER_DOSE,
        severity=AlertSeverity.URGENT,
        subject=subject,
        title="Blood pressure rise after a dose",
        message="Systolic 185 mmHg.",
    )


def _worker(at: object) -> str:
    out = StringIO()
    with time_machine.travel(at, tick=False):
        call_command("worker", "--once", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_failing_email_is_retried_with_backoff_then_dead_lettered(
    patient: Patient, roster: OnCallRoster, on_call: User
) -> None:
    admin = UserFactory(clinic=patient.clinic, clinic_admin=True, email="admin@example.org")
    with time_machine.travel(DOSE_AT, tick=False):
        alert = _urgent(patient)
    row = Notification.objects.get()
    waits = []
    at = DOSE_AT
    with override_settings(EMAIL_BACKEND=FAILING):
        for attempt in range(1, 5):
            _worker(at)
            row.refresh_from_db()
            assert (row.status, row.attempts) == (NotificationStatus.PENDING, attempt)
            assert row.last_error == "ConnectionRefusedError: smtp down"
            waits.append(row.next_attempt_at - at)
            # Not retried before its time.
            _worker(row.next_attempt_at - timedelta(seconds=1))
            row.refresh_from_db()
            assert row.attempts == attempt
            at = row.next_attempt_at
        assert waits == [timedelta(seconds=s) for s in (60, 120, 240, 480)]
        out = _worker(at)
    assert "dead: 1" in out
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.DEAD, 5)
    # The dead letter raised an alert for the clinic admin, who is emailed (and the admin's
    # email failing too does not raise another alert).
    failed = Alert.objects.get(cause=AlertCause.NOTIFICATION_FAILED)
    assert failed.patient_id == alert.patient_id
    assert failed.dedupe_key == f"notification_failed:notification:{row.pk}"
    assert "mmHg" not in failed.message
    admin_note = Notification.objects.get(alert=failed)
    assert admin_note.address == admin.email
    # Tried in the same tick (the server is still down), so it waits for its retry.
    assert (admin_note.status, admin_note.attempts) == (NotificationStatus.PENDING, 1)


@pytest.mark.django_db
def test_a_dead_admin_notification_raises_nothing_more(
    patient: Patient, roster: OnCallRoster
) -> None:
    UserFactory(clinic=patient.clinic, clinic_admin=True, email="admin@example.org")
    with time_machine.travel(DOSE_AT, tick=False):
        _urgent(patient)
    with override_settings(EMAIL_BACKEND=FAILING, KETACARE_OUTBOX_BACKOFF_BASE_S=0):
        _worker(DOSE_AT)
    assert Notification.objects.filter(status=NotificationStatus.DEAD).count() == 2
    assert Alert.objects.filter(cause=AlertCause.NOTIFICATION_FAILED).count() == 1
    assert Alert.objects.count() == 2


@pytest.mark.django_db
def test_a_worker_killed_between_claim_and_send_loses_nothing(
    patient: Patient, roster: OnCallRoster, on_call: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    with time_machine.travel(DOSE_AT, tick=False):
        for n in range(3):
            _urgent(patient, subject=f"check_in:{n}")
    real_deliver = outbox.deliver

    def killed(row: Notification) -> None:
        raise SystemExit("killed")

    monkeypatch.setattr(outbox, "deliver", killed)
    with pytest.raises(SystemExit):
        _worker(DOSE_AT)
    assert set(Notification.objects.values_list("status", flat=True)) == {"sending"}
    assert mail.outbox == []
    monkeypatch.setattr(outbox, "deliver", real_deliver)
    # Another worker leaves them alone while the claim may still be live...
    _worker(DOSE_AT + timedelta(minutes=9))
    assert mail.outbox == []
    # ...and reclaims them once the claim has timed out: each is sent once.
    out = _worker(DOSE_AT + timedelta(minutes=10, seconds=1))
    assert "notifications sent: 3" in out
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert len(mail.outbox) == 3
    keys = [m.extra_headers["X-Ketacare-Send-Key"] for m in mail.outbox]
    assert sorted(keys) == sorted(Notification.objects.values_list("send_key", flat=True))
    _worker(DOSE_AT + timedelta(minutes=14))
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_sms_goes_through_the_configured_backend(
    patient: Patient, roster: OnCallRoster, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.factories import SitterFactory  # noqa: PLC0415

    sitter = SitterFactory(clinic=patient.clinic, patients=[patient], phone="+1 555 000 9999")
    with time_machine.travel(DOSE_AT, tick=False):
        raise_alert(
            patient=patient,
            cause=AlertCause.MISSED_CHECK_IN,
            severity=AlertSeverity.URGENT,
            subject="session:99",
            title="Missed post-dose check-in",
            message="",
            sitters=[sitter],
        )
    _worker(DOSE_AT)  # the default: the console backend
    printed = capsys.readouterr().out
    assert "SMS to +1 555 000 9999" in printed
    assert Notification.objects.get(channel="sms").status == NotificationStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_postgresql_never_send_the_same_row_twice(
    on_postgres: bool, patient: Patient, roster: OnCallRoster, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not on_postgres:
        pytest.skip("needs PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED)")
    for n in range(40):
        _urgent(patient, subject=f"check_in:{n}")
    assert Notification.objects.count() == 40
    sent: list[tuple[str, str]] = []
    lock = threading.Lock()
    current = threading.local()

    def deliver(row: Notification) -> None:
        time.sleep(0.005)  # a slow backend, so the workers overlap
        with lock:
            sent.append((row.send_key, current.worker))

    monkeypatch.setattr(outbox, "deliver", deliver)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(worker_id: str) -> None:
        current.worker = worker_id
        try:
            barrier.wait()
            outbox.drain(worker_id, limit=5)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counts = Counter(key for key, _ in sent)
    assert len(counts) == 40
    assert max(counts.values()) == 1
    assert {w for _, w in sent} == {"w0", "w1"}
    assert Notification.objects.filter(status=NotificationStatus.SENT).count() == 40


@pytest.mark.django_db
def test_a_dead_notification_about_the_clinics_stock_raises_an_alert_about_the_clinic(
    patient: Patient, roster: OnCallRoster, on_call: User
) -> None:
    clinic = patient.clinic
    with time_machine.travel(DOSE_AT, tick=False):
        alert = raise_alert(
            clinic=clinic,
            cause=AlertCause.STOCK_LOST,
            severity=AlertSeverity.URGENT,
            subject="movement:1",
            title="Clinic stock lost or stolen: lot KC-1001",
            message="12 tablets missing from the safe.",
        )
    row = Notification.objects.get(alert=alert)
    with override_settings(EMAIL_BACKEND=FAILING):
        at = DOSE_AT
        for _ in range(5):
            _worker(at)
            row.refresh_from_db()
            at = row.next_attempt_at or at
    assert row.status == NotificationStatus.DEAD
    failed = Alert.objects.get(cause=AlertCause.NOTIFICATION_FAILED)
    assert (failed.clinic_id, failed.patient, failed.lead) == (clinic.pk, None, None)
    assert failed.subject_name == "The clinic's stock"
