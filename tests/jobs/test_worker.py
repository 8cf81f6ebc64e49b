"""The worker: its tick, the SQLite lease, the command's options, a failing step."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from ketacare.accounts.models import User
from ketacare.alerts.models import OnCallRoster, WorkerLease
from ketacare.jobs import worker
from ketacare.jobs.management.commands import worker as command
from ketacare.jobs.worker import tick
from tests.alerts.helpers import DOSE_AT, urgent_alert
from tests.jobs.helpers import run_worker

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("memory_sms"),
]


def test_sqlite_lease_keeps_a_second_worker_out(on_postgres: bool) -> None:
    if on_postgres:
        pytest.skip("PostgreSQL workers share the outbox with SKIP LOCKED; no lease")
    with time_machine.travel(DOSE_AT, tick=False):
        WorkerLease.objects.create(
            pk=1, holder="other:1", expires_at=DOSE_AT + timedelta(minutes=3)
        )
    out = run_worker(DOSE_AT + timedelta(minutes=1))
    assert "another worker is running; on SQLite one worker is enough" in out
    assert WorkerLease.objects.get().holder == "other:1"
    # An expired lease is taken over, and released at exit.
    out = run_worker(DOSE_AT + timedelta(minutes=4))
    assert "notifications sent: 0" in out
    assert WorkerLease.objects.get().holder == ""


def test_tick_is_callable_directly(patient: object) -> None:
    result = tick("test-worker")
    assert result.summary().startswith("missed check-ins raised: 0")


def test_interval_runs_tick_after_tick(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(command.Command, "pause", lambda _self, seconds: sleeps.append(seconds))
    out = StringIO()
    call_command("worker", "--interval", "30", "--max-ticks", "3", stdout=out)
    assert out.getvalue().count("notifications sent") == 3
    assert sleeps == [30, 30]


def test_wait_waits_for_the_lease(on_postgres: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if on_postgres:
        pytest.skip("no lease on PostgreSQL")
    WorkerLease.objects.create(pk=1, holder="other:1", expires_at=DOSE_AT + timedelta(hours=1))

    def other_worker_exits(self: object, seconds: float) -> None:
        WorkerLease.objects.filter(pk=1).update(holder="", expires_at=None)

    monkeypatch.setattr(command.Command, "pause", other_worker_exits)
    out = StringIO()
    with time_machine.travel(DOSE_AT, tick=False):
        call_command("worker", "--once", "--wait", stdout=out)
    assert "another worker" not in out.getvalue()
    assert "notifications sent: 0" in out.getvalue()


def test_interval_must_be_positive() -> None:
    with pytest.raises(CommandError, match="--interval"):
        call_command("worker", "--interval", "0", stdout=StringIO())


def test_a_failing_step_does_not_stop_the_outbox(
    patient: object, roster: OnCallRoster, on_call: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(now: object) -> int:
        raise ValueError("bad row")

    monkeypatch.setattr(worker, "raise_missed_check_ins", broken)
    with time_machine.travel(DOSE_AT, tick=False):
        urgent_alert(patient)
    err = StringIO()
    with time_machine.travel(DOSE_AT, tick=False), pytest.raises(CommandError):
        call_command("worker", "--once", stdout=StringIO(), stderr=err)
    assert "missed: ValueError: bad row" in err.getvalue()
    assert [m.to for m in mail.outbox] == [[on_call.email]]
