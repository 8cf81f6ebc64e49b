"""One demo patient's journey: the steps of every phase of care, in order."""

from __future__ import annotations

from ketacare.demo.journeys.follow_up import FollowUpSteps
from ketacare.demo.journeys.state import Steps
from ketacare.patients.phases import Phase


class Journey(FollowUpSteps):
    """One patient walked to their phase: `steps()` yields the moment of each next step.

    The code after each `yield` runs with the clock at the moment yielded (`replay`),
    so each service call happens, and is recorded, then.
    """

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
