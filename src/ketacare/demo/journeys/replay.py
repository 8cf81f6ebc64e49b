"""The replay: every journey's steps on one time line, each at its moment on the clock.

After the journeys, what a clinic's history also holds: the on-call roster, the old
alerts dealt with at the time, and the leads from the public self-screen.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from ketacare.accounts.models import Clinic, User
from ketacare.alerts.models import Alert, AlertStatus, OnCallRoster, OnCallShift
from ketacare.alerts.services import resolve_alert
from ketacare.alerts.specs import ResolveSpec
from ketacare.clinical import selfscreen
from ketacare.demo.builder import PlannedJourney
from ketacare.demo.journeys.cast import Cast
from ketacare.demo.journeys.journey import Journey
from ketacare.demo.journeys.state import Steps
from ketacare.intake import leads
from ketacare.intake.models import ContactTime, ScreeningLead
from ketacare.intake.specs import LeadSpec
from ketacare.kernel import clock
from ketacare.patients.models import Patient

# How many patients of a clinic get a journey: about 50 service calls each, some 0.1 s
# (the 200 of `--patients 10000` take about 25 s of its 60 s budget on SQLite); a larger
# load keeps bulk records for the rest.
JOURNEY_LIMIT = 200


def replay(journeys: Sequence[Journey], end: datetime, tick: Callable[[int], object]) -> None:
    """Run the journeys' steps in time order, each with the clock at its moment.

    A journey ends when its steps do, or at its first step after `end` (the load).
    """
    queue: list[tuple[datetime, int, Steps]] = []

    def advance(number: int, steps: Steps, moment: datetime | None) -> None:
        try:
            if moment is None:  # to the first step: nothing is written before it
                upcoming = next(steps)
            else:
                with clock.frozen_at(moment.astimezone(UTC)):
                    upcoming = next(steps)
        except StopIteration:
            tick(1)
            return
        if moment is not None and upcoming < moment:
            raise RuntimeError(f"Demo journey {number} steps back in time at {upcoming}.")
        if upcoming > end:
            steps.close()
            tick(1)
            return
        heapq.heappush(queue, (upcoming, number, steps))

    for number, journey in enumerate(journeys):
        advance(number, journey.steps(), None)
    while queue:
        moment, number, steps = heapq.heappop(queue)
        advance(number, steps, moment)


def walk_journeys(
    planned: Sequence[PlannedJourney],
    *,
    seed: int = 2026,
    progress: Callable[[int], object] | None = None,
) -> None:
    """Walk each planned patient (registered in screening) to their phase, up to now."""
    if not planned:
        return
    end = clock.now().replace(microsecond=0)
    cast = Cast.of(planned[0].patient.clinic_id)
    _on_call_roster(planned[0].patient.clinic_id, cast)
    journeys = [Journey(p, cast, end, seed) for p in planned]
    replay(journeys, end, progress or (lambda _n: None))
    reached = dict(
        Patient.objects.filter(pk__in=[p.patient.pk for p in planned]).values_list("pk", "phase")
    )
    wrong = [
        f"{p.patient} is {reached[p.patient.pk]}, not {p.phase}"
        for p in planned
        if reached[p.patient.pk] != p.phase
    ]
    if wrong:
        raise RuntimeError("Demo journeys ended in the wrong phase: " + "; ".join(wrong))
    _close_old_alerts(planned[0].patient.clinic_id, end, cast.clinician)
    _screening_leads(planned[0].patient.clinic_id)


# Visitors who self-screened on the public site and left their details (made by the
# self-screen's own rules and the lead service, as the public page does).
DEMO_LEADS = (
    ("Morgan Lee", "+15550100201", [2, 2, 2, 2, 1, 2, 2, 1, 0], 3, "morning"),
    ("Casey Brook", "+15550100202", [1, 1, 1, 1, 1, 1, 0, 0, 0], 1, "any"),
    ("Jamie Fox", "+15550100203", [3, 3, 2, 3, 2, 2, 2, 1, 1], 2, "evening"),
)


def _screening_leads(clinic_id: int) -> None:
    clinic = Clinic.objects.get(pk=clinic_id)
    if ScreeningLead.objects.filter(clinic=clinic).exists():
        return
    no = dict.fromkeys(selfscreen.QUESTION_CODES, selfscreen.Answer.NO)
    for name, phone, phq9, trials, when in DEMO_LEADS:
        answers = selfscreen.SelfScreenAnswers(phq9=phq9, failed_trials=trials, exclusions=no)
        spec = LeadSpec(
            name=name,
            phone=phone,
            preferred_contact_time=ContactTime(when),
            consent=True,
            answers=answers,
        )
        leads.create_lead(None, clinic, spec)  # a visitor: no one signed in


def _on_call_roster(clinic_id: int, cast: Cast) -> None:
    """dr.chen is on call (level 1); dr.rivera, the prescriber, is the medical director."""
    roster, _ = OnCallRoster.objects.get_or_create(clinic_id=clinic_id)
    OnCallShift.objects.get_or_create(roster=roster, user=cast.clinician, level=1)
    OnCallShift.objects.get_or_create(
        roster=roster, user=cast.prescriber, level=2, is_medical_director=True
    )


# Alerts older than this were dealt with at the time, as a clinic would have; the
# newer ones stay open so the inbox has work in it.
OPEN_ALERTS_FROM = timedelta(days=3)


def _close_old_alerts(clinic_id: int, end: datetime, clinician: User) -> None:
    old = Alert.objects.filter(clinic_id=clinic_id, raised_at__lt=end - OPEN_ALERTS_FROM)
    for alert in old.exclude(status=AlertStatus.RESOLVED).order_by("raised_at", "pk"):
        note = ResolveSpec(note="Reviewed with the patient at the time (demo history).")
        resolve_alert(clinician, alert, note)
