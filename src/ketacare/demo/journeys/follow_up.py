"""What the clinic does after the sessions, and how the course ends.

The morning after each session: the questionnaires due, a suicidality hold cleared, an
adverse event reported after a call, titration, a spot pill count, and at the end of
induction the review of benefit (dispensing waits for it), the move to maintenance and
its refill. Then the ending, some days after the last session: a pause, or a discharge
with the leftover returned or destroyed.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from ketacare.demo.journeys.intake import IntakeSteps
from ketacare.demo.journeys.prescribing import PrescribingSteps
from ketacare.demo.journeys.questionnaires import ASSESSED_AFTER_SESSIONS
from ketacare.demo.journeys.sessions import SessionSteps
from ketacare.demo.journeys.state import Steps
from ketacare.demo.journeys.templates import (
    ENDING_DAYS,
    INDUCTION,
    SPOT_COUNT_AFTER,
    TEMPLATES,
    Ending,
)
from ketacare.treatment import services as treatment
from ketacare.treatment.models import Benefit, DosingSession, LedgerEventKind, ReviewDecision
from ketacare.treatment.queries import suicidality_hold
from ketacare.treatment.reviews import phq9_course
from ketacare.treatment.specs.ledger import LedgerEventSpec
from ketacare.treatment.specs.plans import MoveSpec
from ketacare.treatment.specs.reviews import InductionReviewSpec

PAUSE_REASONS = (
    "Missed the last session and has not answered calls for a week; paused until we reach them.",
    "Travelling for three weeks; resumes on return.",
    "Started a new job; asked to pause and resume next month.",
)
DROPOUT_REASON = (
    "Stopped after three sessions at the patient's request: nausea and vomiting after "
    "the doses (adverse event reported), no improvement yet. Back to their psychiatrist."
)
# The outcome questionnaires after sessions 2 and 4: before the schedule's round at 08:00.
OUTCOMES_AT = time(7, 30)
COMPLETED_REASON = (
    "Course completed: remission sustained through maintenance. Follow-up with their "
    "psychiatrist; may return if symptoms come back."
)


class FollowUpSteps(SessionSteps, PrescribingSteps, IntakeSteps):
    """The day after each session, and the ending."""

    def _day_after(self, number: int) -> Steps:
        """The morning after a session: questionnaires, then what the clinic does.

        The questionnaires due (08:00-09:30), then an adverse event reported after a call
        (10:00), titration (11:00), a pill count (12:00), the end-of-induction review
        (13:00) and the refill (14:00).
        """
        t = self.template
        scheduled = datetime.fromisoformat(self.plan.schedule["sessions"][number - 1]["at"])
        day = scheduled.date() + timedelta(days=1)
        if number in ASSESSED_AFTER_SESSIONS:
            morning = datetime.combine(day, OUTCOMES_AT, tzinfo=self.zone)
            yield from self._outcome_assessment(morning)
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
            treatment.record_induction_review(
                self.cast.prescriber, self.record, self._induction_review()
            )
            treatment.start_maintenance(self.cast.prescriber, self.record, MoveSpec())
            self._pdmp_checked()  # a refill follows a recent state PDMP check
            yield self.at(day, 14, (0, 60))
            self._dispense()  # the refill for maintenance

    def _induction_review(self) -> InductionReviewSpec:
        """The prescriber's judgement from the PHQ-9 summary: every journey here continues."""
        latest = course.latest if (course := phq9_course(self.record)) is not None else None
        if latest is not None and latest.response:
            return InductionReviewSpec(benefit=Benefit.RESPONSE, decision=ReviewDecision.CONTINUE)
        benefit = Benefit.PARTIAL if latest is not None and latest.delta < 0 else Benefit.NONE
        note = "Some benefit, well tolerated: maintenance at this dose, reviewed monthly."
        if benefit is Benefit.NONE:
            note = (
                "No clear benefit yet; the patient asked to go on: maintenance, reviewed monthly."
            )
        return InductionReviewSpec(benefit=benefit, decision=ReviewDecision.CONTINUE, note=note)

    def _count(self) -> None:
        expected = treatment.ledger_balance(self.record)
        counted = expected - 1 if self.template.count_mismatch else expected
        count = LedgerEventSpec(
            kind=LedgerEventKind.COUNTED, quantity=counted, note="Spot count by video call."
        )
        treatment.record_ledger_event(self.cast.coordinator, self.record, count)

    def _ending(self) -> Steps:
        t = self.template
        if t.ending is Ending.NONE:
            return
        last = datetime.fromisoformat(self.plan.schedule["sessions"][t.total_sessions - 1]["at"])
        if t.ending is Ending.PAUSED:
            yield self.at(last.date() + timedelta(days=ENDING_DAYS[t.ending]), 11, (0, 40))
            reason = PAUSE_REASONS[self.planned.index // len(TEMPLATES) % len(PAUSE_REASONS)]
            treatment.pause_treatment(self.cast.prescriber, self.record, MoveSpec(reason=reason))
            return
        dropout = t.ending is Ending.DROPOUT
        moment = self.at(last.date() + timedelta(days=ENDING_DAYS[t.ending]), 11, (0, 40))
        yield moment
        reason = DROPOUT_REASON if dropout else COMPLETED_REASON
        treatment.discharge_patient(self.cast.prescriber, self.record, MoveSpec(reason=reason))
        moment = (
            self.at(moment.date() + timedelta(days=1), 14, (0, 60))
            if dropout
            else self.later(moment, 30, 50)
        )
        yield moment
        left = treatment.ledger_balance(self.record)
        if left:
            # The demo clinic takes nothing back (21 CFR 1317, its protocol's default): the
            # patient takes what is left to a take-back, and the pharmacist records it.
            where = (
                "Taken to the pharmacy's take-back kiosk after discharge."
                if dropout
                else "Taken to a DEA take-back day at the discharge visit's advice."
            )
            disposed = LedgerEventSpec(kind=LedgerEventKind.DISPOSED, quantity=left, note=where)
            treatment.record_ledger_event(self.cast.pharmacist, self.record, disposed)
