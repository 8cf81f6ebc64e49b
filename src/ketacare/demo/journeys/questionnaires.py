"""The scheduled questionnaires, answered as the patient's scores move on treatment."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from ketacare.assessments import queries
from ketacare.assessments import services as assessments
from ketacare.assessments.specs import questionnaire
from ketacare.demo.journeys.answers import clamp, phq9_answers, spread
from ketacare.demo.journeys.state import JourneyState, Steps
from ketacare.demo.journeys.templates import INDUCTION, Course
from ketacare.patients.models import Indication

FLAGGED_PHQ9 = 2  # the PHQ-9 on treatment where item 9 comes back (suicidal_thoughts)
# The lapsed patient's last questionnaires: more than the maintenance PHQ-9 interval
# (14 days) before the load, so the PHQ-9 is overdue by a few days.
QUESTIONNAIRE_LAPSE = timedelta(days=17)
# CLINICAL.md G9: Hull 2022 assessed after sessions 2 and 4. The demo clinic asks for the
# outcome questionnaires the morning after those sessions too, whatever the schedule says
# (the cohort report's endpoints); PCL-5 for PTSD only (CLINICAL.md A4).
ASSESSED_AFTER_SESSIONS = (2, 4)
OUTCOME_INSTRUMENTS = ("phq9", "gad7")
# The routine checks on treatment: no bladder symptom, no drug use (item 3 is reversed).
ROUTINE_ANSWERS = {"bladder": [0, 0, 0, 0], "dast10": [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]}


class QuestionnaireSteps(JourneyState):
    """The questionnaires due, and the scores of the patient's course."""

    def _questionnaires(self, moment: datetime) -> Steps:
        """Everything due by this evening, answered in a row (the C-SSRS after a flag).

        At most five questionnaires, 2-5 minutes apart.
        """
        if self.template.questionnaires_lapsed and moment > self.end - QUESTIONNAIRE_LAPSE:
            return  # the patient has stopped answering them (overdue at the load)
        yield moment
        for _ in range(2):  # a second round: the C-SSRS a flag has just made due
            due = queries.due_questionnaires(self.patient(), at=moment + timedelta(hours=12))
            if not due:
                return
            for item in due:
                moment = self.later(moment, 2, 5)
                yield moment
                self._answer(item.instrument)

    def _outcome_assessment(self, moment: datetime) -> Steps:
        """The outcome questionnaires the schedule does not ask for this morning, 3 min apart."""
        if self.template.questionnaires_lapsed and moment > self.end - QUESTIONNAIRE_LAPSE:
            return
        due = queries.due_questionnaires(self.patient(), at=moment + timedelta(hours=12))
        scheduled = {item.instrument for item in due}
        ptsd = ("pcl5",) if self.record.indication == Indication.PTSD else ()
        for instrument in (*OUTCOME_INSTRUMENTS, *ptsd):
            if instrument not in scheduled:  # else the schedule's round answers it
                moment += timedelta(minutes=3)
                yield moment
                self._answer(instrument)

    def _answer(self, instrument: str) -> None:
        assessments.submit_questionnaire(
            self.user,
            self.record,
            questionnaire(instrument=instrument, answers=self._scores(instrument)),
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
            return spread(clamp(total, 0, 21), 7, 3, rng)
        if instrument == "pcl5":
            total = round(self.pcl5_baseline * (1 - 0.8 * gone)) + rng.randint(-2, 2)
            return spread(clamp(total, 0, 80), 20, 4, rng)
        return ROUTINE_ANSWERS.get(instrument) or self._cssrs()

    def _cssrs(self) -> list[int]:
        """After the flagged PHQ-9, a wish to be dead only (low); otherwise no ideation."""
        low = self.template.suicidal_thoughts and self.phq9_follow_ups == FLAGGED_PHQ9
        return [int(low), 0, 0, 0, 0, 0, 0]

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
            return clamp(total, math.ceil(baseline * 0.81), min(27, int(baseline * 1.19)))
        return clamp(total, 1 if self.template.suicidal_thoughts else 0, 27)
