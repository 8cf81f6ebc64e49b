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

The package, by topic: `templates` (the pattern of 20: Course, TEMPLATES,
`template_for`), `answers` (made-up scores and the intake form), `cast` (the clinic's
staff), `state` (one journey's patient and time line), the steps of each phase of care
as mixins on it (`intake`: consent, intake and review; `prescribing`: plan,
prescription, dispensing and titration; `sessions`: at-home sessions;
`questionnaires`; `follow_up`: the day after a session, maintenance, pause and
discharge), `journey` (the whole journey, in order) and `replay` (the time line,
`walk_journeys`, and the roster, old alerts and screening leads around it).
"""

from ketacare.demo.journeys.cast import Cast
from ketacare.demo.journeys.journey import Journey
from ketacare.demo.journeys.questionnaires import QUESTIONNAIRE_LAPSE
from ketacare.demo.journeys.replay import DEMO_LEADS, JOURNEY_LIMIT, replay, walk_journeys
from ketacare.demo.journeys.sessions import HIGH_BP
from ketacare.demo.journeys.templates import (
    COMPLETED_COURSE,
    INDUCTION,
    SESSION_DAYS,
    TEMPLATES,
    Course,
    Ending,
    Product,
    Template,
    Variant,
    template_for,
)

__all__ = [
    "COMPLETED_COURSE",
    "DEMO_LEADS",
    "HIGH_BP",
    "INDUCTION",
    "JOURNEY_LIMIT",
    "QUESTIONNAIRE_LAPSE",
    "SESSION_DAYS",
    "TEMPLATES",
    "Cast",
    "Course",
    "Ending",
    "Journey",
    "Product",
    "Template",
    "Variant",
    "replay",
    "template_for",
    "walk_journeys",
]
