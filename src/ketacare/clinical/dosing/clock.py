"""The patient's clock: time zones, wall-clock times and the words for them.

Days are counted on the patient's clock. Prescriptions are written in days ("at most
twice weekly", "3 days apart"), so "7 days before" a dose at 09:00 is 09:00 on the same
weekday a week earlier, even when the clocks went forward in between and only 167 h
passed. Counted in elapsed hours instead, a course at the same time of day would break
its own twice-weekly limit every spring. (predose.check_pre_dose counts elapsed hours; see
the note on `check_dose`.)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ketacare.clinical.dosing.inputs import InvalidDosingInput


def _zone(zone: object) -> ZoneInfo:
    if not isinstance(zone, str):
        raise InvalidDosingInput(f"zone must be an IANA time zone name, not {zone!r}.")
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidDosingInput(
            f"zone must be an IANA time zone name such as 'Europe/London', not {zone!r}."
        ) from None


def _on_the_wall(day: date, time_of_day: time, zone: ZoneInfo) -> datetime:
    """`time_of_day` on `day` on the patient's clock, as an aware datetime in `zone`.

    RFC 5545 (iCalendar) 3.3.5, as PEP 495's fold=0 does: a time the clocks skip (02:30
    on the spring-forward night) is read with the offset before the change, so it lands
    as far after the change as it was meant to be after 02:00 (03:30); a time that
    happens twice (01:30 on the fall-back night) is its first occurrence.
    """
    wall = datetime.combine(day, time_of_day.replace(fold=0), tzinfo=zone)
    return wall.astimezone(UTC).astimezone(zone)


def _moved(at: datetime, shift: timedelta, zone: ZoneInfo) -> datetime:
    """`at` moved forward by `shift` on the patient's wall clock, as a UTC instant.

    The earliest a next dose may be (`shift` the minimum interval), read as `_on_the_wall`
    reads a time, so never sooner than `shift`: a time the clocks skip is read after the
    gap (the later instant), and a repeated time is its first occurrence, when as much
    time has passed as the clock shows.
    """
    local = at.astimezone(zone)
    wall = local.replace(tzinfo=None) + shift
    return _on_the_wall(wall.date(), wall.time(), zone).astimezone(UTC)


def _moved_back(at: datetime, shift: timedelta, zone: ZoneInfo) -> datetime:
    """`at` moved back by `shift` on the patient's wall clock: the earliest instant it names.

    The start of a window that counts doses: a repeated time is its first occurrence, and a
    time the clocks skip is read with the offset after the change (PEP 495 fold=1: 02:30 on
    the spring-forward night is 01:30 before it), so the window is the longer one: it counts
    more doses, never fewer. (Read after the gap, as `_moved` reads it, 02:30 would be 03:30
    and a dose at 03:15 that night, after 02:30 on the clock, would leave the window early.)
    """
    wall = at.astimezone(zone).replace(tzinfo=None) - shift
    return min(wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))


def _when(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
