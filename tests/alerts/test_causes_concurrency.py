"""Alerts raised by the services under concurrent requests (meaningful on PostgreSQL).

The services raise alerts after the fact's rows and before its audit entry, the order in
which the worker locks them too (session, alert, audit head), so a check-in and the
worker at once cannot wait on each other. These tests are smoke tests of that: they
run check-ins among the worker's queries and escalations and check the end state (no
error, no missed-check-in alert left open for a session that has its check-in, the audit
chain whole); they did not reproduce a deadlock with the reverse order either, the
windows being short. On SQLite the calls run one after another (see
tests/treatment/test_ledger_concurrency.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import time_machine

from ketacare.accounts.models import Clinic
from ketacare.alerts.jobs import escalate_due
from ketacare.alerts.models import Alert, AlertStatus
from ketacare.audit.log import verify
from ketacare.patients.phases import Phase
from ketacare.treatment import services
from ketacare.treatment.jobs import raise_missed_check_ins
from ketacare.treatment.models import DosingSession
from ketacare.treatment.specs.sessions import CheckInSpec, DoseSpec
from tests.factories import PatientFactory, UserFactory
from tests.treatment.helpers import NOW, fill, ledger_spec, plan_for, prescribe, ready_session
from tests.treatment.test_ledger_concurrency import run_at_once

pytestmark = pytest.mark.django_db(transaction=True)

PATIENTS = 8
LATE = NOW + timedelta(hours=2, minutes=31)  # past every check-in deadline (2 h 30 min)


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _dosed(clinic: Clinic) -> DosingSession:
    prescriber = UserFactory(clinic=clinic, prescriber=True)
    pharmacist = UserFactory(clinic=clinic, pharmacist=True)
    patient = PatientFactory(clinic=clinic, with_account=True, phase=Phase.APPROVED.value)
    plan_for(prescriber, patient)
    fill(pharmacist, prescribe(prescriber, patient))
    session = ready_session(patient.user, patient)
    return services.record_dose_taken(patient.user, session, DoseSpec(dose_mg=100))


def test_check_ins_and_the_worker_at_once_leave_no_missed_alert_open(clinic, clock):
    UserFactory(clinic=clinic, clinician=True, email="olive@example.org")
    sessions = [_dosed(clinic) for _ in range(PATIENTS)]
    clock.move_to(LATE)

    def check_in(session: DosingSession) -> Callable[[], object]:
        assert session.patient.user is not None
        user = session.patient.user
        return lambda: services.record_check_in(
            user, session, CheckInSpec(feeling="okay", blood_pressure=(124, 80))
        )

    calls: list[Callable[[], object]] = [check_in(s) for s in sessions]
    # The worker three times over, in among the check-ins.
    calls[PATIENTS // 2 : PATIENTS // 2] = [lambda: raise_missed_check_ins(LATE)] * 3
    results = run_at_once(calls)

    assert not [r for r in results if isinstance(r, Exception)]
    assert DosingSession.objects.filter(status="checked_in").count() == PATIENTS
    missed = Alert.objects.filter(cause="missed_check_in")
    assert not missed.exclude(status=AlertStatus.RESOLVED).exists()
    for alert in missed:
        assert alert.resolved_note.startswith("check-in received at ")
    assert verify().ok


def test_check_ins_and_escalations_at_once_never_deadlock(clinic, clock):
    UserFactory(clinic=clinic, clinician=True, email="olive@example.org")
    UserFactory(clinic=clinic, clinician=True, email="sean@example.org")
    sessions = [_dosed(clinic) for _ in range(PATIENTS)]
    clock.move_to(LATE)
    assert raise_missed_check_ins(LATE) == PATIENTS
    later = LATE + timedelta(minutes=16)  # past the urgent alerts' escalation time
    clock.move_to(later)

    def check_in(session: DosingSession) -> Callable[[], object]:
        assert session.patient.user is not None
        user = session.patient.user
        return lambda: services.record_check_in(
            user, session, CheckInSpec(feeling="okay", blood_pressure=(124, 80))
        )

    calls: list[Callable[[], object]] = [check_in(s) for s in sessions]
    # The worker's escalation (alert, then audit head) three times, among the check-ins
    # (session, alert, then audit head).
    calls[PATIENTS // 2 : PATIENTS // 2] = [lambda: escalate_due(later)] * 3
    results = run_at_once(calls)

    assert not [r for r in results if isinstance(r, Exception)]
    missed = Alert.objects.filter(cause="missed_check_in")
    assert missed.count() == PATIENTS
    assert not missed.exclude(status=AlertStatus.RESOLVED).exists()
    assert verify().ok


def test_concurrent_counts_that_differ_raise_one_ledger_discrepancy_alert(clinic):
    session = _dosed(clinic)  # 6 troches left
    patient = session.patient
    counter = UserFactory(clinic=clinic, coordinator=True)
    results = run_at_once(
        [
            lambda n=n: services.record_ledger_event(
                counter, patient, ledger_spec("counted", n % 3 + 2)
            )
            for n in range(12)
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)]
    alerts = Alert.objects.filter(cause="ledger_discrepancy")
    assert alerts.count() == 1
    assert alerts.get().status == AlertStatus.OPEN
    assert verify().ok
