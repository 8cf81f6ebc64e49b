"""At-home sessions, from the sitter's arrival to the release.

The sitter confirms being there, the checklist and its blood-pressure gate (failed now
and then, retried that day), the dose, the reading at about 40 minutes, the release
check-in with CADSS-6 and side effects, the sitter's release, and now and then an
adverse event. The chances are the label's (CLINICAL.md D), used loosely.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ketacare.accounts.models import User
from ketacare.clinical import predose, safety
from ketacare.demo.journeys.answers import cadss6_answers
from ketacare.demo.journeys.questionnaires import QuestionnaireSteps
from ketacare.demo.journeys.state import Steps
from ketacare.demo.journeys.templates import Ending
from ketacare.kernel import specs
from ketacare.treatment import services as treatment
from ketacare.treatment.models import DosingSession, SessionStatus
from ketacare.treatment.sessions import read
from ketacare.treatment.specs.sessions import (
    AdverseEventSpec,
    CheckInSpec,
    ChecklistSpec,
    DoseSpec,
    ReadingSpec,
    ReleaseSpec,
)

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
BP_RISE = 0.05  # CLINICAL.md D: a rise >= 40/25 mmHg in 8-19% in trials; rarer here
GATE_FAILURE = 0.03  # blood pressure above the gate before a session, retried that day
LATE_CHECK_IN = 0.03  # a check-in after the 2 h deadline
HIGH_BP = (142, 92)  # above the 140/90 pre-dose gate (CLINICAL.md D), below the hard stop
# CLINICAL.md C: at most twice weekly; the gate counts doses over any rolling 7 days.
PER_WINDOW = safety.DEFAULT_RULES.default_max_sessions_per_7_days
# The demo's own chances (no clinical source): who does what.
BY_SITTER = 0.5  # the sitter, signed in, runs the checklist
REPORTED = 0.4  # the patient reports vomiting as an adverse event
NOTED = 0.25  # the check-in has a note
# The checklist's C-SSRS screen, every answer no.
NO_IDEATION = {"wish_to_be_dead": False, "suicidal_thoughts": False, "behaviour": False}
CHECK_IN_NOTES = (
    "Felt floaty for about 40 minutes; music helped.",
    "Eyes closed most of the time; calm afterwards.",
    "Some nausea at first, gone within the hour.",
    "Hard to find words during the peak, clear now.",
    "Slept a little afterwards.",
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


class SessionSteps(QuestionnaireSteps):
    """The sessions, and the one still awaiting its check-in at the load."""

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
        session = treatment.record_dose_taken(
            self.user, session, DoseSpec(dose_mg=self.plan.dose_mg)
        )
        taken_at = read(session.taken_at)
        self.doses.append(taken_at)
        yield from self._reading(session, pressure)
        late = rng.random() < LATE_CHECK_IN
        moment = self.later(taken_at, *(LATE_CHECK_IN_MINUTES if late else CHECK_IN_MINUTES))
        yield moment
        effects = self._side_effects(number)
        treatment.record_check_in(
            self.user, session, CheckInSpec(**self._check_in(pressure, effects))
        )
        moment = self.later(moment, *RELEASE_MINUTES)
        yield moment
        treatment.release_session(self.sitter_user, session, ReleaseSpec(stable=True))
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
            ReadingSpec(systolic_mmhg=pressure[0] + rise[0], diastolic_mmhg=pressure[1] + rise[1]),
        )
        if reading.high:
            yield self.later(moment, 15, 20)
            treatment.record_post_dose_reading(
                self.user,
                session,
                ReadingSpec(
                    systolic_mmhg=pressure[0] + rng.randint(8, 16),
                    diastolic_mmhg=pressure[1] + rng.randint(4, 9),
                ),
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
        session = treatment.record_dose_taken(
            self.user, session, DoseSpec(dose_mg=self.plan.dose_mg)
        )
        self.doses.append(read(session.taken_at))
        yield from self._reading(session, pressure)

    def _checklist(self, actor: User, pressure: tuple[int, int]) -> DosingSession:
        return treatment.start_session(
            actor,
            self.record,
            specs.read(
                ChecklistSpec,
                {
                    "sitter_present": True,
                    "cssrs": NO_IDEATION,
                    "fasted": True,
                    "no_driving_until_tomorrow": True,
                    "systolic_mmhg": pressure[0],
                    "diastolic_mmhg": pressure[1],
                    "heart_rate_bpm": self.rng.randint(62, 88),
                },
            ),
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
        treatment.report_adverse_event(
            actor,
            self.record,
            AdverseEventSpec(
                session_id=session.pk,
                description=text,
                severity=severity,
                serious=False,
                outcome="resolved",
                onset_at=self.later(read(session.taken_at), 20, 40),
            ),
        )
