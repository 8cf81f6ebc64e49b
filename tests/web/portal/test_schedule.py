"""The next session of the schedule, as Today and the sitter view show it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ketacare.patients.models import Patient
from ketacare.treatment import queries, services
from ketacare.treatment.models import Dispense, TreatmentPlan
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
    services.record_dose_taken(approved.user, session, dose_mg=100)
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
