"""Dosing schedules: sessions on the patient's clock, across daylight-saving changes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ketacare.clinical.dosing import (
    DEFAULT_RULES,
    CourseStart,
    DoseCaps,
    InvalidDosingInput,
    Phase,
    ScheduleBreaksCaps,
    ScheduledDose,
    at_home_schedule,
    esketamine_label_schedule,
    schedule,
)

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
ORAL = DEFAULT_RULES.sublingual_oral_caps
# The 7-day session count alone, without CLINICAL.md G1's 72 h between doses.
COUNT_ONLY = dataclasses.replace(ORAL, min_interval=None)


def start(day: date, at: time = time(9, 0), zone: str = "America/New_York") -> CourseStart:
    return CourseStart(first_day=day, time_of_day=at, zone=zone)


def days_of(doses: tuple[ScheduledDose, ...]) -> list[date]:
    return [dose.at.date() for dose in doses]


def utc_offsets_h(doses: tuple[ScheduledDose, ...]) -> list[float]:
    return [dose.at.utcoffset().total_seconds() / 3600 for dose in doses]  # type: ignore[union-attr]


# --- The at-home course (CLINICAL.md C) ------------------------------------------------------


def test_the_at_home_course_is_twice_weekly_for_4_weeks_then_weekly():
    doses = at_home_schedule(start(date(2025, 6, 2)), maintenance_weeks=3)  # a Monday
    assert [d.number for d in doses] == list(range(1, 12))
    assert [d.phase for d in doses] == ["induction"] * 8 + ["maintenance"] * 3
    assert days_of(doses) == [
        date(2025, 6, 2),
        date(2025, 6, 5),  # first sessions 3 then 4 days apart (CLINICAL.md C: 3-7)
        date(2025, 6, 9),
        date(2025, 6, 12),
        date(2025, 6, 16),
        date(2025, 6, 19),
        date(2025, 6, 23),
        date(2025, 6, 26),
        date(2025, 6, 30),  # weekly from week 5
        date(2025, 7, 7),
        date(2025, 7, 14),
    ]
    assert all(d.dose_mg is None for d in doses)  # the plan's dose, as titrated
    assert all(d.at.tzinfo == NEW_YORK for d in doses)


def test_an_at_home_course_without_maintenance_is_the_8_induction_sessions():
    doses = at_home_schedule(start(date(2025, 6, 2)), maintenance_weeks=0)
    assert len(doses) == 8  # CLINICAL.md C: a course of about 4-8 sessions


def test_the_clinic_sets_the_induction_length_and_its_twice_weekly_days():
    rules = dataclasses.replace(DEFAULT_RULES, induction_weeks=2, twice_weekly_days=(1, 5))
    doses = at_home_schedule(start(date(2025, 6, 2)), maintenance_weeks=1, rules=rules)
    assert days_of(doses) == [
        date(2025, 6, 3),
        date(2025, 6, 7),
        date(2025, 6, 10),
        date(2025, 6, 14),
        date(2025, 6, 17),  # weekly from week 3, on the first of the two days
    ]


def test_a_pattern_that_crowds_the_change_from_induction_to_maintenance_is_refused():
    # Tuesdays and Saturdays, then weekly on Mondays: Tue 10, Sat 14, Mon 16 June are
    # three sessions in 7 days.
    phases = [Phase("induction", 2, (1, 5)), Phase("maintenance", 1, (0,))]
    with pytest.raises(ScheduleBreaksCaps, match=r"Session 5 .* would be session 3 in 7 days"):
        schedule(start(date(2025, 6, 2)), phases, caps=ORAL)


# --- Daylight saving: the same wall-clock time, a different UTC time ----------------------


def test_sessions_keep_their_time_of_day_across_the_new_york_spring_change():
    # Clocks go forward on Sunday 9 March 2025, 02:00 EST -> 03:00 EDT.
    doses = at_home_schedule(start(date(2025, 3, 6), time(9, 0)), maintenance_weeks=0)
    assert all(d.at.time() == time(9, 0) for d in doses)
    assert utc_offsets_h(doses)[:3] == [-5, -4, -4]
    assert doses[0].at.astimezone(UTC).time() == time(14, 0)
    assert doses[1].at.astimezone(UTC).time() == time(13, 0)
    # 3 days on the clock, 71 h elapsed: the schedule is on the patient's clock.
    assert doses[1].at - doses[0].at == timedelta(days=3)
    assert doses[1].at.astimezone(UTC) - doses[0].at.astimezone(UTC) == timedelta(hours=71)


def test_sessions_keep_their_time_of_day_across_the_new_york_autumn_change():
    # Clocks go back on Sunday 2 November 2025, 02:00 EDT -> 01:00 EST.
    doses = at_home_schedule(start(date(2025, 10, 30), time(18, 30)), maintenance_weeks=0)
    assert all(d.at.time() == time(18, 30) for d in doses)
    assert utc_offsets_h(doses)[:3] == [-4, -5, -5]
    assert doses[1].at.astimezone(UTC) - doses[0].at.astimezone(UTC) == timedelta(hours=73)


@pytest.mark.parametrize(
    ("first_day", "offsets_h"),
    [
        (date(2025, 3, 27), [0, 1, 1]),  # forward on Sunday 30 March 2025: GMT -> BST
        (date(2025, 10, 23), [1, 0, 0]),  # back on Sunday 26 October 2025: BST -> GMT
    ],
)
def test_sessions_keep_their_time_of_day_across_the_london_changes(first_day, offsets_h):
    doses = at_home_schedule(start(first_day, time(19, 0), "Europe/London"), maintenance_weeks=0)
    assert all(d.at.time() == time(19, 0) for d in doses)
    assert all(d.at.tzinfo == LONDON for d in doses)
    assert utc_offsets_h(doses)[:3] == offsets_h


@pytest.mark.parametrize(
    ("zone", "first_day", "wanted", "given", "utc"),
    [
        # New York, 9 March 2025: 02:00-03:00 does not exist. 02:30 is read with the
        # offset before the change (RFC 5545), so it happens at 03:30 EDT.
        ("America/New_York", date(2025, 3, 9), time(2, 30), time(3, 30), time(7, 30)),
        ("America/New_York", date(2025, 3, 9), time(2, 0), time(3, 0), time(7, 0)),
        # London, 30 March 2025: 01:00-02:00 does not exist.
        ("Europe/London", date(2025, 3, 30), time(1, 15), time(2, 15), time(1, 15)),
    ],
)
def test_a_time_the_clocks_skip_moves_forward_by_the_length_of_the_gap(
    zone, first_day, wanted, given, utc
):
    course = start(first_day, wanted, zone)
    doses = at_home_schedule(course, maintenance_weeks=0, caps=COUNT_ONLY)
    assert doses[0].at.time() == given
    assert doses[0].at.astimezone(UTC).time() == utc
    assert doses[1].at.time() == wanted  # the next session's day has that time
    # The first session moved an hour later, so at that time the second would come 71 h
    # after it: under CLINICAL.md G1's 72 h between doses. The course is not refused: the
    # caps are safety limits, so the second session moves forward just as far, 72 h on.
    doses = at_home_schedule(course, maintenance_weeks=0)
    assert doses[1].at.time() == given
    assert doses[1].at - doses[0].at == timedelta(days=3)
    assert "too soon" in doses[1].note


@pytest.mark.parametrize(
    ("zone", "first_day", "wanted", "offset_h", "utc"),
    [
        # New York, 2 November 2025: 01:00-02:00 happens twice; the first is EDT.
        ("America/New_York", date(2025, 11, 2), time(1, 30), -4, time(5, 30)),
        # London, 26 October 2025: 01:00-02:00 happens twice; the first is BST.
        ("Europe/London", date(2025, 10, 26), time(1, 30), 1, time(0, 30)),
    ],
)
def test_a_time_that_happens_twice_is_its_first_occurrence(zone, first_day, wanted, offset_h, utc):
    doses = at_home_schedule(start(first_day, wanted, zone), maintenance_weeks=0)
    assert doses[0].at.time() == wanted
    assert doses[0].at.fold == 0
    assert utc_offsets_h(doses)[0] == offset_h
    assert doses[0].at.astimezone(UTC).time() == utc


def test_a_time_of_day_asking_for_the_second_occurrence_still_gets_the_first():
    wanted = time(1, 30, fold=1)
    doses = at_home_schedule(start(date(2025, 11, 2), wanted), maintenance_weeks=0)
    assert utc_offsets_h(doses)[0] == -4


def test_twice_weekly_sessions_stay_within_the_session_limit_across_the_spring_change():
    # Thursday 6 March to Thursday 13 March is 167 h across the change; counted on the
    # patient's clock the session of the 6th has left the 7 days (CLINICAL.md C).
    doses = at_home_schedule(start(date(2025, 3, 6), time(9, 0)), maintenance_weeks=4)
    assert len(doses) == 12


# --- The esketamine label schedule (CLINICAL.md C) -------------------------------------------


def test_the_esketamine_label_schedule_is_twice_weekly_then_weekly_then_every_1_or_2_weeks():
    doses = esketamine_label_schedule(
        start(date(2025, 6, 2)), dose_mg=84, maintenance_every_weeks=2, maintenance_weeks=6
    )
    assert days_of(doses) == [
        # weeks 1-4 twice weekly
        date(2025, 6, 2),
        date(2025, 6, 5),
        date(2025, 6, 9),
        date(2025, 6, 12),
        date(2025, 6, 16),
        date(2025, 6, 19),
        date(2025, 6, 23),
        date(2025, 6, 26),
        # weeks 5-8 weekly
        date(2025, 6, 30),
        date(2025, 7, 7),
        date(2025, 7, 14),
        date(2025, 7, 21),
        # from week 9 every 2 weeks, for 6 weeks
        date(2025, 7, 28),
        date(2025, 8, 11),
        date(2025, 8, 25),
    ]
    assert [d.phase for d in doses] == ["induction"] * 8 + ["maintenance"] * 7


def test_the_first_esketamine_session_is_56_mg_and_the_others_the_prescribed_dose():
    doses = esketamine_label_schedule(
        start(date(2025, 6, 2)), dose_mg=84, maintenance_every_weeks=1, maintenance_weeks=2
    )
    assert [d.dose_mg for d in doses] == [56] + [84] * 13
    assert doses[0].note == "day 1: 56 mg (label, CLINICAL.md C)"
    assert doses[7].note == "end of induction: assess benefit (label, CLINICAL.md C)"
    assert [d.note for d in doses[1:7] + doses[8:]] == [""] * 12


def test_an_esketamine_schedule_at_56_mg_with_weekly_maintenance():
    doses = esketamine_label_schedule(
        start(date(2025, 6, 2)), dose_mg=56, maintenance_every_weeks=1, maintenance_weeks=0
    )
    assert len(doses) == 12
    assert {d.dose_mg for d in doses} == {56}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dose_mg": 28}, r"dose_mg must be one of \(56, 84\)"),
        ({"dose_mg": 112}, r"dose_mg must be one of"),
        ({"dose_mg": 84.0}, r"dose_mg must be one of"),
        ({"maintenance_every_weeks": 3}, "maintenance_every_weeks must be 1 or 2"),
        ({"maintenance_every_weeks": True}, "maintenance_every_weeks must be 1 or 2"),
        ({"maintenance_weeks": -1}, "maintenance_weeks"),
        ({"maintenance_weeks": 2.0}, "maintenance_weeks"),
    ],
)
def test_the_esketamine_schedule_refuses_what_the_label_does_not_say(kwargs, message):
    values = {"dose_mg": 84, "maintenance_every_weeks": 2, "maintenance_weeks": 4} | kwargs
    with pytest.raises(InvalidDosingInput, match=message):
        esketamine_label_schedule(start(date(2025, 6, 2)), **values)


@pytest.mark.parametrize(
    ("caps", "dose_mg", "message"),
    [
        (DoseCaps(max_mg_per_session=56), 84, r"Session 2 .* The dose, 84 mg, is above the cap"),
        (DoseCaps(max_mg_per_7_days=112), 84, r"Session 2 .* 7-day total with it, 140 mg"),
        (DoseCaps(max_sessions_per_7_days=1), 56, r"Session 2 .* would be session 2 in 7 days"),
    ],
)
def test_the_esketamine_schedule_is_checked_against_the_clinics_esketamine_caps(
    caps, dose_mg, message
):
    rules = dataclasses.replace(DEFAULT_RULES, esketamine_caps=caps)
    with pytest.raises(ScheduleBreaksCaps, match=message):
        esketamine_label_schedule(
            start(date(2025, 6, 2)),
            dose_mg=dose_mg,
            maintenance_every_weeks=2,
            maintenance_weeks=0,
            rules=rules,
        )


# --- A pattern that breaks the caps is refused ----------------------------------------------


def test_three_sessions_a_week_are_refused_under_at_most_twice_weekly():
    with pytest.raises(ScheduleBreaksCaps, match=r"Session 3 \(2025-06-06 09:00 EDT\)"):
        schedule(start(date(2025, 6, 2)), [Phase("induction", 2, (0, 2, 4))], caps=COUNT_ONLY)
    # CLINICAL.md G1: 72 h between doses refuses the second session already.
    with pytest.raises(ScheduleBreaksCaps, match=r"Session 2 \(2025-06-04 09:00 EDT\).* too soon"):
        schedule(start(date(2025, 6, 2)), [Phase("induction", 2, (0, 2, 4))], caps=ORAL)


def test_a_pattern_closer_than_the_minimum_interval_is_refused():
    caps = dataclasses.replace(ORAL, min_interval=timedelta(days=4))
    with pytest.raises(ScheduleBreaksCaps, match=r"Session 2 .* too soon"):
        at_home_schedule(start(date(2025, 6, 2)), maintenance_weeks=0, caps=caps)


def test_a_three_day_minimum_interval_holds_across_the_spring_change_on_the_patients_clock():
    caps = dataclasses.replace(ORAL, min_interval=timedelta(days=3))
    doses = at_home_schedule(start(date(2025, 3, 6)), maintenance_weeks=0, caps=caps)
    assert len(doses) == 8


def test_weekly_sessions_fit_one_session_in_7_days_across_both_changes():
    caps = DoseCaps(max_sessions_per_7_days=1, min_interval=timedelta(days=7))
    doses = schedule(start(date(2025, 2, 1)), [Phase("maintenance", 45)], caps=caps)
    assert len(doses) == 45
    assert all(d.at.time() == time(9, 0) for d in doses)


def test_a_custom_pattern_every_other_week():
    doses = schedule(
        start(date(2025, 6, 2)),
        [Phase("induction", 1, (0, 3)), Phase("maintenance", 4, (2,), every_weeks=2)],
        caps=ORAL,
    )
    assert days_of(doses) == [
        date(2025, 6, 2),
        date(2025, 6, 5),
        date(2025, 6, 11),
        date(2025, 6, 25),
    ]


# --- Bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"first_day": datetime(2025, 6, 2, tzinfo=UTC)}, "first_day must be a date"),
        ({"first_day": "2025-06-02"}, "first_day must be a date"),
        ({"time_of_day": time(9, 0, tzinfo=UTC)}, "time_of_day must be a time"),
        ({"time_of_day": "09:00"}, "time_of_day must be a time"),
        ({"zone": "New York"}, "zone must be an IANA time zone name"),
        ({"zone": ""}, "zone must be an IANA time zone name"),
        ({"zone": None}, "zone must be an IANA time zone name"),
    ],
)
def test_a_course_start_refuses_bad_input_naming_the_field(kwargs, message):
    values = {"first_day": date(2025, 6, 2), "time_of_day": time(9, 0), "zone": "UTC"} | kwargs
    with pytest.raises(InvalidDosingInput, match=message):
        CourseStart(**values)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": ""}, "name must name the phase"),
        ({"name": None}, "name must name the phase"),
        ({"weeks": 0}, "weeks"),
        ({"weeks": 1.5}, "weeks"),
        ({"every_weeks": 0}, "every_weeks"),
        ({"days": ()}, "days must be days of the week"),
        ({"days": (3, 0)}, "days must be days of the week"),
        ({"days": (0, 0)}, "days must be days of the week"),
        ({"days": (7,)}, "days must be days of the week"),
        ({"days": (-1,)}, "days must be days of the week"),
        ({"days": [0, 3]}, "days must be days of the week"),
        ({"days": (0, True)}, "days must be days of the week"),
    ],
)
def test_a_phase_refuses_bad_input_naming_the_field(kwargs, message):
    values = {"name": "induction", "weeks": 4, "days": (0, 3), "every_weeks": 1} | kwargs
    with pytest.raises(InvalidDosingInput, match=message):
        Phase(**values)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((date(2025, 6, 2), [Phase("induction", 4)], ORAL), "start must be a CourseStart"),
        ((start(date(2025, 6, 2)), [], ORAL), "phases must be one or more Phase"),
        ((start(date(2025, 6, 2)), [(0, 3)], ORAL), "phases must be one or more Phase"),
        ((start(date(2025, 6, 2)), [Phase("induction", 4)], None), "caps must be a DoseCaps"),
    ],
)
def test_a_schedule_refuses_bad_input(arguments, message):
    course, phases, caps = arguments
    with pytest.raises(InvalidDosingInput, match=message):
        schedule(course, phases, caps=caps)


@pytest.mark.parametrize("weeks", [-1, 1.0, True, None])
def test_the_at_home_schedule_refuses_a_maintenance_length_that_is_not_whole_weeks(weeks):
    with pytest.raises(InvalidDosingInput, match="maintenance_weeks"):
        at_home_schedule(start(date(2025, 6, 2)), maintenance_weeks=weeks)
