"""The next session of the schedule, as Today and the sitter view show it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ketacare.patients.models import Patient
from ketacare.treatment import queries, services
from ketacare.treatment.models import Dispense, TreatmentPlan
from ketacare.treatment.specs.sessions import DoseSpec
from tests.treatment.helpers import NOW, ready_session

pytestmark = pytest.mark.django_db


def test_todays_session_is_next_until_the_dose_is_taken(
    approved: Patient, plan: TreatmentPlan, stocked: Dispense
) -> None:
    first = queries.next_scheduled_session(approved, plan, NOW)
    assert first is not None
    assert first.number == 1
    assert first.at == NOW  # 18:00 in New York, today
    session = ready_session(approved.user, approved)
    assert queries.open_session(approved, NOW) == session
    services.record_dose_taken(approved.user, session, DoseSpec(dose_mg=100))
    following = queries.next_scheduled_session(approved, plan, NOW)
    assert following is not None
    assert following.number == 2
    assert following.at > NOW + timedelta(hours=12)


def test_the_day_is_the_patients_own_day(approved: Patient, plan: TreatmentPlan) -> None:
    # 04:00 UTC on Tuesday is still Monday 23:00 in New York: today's session is Monday's.
    late_monday = datetime(2025, 3, 4, 4, 0, tzinfo=UTC)
    found = queries.next_scheduled_session(approved, plan, late_monday)
    assert found is not None
    assert found.number == 1


def test_a_patient_not_in_a_phase_with_sessions_ahead_has_no_next_session(
    approved: Patient, plan: TreatmentPlan
) -> None:
    # The panel's rule, now the one definition for every face: paused, no session is next.
    assert queries.next_session(approved, plan, NOW, last_dose_at=None) is not None
    approved.phase = "paused"
    assert queries.next_session(approved, plan, NOW, last_dose_at=None) is None
    assert queries.next_session(approved, None, NOW, last_dose_at=None) is None


def test_the_next_session_reads_the_last_dose_it_is_given(
    approved: Patient, plan: TreatmentPlan
) -> None:
    # The panel gives each row's last dose from its own query (no query per row).
    today = queries.next_session(approved, plan, NOW, last_dose_at=NOW - timedelta(days=3))
    after = queries.next_session(approved, plan, NOW, last_dose_at=NOW - timedelta(minutes=5))
    assert today is not None
    assert after is not None
    assert (today.number, after.number) == (1, 2)
