"""Where a session stands after the dose, as the patient's and the sitter's pages show it.

Read from what the services stored: the window's times (`record_dose_taken`), each blood
pressure after the dose with its finding (`record_post_dose_reading`), the check-in's
findings (`record_check_in`) and the sitter's release (`release_session`). Nothing is
judged here; times are on the patient's own clock, never with a zone name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ketacare.clinical import postdose, safety
from ketacare.clinical.safety import Severity
from ketacare.patients.models import Sitter
from ketacare.treatment.gate import zone_of
from ketacare.treatment.models import (
    DOSED_STATUSES,
    DosingSession,
    PostDoseReading,
    SessionStatus,
)
from ketacare.treatment.sessions import finding_from_json
from ketacare.web.portal.pages import Deadline, countdown
from ketacare.web.portal.words import CHECK_IN_WORDS

# What the care team is paged for at once: the patient hears they will be called.
_PAGED = (Severity.URGENT, Severity.EMERGENCY)


@dataclass(frozen=True)
class Reading:
    """A blood pressure after the dose: the patient's own values and what they mean."""

    at: str
    value: str  # "132/84 mmHg": on the patient's pages only, never the sitter's
    high: bool
    call_now: bool  # an emergency: call the emergency number first
    next_step: str  # what to do, in the patient's words ("" when it is as it should be)


@dataclass(frozen=True)
class Window:
    """One dosed session's window: what is done, what is due and when."""

    session: DosingSession
    taken_at: str
    bp_due: Deadline | None  # the ~40-minute reading, until one is recorded
    readings: tuple[Reading, ...]
    remeasure: Deadline | None  # a high reading asks for another by then
    check_in_opens: Deadline | None
    check_in_open: bool
    check_in_due: Deadline | None
    checked_in_at: str
    check_in_words: tuple[str, ...]  # what the check-in's findings mean for the patient
    call_now: str  # an emergency's next step, shown first and big ("" when none)
    care_team_told: bool  # an urgent or emergency finding paged the care team
    sitter: Sitter | None  # whose confirmation the checklist relied on
    released_at: str
    release_stable: bool | None
    not_released_words: str  # for the sitter, after "I cannot confirm"

    @property
    def latest_reading(self) -> Reading | None:
        return self.readings[-1] if self.readings else None

    @property
    def reading_wanted(self) -> bool:
        """A reading is asked for: none yet, or a high one to measure again."""
        return self.session.status == SessionStatus.DOSED and (
            not self.readings or self.remeasure is not None
        )

    @property
    def open(self) -> bool:
        return self.session.status in (SessionStatus.DOSED, SessionStatus.CHECKED_IN)

    @property
    def released(self) -> bool:
        return self.session.status == SessionStatus.RELEASED


def window(session: DosingSession, now: datetime) -> Window | None:
    """The window of a dosed session at `now` (None before the dose)."""
    if session.status not in DOSED_STATUSES or session.taken_at is None:
        return None
    zone = zone_of(session.patient)

    def clock(at: datetime | None) -> str:
        return "" if at is None else safety.clock_time(at, zone, now)

    def ahead(at: datetime | None) -> Deadline | None:
        return None if at is None else countdown(at, now, zone)

    readings = tuple(_reading(r, clock(r.recorded_at)) for r in session.post_dose_readings.all())
    check_in = getattr(session, "check_in", None)
    check_in_findings = [finding_from_json(f) for f in check_in.findings] if check_in else []
    opens = session.observation_ends_at
    call_now = _call_now(readings, check_in_findings)
    sitter = session.released_by_sitter or session.sitter
    return Window(
        session=session,
        taken_at=clock(session.taken_at),
        bp_due=None if readings else ahead(session.bp_due_at),
        readings=readings,
        remeasure=ahead(session.remeasure_due_at),
        check_in_opens=ahead(opens),
        check_in_open=opens is None or now >= opens,
        check_in_due=ahead(session.check_in_due_at),
        checked_in_at=clock(check_in.checked_in_at) if check_in else "",
        check_in_words=tuple(
            CHECK_IN_WORDS[f.cause] for f in check_in_findings if f.cause in CHECK_IN_WORDS
        ),
        call_now=call_now,
        care_team_told=any(f.severity in _PAGED for f in check_in_findings),
        sitter=sitter,
        released_at=clock(session.released_at),
        release_stable=session.release_stable,
        not_released_words=_not_released(session, sitter),
    )


def _reading(row: PostDoseReading, at: str) -> Reading:
    finding = finding_from_json(row.finding) if row.finding else None
    return Reading(
        at=at,
        value=f"{row.systolic_mmhg}/{row.diastolic_mmhg} mmHg",
        high=row.high,
        call_now=finding is not None and finding.severity is Severity.EMERGENCY,
        next_step=finding.next_step if finding is not None else "",
    )


def _call_now(readings: tuple[Reading, ...], check_in: list[safety.Finding]) -> str:
    """The emergency to act on first: the latest reading's, else the check-in's."""
    latest = readings[-1] if readings else None
    if latest is not None and latest.call_now:
        return latest.next_step
    for finding in check_in:
        if finding.severity is Severity.EMERGENCY and finding.next_step:
            return finding.next_step
    return ""


def _not_released(session: DosingSession, sitter: Sitter | None) -> str:
    """The sitter could not confirm the patient is alert and stable: what to do meanwhile."""
    if session.release_stable is not False:
        return ""
    finding = postdose.check_release(stable=False, sitter_name=sitter.name if sitter else "")
    return finding.next_step if finding is not None else ""
