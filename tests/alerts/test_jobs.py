"""Escalation along the roster (alerts.jobs), run by the worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import (
    AlertCause,
    AlertSeverity,
    Notification,
    NotificationStatus,
    OnCallRoster,
    OnCallShift,
)
from ketacare.alerts.services import acknowledge_alert, raise_alert
from ketacare.alerts.specs import AcknowledgeSpec
from ketacare.audit.models import AuditEntry
from tests.alerts.helpers import DOSE_AT, urgent_alert
from tests.factories import UserFactory
from tests.jobs.helpers import run_worker

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("memory_sms"),
]


def _addresses() -> list[str]:
    return list(Notification.objects.order_by("pk").values_list("address", flat=True))


def test_escalation_along_the_roster(
    patient: object, roster: OnCallRoster, on_call: User, second_line: User, director: User
) -> None:
    roster.urgent_escalation_min = 10
    roster.save()
    with time_machine.travel(DOSE_AT, tick=False):
        alert = urgent_alert(patient)
    assert alert.next_escalation_at == DOSE_AT + timedelta(minutes=10)
    run_worker(DOSE_AT + timedelta(minutes=9))
    assert _addresses() == [on_call.email]
    out = run_worker(DOSE_AT + timedelta(minutes=10))
    assert "escalated: 1" in out
    assert _addresses() == [on_call.email, second_line.email]
    alert.refresh_from_db()
    assert (alert.escalation_level, alert.next_escalation_at) == (
        2,
        DOSE_AT + timedelta(minutes=20),
    )
    run_worker(DOSE_AT + timedelta(minutes=15))
    assert len(_addresses()) == 2
    run_worker(DOSE_AT + timedelta(minutes=20))
    assert _addresses() == [on_call.email, second_line.email, director.email]
    alert.refresh_from_db()
    # The medical director is the last level: nothing more is scheduled.
    assert (alert.escalation_level, alert.next_escalation_at) == (3, None)
    run_worker(DOSE_AT + timedelta(hours=2))
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
        alert = urgent_alert(patient)
    run_worker(DOSE_AT + timedelta(minutes=15))
    assert _addresses() == [on_call.email, second_line.email]
    with time_machine.travel(DOSE_AT + timedelta(minutes=16), tick=False):
        acknowledge_alert(second_line, alert, AcknowledgeSpec(note="On it."))
    run_worker(DOSE_AT + timedelta(minutes=30))
    run_worker(DOSE_AT + timedelta(hours=3))
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
    run_worker(DOSE_AT + timedelta(minutes=4))
    assert len(_addresses()) == 2
    run_worker(DOSE_AT + timedelta(minutes=5))
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
        urgent_alert(patient)
    assert _addresses() == ["night@example.org"]
