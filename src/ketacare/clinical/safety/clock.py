"""Time and its wording: UTC instants to compute with, the reader's clock for the words.

Every computation runs on UTC instants (`utc`); a time is worded on the clinic's clock
(`when`) or the patient's own (`clock_time`), and a span in days, hours and minutes
(`duration`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

# Time. The trap: Python subtracts and compares two datetimes that share a tzinfo by
# their wall clocks, ignoring a DST change between them (a dose at 00:30 before the
# clocks go forward plus 2 h is 02:30 on the wall but only 1 h later). So every
# computation runs on UTC instants, and only the wording goes back to the clinic's zone.


def utc(at: datetime) -> datetime:
    return at.astimezone(UTC)


def when(at: datetime, zone: tzinfo | None = None) -> str:
    """`at` as the clinic reads it, in `zone` (default its own)."""
    return at.astimezone(zone or at.tzinfo).strftime("%Y-%m-%d %H:%M %Z").rstrip()


def clock_time(at: datetime, zone: tzinfo, now: datetime) -> str:
    """`at` as a patient reads it on their own clock: "18:05", or "Thu 6 Mar, 18:05".

    The day is named unless `at` falls on `now`'s day in `zone`; never a zone name.
    """
    local, today = at.astimezone(zone), now.astimezone(zone)
    if local.date() == today.date():
        return local.strftime("%H:%M")
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


# Wording.


def duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{days} day{'s' if days != 1 else ''}" if days else "",
        f"{hours} h" if hours else "",
        f"{minutes} min" if minutes else "",
    ]
    return " ".join(part for part in parts if part) or "under a minute"
