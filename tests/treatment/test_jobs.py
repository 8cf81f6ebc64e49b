"""Time-derived facts of a dose (treatment.jobs): missed check-ins and the observation window."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
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
)
from ketacare.alerts.services import resolve_alert
from ketacare.alerts.sms import MemorySmsBackend
from ketacare.alerts.specs import ResolveSpec
from ketacare.treatment import services
from ketacare.treatment.specs.sessions import CheckInSpec, ReadingSpec
from tests.alerts.helpers import DOSE_AT, dosed_session, patient_user
from tests.jobs.helpers import run_worker

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("memory_sms"),
]


def _reading_at_40_minutes(session) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(DOSE_AT + timedelta(minutes=40), tick=False):
        services.record_post_dose_reading(
            patient_user(session), session, ReadingSpec(systolic_mmhg=128, diastolic_mmhg=82)
        )


def test_missed_check_in_scenario(clinic: Clinic, roster: OnCallRoster, on_call: User) -> None:
    with time_machine.travel(DOSE_AT, tick=False):
        session = dosed_session(clinic)
    # CLINICAL.md D: 2 h of observation, then 30 min to check in.
    assert session.check_in_due_at == DOSE_AT + timedelta(hours=2, minutes=30)
    _reading_at_40_minutes(session)

    # Due at 12:30 with no grace: nothing at 12:30 exactly, the alert just after.
    run_worker(DOSE_AT + timedelta(hours=2, minutes=30))
    assert not Alert.objects.filter(cause=AlertCause.MISSED_CHECK_IN).exists()
    out = run_worker(DOSE_AT + timedelta(hours=2, minutes=31))
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
    notes = {(n.channel, n.address): n for n in Notification.objects.filter(alert=alert)}
    assert set(notes) == {(Channel.EMAIL, on_call.email), (Channel.SMS, "+1 555 222 3333")}
    assert all(n.status == NotificationStatus.SENT for n in notes.values())
    assert [m.to for m in mail.outbox] == [[on_call.email]]
    assert "Sign in" in mail.outbox[0].body
    # Beside the alert, the patient's own reminders (not about the alert) may go out too.
    reminders = set(Notification.objects.filter(alert=None).values_list("body", flat=True))
    assert all("check" not in body.lower() for body in reminders)
    sms = [to for to, _, _ in MemorySmsBackend.outbox if to != session.patient.phone]
    assert sms == ["+1 555 222 3333"]

    # A second run creates nothing and sends nothing.
    queued = Notification.objects.count()
    out = run_worker(DOSE_AT + timedelta(hours=2, minutes=32))
    assert "missed check-ins raised: 0" in out
    assert Alert.objects.filter(cause=AlertCause.MISSED_CHECK_IN).count() == 1
    assert Notification.objects.count() == queued
    assert Notification.objects.filter(alert=alert).count() == 2
    assert len(mail.outbox) == 1

    # The check-in at 12:35 resolves it automatically, with a note.
    with time_machine.travel(DOSE_AT + timedelta(hours=2, minutes=35), tick=False):
        services.record_check_in(
            patient_user(session), session, CheckInSpec(feeling="well", blood_pressure=[122, 80])
        )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolved_by is None
    assert "12:35" in alert.resolved_note
    # ...and a later run does not raise it again.
    run_worker(DOSE_AT + timedelta(hours=3, minutes=30))
    assert Alert.objects.filter(cause=AlertCause.MISSED_CHECK_IN).count() == 1


def test_grace_delays_the_missed_check_in(clinic: Clinic, roster: OnCallRoster) -> None:
    with time_machine.travel(DOSE_AT, tick=False):
        dosed_session(clinic)
    with override_settings(KETACARE_CHECK_IN_GRACE_MIN=15):
        run_worker(DOSE_AT + timedelta(hours=2, minutes=45))
        assert not Alert.objects.filter(cause=AlertCause.MISSED_CHECK_IN).exists()
        run_worker(DOSE_AT + timedelta(hours=2, minutes=46))
        assert Alert.objects.filter(cause=AlertCause.MISSED_CHECK_IN).count() == 1


def test_a_resolved_missed_check_in_is_not_raised_again(
    clinic: Clinic, roster: OnCallRoster, on_call: User
) -> None:
    with time_machine.travel(DOSE_AT, tick=False):
        dosed_session(clinic)
    run_worker(DOSE_AT + timedelta(hours=2, minutes=31))
    missed = Alert.objects.get(cause=AlertCause.MISSED_CHECK_IN)
    resolve_alert(on_call, missed, ResolveSpec(note="Phoned the sitter: all well."))
    run_worker(DOSE_AT + timedelta(hours=3))
    assert Alert.objects.filter(cause=AlertCause.MISSED_CHECK_IN).count() == 1


def test_old_doses_are_not_raised_on_a_first_run(clinic: Clinic, roster: OnCallRoster) -> None:
    with time_machine.travel(DOSE_AT, tick=False):
        dosed_session(clinic)
    run_worker(DOSE_AT + timedelta(days=2))
    assert not Alert.objects.filter(cause=AlertCause.MISSED_CHECK_IN).exists()


# --- The observation window (CLINICAL.md D, G4) --------------------------------------------


def test_no_blood_pressure_by_an_hour_after_the_dose_pages_the_roster_and_the_sitter(
    clinic: Clinic, roster: OnCallRoster, on_call: User
) -> None:
    with time_machine.travel(DOSE_AT, tick=False):
        session = dosed_session(clinic)
    # Due at 10:40, missed after 11:00 (20 min grace).
    assert "observation window alerts raised: 0" in run_worker(DOSE_AT + timedelta(hours=1))
    assert "observation window alerts raised: 1" in run_worker(
        DOSE_AT + timedelta(hours=1, minutes=1)
    )
    alert = Alert.objects.get(cause=AlertCause.POST_DOSE_BP_MISSED)
    assert (alert.severity, alert.dedupe_key) == (
        AlertSeverity.URGENT,
        f"post_dose_bp_missed:session:{session.pk}",
    )
    assert {n.address for n in Notification.objects.filter(alert=alert)} == {
        on_call.email,
        "+1 555 222 3333",
    }
    # The reading arrives: the alert resolves itself, and is not raised again.
    with time_machine.travel(DOSE_AT + timedelta(hours=1, minutes=5), tick=False):
        services.record_post_dose_reading(
            patient_user(session), session, ReadingSpec(systolic_mmhg=126, diastolic_mmhg=80)
        )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    run_worker(DOSE_AT + timedelta(hours=1, minutes=10))
    assert Alert.objects.filter(cause=AlertCause.POST_DOSE_BP_MISSED).count() == 1


def test_a_high_reading_not_measured_again_is_upgraded_to_urgent(
    clinic: Clinic, roster: OnCallRoster
) -> None:
    with time_machine.travel(DOSE_AT, tick=False):
        session = dosed_session(clinic)
    with time_machine.travel(DOSE_AT + timedelta(minutes=40), tick=False):
        services.record_post_dose_reading(
            patient_user(session), session, ReadingSpec(systolic_mmhg=150, diastolic_mmhg=94)
        )
    alert = Alert.objects.get(cause=AlertCause.BP_RISE_AFTER_DOSE)
    assert alert.severity == AlertSeverity.WARNING
    # Re-measure due at 10:55; paged after 11:15 (the grace).
    run_worker(DOSE_AT + timedelta(hours=1, minutes=15))
    alert.refresh_from_db()
    assert alert.severity == AlertSeverity.WARNING
    run_worker(DOSE_AT + timedelta(hours=1, minutes=16))
    alert.refresh_from_db()
    assert alert.severity == AlertSeverity.URGENT
    session.refresh_from_db()
    assert session.remeasure_due_at is None  # handed to people: asked no more
    run_worker(DOSE_AT + timedelta(hours=1, minutes=30))
    assert Alert.objects.filter(cause=AlertCause.BP_RISE_AFTER_DOSE).count() == 1


def test_a_window_the_sitter_did_not_end_is_a_warning_for_review(
    clinic: Clinic, roster: OnCallRoster
) -> None:
    with time_machine.travel(DOSE_AT, tick=False):
        session = dosed_session(clinic)
    with time_machine.travel(DOSE_AT + timedelta(minutes=40), tick=False):
        services.record_post_dose_reading(
            patient_user(session), session, ReadingSpec(systolic_mmhg=126, diastolic_mmhg=80)
        )
    with time_machine.travel(DOSE_AT + timedelta(hours=2, minutes=10), tick=False):
        services.record_check_in(
            patient_user(session), session, CheckInSpec(feeling="well", blood_pressure=[122, 80])
        )
    run_worker(DOSE_AT + timedelta(hours=2, minutes=30))
    assert not Alert.objects.filter(cause=AlertCause.SITTER_NOT_RELEASED).exists()
    run_worker(DOSE_AT + timedelta(hours=2, minutes=31))
    alert = Alert.objects.get(cause=AlertCause.SITTER_NOT_RELEASED)
    assert alert.severity == AlertSeverity.WARNING
    run_worker(DOSE_AT + timedelta(hours=3))
    assert Alert.objects.filter(cause=AlertCause.SITTER_NOT_RELEASED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_window_facts_run_outside_a_test_transaction(
    clinic: Clinic, roster: OnCallRoster
) -> None:
    # As the worker runs them: each fact in a transaction of its own (its row locks need
    # one), not inside the test's.
    with time_machine.travel(DOSE_AT, tick=False):
        session = dosed_session(clinic)
    with time_machine.travel(DOSE_AT + timedelta(hours=2, minutes=10), tick=False):
        services.record_check_in(
            patient_user(session), session, CheckInSpec(feeling="well", blood_pressure=[122, 80])
        )
    out = run_worker(DOSE_AT + timedelta(hours=3))
    assert "observation window alerts raised: 1" in out  # the sitter's release is missing
    assert Alert.objects.filter(cause=AlertCause.SITTER_NOT_RELEASED).count() == 1
