"""The journeys of the demo's pattern of 20: how each patient's treatment goes.

One Template per place in `demo.clinic.PHASE_PATTERN`: the phase to reach, the intake's
particulars, the product, how the scores move, how many sessions and how it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum

from ketacare.clinical import dosing
from ketacare.patients.phases import Phase

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
# The ending comes this many days after the last session (CLINICAL.md has no number:
# a pause after a missed week, a discharge at the next clinic visit).
ENDING_DAYS = {Ending.PAUSED: 9, Ending.DROPOUT: 2, Ending.COMPLETED: 3}


def template_for(index: int) -> Template:
    """The journey of the demo's patient number `index` (patient01 is 0)."""
    template = TEMPLATES[index % len(TEMPLATES)]
    if template.ending is Ending.DROPOUT and (index // len(TEMPLATES)) % 2:
        return COMPLETED_COURSE
    return template
