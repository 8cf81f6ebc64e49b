"""Where a patient's session stands, as their sitter may see it: the pages and the API.

A sitter needs the session's time and status, the check-in's deadline and whether it is
done, and the numbers to call; never a reading's values, alert content, check-in or
questionnaire answers, the plan or the medicine (kernel.policy `read_sitting`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from ketacare.patients.models import Patient
from ketacare.treatment import queries
from ketacare.treatment.models import DosingSession, PostDoseCheckIn, SitterPresence
from ketacare.treatment.plans import active_plan

if TYPE_CHECKING:
    from ketacare.accounts.models import User


@dataclass(frozen=True)
class SitterView:
    """The patient's day as their sitter sees it at `now`."""

    patient: Patient
    next_session_at: datetime | None
    presence: SitterPresence | None  # the latest confirmation today, by any of their sitters
    session: DosingSession | None  # today's: the open one, else the latest of the day

    @property
    def check_in(self) -> PostDoseCheckIn | None:
        return None if self.session is None else getattr(self.session, "check_in", None)

    @property
    def blood_pressure_done(self) -> bool:
        """A blood pressure after the dose was recorded (its value is not the sitter's)."""
        return self.session is not None and self.session.post_dose_readings.exists()


def sat_for(user: User) -> QuerySet[Patient]:
    """The patients `user` sits for, among those they may see."""
    return (
        Patient.objects.visible_to(user)
        .filter(sitters__user=user)
        .select_related("clinic")
        .distinct()
    )


def sitter_view(patient: Patient, now: datetime) -> SitterView:
    plan = active_plan(patient)
    scheduled = plan and queries.next_scheduled_session(patient, plan, now)
    return SitterView(
        patient=patient,
        next_session_at=scheduled.at if scheduled else None,
        presence=queries.sitter_presence_today(patient, now),
        session=queries.todays_session(patient, now),
    )
