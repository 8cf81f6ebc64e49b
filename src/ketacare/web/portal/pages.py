"""What the portal pages share: the signed-in patient, their sessions, links, deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse

from ketacare.accounts.models import User
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.clinical import safety
from ketacare.patients.models import Patient
from ketacare.treatment.gate import zone_of
from ketacare.treatment.models import (
    UNIT_NOUNS,
    DosingSession,
    LedgerEvent,
    LedgerEventKind,
    TreatmentPlan,
)
from ketacare.treatment.plans import safety_rules_in_force
from ketacare.web.common import current_user, own_patient


def me(request: HttpRequest) -> tuple[User, Patient]:
    """The signed-in patient (their user and record), or 404 for anyone else."""
    user = current_user(request)
    return user, own_patient(user)


def not_linked(request: HttpRequest) -> HttpResponse | None:
    """The page for a patient's sign-in no patient record names yet (None: it is linked).

    Not a 404: the person is told to call their clinic, who links the account.
    """
    user = current_user(request)
    if not user.is_patient or Patient.objects.filter(user=user).exists():
        return None
    return render(request, "web/portal/not_linked.html", {"clinic": user.clinic})


def audit_read(obj: Any, via: str) -> None:
    record(Event.about(AuditAction.READ, obj, detail={"via": via}))


def posted(request: HttpRequest) -> Any:
    """The POST data to bind a form to; an empty POST is still a submission to validate."""
    return request.POST if request.method == "POST" else None


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
    """A time ahead as the page shows it: when, on the patient's clock, and how long is left."""

    due_at: datetime
    remaining_seconds: int  # 0 once passed
    clock: str = ""  # "18:40", or "Tue 4 Mar, 18:40" on another day; never a zone name

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


def countdown(at: datetime, now: datetime, zone: tzinfo) -> Deadline:
    """`at` on the patient's clock, with the seconds left until it (the page counts down)."""
    left = max(at - now, timedelta(0))
    return Deadline(at, int(left.total_seconds()), safety.clock_time(at, zone, now))


def deadline(session: DosingSession, now: datetime) -> Deadline | None:
    """The check-in deadline of a dosed session (None before the dose)."""
    if session.check_in_due_at is None:
        return None
    return countdown(session.check_in_due_at, now, zone_of(session.patient))


# The patient's word for one unit of their supply (the product's own noun).
UNIT_WORDS = UNIT_NOUNS


@dataclass(frozen=True)
class Units:
    """A quantity of the plan's product in the units the patient counts: "2 troches"."""

    count: str
    unit: str

    def __str__(self) -> str:
        return f"{self.count} {self.unit}"


def units(plan: TreatmentPlan, quantity: Decimal) -> Units:
    """`quantity` ledger units of the plan's product, in its own word: "6 troches".

    As clinical.dosing words a dose: singular for one or a half, plural otherwise.
    """
    singular, plural = UNIT_WORDS[plan.formulation_kind]
    count = quantity.normalize()
    return Units(f"{count:f}", singular if 0 < abs(count) <= 1 else plural)


def ledger_amount(plan: TreatmentPlan | None, event: LedgerEvent) -> str:
    """A change of the supply as the patient reads it: "+8 troches", "-2 troches" (a true minus).

    A count changes nothing: it says what was counted ("6 troches").
    """
    quantity = event.quantity
    if event.kind == LedgerEventKind.COUNTED and event.counted is not None:
        quantity = event.counted
        sign = ""
    else:
        sign = "+" if quantity > 0 else "\u2212" if quantity < 0 else ""
    if plan is None:
        return f"{sign}{abs(quantity).normalize():f}"
    amount = units(plan, abs(quantity))
    return f"{sign}{amount.count}\u00a0{amount.unit}"  # kept on one line


def dose_units(plan: TreatmentPlan) -> Units:
    """One dose of the plan in the units the patient counts: "2 troches"."""
    return units(plan, plan.ledger_units(float(plan.dose_mg)))


def dose_mg_of_units(plan: TreatmentPlan, count: Decimal) -> Decimal:
    """What `count` units of the plan's product hold, in mg: for "I took 3 troches".

    The ledger counts in steps of `ledger_step` (half a scored tablet); each step is the
    formulation's smallest dose, `step_mg`.
    """
    return count / plan.ledger_step * Decimal(repr(plan.formulation.step_mg))


def bp_limits(
    patient: Patient, plan: TreatmentPlan | None
) -> dict[str, safety.BloodPressureLimit | None]:
    """The pre-dose blood-pressure limits of the plan (or the clinic's protocol)."""
    rules = safety_rules_in_force(patient, plan)
    return {"delay": rules.bp_delay_gate, "hard_stop": rules.bp_hard_stop}
