"""The demo clinic's treatment journeys, replayed through the real services.

`ketacare demo` registers the first JOURNEY_LIMIT patients of a clinic in screening at
the clinic's go-live (`demo.clinic.load_demo`, JOURNEY_HISTORY before the load), and
`walk_journeys` takes each one to the phase the demo gives them: consent and intake,
eligibility review, plan, prescription and dispensing, at-home sessions (checklist and
blood-pressure gate, dose, check-in with CADSS-6 and side effects, now and then an
adverse event), the scheduled questionnaires, titration, pill counts, maintenance with
its refill, pause and discharge. Every write is a call of the intake, patients,
assessments or treatment services at a simulated past moment:
`kernel.clock.frozen_at(moment)` sets the clock the services and model stamps read
(`kernel.clock.now`) in the demo's own context, so every validation, constraint, ledger
balance, phase change and audit entry is the real one. A larger load (`--patients 10000`) keeps the
fast bulk records of `load_demo` for the patients beyond the limit.

The journeys run on one time line (the earliest step of any patient first), so the
audit chain of a demo of up to JOURNEY_LIMIT patients is in time order; in a larger
load the bulk patients' entries, written at the load time, come before the replayed
ones.

Each patient's journey follows their place in the demo's pattern of 20 (TEMPLATES, in
the order of `demo.clinic.PHASE_PATTERN`): responders (PHQ-9 down by half or more
within 4-8 sessions, some to remission), non-responders (within 20% of the baseline),
a delayed responder, two who stop early (one paused, one discharged after three
sessions), sublingual tablets for most, racemic nasal spray for some (esketamine is never
for home use, CLINICAL.md G4). Every dose keeps to the plan rules (CLINICAL.md G5): at
most half the session cap in a first session, at most +50% in one revision. A
prescription carries what the plan needs at its dose, and a step up brings a
prescription for what the plan still needs at the new dose, dispensed at once.
The details (scores, times of day, side effects, a failed gate now and then)
come from a random generator per patient seeded with the demo's seed: the same seed
gives the same journeys, placed relative to the load (which also cuts off what is still
to come that day). The load is a moment in the clinic's day, not a quiet end of history:
one induction patient took their dose 2 h 35 min - 2 h 55 min before it and has not
checked in yet (the release check-in opens after the 2 h observation and is due 30 min
later, CLINICAL.md D), and one maintenance patient has answered no
questionnaire for QUESTIONNAIRE_LAPSE days, so the PHQ-9 is overdue: the first
`ketacare worker --once` raises a missed check-in and overdue questionnaires.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from ketacare.accounts.models import Clinic, User
from ketacare.accounts.roles import Role
from ketacare.alerts.models import Alert, AlertStatus, OnCallRoster, OnCallShift
from ketacare.alerts.services import resolve_alert
from ketacare.assessments import services as assessments
from ketacare.clinical import dosing, predose, safety, selfscreen
from ketacare.demo.clinic import PlannedJourney
from ketacare.intake import leads
from ketacare.intake import services as intake
from ketacare.intake.models import ContactTime, Intake, ScreeningLead
from ketacare.kernel import clock
from ketacare.patients import services as patients
from ketacare.patients.models import ConsentDocument, Indication, Patient
from ketacare.patients.phases import Phase
from ketacare.treatment import services as treatment
from ketacare.treatment.models import DosingSession, Prescription, SessionStatus, TreatmentPlan
from ketacare.treatment.queries import suicidality_hold
from ketacare.treatment.sessions import read

# How many patients of a clinic get a journey: about 50 service calls each, some 0.1 s
# (the 200 of `--patients 10000` take about 25 s of its 60 s budget on SQLite); a larger
# load keeps bulk records for the rest.
JOURNEY_LIMIT = 200

# CLINICAL.md D: adverse reactions to esketamine (label), used loosely as the chance of
# each side effect after a session, scaled by how sensitive the patient is.
SIDE_EFFECTS = (
    ("dizziness", 0.29),
    ("nausea", 0.28),
    ("sedation", 0.23),
    ("headache", 0.20),
    ("anxiety", 0.13),
    ("vomiting", 0.09),
)
DISSOCIATION = 0.41  # CLINICAL.md D: dissociation 41% (label): a CADSS-6 of 3-12
HIGH_DISSOCIATION = 0.02  # a CADSS-6 in the severe band (a safety finding): rare
BP_RISE = 0.05  # CLINICAL.md D: a rise >= 40/25 mmHg in 8-19% in trials; rarer here
GATE_FAILURE = 0.03  # blood pressure above the gate before a session, retried that day
LATE_CHECK_IN = 0.03  # a check-in after the 2 h deadline
HIGH_BP = (142, 92)  # above the 140/90 pre-dose gate (CLINICAL.md D), below the hard stop
# CLINICAL.md C: at most twice weekly; the gate counts doses over any rolling 7 days.
PER_WINDOW = safety.DEFAULT_RULES.default_max_sessions_per_7_days
# The demo's own chances (no clinical source): who does what.
BY_PRESCRIBER = 0.3  # the prescriber, not the clinician, reviews the intake
BY_SITTER = 0.5  # the sitter, signed in, runs the checklist
REPORTED = 0.4  # the patient reports vomiting as an adverse event
NOTED = 0.25  # the check-in has a note
FLAGGED_PHQ9 = 2  # the PHQ-9 on treatment where item 9 comes back (suicidal_thoughts)
NO_IDEATION = [0, 0, 0, 0, 0, 0, 0]  # the checklist's C-SSRS screen, every answer no
# What the clinician writes when clearing a suicidality hold (CLINICAL.md G3).
CLEARANCE_NOTES = {
    "review": "Reviewed at the eligibility review: passive thoughts of death, no plan or "
    "intent, no behaviour; safety plan agreed with the patient and sitter.",
    "follow_up": "Phoned the same morning: passive thoughts only, no plan or intent; safety "
    "plan reviewed; cleared for the next session.",
}

# The day of each session from the first, as clinical.dosing lays out an at-home course
# with 8 weeks of maintenance.
_COURSE = dosing.at_home_schedule(
    dosing.CourseStart(date(2025, 1, 6), time(18), "UTC"), maintenance_weeks=8
)
SESSION_DAYS = tuple((s.at.date() - date(2025, 1, 6)).days for s in _COURSE)
INDUCTION = sum(1 for s in _COURSE if s.phase == "induction")  # 8 sessions in 4 weeks
SPOT_COUNT_AFTER = 4  # a pill count by video after this session (maintenance-bound patients)


class Course(StrEnum):
    """How the patient's scores move on treatment."""

    RESPONDER = "responder"  # PHQ-9 down 55-72% at full effect, reached by session 4-8
    REMITTER = "remitter"  # down to 1-4 (remission: PHQ-9 < 5, CLINICAL.md A11)
    NON_RESPONDER = "non_responder"  # within 20% of the baseline throughout
    DELAYED = "delayed"  # little change in induction, a response in maintenance


class Product(StrEnum):
    """Racemic ketamine only: esketamine is never for use at home (CLINICAL.md G4)."""

    TABLET = "tablet"  # sublingual tablets or troches (racemic)
    SPRAY = "spray"  # racemic nasal spray


class Variant(StrEnum):
    """Something particular about the intake or its review."""

    PLAIN = "plain"
    PARTIAL_DRAFT = "partial_draft"  # intake started by the patient, three sections saved
    BY_COORDINATOR = "by_coordinator"  # a coordinator started it on the phone
    CONTROLLED_HYPERTENSION = "controlled_hypertension"  # a caution (CLINICAL.md D)
    BENZODIAZEPINE = "benzodiazepine"  # a caution, approved with a justification
    PSYCHOTIC_DISORDER = "psychotic_disorder"  # an absolute exclusion: declined
    NEW_WEIGHT = "new_weight"  # the intake's weight differs; the review updates the record


class Ending(StrEnum):
    NONE = "none"
    PAUSED = "paused"  # paused from maintenance, with a reason
    DROPOUT = "dropout"  # discharged after a few sessions, with an adverse event
    COMPLETED = "completed"  # discharged after the course; the leftover destroyed


@dataclass(frozen=True)
class Template:
    """One place in the pattern of 20: the phase to reach and how the journey goes."""

    phase: Phase
    variant: Variant = Variant.PLAIN
    product: Product = Product.TABLET
    course: Course = Course.RESPONDER
    sessions: int = 0  # sessions in all, for those who stop within induction
    maintenance: int = 0  # sessions in maintenance, after the 8 of induction
    ending: Ending = Ending.NONE
    step_ups: tuple[int, ...] = ()  # sessions after which the prescriber raises the dose
    gate_failure: int = 0  # a session whose first checklist fails the BP gate (0: none)
    count_mismatch: bool = False  # the spot pill count finds one unit missing
    suicidal_thoughts: bool = False  # PHQ-9 item 9 above 0 at baseline and once after
    # The last session was taken a few hours before the load and not checked in yet (the
    # worker's missed_check_in: the present moment of the demo).
    awaiting_check_in: bool = False
    # No questionnaires answered in the last QUESTIONNAIRE_LAPSE days before the load (the
    # worker's questionnaire_overdue).
    questionnaires_lapsed: bool = False

    @property
    def total_sessions(self) -> int:
        return INDUCTION + self.maintenance if self.maintenance else self.sessions


TEMPLATES: tuple[Template, ...] = (
    Template(Phase.SCREENING),
    Template(Phase.SCREENING),
    Template(Phase.INTAKE, Variant.PARTIAL_DRAFT),
    Template(Phase.INTAKE, Variant.BY_COORDINATOR),
    Template(Phase.UNDER_REVIEW, Variant.CONTROLLED_HYPERTENSION),
    Template(Phase.UNDER_REVIEW),
    Template(Phase.UNDER_REVIEW),
    Template(Phase.APPROVED, Variant.BENZODIAZEPINE),
    Template(Phase.APPROVED, product=Product.SPRAY),
    Template(Phase.DECLINED, Variant.PSYCHOTIC_DISORDER),
    Template(Phase.INDUCTION, sessions=6, gate_failure=3),
    Template(Phase.INDUCTION, sessions=4),
    Template(Phase.INDUCTION, product=Product.SPRAY, sessions=2),
    Template(
        Phase.INDUCTION,
        course=Course.NON_RESPONDER,
        sessions=7,
        step_ups=(2, 4),
        suicidal_thoughts=True,
        awaiting_check_in=True,
    ),
    Template(Phase.MAINTENANCE, course=Course.REMITTER, maintenance=5, questionnaires_lapsed=True),
    # Once the esketamine patient: esketamine is never dispensed for home use (Spravato
    # REMS, CLINICAL.md G4), so sublingual tablets, stepped up after the first session.
    Template(Phase.MAINTENANCE, maintenance=4, step_ups=(1,)),
    Template(Phase.MAINTENANCE, Variant.NEW_WEIGHT, maintenance=3, count_mismatch=True),
    Template(
        Phase.MAINTENANCE, course=Course.DELAYED, maintenance=6, step_ups=(2,), gate_failure=11
    ),
    Template(Phase.PAUSED, product=Product.SPRAY, maintenance=2, ending=Ending.PAUSED),
    Template(
        Phase.DISCHARGED,
        course=Course.NON_RESPONDER,
        sessions=3,
        ending=Ending.DROPOUT,
        step_ups=(2,),
    ),
)
# Every other round of 20, the discharged patient completed the course instead.
COMPLETED_COURSE = Template(
    Phase.DISCHARGED, course=Course.REMITTER, maintenance=8, ending=Ending.COMPLETED
)
# The awaiting patient's last dose: this many minutes before the load (the checklist a
# few minutes earlier); the check-in is due 2 h after the dose (CLINICAL.md D).
# After the dose (CLINICAL.md D, G4): the blood pressure at about 40 minutes, the release
# check-in once the 2 h observation has passed (a late one after the 2 h 30 min
# deadline), then the sitter's release; the awaiting patient took the dose long enough
# before the load for the check-in to be missed.
READING_MINUTES = (38, 48)
CHECK_IN_MINUTES = (122, 145)
LATE_CHECK_IN_MINUTES = (155, 175)
RELEASE_MINUTES = (2, 10)
AWAITING_DOSE_MINUTES = (155, 175)
EARLY_HOURS = 6  # a load before 06:00: the awaited session was due two evenings before
# The lapsed patient's last questionnaires: more than the maintenance PHQ-9 interval
# (14 days) before the load, so the PHQ-9 is overdue by a few days.
QUESTIONNAIRE_LAPSE = timedelta(days=17)
# The ending comes this many days after the last session (CLINICAL.md has no number:
# a pause after a missed week, a discharge at the next clinic visit).
ENDING_DAYS = {Ending.PAUSED: 9, Ending.DROPOUT: 2, Ending.COMPLETED: 3}
PAUSE_REASONS = (
    "Missed the last session and has not answered calls for a week; paused until we reach them.",
    "Travelling for three weeks; resumes on return.",
    "Started a new job; asked to pause and resume next month.",
)
DROPOUT_REASON = (
    "Stopped after three sessions at the patient's request: nausea and vomiting after "
    "the doses (adverse event reported), no improvement yet. Back to their psychiatrist."
)
COMPLETED_REASON = (
    "Course completed: remission sustained through maintenance. Follow-up with their "
    "psychiatrist; may return if symptoms come back."
)
DECLINE_REASON = "Psychotic disorder in history (absolute exclusion)."
JUSTIFICATIONS = {
    Variant.BENZODIAZEPINE: "Lorazepam 0.5 mg only as needed, a few times a month; agreed "
    "to take none on dosing days.",
}
CHECK_IN_NOTES = (
    "Felt floaty for about 40 minutes; music helped.",
    "Eyes closed most of the time; calm afterwards.",
    "Some nausea at first, gone within the hour.",
    "Hard to find words during the peak, clear now.",
    "Slept a little afterwards.",
)
ANTIDEPRESSANTS = (
    ("sertraline", "150 mg"),
    ("escitalopram", "20 mg"),
    ("venlafaxine", "225 mg"),
    ("duloxetine", "60 mg"),
    ("bupropion", "300 mg"),
    ("mirtazapine", "45 mg"),
)
TABLETS = (
    {"kind": "sublingual_tablet", "strength_mg": 100, "scored": True},
    {"kind": "troche", "strength_mg": 50, "scored": True},
)
SPRAY = {"kind": "nasal_spray", "concentration_mg_per_ml": 100, "spray_volume_ml": 0.1}
# One step of titration, in mg, by product (a half tablet of 100 mg; one 10 mg spray): at
# most +50% in one revision from the starting doses below (CLINICAL.md G5).
STEP_MG = {Product.TABLET: 50, Product.SPRAY: 10}
# The starting dose of sublingual tablets: mg per kg of the patient's weight, in whole
# steps, within (low, high) mg. CLINICAL.md C gives 0.25-7 mg/kg; 1.5 mg/kg is a cautious
# start below the oral 2-2.5 mg/kg that matches IV 0.5 mg/kg, and at most 150 mg, half the
# 300 mg session cap (a first session, CLINICAL.md G5).
TABLET_START = (1.5, (100, 150))
# Racemic spray: 20 mg (two sprays) for everyone, under a first session's 25 mg (half the
# 50 mg session cap, CLINICAL.md G5), titrated up a spray at a time.
SPRAY_START_MG = 20


def template_for(index: int) -> Template:
    """The journey of the demo's patient number `index` (patient01 is 0)."""
    template = TEMPLATES[index % len(TEMPLATES)]
    if template.ending is Ending.DROPOUT and (index // len(TEMPLATES)) % 2:
        return COMPLETED_COURSE
    return template


# --- Answers ------------------------------------------------------------------------------


def spread(total: int, items: int, top: int, rng: random.Random) -> list[int]:
    """`items` answers of 0-`top` adding up to `total`, spread over the items at random."""
    answers = [0] * items
    for _ in range(min(total, items * top)):
        answers[rng.choice([i for i, a in enumerate(answers) if a < top])] += 1
    return answers


def phq9_answers(total: int, item9: int, rng: random.Random) -> list[int]:
    """Nine scored items, then item 10 (how difficult life is: recorded, not scored)."""
    return [*spread(total - item9, 8, 3, rng), item9, min(3, total // 7)]


def cadss6_answers(rng: random.Random, sensitivity: float) -> list[int]:
    if rng.random() < HIGH_DISSOCIATION:
        return spread(rng.randint(17, 20), 6, 4, rng)
    if rng.random() < DISSOCIATION * sensitivity:
        return spread(rng.randint(3, 12), 6, 4, rng)
    return spread(rng.randint(0, 2), 6, 4, rng)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


# --- The clinic's people -----------------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    """The demo clinic's staff, and the consent text its patients sign."""

    prescriber: User  # dr.rivera: plans, prescriptions, phase moves, witness
    clinician: User  # dr.chen: eligibility reviews, adverse events
    pharmacist: User
    coordinator: User
    consent: ConsentDocument

    @classmethod
    def of(cls, clinic_id: int) -> Cast:
        staff = list(
            User.objects.filter(clinic_id=clinic_id, is_staff=True)
            .prefetch_related("role_grants")
            .order_by("pk")
        )

        def first(role: Role, *, unless: Role | None = None) -> User:
            return next(u for u in staff if role in u.roles and unless not in u.roles)

        return cls(
            prescriber=first(Role.PRESCRIBER),
            clinician=first(Role.CLINICIAN, unless=Role.PRESCRIBER),
            pharmacist=first(Role.PHARMACIST),
            coordinator=first(Role.COORDINATOR),
            consent=ConsentDocument.objects.filter(clinic_id=clinic_id).latest("version"),
        )


# --- One journey ---------------------------------------------------------------------------

Steps = Generator[datetime, None, None]


@dataclass(frozen=True)
class Dates:
    """The landmark days of a journey, on the patient's calendar."""

    consent: date
    submit: date
    review: date | None = None
    first_dose: date | None = None
    dispense: date | None = None


class Journey:
    """One patient walked to their phase: `steps()` yields the moment of each next step.

    The code after each `yield` runs with the clock at the moment yielded (`replay`),
    so each service call happens, and is recorded, then.
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
        self.answers = self._intake_answers()
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

    # -- the journey ----------------------------------------------------------------------------

    def steps(self) -> Steps:
        t = self.template
        if t.phase is Phase.SCREENING:
            return
        yield from self._intake()
        if t.phase in (Phase.INTAKE, Phase.UNDER_REVIEW):
            return
        yield from self._review()
        if t.phase is Phase.DECLINED:
            return
        yield from self._prescribe()
        for number in range(1, t.total_sessions + 1):
            if t.awaiting_check_in and number == t.total_sessions:
                yield from self._awaited_session()
                return
            yield from self._session(number)
            yield from self._day_after(number)
        yield from self._ending()

    def _intake(self) -> Steps:
        """Consent and intake in the evening; completed and submitted another evening."""
        if self.template.variant is Variant.BY_COORDINATOR:  # on the phone, in office hours
            moment = self.at(self.dates.consent, 11, (0, 90))
            yield moment
            draft = intake.start_intake(self.cast.coordinator, self.patient())
            yield self.later(moment, 10, 20)
            demographics = {"demographics": self.answers["demographics"]}
            intake.save_intake_draft(self.cast.coordinator, _intake(draft.pk), data=demographics)
            return
        moment = self.at(self.dates.consent, 19, (0, 120))
        yield moment
        name = self.record.legal_name
        patients.sign_consent(self.user, self.record, self.cast.consent, name)
        yield self.later(moment, 2, 5)
        draft = intake.start_intake(self.user, self.patient())
        yield self.later(moment, 15, 30)
        sections = {k: self.answers[k] for k in ("demographics", "medical_history", "trials")}
        intake.save_intake_draft(self.user, _intake(draft.pk), data=sections)
        if self.template.phase is Phase.INTAKE:
            return
        moment = self.at(self.dates.submit, 20, (0, 90))
        yield moment
        intake.save_intake_draft(self.user, _intake(draft.pk), data=self.answers)
        yield self.later(moment, 10, 25)
        self.intake_pk = intake.submit_intake(self.user, _intake(draft.pk)).pk

    def _review(self) -> Steps:
        assert self.dates.review is not None  # noqa: S101 - set for every reviewed journey
        assert self.intake_pk is not None  # noqa: S101 - submitted before
        yield self.at(self.dates.review, 10, (0, 300))
        submitted = _intake(self.intake_pk)
        reviewer = self.cast.clinician
        if self.rng.random() < BY_PRESCRIBER:
            reviewer = self.cast.prescriber
        if self.template.phase is Phase.DECLINED:
            decision, justification = "decline", DECLINE_REASON
        else:
            findings = (submitted.eligibility or {})["findings"]
            cautions = any(f["severity"] == "caution" for f in findings)
            decision = "approve"
            justification = JUSTIFICATIONS.get(self.template.variant, "") if cautions else ""
        intake.review_intake(reviewer, submitted, decision=decision, justification=justification)
        yield from self._clear_suicidality("review")

    def _clear_suicidality(self, when: str) -> Steps:
        """A clinician reviews a suicidality hold and clears the patient for dosing (G3)."""
        if not suicidality_hold(self.record):
            return
        yield from ()
        treatment.clear_for_dosing(
            self.cast.clinician, self.record, hold="suicidality", note=CLEARANCE_NOTES[when]
        )

    # -- the plan, the prescription and the dispensing ------------------------------------------

    def _prescribe(self) -> Steps:
        first_dose, review, dispense = self.dates.first_dose, self.dates.review, self.dates.dispense
        if first_dose is None or review is None or dispense is None:
            raise RuntimeError("A treated journey has its review, dispense and first dose days.")
        moment = self.at(review, 15, (0, 120))
        yield moment
        self._plan = treatment.create_plan(self.cast.prescriber, self.record, **self._plan_spec())
        yield self.later(moment, 5, 15)
        self._prescription = treatment.write_prescription(
            self.cast.prescriber,
            self.record,
            plan=self.plan,
            quantity=self.prescription_quantity(),
            refills=1,  # the refill for maintenance, from the last induction session on
            directions=self._directions(),
            earliest_refill_on=first_dose + timedelta(days=SESSION_DAYS[INDUCTION - 1]),
        )
        yield self.at(dispense, 11, (0, 240))
        self._dispense()

    def _plan_spec(self) -> dict[str, Any]:
        product = self.template.product
        assert self.dates.first_dose is not None  # noqa: S101 - set for every treated journey
        schedule: dict[str, Any] = {
            "pattern": "at_home",
            "first_day": self.dates.first_dose.isoformat(),
            "time_of_day": self.rng.choice(["18:00", "18:30", "19:00", "19:30"]),
            "maintenance_weeks": 8,
        }
        if product is Product.SPRAY:
            return {
                "route": "intranasal",
                "formulation": SPRAY,
                "dose_mg": SPRAY_START_MG,
                "schedule": schedule,
            }
        mg_per_kg, (low, high) = TABLET_START
        step = STEP_MG[product]
        # The weight of the record: the review may have updated it from the intake.
        dose = _clamp(round(float(self.patient().weight_kg) * mg_per_kg / step) * step, low, high)
        formulation = self.rng.choice(TABLETS)
        return {
            "route": "sublingual",
            "formulation": formulation,
            "dose_mg": dose,
            "schedule": schedule,
        }

    def prescription_quantity(self) -> int:
        """Units for the 8 induction sessions at the plan's dose.

        With its refill for the maintenance: what the plan needs and no more (issue 11).
        """
        return math.ceil(INDUCTION * self.plan.ledger_units(float(self.plan.dose_mg)))

    def _directions(self) -> str:
        take, product = self.plan.take, self.template.product
        if product is Product.TABLET:
            return f"Hold {take} under the tongue for 15 minutes, then spit; sitter present."
        return f"{take.capitalize()}, alternating nostrils, 5 minutes apart; sitter present."

    def _dispense(self, prescription: Prescription | None = None) -> None:
        prescription = prescription or self.prescription
        expires = self.today + timedelta(days=self.rng.randint(240, 400))
        lot = f"KC-{self.rng.randint(10000, 99999)}"
        treatment.dispense(
            self.cast.pharmacist,
            prescription,
            quantity=prescription.quantity,
            lot_number=lot,
            expires_on=expires,
        )

    # -- sessions -------------------------------------------------------------------------------

    def _session(self, number: int) -> Steps:
        rng = self.rng
        scheduled = datetime.fromisoformat(self.plan.schedule["sessions"][number - 1]["at"])
        moment = max(self.later(scheduled, 0, 40), self._earliest())
        actor = self.sitter_user if rng.random() < BY_SITTER else self.user
        yield from self._sitter_arrives(moment)
        if number == self.template.gate_failure or (number > 1 and rng.random() < GATE_FAILURE):
            yield moment
            self._checklist(actor, HIGH_BP)  # stored as gate_failed: no dose on it
            moment = self.later(moment, 60, 110)  # re-measured after the wait (CLINICAL.md G2)
            yield from self._sitter_arrives(moment)
        yield moment
        pressure = (self.bp[0] + rng.randint(-6, 6), self.bp[1] + rng.randint(-4, 4))
        session = self._checklist(actor, pressure)
        if session.status != SessionStatus.READY:
            raise RuntimeError(f"Demo session refused: {session.gate_findings}")
        yield self.later(moment, 4, 12)
        session = treatment.record_dose_taken(self.user, session, dose_mg=self.plan.dose_mg)
        taken_at = read(session.taken_at)
        self.doses.append(taken_at)
        yield from self._reading(session, pressure)
        late = rng.random() < LATE_CHECK_IN
        moment = self.later(taken_at, *(LATE_CHECK_IN_MINUTES if late else CHECK_IN_MINUTES))
        yield moment
        effects = self._side_effects(number)
        treatment.record_check_in(self.user, session, **self._check_in(pressure, effects))
        moment = self.later(moment, *RELEASE_MINUTES)
        yield moment
        treatment.release_session(self.sitter_user, session, stable=True)
        dropout = self.template.ending is Ending.DROPOUT  # reported by the clinic instead
        if "vomiting" in effects and not dropout and rng.random() < REPORTED:
            yield self.later(moment, 3, 8)
            text = "Vomited twice in the first hour after the dose; settled by the evening."
            self._adverse_event(self.user, session, "mild", text)

    def _earliest(self) -> datetime:
        """The earliest checklist the gate allows: spacing and twice weekly (C, G1)."""
        if not self.doses:
            return self.end - timedelta(days=10_000)
        spacing = self.doses[-1] + safety.DEFAULT_RULES.min_interval_between_doses
        earliest = spacing + timedelta(minutes=2)
        if len(self.doses) >= PER_WINDOW:
            window = self.doses[-PER_WINDOW] + predose.ROLLING_WINDOW + timedelta(minutes=2)
            earliest = max(earliest, window)
        return earliest

    def _sitter_arrives(self, checklist_at: datetime, lead: tuple[int, int] = (5, 20)) -> Steps:
        """The sitter confirms being there from their own sign-in, before the checklist."""
        yield checklist_at - timedelta(minutes=self.rng.randint(*lead))
        treatment.confirm_sitter_presence(self.sitter_user, self.record)

    def _reading(self, session: DosingSession, pressure: tuple[int, int]) -> Steps:
        """The blood pressure at about 40 minutes; a high one measured again 15 minutes on."""
        rng, taken_at = self.rng, read(session.taken_at)
        moment = self.later(taken_at, *READING_MINUTES)
        yield moment
        rise = (rng.randint(40, 46), rng.randint(18, 26)) if rng.random() < BP_RISE else (0, 0)
        rise = rise if rise[0] else (rng.randint(2, 16), rng.randint(1, 9))
        reading = treatment.record_post_dose_reading(
            self.user,
            session,
            systolic_mmhg=pressure[0] + rise[0],
            diastolic_mmhg=pressure[1] + rise[1],
        )
        if reading.high:
            yield self.later(moment, 15, 20)
            treatment.record_post_dose_reading(
                self.user,
                session,
                systolic_mmhg=pressure[0] + rng.randint(8, 16),
                diastolic_mmhg=pressure[1] + rng.randint(4, 9),
            )

    def _awaited_session(self) -> Steps:
        """Questionnaires, checklist, dose and reading before the load; no check-in yet."""
        rng = self.rng
        dose_at = self.end - timedelta(minutes=rng.randint(*AWAITING_DOSE_MINUTES))
        moment = dose_at - timedelta(minutes=rng.randint(4, 12))
        if moment < self._earliest():
            raise RuntimeError("The awaiting demo session comes too soon after the others.")
        actor = self.sitter_user
        # The questionnaires due today first, as the patient answers them before a session.
        yield from self._questionnaires(moment - timedelta(minutes=rng.randint(40, 60)))
        yield from self._sitter_arrives(moment, lead=(2, 4))  # after the questionnaires
        yield moment
        pressure = (self.bp[0] + rng.randint(-6, 6), self.bp[1] + rng.randint(-4, 4))
        session = self._checklist(actor, pressure)
        if session.status != SessionStatus.READY:
            raise RuntimeError(f"Demo session refused: {session.gate_findings}")
        yield dose_at
        session = treatment.record_dose_taken(self.user, session, dose_mg=self.plan.dose_mg)
        self.doses.append(read(session.taken_at))
        yield from self._reading(session, pressure)

    def _checklist(self, actor: User, pressure: tuple[int, int]) -> DosingSession:
        return treatment.start_session(
            actor,
            self.record,
            sitter_present=True,
            cssrs_answers=NO_IDEATION,
            fasted=True,
            no_driving_until_tomorrow=True,
            systolic_mmhg=pressure[0],
            diastolic_mmhg=pressure[1],
            heart_rate_bpm=self.rng.randint(62, 88),
        )

    def _side_effects(self, number: int) -> list[str]:
        if self.template.ending is Ending.DROPOUT and number > 1:
            return ["nausea", "vomiting", "dizziness"]
        effects = [name for name, p in SIDE_EFFECTS if self.rng.random() < p * self.sensitivity]
        if "vomiting" in effects and "nausea" not in effects:
            effects.insert(0, "nausea")
        return effects

    def _check_in(self, pressure: tuple[int, int], effects: list[str]) -> dict[str, Any]:
        rng = self.rng
        if "vomiting" in effects:
            feeling = "very_unwell" if self.template.ending is Ending.DROPOUT else "unwell"
        elif len(effects) > 1:
            feeling = "okay"
        else:
            feeling = rng.choice(["well", "well", "very_well", "okay"])
        return {
            "feeling": feeling,
            # Two hours on, the rise has mostly passed (CLINICAL.md D: it lasts about 4 h).
            "blood_pressure": (pressure[0] + rng.randint(0, 10), pressure[1] + rng.randint(0, 6)),
            "cadss6_answers": cadss6_answers(rng, self.sensitivity),
            "side_effects": effects,
            "notes": rng.choice(CHECK_IN_NOTES) if rng.random() < NOTED else "",
        }

    def _adverse_event(self, actor: User, session: DosingSession, severity: str, text: str) -> None:
        assert session.taken_at is not None  # noqa: S101 - events follow a dose
        treatment.report_adverse_event(
            actor,
            self.record,
            session=session,
            description=text,
            severity=severity,
            serious=False,
            outcome="resolved",
            onset_at=self.later(session.taken_at, 20, 40),
        )

    # -- the day after a session ----------------------------------------------------------------

    def _day_after(self, number: int) -> Steps:
        """The morning after a session: questionnaires, then what the clinic does.

        The questionnaires due (08:00-09:30), then an adverse event reported after a call
        (10:00), titration (11:00), a pill count (12:00), the end-of-induction review
        (13:00) and the refill (14:00).
        """
        t = self.template
        scheduled = datetime.fromisoformat(self.plan.schedule["sessions"][number - 1]["at"])
        day = scheduled.date() + timedelta(days=1)
        yield from self._questionnaires(self.at(day, 8, (0, 60)))
        if suicidality_hold(self.record):
            yield self.at(day, 10, (0, 30))
            yield from self._clear_suicidality("follow_up")
        if t.ending is Ending.DROPOUT and number == t.sessions:
            yield self.at(day, 10, (0, 50))
            session = DosingSession.objects.filter(patient_id=self.record.pk).latest("taken_at")
            text = (
                "Nausea and vomiting for about six hours after each of the last two doses; "
                "could not keep fluids down until the evening. No fall, no injury."
            )
            self._adverse_event(self.cast.clinician, session, "moderate", text)
        if number in t.step_ups:
            yield self.at(day, 11, (0, 50))
            self._step_up(number)
        continuing = t.total_sessions > INDUCTION
        if continuing and number == SPOT_COUNT_AFTER:
            yield self.at(day, 12, (0, 30))
            self._count()
        if continuing and number == INDUCTION:  # the end-of-induction review
            yield self.at(day, 13, (0, 30))
            treatment.start_maintenance(self.cast.prescriber, self.record)
            yield self.at(day, 14, (0, 60))
            self._dispense()  # the refill for maintenance

    def _step_up(self, number: int) -> None:
        product = self.template.product
        dose = float(self.plan.dose_mg) + STEP_MG[product]
        reason = f"Tolerated, little change after {number} sessions: one step up."
        self._plan = treatment.revise_plan(
            self.cast.prescriber, self.plan, reason=reason, dose_mg=dose
        )
        # The higher dose needs more units than prescribed: what the plan still needs.
        more = treatment.plan_need(self.record, self.plan).units_allowed
        if more:
            self._dispense(
                treatment.write_prescription(
                    self.cast.prescriber,
                    self.record,
                    plan=self.plan,
                    quantity=more,
                    refills=0,
                    directions=self._directions(),
                    earliest_refill_on=None,
                )
            )

    def _count(self) -> None:
        expected = treatment.ledger_balance(self.record)
        counted = expected - 1 if self.template.count_mismatch else expected
        treatment.record_ledger_event(
            self.cast.coordinator,
            self.record,
            kind="counted",
            quantity=counted,
            note="Spot count by video call.",
        )

    def _questionnaires(self, moment: datetime) -> Steps:
        """Everything due by this evening, answered in a row (the C-SSRS after a flag).

        At most five questionnaires, 2-5 minutes apart.
        """
        if self.template.questionnaires_lapsed and moment > self.end - QUESTIONNAIRE_LAPSE:
            return  # the patient has stopped answering them (overdue at the load)
        yield moment
        for _ in range(2):  # a second round: the C-SSRS a flag has just made due
            due = assessments.due_questionnaires(self.patient(), at=moment + timedelta(hours=12))
            if not due:
                return
            for item in due:
                moment = self.later(moment, 2, 5)
                yield moment
                self._answer(item.instrument)

    def _answer(self, instrument: str) -> None:
        assessments.submit_questionnaire(
            self.user, self.record, instrument=instrument, answers=self._scores(instrument)
        )

    def _scores(self, instrument: str) -> list[int]:
        rng, gone = self.rng, self._improvement()
        if instrument == "phq9":
            self.phq9_follow_ups += 1
            item9 = int(self.template.suicidal_thoughts and self.phq9_follow_ups == FLAGGED_PHQ9)
            return phq9_answers(self._phq9_total(gone), item9, rng)
        # GAD-7 and PCL-5 move with the PHQ-9, a little less (the demo's choice).
        if instrument == "gad7":
            total = round(self.gad7_baseline * (1 - 0.85 * gone)) + rng.randint(-1, 1)
            return spread(_clamp(total, 0, 21), 7, 3, rng)
        if instrument == "pcl5":
            total = round(self.pcl5_baseline * (1 - 0.8 * gone)) + rng.randint(-2, 2)
            return spread(_clamp(total, 0, 80), 20, 4, rng)
        return [1, 0, 0, 0, 0, 0, 0]  # C-SSRS after a flag: a wish to be dead only (low)

    def _improvement(self) -> float:
        """The share of the baseline score gone by now, after the doses taken."""
        course, taken = self.template.course, len(self.doses)
        if course is Course.NON_RESPONDER:
            return self.rng.uniform(-0.15, 0.15)
        if course is Course.DELAYED:
            later = max(0, taken - INDUCTION)
            return 0.08 if not later else self.drop * min(1, later / 4)
        return self.drop * min(1, taken / self.to_effect)

    def _phq9_total(self, gone: float) -> int:
        baseline = self.phq9_baseline
        total = round(baseline * (1 - gone)) + self.rng.randint(-1, 1)
        if self.template.course is Course.NON_RESPONDER:  # within 20% of the baseline
            return _clamp(total, math.ceil(baseline * 0.81), min(27, int(baseline * 1.19)))
        return _clamp(total, 1 if self.template.suicidal_thoughts else 0, 27)

    # -- the ending -----------------------------------------------------------------------------

    def _ending(self) -> Steps:
        t = self.template
        if t.ending is Ending.NONE:
            return
        last = datetime.fromisoformat(self.plan.schedule["sessions"][t.total_sessions - 1]["at"])
        if t.ending is Ending.PAUSED:
            yield self.at(last.date() + timedelta(days=ENDING_DAYS[t.ending]), 11, (0, 40))
            reason = PAUSE_REASONS[self.planned.index // len(TEMPLATES) % len(PAUSE_REASONS)]
            treatment.pause_treatment(self.cast.prescriber, self.record, reason=reason)
            return
        dropout = t.ending is Ending.DROPOUT
        moment = self.at(last.date() + timedelta(days=ENDING_DAYS[t.ending]), 11, (0, 40))
        yield moment
        reason = DROPOUT_REASON if dropout else COMPLETED_REASON
        treatment.discharge_patient(self.cast.prescriber, self.record, reason=reason)
        moment = (
            self.at(moment.date() + timedelta(days=1), 14, (0, 60))
            if dropout
            else self.later(moment, 30, 50)
        )
        yield moment
        left = treatment.ledger_balance(self.record)
        if left and dropout:
            treatment.record_ledger_event(
                self.cast.pharmacist,
                self.record,
                kind="returned",
                quantity=left,
                note="Returned unused to the pharmacy after discharge.",
            )
        elif left:
            treatment.record_ledger_event(
                self.cast.pharmacist,
                self.record,
                kind="destroyed",
                quantity=left,
                witness=self.cast.prescriber,
                note="Leftover destroyed at the discharge visit.",
            )

    # -- the intake's answers -------------------------------------------------------------------

    def _intake_answers(self) -> dict[str, Any]:
        record, variant, rng = self.planned.patient, self.template.variant, self.rng
        weight = Decimal(record.weight_kg) + (
            Decimal("1.6") if variant is Variant.NEW_WEIGHT else 0
        )
        systolic, diastolic = (136, 86) if variant is Variant.CONTROLLED_HYPERTENSION else self.bp
        return {
            "demographics": {
                "date_of_birth": record.date_of_birth.isoformat(),
                "weight_kg": str(weight),
            },
            "medical_history": {
                "pregnant": False,
                "breastfeeding": False,
                "hypertension": "controlled"
                if variant is Variant.CONTROLLED_HYPERTENSION
                else "none",
                "aneurysmal_vascular_disease_or_avm": False,
                "intracerebral_haemorrhage_history": False,
                "ketamine_hypersensitivity": False,
                "unstable_cardiac_disease": False,
                "unstable_respiratory_disease": False,
                "severe_hepatic_disease": False,
                "raised_intraocular_pressure": False,
                "raised_intracranial_pressure": False,
            },
            "psychiatric_history": {
                "psychotic_disorder": variant is Variant.PSYCHOTIC_DISORDER,
                "current_mania": False,
                "bipolar_disorder": False,
                "ketamine_use_disorder": "none",
                "other_substance_use_disorder": "none",
            },
            "trials": self._trials(),
            "current_medications": self._medications(),
            "questionnaires": self._baseline(),
            "home_vitals": {
                "systolic_mmhg": systolic,
                "diastolic_mmhg": diastolic,
                "heart_rate_bpm": rng.randint(60, 86),
            },
            "home": {"sitter_available": True, "secure_storage": True, "agrees_not_to_drive": True},
        }

    def _trials(self) -> list[dict[str, Any]]:
        """TRD: 2-3 failed adequate trials this episode (CLINICAL.md D); others one."""
        indication, rng = self.planned.patient.indication, self.rng
        count = rng.randint(2, 3) if indication == Indication.TRD else 1
        drugs = rng.sample(ANTIDEPRESSANTS, count)
        if indication == Indication.PTSD:
            drugs = [("sertraline", "200 mg")]
        return [
            {
                "drug": drug,
                "dose": dose,
                "adequate_dose": True,
                "duration_weeks": rng.randint(8, 14),
                "outcome": "failed",
                "in_current_episode": True,
            }
            for drug, dose in drugs
        ]

    def _medications(self) -> list[dict[str, Any]]:
        current = [{"name": "bupropion", "dose": "150 mg daily", "classes": []}]
        if self.planned.patient.indication == Indication.PTSD:
            current = [{"name": "prazosin", "dose": "2 mg at night", "classes": []}]
        if self.template.variant is Variant.BENZODIAZEPINE:
            current.append(
                {"name": "lorazepam", "dose": "0.5 mg as needed", "classes": ["benzodiazepine"]}
            )
        return current

    def _baseline(self) -> dict[str, Any]:
        rng, t = self.rng, self.template
        answers: dict[str, Any] = {
            "phq9": phq9_answers(self.phq9_baseline, int(t.suicidal_thoughts), rng),
            "gad7": spread(self.gad7_baseline, 7, 3, rng),
            "cssrs_screen": [int(t.suicidal_thoughts), 0, 0, 0, 0, 0, 0],
            "auditc": rng.choice([[0, 0, 0], [1, 0, 0], [1, 1, 0]]),  # below both cut-offs
            "dast10": [0, 0, 1, 0, 0, 0, 0, 0, 0, 0],  # no drug use (item 3 is reversed)
        }
        if self.planned.patient.indication == Indication.PTSD:
            answers["pcl5"] = spread(self.pcl5_baseline, 20, 4, rng)
        return answers


def _intake(pk: int) -> Intake:
    """The intake as stored now (`start_intake` may return it with a stale patient)."""
    return Intake.objects.select_related("patient").get(pk=pk)


# --- The replay ----------------------------------------------------------------------------


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
        result = selfscreen.assess(
            selfscreen.SelfScreenAnswers(phq9=phq9, failed_trials=trials, exclusions=no)
        )
        contact = leads.LeadContact(
            name=name,
            phone=phone,
            email="",
            preferred_contact_time=ContactTime(when),
            consented=True,
        )
        leads.create_lead(clinic, contact, result)


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
        resolve_alert(
            clinician, alert, note="Reviewed with the patient at the time (demo history)."
        )
