"""What the portal pages share: the signed-in patient, their sessions, links, deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse

from ketacare.accounts.models import User
from ketacare.clinical import safety
from ketacare.patients.models import Patient
from ketacare.treatment.models import DosingSession, TreatmentPlan
from ketacare.treatment.plans import plan_safety_rules


def link(name: str, **kwargs: Any) -> str | None:
    """The URL of a page another area may not have added yet (None until it exists)."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def sessions_of(user: User, patient: Patient) -> QuerySet[DosingSession]:
    return DosingSession.objects.visible_to(user).filter(patient=patient).select_related("plan")


def own_session(user: User, patient: Patient, session_id: int) -> DosingSession:
    """The patient's own session, or 404 (another patient's, another clinic's)."""
    found: DosingSession = get_object_or_404(sessions_of(user, patient), pk=session_id)
    return found


@dataclass(frozen=True)
class Deadline:
    """The check-in deadline as the page shows it: the time, and how long is left."""

    due_at: datetime
    remaining_seconds: int  # 0 once passed

    @property
    def passed(self) -> bool:
        return self.remaining_seconds == 0

    @property
    def remaining_words(self) -> str:
        hours, rest = divmod(self.remaining_seconds, 3600)
        minutes = rest // 60
        if hours:
            return f"{hours} h {minutes} min"
        return f"{minutes} min" if minutes else "less than a minute"


def deadline(session: DosingSession, now: datetime) -> Deadline | None:
    if session.check_in_due_at is None:
        return None
    left = max(session.check_in_due_at - now, timedelta(0))
    return Deadline(session.check_in_due_at, int(left.total_seconds()))


@dataclass(frozen=True)
class Units:
    """One dose of the plan in the units the patient counts: "2 troches"."""

    count: str
    unit: str


def dose_units(plan: TreatmentPlan) -> Units:
    count = plan.ledger_units(float(plan.dose_mg)).normalize()
    return Units(f"{count:f}", str(plan.ledger_unit.label))


def bp_limits(plan: TreatmentPlan | None) -> dict[str, safety.BloodPressureLimit | None]:
    """The pre-dose blood-pressure limits of the plan (or the clinic defaults)."""
    rules = safety.DEFAULT_RULES if plan is None else plan_safety_rules(plan)
    return {"delay": rules.bp_delay_gate, "hard_stop": rules.bp_hard_stop}
