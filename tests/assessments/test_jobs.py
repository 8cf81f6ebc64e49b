"""Overdue questionnaires (assessments.jobs), raised by the worker and resolved when answered."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from ketacare.accounts.models import Clinic
from ketacare.alerts.models import (
    Alert,
    AlertCause,
    AlertSeverity,
    AlertStatus,
    Notification,
    OnCallRoster,
)
from ketacare.assessments.queries import due_questionnaires
from ketacare.assessments.services import submit_questionnaire
from ketacare.assessments.specs import questionnaire
from tests.alerts.helpers import DOSE_AT, dosed_session, patient_user
from tests.factories import PatientFactory
from tests.jobs.helpers import run_worker

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("memory_sms"),
]


def test_overdue_questionnaires(clinic: Clinic, roster: OnCallRoster) -> None:
    with time_machine.travel(DOSE_AT, tick=False):
        session = dosed_session(clinic)
    patient = session.patient
    later = DOSE_AT + timedelta(days=1)
    overdue = [i for i in due_questionnaires(patient, at=later) if i.overdue]
    assert {i.instrument for i in overdue} >= {"phq9"}
    out = run_worker(later)
    assert f"overdue questionnaires raised: {len(overdue)}" in out
    alerts = Alert.objects.filter(cause=AlertCause.QUESTIONNAIRE_OVERDUE)
    assert {a.dedupe_key for a in alerts} == {
        f"questionnaire_overdue:{i.instrument}:{i.due_at.date().isoformat()}" for i in overdue
    }
    assert {a.severity for a in alerts} == {AlertSeverity.WARNING}
    # Warnings wait in the inbox: nobody is paged about them.
    assert not Notification.objects.filter(alert__in=alerts).exists()
    assert "overdue questionnaires raised: 0" in run_worker(later + timedelta(minutes=1))
    # Answering it resolves its alert at the next run.
    with time_machine.travel(later + timedelta(minutes=5), tick=False):
        submit_questionnaire(
            patient_user(session),
            patient,
            questionnaire(instrument="phq9", answers=[1, 1, 1, 1, 1, 1, 1, 1, 0]),
        )
    out = run_worker(later + timedelta(minutes=6))
    assert "auto-resolved: 1" in out
    phq9 = Alert.objects.get(cause=AlertCause.QUESTIONNAIRE_OVERDUE, dedupe_key__contains="phq9")
    assert phq9.status == AlertStatus.RESOLVED
    assert phq9.resolved_by is None
    assert phq9.resolved_note == "The questionnaire is no longer overdue."


def test_no_overdue_alerts_outside_induction_and_maintenance(clinic: Clinic) -> None:
    PatientFactory(clinic=clinic, phase="approved")
    PatientFactory(clinic=clinic, phase="intake")
    run_worker(DOSE_AT + timedelta(days=30))
    assert not Alert.objects.exists()
