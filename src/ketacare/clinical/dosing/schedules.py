"""Schedules: the sessions of a course at the same time of day on the patient's clock.

An at-home course (CLINICAL.md C: about 4-8 sessions, at most twice weekly, first
sessions 3-7 days apart, then weekly) and the esketamine label's schedule (C). A
pattern that would break the plan's caps is refused (`ScheduleBreaksCaps`).

A change of the clocks never makes a course break its caps. A session at a time the
clocks skip is moved forward by the gap, so the sessions after it may come closer to it
than the pattern says: 02:30 on the spring-forward Sunday is 03:30, and 02:30 three days
later is then 71 h after it, under CLINICAL.md G1's 72 h (and 02:30 a week later would
be a third session in under 7 days). Keeping both the time of day and the caps is
impossible there, and the caps are safety limits, so safety wins: such a later session
is moved forward just enough to keep them (to 03:30), and its note says why. A pattern
at the edge of its caps passes the move on until its slack absorbs it. A pattern that
breaks the caps even on a clock without daylight saving is refused as it is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from typing import Literal
from zoneinfo import ZoneInfo

from ketacare.clinical.dosing.clock import _moved, _on_the_wall, _when, _zone
from ketacare.clinical.dosing.inputs import InvalidDosingInput, _exact, _require_whole
from ketacare.clinical.dosing.rules import DEFAULT_RULES, DoseCaps, DosingRules
from ketacare.clinical.dosing.violations import (
    ROLLING_DAYS,
    Violation,
    _amount_violations,
    _timing_violations,
    _window_start,
)


class ScheduleBreaksCaps(InvalidDosingInput):
    """A schedule pattern that would break the plan's caps (too many sessions, too close)."""


@dataclass(frozen=True)
class CourseStart:
    """The first day of a course, the time of day of its sessions, and the patient's zone."""

    first_day: date
    time_of_day: time  # on the patient's clock (no tzinfo)
    zone: str  # IANA name, e.g. "America/New_York"

    def __post_init__(self) -> None:
        # A datetime is also a date; a day is asked for, so a datetime is refused.
        if not isinstance(self.first_day, date) or isinstance(self.first_day, datetime):
            raise InvalidDosingInput(f"first_day must be a date, not {self.first_day!r}.")
        if not isinstance(self.time_of_day, time) or self.time_of_day.tzinfo is not None:
            raise InvalidDosingInput(
                "time_of_day must be a time on the patient's clock, without a time zone, "
                f"not {self.time_of_day!r}."
            )
        _zone(self.zone)


@dataclass(frozen=True)
class Phase:
    """A stretch of a course: `weeks` weeks, sessions on `days` of every `every_weeks` weeks.

    `days` are days of the week counted from the course's first weekday (0-6): (0, 3)
    is twice weekly, 3 then 4 days apart; (0,) with every_weeks=2 is every other week.
    """

    name: str
    weeks: int
    days: tuple[int, ...] = (0,)
    every_weeks: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidDosingInput(f"name must name the phase, not {self.name!r}.")
        _require_whole("weeks", self.weeks, minimum=1)
        _require_whole("every_weeks", self.every_weeks, minimum=1)
        if (
            not isinstance(self.days, tuple)
            or not self.days
            or not all(type(d) is int and 0 <= d <= 6 for d in self.days)  # noqa: PLR2004 - a week's days
            or any(a >= b for a, b in zip(self.days, self.days[1:], strict=False))
        ):
            raise InvalidDosingInput(
                f"days must be days of the week 0-6 in increasing order, not {self.days!r}."
            )


@dataclass(frozen=True)
class ScheduledDose:
    """One session of a schedule: its number, when (in the patient's zone), phase, dose."""

    number: int  # 1-based
    at: datetime  # aware, in the patient's zone
    phase: str
    dose_mg: float | None = None  # None: the plan's dose at the time, as titrated
    note: str = ""


def _session_days(phases: Sequence[Phase]) -> list[tuple[int, str]]:
    days, week = [], 0
    for phase in phases:
        for block in range(0, phase.weeks, phase.every_weeks):
            days += [(7 * (week + block) + day, phase.name) for day in phase.days]
        week += phase.weeks
    return days


def _lay_out(
    start: CourseStart, phases: Sequence[Phase], doses_mg: Sequence[float | None] | None = None
) -> list[ScheduledDose]:
    zone = _zone(start.zone)
    return [
        ScheduledDose(
            number=number,
            at=_on_the_wall(start.first_day + timedelta(days=offset), start.time_of_day, zone),
            phase=name,
            dose_mg=None if doses_mg is None else doses_mg[number - 1],
        )
        for number, (offset, name) in enumerate(_session_days(phases), start=1)
    ]


def _breaks(
    dose: ScheduledDose, earlier: Sequence[ScheduledDose], caps: DoseCaps, zone: ZoneInfo
) -> list[Violation]:
    """The caps `dose` breaks after the `earlier` sessions of its course (in order)."""
    start = _window_start(dose.at, zone)
    in_window = [d for d in earlier if d.at.astimezone(UTC) > start]
    last = earlier[-1].at if earlier else None
    broken = _timing_violations(caps, dose.at, len(in_window), last, zone)
    if dose.dose_mg is not None:
        # A schedule with doses gives every session one; no weight, so no mg/kg check.
        earlier_mg = sum((_exact(d.dose_mg or 0) for d in in_window), Fraction(0))
        broken += _amount_violations(caps, dose.dose_mg, None, earlier_mg)
    return broken


def _refuse_if_over_caps(doses: Sequence[ScheduledDose], caps: DoseCaps, zone: ZoneInfo) -> None:
    for number, dose in enumerate(doses):
        broken = _breaks(dose, doses[:number], caps, zone)
        if broken:
            raise ScheduleBreaksCaps(
                f"Session {dose.number} ({_when(dose.at, zone)}) breaks the caps: "
                + " ".join(v.message for v in broken)
                + f" ({caps.source})"
            )


def _first_fit(
    dose: ScheduledDose, earlier: Sequence[ScheduledDose], caps: DoseCaps, zone: ZoneInfo
) -> datetime:
    """The first instant from `dose.at` at which it breaks no cap after `earlier`.

    A dose is held back only by the last dose (the minimum interval) and by the doses of
    its 7 days (their count and mg), so that instant is `dose.at`, the end of the interval,
    or one at which an earlier dose leaves the 7 days: each is tried in order, in full.
    """
    wanted = dose.at.astimezone(UTC)
    candidates = [_moved(d.at, ROLLING_DAYS, zone) for d in earlier]
    if caps.min_interval is not None and earlier:
        candidates.append(_moved(earlier[-1].at, caps.min_interval, zone))
    ordered = sorted({wanted, *(at for at in candidates if at > wanted)})
    fits = (at for at in ordered if not _breaks(replace(dose, at=at), earlier, caps, zone))
    # Fail closed: if none fits, the latest is kept and the course is refused after all.
    return next(fits, ordered[-1]).astimezone(zone)


def _kept_apart(
    doses: Sequence[ScheduledDose], caps: DoseCaps, zone: ZoneInfo
) -> list[ScheduledDose]:
    """`doses`, each later session moved forward, just enough, where it would break `caps`."""
    kept: list[ScheduledDose] = []
    for dose in doses:
        at = _first_fit(dose, kept, caps, zone)
        kept.append(
            dose if at == dose.at else _moved_session(dose, at, _breaks(dose, kept, caps, zone))
        )
    return kept


def _moved_session(dose: ScheduledDose, at: datetime, why: Sequence[Violation]) -> ScheduledDose:
    """`dose` moved to `at`, its note saying why (after any note it had)."""
    moved = (
        f"moved from {dose.at:%H:%M} to {at:%H:%M %Z}: a change of the clocks moved an earlier "
        f"session, and at {dose.at:%H:%M} this one would break the plan's caps: "
        + " ".join(v.message for v in why)
    )
    return replace(dose, at=at, note="; ".join(note for note in (dose.note, moved) if note))


def _checked(
    start: CourseStart, phases: Sequence[Phase], doses: list[ScheduledDose], caps: DoseCaps
) -> tuple[ScheduledDose, ...]:
    """`doses` checked against `caps`, later sessions moved where the clocks crowd them.

    A pattern that breaks `caps` on a clock without daylight saving breaks them as the
    prescriber wrote it: refused. One that keeps them there and breaks them only in the
    patient's zone is crowded by the clocks: its later sessions are moved forward, and
    the course as laid out is checked again (fail closed: refused if it still broke them).
    """
    zone = _zone(start.zone)
    try:
        _refuse_if_over_caps(doses, caps, zone)
    except ScheduleBreaksCaps:
        without_dst = _lay_out(replace(start, zone="UTC"), phases, [d.dose_mg for d in doses])
        if any(
            _breaks(d, without_dst[:n], caps, ZoneInfo("UTC")) for n, d in enumerate(without_dst)
        ):
            raise
        doses = _kept_apart(doses, caps, zone)
        _refuse_if_over_caps(doses, caps, zone)
    return tuple(doses)


def schedule(
    start: CourseStart, phases: Sequence[Phase], *, caps: DoseCaps
) -> tuple[ScheduledDose, ...]:
    """The sessions of a course, at the same time of day on the patient's clock.

    Across a daylight-saving change the sessions stay at their wall-clock time (so the
    UTC time moves by the change). A time that does not exist that day is read as RFC
    5545 says (02:30 on the spring-forward night becomes 03:30); a time that happens twice
    is its first occurrence. A later session that this would bring under `caps` (too soon
    after the moved one, or one too many in its 7 days) is moved forward just enough to
    keep them, with a note saying so: the caps are safety limits, the time of day is not.
    Refuses (ScheduleBreaksCaps) a pattern that breaks `caps`.
    """
    if not isinstance(start, CourseStart):
        raise InvalidDosingInput(f"start must be a CourseStart, not {start!r}.")
    if (
        not isinstance(phases, list | tuple)
        or not phases
        or not all(isinstance(p, Phase) for p in phases)
    ):
        raise InvalidDosingInput(f"phases must be one or more Phase, not {phases!r}.")
    if not isinstance(caps, DoseCaps):
        raise InvalidDosingInput(f"caps must be a DoseCaps, not {caps!r}.")
    return _checked(start, phases, _lay_out(start, phases), caps)


def at_home_schedule(
    start: CourseStart,
    *,
    maintenance_weeks: int,
    caps: DoseCaps | None = None,
    rules: DosingRules = DEFAULT_RULES,
) -> tuple[ScheduledDose, ...]:
    """An at-home course: twice weekly for `rules.induction_weeks` weeks, then weekly.

    CLINICAL.md C: a course of about 4-8 sessions, at most twice weekly, first sessions
    3-7 days apart. `maintenance_weeks` weekly sessions follow the induction (0: none);
    CLINICAL.md gives no length for them, so the prescriber chooses. `caps` default to
    the sublingual/oral caps.
    """
    _require_whole("maintenance_weeks", maintenance_weeks, minimum=0)
    first_weekday = rules.twice_weekly_days[:1]  # weekly sessions on the first of the two
    phases = [Phase("induction", rules.induction_weeks, rules.twice_weekly_days)]
    if maintenance_weeks:
        phases.append(Phase("maintenance", maintenance_weeks, first_weekday))
    return schedule(start, phases, caps=rules.sublingual_oral_caps if caps is None else caps)


def esketamine_label_schedule(
    start: CourseStart,
    *,
    dose_mg: int,
    maintenance_every_weeks: Literal[1, 2],
    maintenance_weeks: int,
    rules: DosingRules = DEFAULT_RULES,
) -> tuple[ScheduledDose, ...]:
    """The esketamine label schedule (CLINICAL.md C), with the dose of each session.

    Weeks 1-4 twice weekly (day 1: 56 mg, then `dose_mg`, 56 or 84 mg); weeks 5-8
    weekly; from week 9 every 1 or 2 weeks for `maintenance_weeks` weeks (the label sets
    no end; the prescriber does). The last induction session carries the label's
    reminder to assess benefit. Checked against `rules.esketamine_caps`.
    """
    if type(dose_mg) is not int or dose_mg not in rules.esketamine_label_doses_mg:
        raise InvalidDosingInput(
            f"dose_mg must be one of {rules.esketamine_label_doses_mg} mg (label), not {dose_mg!r}."
        )
    if type(maintenance_every_weeks) is not int or maintenance_every_weeks not in (1, 2):
        raise InvalidDosingInput(
            f"maintenance_every_weeks must be 1 or 2 (label), not {maintenance_every_weeks!r}."
        )
    _require_whole("maintenance_weeks", maintenance_weeks, minimum=0)
    first_weekday = rules.twice_weekly_days[:1]  # weekly sessions on the first of the two
    phases = [
        Phase("induction", 4, rules.twice_weekly_days),  # CLINICAL.md C: weeks 1-4
        Phase("maintenance", 4, first_weekday),  # CLINICAL.md C: weeks 5-8 weekly
    ]
    if maintenance_weeks:
        phases.append(
            Phase("maintenance", maintenance_weeks, first_weekday, maintenance_every_weeks)
        )
    count = len(_session_days(phases))
    doses = _lay_out(start, phases, [rules.esketamine_first_dose_mg] + [dose_mg] * (count - 1))
    last_induction = max(d.number for d in doses if d.phase == "induction") - 1
    doses[0] = _noted(
        doses[0], f"day 1: {rules.esketamine_first_dose_mg} mg (label, CLINICAL.md C)"
    )
    doses[last_induction] = _noted(
        doses[last_induction], "end of induction: assess benefit (label, CLINICAL.md C)"
    )
    return _checked(start, phases, doses, rules.esketamine_caps)


def _noted(dose: ScheduledDose, note: str) -> ScheduledDose:
    return replace(dose, note=note)
