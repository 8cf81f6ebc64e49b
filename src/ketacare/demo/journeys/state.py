"""One journey's state: its patient, how they respond, and their time line.

`JourneyState` is what every step of a journey reads: the patient as loaded and their
account, the sitter, the template, the random generator of the journey, the baseline
scores and response, the landmark days, the moments of the doses taken so far, and the
plan and prescription once written. The steps of each phase of care are mixins on it
(`intake`, `prescribing`, `sessions`, `questionnaires`, `follow_up`), put together as
`journey.Journey`.
"""

from __future__ import annotations

import random
from collections.abc import Generator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ketacare.accounts.models import User
from ketacare.demo.builder import PlannedJourney
from ketacare.demo.journeys.answers import Baseline, intake_answers
from ketacare.demo.journeys.cast import Cast
from ketacare.demo.journeys.templates import (
    ENDING_DAYS,
    SESSION_DAYS,
    Course,
    Ending,
    template_for,
)
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment.models import Prescription, TreatmentPlan

EARLY_HOURS = 6  # a load before 06:00: the awaited session was due two evenings before


Steps = Generator[datetime, None, None]


@dataclass(frozen=True)
class Dates:
    """The landmark days of a journey, on the patient's calendar."""

    consent: date
    submit: date
    review: date | None = None
    first_dose: date | None = None
    dispense: date | None = None


class JourneyState:
    """A patient's journey before any step: who, how they respond, and when things happen.

    Everything random about the patient is drawn here, in a fixed order, from the
    journey's own generator (seeded with the demo's seed and the patient's place).
    """

    def __init__(self, planned: PlannedJourney, cast: Cast, end: datetime, seed: int) -> None:
        self.planned, self.cast = planned, cast
        self.template = t = template_for(planned.index)
        self.rng = rng = random.Random(f"{seed}:journey:{planned.index}")  # noqa: S311 - demo
        # The patient as loaded: what the services take it for (its id, clinic, account)
        # does not change; `patient()` reads it afresh where its phase or weight counts.
        self.record = record = planned.patient
        assert record.user is not None  # noqa: S101 - every demo patient has an account
        self.user: User = record.user
        self.zone = ZoneInfo(record.timezone)
        self.end = end
        self.today = end.astimezone(self.zone).date()
        sitter = record.sitters.filter(user__isnull=False).select_related("user").first()
        self._sitter_user = None if sitter is None else sitter.user
        # Where the patient starts and how they respond (CLINICAL.md A1, A3, A4).
        self.phq9_baseline = rng.randint(15, 24)
        self.gad7_baseline = rng.randint(8, 17)
        self.pcl5_baseline = rng.randint(36, 60)
        self.drop = rng.uniform(0.55, 0.72)  # the fall from baseline at full effect
        self.to_effect = rng.randint(4, 8)  # sessions to full effect
        if t.course is Course.REMITTER:
            self.drop, self.to_effect = 1 - rng.randint(1, 4) / self.phq9_baseline, 5
        self.sensitivity = rng.uniform(0.6, 1.2)  # to side effects and dissociation
        self.bp = (rng.randint(112, 130), rng.randint(70, 84))
        baseline = Baseline(self.phq9_baseline, self.gad7_baseline, self.pcl5_baseline, self.bp)
        self.answers = intake_answers(record, t, rng, baseline)
        self.dates = self._dates()
        self.doses: list[datetime] = []
        self.phq9_follow_ups = 0
        self.intake_pk: int | None = None
        self._plan: TreatmentPlan | None = None
        self._prescription: Prescription | None = None

    # -- the time line --------------------------------------------------------------------------

    def _first_dose(self) -> date | None:
        """The first dose day: the journey reaches its phase, and no further, by the load."""
        t, rng = self.template, self.rng
        if t.phase is Phase.APPROVED:  # the first session is still to come
            return self.today + timedelta(days=1 + rng.randint(0, 3))
        if not t.total_sessions:
            return None
        last = SESSION_DAYS[t.total_sessions - 1]
        # The days after the last session the journey still needs: the morning after,
        # or the ending (and, after a dropout, the return of the leftover a day later).
        needed = 1 + ENDING_DAYS.get(t.ending, 0) + (t.ending is Ending.DROPOUT)
        spare = 5  # and up to this many days more
        if t.awaiting_check_in:
            # The last session was due yesterday evening (the evening before, for a load
            # in the small hours) and is taken a few hours before the load: later than its
            # schedule, so the intervals between doses only grow.
            early = self.end.astimezone(self.zone).hour < EARLY_HOURS
            return self.today - timedelta(days=last + 1 + early)
        if t.phase is Phase.INDUCTION:  # the next session is still to come
            spare = SESSION_DAYS[t.sessions] - last - 2
        return self.today - timedelta(days=last + needed + rng.randint(0, spare))

    def _dates(self) -> Dates:
        t, rng, today = self.template, self.rng, self.today
        first = self._first_dose()
        if first is not None:
            consent = first - timedelta(days=20 + rng.randint(0, 4))
            submit = consent + timedelta(days=1 + rng.randint(0, 2))
            review = submit + timedelta(days=2 + rng.randint(0, 2))
            dispense = first - timedelta(days=2 + rng.randint(0, 2))
            return Dates(consent, submit, review, first, min(dispense, today - timedelta(1)))
        if t.phase is Phase.DECLINED:
            submit = today - timedelta(days=18 + rng.randint(0, 6))
            return Dates(submit - timedelta(days=1), submit, submit + timedelta(days=3))
        if t.phase is Phase.UNDER_REVIEW:
            submit = today - timedelta(days=1 + rng.randint(0, 3))
            return Dates(submit - timedelta(days=1 + rng.randint(0, 2)), submit)
        consent = today - timedelta(days=2 + rng.randint(0, 3))  # intake started
        return Dates(consent, consent + timedelta(days=1))

    def at(self, day: date, hour: int, minutes: tuple[int, int] = (0, 0)) -> datetime:
        """`hour` o'clock on `day` on the patient's clock, plus some minutes."""
        start = datetime.combine(day, time(hour), tzinfo=self.zone)
        return start + timedelta(minutes=self.rng.randint(*minutes))

    def later(self, moment: datetime, low: int, high: int) -> datetime:
        return moment + timedelta(minutes=self.rng.randint(low, high))

    def patient(self) -> Patient:
        return Patient.objects.get(pk=self.planned.patient.pk)

    @property
    def sitter_user(self) -> User:
        """The sitter's own sign-in: every patient dosed at home has one (demo.clinic)."""
        if self._sitter_user is None:
            raise RuntimeError(f"Demo patient {self.record.pk} is dosed but has no sitter.")
        return self._sitter_user

    @property
    def plan(self) -> TreatmentPlan:
        assert self._plan is not None  # noqa: S101 - written before any session
        return self._plan

    @property
    def prescription(self) -> Prescription:
        assert self._prescription is not None  # noqa: S101 - written with the plan
        return self._prescription
