"""The end-of-induction review: when a course's induction is over and benefit is judged.

CLINICAL.md C: an at-home course is about 4-8 sessions; the esketamine label says to
"assess benefit at end of induction"; the ASA principles ask for a defined course and
end point. Hull 2022 (F, G9) assessed at week 4. So the review is due once the patient
has taken the plan's induction sessions, or `induction_review_after_days` (28 by
default: the 4 weeks of the at-home induction, `induction_weeks`) after the first dose,
whichever comes first. A plan that sets no induction sessions is reviewed by the days
alone. The days are the clinic's choice (no published number), kept in `DosingRules`.

Time is elapsed time between instants (UTC), never wall clocks: 28 days after a dose
across a change of the clocks is 28 x 24 h later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ketacare.clinical.dosing.inputs import InvalidDosingInput, _require_aware, _require_whole
from ketacare.clinical.dosing.rules import DEFAULT_RULES, DosingRules


@dataclass(frozen=True)
class InductionCourse:
    """What the review reads of a patient's course so far."""

    first_dose_at: datetime | None  # aware; None: no dose yet
    doses_taken: int
    induction_sessions: int | None  # the plan's induction sessions; None: the plan sets none

    def __post_init__(self) -> None:
        _require_whole("doses_taken", self.doses_taken, minimum=0)
        if self.induction_sessions is not None:
            _require_whole("induction_sessions", self.induction_sessions, minimum=1)
        if self.first_dose_at is None:
            if self.doses_taken:
                raise InvalidDosingInput(
                    f"{self.doses_taken} doses taken but no first dose: give first_dose_at."
                )
        else:
            _require_aware("first_dose_at", self.first_dose_at)


@dataclass(frozen=True)
class ReviewDue:
    """A review is due, since `since`, and why in words ("8 of 8 induction sessions taken")."""

    since: datetime | None  # when it fell due by time; None: by the sessions taken
    reason: str


def review_due_by_time(
    course: InductionCourse, rules: DosingRules = DEFAULT_RULES
) -> datetime | None:
    """The instant the review falls due by time (None before the first dose)."""
    if course.first_dose_at is None:
        return None
    start = course.first_dose_at.astimezone(UTC)
    return start + timedelta(days=rules.induction_review_after_days)


def induction_review_due(
    course: InductionCourse, *, now: datetime, rules: DosingRules = DEFAULT_RULES
) -> ReviewDue | None:
    """Whether the end-of-induction review is due at `now`, and why; None when not yet.

    Due once the plan's induction sessions are taken, or the rules' days after the first
    dose have passed (at that instant), whichever comes first.
    """
    _require_aware("now", now)
    sessions = course.induction_sessions
    if sessions is not None and course.doses_taken >= sessions:
        return ReviewDue(
            since=None, reason=f"{course.doses_taken} of {sessions} induction sessions taken"
        )
    by_time = review_due_by_time(course, rules)
    if by_time is not None and now.astimezone(UTC) >= by_time:
        days = rules.induction_review_after_days
        return ReviewDue(since=by_time, reason=f"{days} days since the first dose")
    return None
