"""Schedules across a change of the clocks never break their own caps (CLINICAL.md C, G1).

A session at a time the clocks skip is moved forward by the gap (RFC 5545). The sessions
after it would then come too close to it: they are moved forward just enough, never
refused, never under the caps. The 7 days of a dose count a dose taken in the hour after
a skipped time. Times that happen twice (the clocks go back) need no move.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ketacare.clinical.dosing import (
    DEFAULT_RULES,
    CapBreach,
    CourseStart,
    PastDose,
    Phase,
    ScheduleBreaksCaps,
    ScheduledDose,
    at_home_schedule,
    check_dose,
    esketamine_label_schedule,
    schedule,
)

NEW_YORK = ZoneInfo("America/New_York")
ORAL = DEFAULT_RULES.sublingual_oral_caps  # 2 sessions in any 7 days, 72 h apart (G1)
G1_INTERVAL = timedelta(hours=72)
MOVED = "a change of the clocks moved an earlier session"


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)  # type: ignore[misc]


def walls(doses: tuple[ScheduledDose, ...]) -> list[str]:
    return [f"{d.at:%a %d %H:%M %Z}" for d in doses]


def elapsed(a: ScheduledDose, b: ScheduledDose) -> timedelta:
    return b.at.astimezone(UTC) - a.at.astimezone(UTC)


def assert_within_the_caps(doses: tuple[ScheduledDose, ...]) -> None:
    """72 h between doses and at most 2 in any 7 days, on the clock and in elapsed time."""
    for a, b in itertools.pairwise(doses):
        assert b.at - a.at >= G1_INTERVAL  # on the wall clock (one zone)
        assert elapsed(a, b) >= G1_INTERVAL
        assert b.at.date() > a.at.date()
    for a, c in zip(doses, doses[2:], strict=False):
        assert c.at - a.at >= timedelta(days=7)


# --- The spring-forward gap: the reported case --------------------------------------------


def test_a_session_crowded_by_a_skipped_time_moves_forward_just_enough_to_keep_72_h():
    # New York, Sunday 10 March 2024: 02:00 EST -> 03:00 EDT, so 02:30 is 03:30 that night.
    # At 02:30 on Wednesday the second session would be 71 h after the first: it was
    # refused ("Session 2 ... too soon"), so the at-home course could not be built at all.
    doses = at_home_schedule(
        CourseStart(date(2024, 3, 10), time(2, 30), "America/New_York"), maintenance_weeks=0
    )
    assert walls(doses)[:2] == ["Sun 10 03:30 EDT", "Wed 13 03:30 EDT"]
    assert elapsed(doses[0], doses[1]) == G1_INTERVAL  # exactly 72 h, not one minute less
    assert doses[0].note == ""  # the gap's own move is the documented reading (RFC 5545)
    assert doses[1].note.startswith(f"moved from 02:30 to 03:30 EDT: {MOVED}")
    assert "too soon after the dose at 2024-03-10 03:30 EDT" in doses[1].note
    assert_within_the_caps(doses)


def test_the_sessions_after_a_skipped_time_keep_its_caps_then_return_to_their_time_of_day():
    doses = at_home_schedule(
        CourseStart(date(2024, 3, 10), time(2, 30), "America/New_York"), maintenance_weeks=3
    )
    # Twice weekly 3 then 4 days apart at the edge of both caps: each session moved an
    # hour keeps the next one an hour later, through the induction and the first weekly
    # session; the next weekly session fits at its time again.
    assert [d.at.time() for d in doses] == [time(3, 30)] * 9 + [time(2, 30)] * 2
    assert all(MOVED in d.note for d in doses[1:9])
    assert [d.note for d in doses[9:]] == ["", ""]
    assert_within_the_caps(doses)


def test_three_sessions_never_fall_in_7_days_after_a_skipped_time():
    # A Thursday start puts the skipped 02:30 on the second weekday. Sunday 17 March at
    # 02:30 EDT was 6 days 23 h after Sunday 10 March 03:30 EDT, with Thursday 14 between:
    # three sessions in under 7 days, on the clock and in elapsed time, not refused.
    doses = at_home_schedule(
        CourseStart(date(2024, 3, 7), time(2, 30), "America/New_York"), maintenance_weeks=2
    )
    assert walls(doses)[:4] == [
        "Thu 07 02:30 EST",
        "Sun 10 03:30 EDT",
        "Thu 14 02:30 EDT",  # 95 h after Sunday: no move needed
        "Sun 17 03:30 EDT",
    ]
    assert "would be session 3 in 7 days" in doses[3].note
    assert_within_the_caps(doses)


@pytest.mark.parametrize(
    ("zone", "first_day", "wanted", "moved_to"),
    [
        # Lord Howe, Sunday 6 October 2024: 02:00 -> 02:30, a half-hour gap.
        ("Australia/Lord_Howe", date(2024, 10, 6), time(2, 15), time(2, 45)),
        # London, Sunday 31 March 2024: 01:00 GMT -> 02:00 BST.
        ("Europe/London", date(2024, 3, 31), time(1, 15), time(2, 15)),
        # Sydney, Sunday 6 October 2024: 02:00 AEST -> 03:00 AEDT.
        ("Australia/Sydney", date(2024, 10, 6), time(2, 0), time(3, 0)),
    ],
)
def test_a_crowded_session_moves_only_as_far_as_the_gap(zone, first_day, wanted, moved_to):
    doses = at_home_schedule(CourseStart(first_day, wanted, zone), maintenance_weeks=0)
    assert doses[0].at.time() == moved_to
    assert doses[1].at.time() == moved_to
    assert doses[1].at - doses[0].at == timedelta(days=3)
    assert elapsed(doses[0], doses[1]) == G1_INTERVAL
    assert_within_the_caps(doses)


def test_a_pattern_that_breaks_the_caps_on_any_clock_is_still_refused_across_a_gap():
    # 4 days between doses, twice weekly 3 then 4 days apart: the pattern's fault, so it
    # is refused as written, never moved to fit.
    caps = dataclasses.replace(ORAL, min_interval=timedelta(days=4))
    course = CourseStart(date(2024, 3, 10), time(2, 30), "America/New_York")
    with pytest.raises(ScheduleBreaksCaps, match=r"Session 2 \(2024-03-13 02:30 EDT\).* too soon"):
        at_home_schedule(course, maintenance_weeks=0, caps=caps)
    with pytest.raises(ScheduleBreaksCaps, match=r"Session 3 .* session 3 in 7 days"):
        schedule(
            course,
            [Phase("induction", 1, (0, 2, 4))],
            caps=dataclasses.replace(ORAL, min_interval=None),
        )


# --- The esketamine label schedule ---------------------------------------------------------


@pytest.mark.parametrize("first_day", [date(2024, 3, 10), date(2024, 3, 7)])
def test_the_esketamine_schedule_stays_twice_weekly_across_a_skipped_time(first_day):
    # The label's caps have no minimum interval, so only the 7-day count moves a session:
    # Sunday 17 March at 02:30 would be a third session 6 days 23 h after 03:30 on the 10th.
    doses = esketamine_label_schedule(
        CourseStart(first_day, time(2, 30), "America/New_York"),
        dose_mg=84,
        maintenance_every_weeks=1,
        maintenance_weeks=0,
    )
    sundays = [d for d in doses if d.at.weekday() == 6][:3]  # 10, 17 and 24 March
    assert [f"{d.at:%d %H:%M}" for d in sundays] == ["10 03:30", "17 03:30", "24 03:30"]
    assert all("would be session 3 in 7 days" in d.note for d in sundays[1:])
    others = [d for d in doses if d.at.weekday() != 6]
    assert all(d.at.time() == time(2, 30) for d in others)  # no more than needed
    for a, c in zip(doses, doses[2:], strict=False):
        assert c.at - a.at >= timedelta(days=7)
    for number, dose in enumerate(doses):
        earlier = [PastDose(d.at, d.dose_mg or 0) for d in doses[:number]]
        assert not check_dose(
            DEFAULT_RULES.esketamine_caps,
            dose_mg=dose.dose_mg or 0,
            weight_kg=70,
            previous=earlier,
            at=dose.at,
            zone="America/New_York",
        )


def test_a_moved_esketamine_session_keeps_the_labels_note_before_its_own():
    # A Thursday start: the 8th session (the last of induction, "assess benefit") is on
    # Sunday 31 March, moved to 03:30 like every Sunday after the skipped 02:30.
    doses = esketamine_label_schedule(
        CourseStart(date(2024, 3, 7), time(2, 30), "America/New_York"),
        dose_mg=56,
        maintenance_every_weeks=2,
        maintenance_weeks=0,
    )
    last_induction = doses[7]
    assert f"{last_induction.at:%a %d %H:%M}" == "Sun 31 03:30"
    assert last_induction.note.startswith(
        "end of induction: assess benefit (label, CLINICAL.md C); moved from 02:30 to 03:30 EDT"
    )


# --- The clocks go back: a time that happens twice ----------------------------------------


@pytest.mark.parametrize(
    ("first_day", "wanted"),
    [
        (date(2024, 10, 31), time(1, 30)),  # Thursday; Sunday 3 November 01:30 happens twice
        (date(2024, 11, 3), time(1, 30)),  # the course starts in the repeated hour
        (date(2024, 10, 31), time(9, 0)),  # Thursday 09:00 EDT to Sunday 09:00 EST: 73 h
    ],
)
def test_a_time_that_happens_twice_keeps_its_time_of_day_and_the_caps(first_day, wanted):
    course = CourseStart(first_day, wanted, "America/New_York")
    doses = at_home_schedule(course, maintenance_weeks=4)
    assert all(d.at.time() == wanted and d.note == "" for d in doses)
    assert_within_the_caps(doses)  # the first occurrence: 72 h elapsed, never less
    eske = esketamine_label_schedule(
        course, dose_mg=84, maintenance_every_weeks=1, maintenance_weeks=4
    )
    assert all(d.at.time() == wanted for d in eske)
    assert all(d.note in {"", eske[0].note, eske[7].note} for d in eske)


# --- The 7 days of check_dose after a skipped time -----------------------------------------


@pytest.mark.parametrize(
    ("earlier", "counted"),
    [
        # Sunday 17 March 2024 02:30 EDT: 7 days before on the clock, 02:30 on the 10th,
        # was skipped. A dose at 03:15 EDT that night is after 02:30 on the clock and
        # 6 days 23 h 15 min before: in the 7 days (it was left out, read from 03:30).
        (ny(2024, 3, 10, 3, 15), True),
        (ny(2024, 3, 10, 3, 0), True),
        # 01:31 EST is 6 days 23 h 59 min before in elapsed time: counted.
        (ny(2024, 3, 10, 1, 31), True),
        # 01:30 EST is exactly 7 days before in elapsed time: it has left the 7 days.
        (ny(2024, 3, 10, 1, 30), False),
    ],
)
def test_a_dose_after_a_skipped_time_stays_in_the_7_days_of_a_dose_a_week_later(earlier, counted):
    previous = (PastDose(earlier, 100), PastDose(ny(2024, 3, 14, 2, 30), 100))
    caps = dataclasses.replace(ORAL, min_interval=None)
    violations = check_dose(
        caps,
        dose_mg=100,
        weight_kg=70,
        previous=previous,
        at=ny(2024, 3, 17, 2, 30),
        zone="America/New_York",
    )
    assert (CapBreach.TOO_MANY_SESSIONS in [v.breach for v in violations]) is counted
