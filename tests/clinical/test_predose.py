"""The pre-dose gate: every item of the at-home checklist, run at the checklist and the dose."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical import instruments, rules
from ketacare.clinical.predose import (
    SUBSTANCE_RISK,
    SUBSTANCE_WORDS,
    EarlierReading,
    PreDoseFacts,
    SitterConfirmation,
    SuicidalitySignal,
    blood_pressure_day,
    check_pre_dose,
)
from ketacare.clinical.safety import (
    DEFAULT_RULES,
    BloodPressureLimit,
    Cause,
    Finding,
    InvalidSafetyInput,
    Severity,
    Substance,
)
from ketacare.clinical.vitals import BloodPressure, HeartRate

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
NAIVE = datetime(2025, 3, 10, 9, 0)  # noqa: DTZ001 - the naive datetime under test
NEW_YORK = ZoneInfo("America/New_York")


def sitter(**changes: Any) -> SitterConfirmation:
    values: dict[str, Any] = {
        "name": "Sam Carter",
        "confirmed_at": NOW - timedelta(minutes=10),
        "registered_for_patient": True,
        "adult": True,
        "is_the_patient": False,
    }
    return SitterConfirmation(**(values | changes))


def facts(**changes: Any) -> PreDoseFacts:
    """A pre-dose checklist where every item passes, with `changes` applied."""
    values: dict[str, Any] = {
        "blood_pressure": BloodPressure(120, 80),
        "measured_at": NOW,
        "now": NOW,
        "zone": UTC,
        "sitter_present": True,
        "sitter": sitter(),
        "fasted": True,
        "no_driving_until_tomorrow": True,
        "substances_today": frozenset(),
        "last_dose_at": None,
        "recent_doses_at": (),
        "min_interval_between_doses": timedelta(days=3),
    }
    return PreDoseFacts(**(values | changes))


def rules_with(**changes: Any) -> Any:
    return dataclasses.replace(DEFAULT_RULES, **changes)


def causes(findings: tuple[Finding, ...]) -> list[Cause]:
    return [finding.cause for finding in findings]


def earlier(minutes_ago: int, systolic: int, diastolic: int) -> EarlierReading:
    return EarlierReading(NOW - timedelta(minutes=minutes_ago), BloodPressure(systolic, diastolic))


def test_a_checklist_with_every_item_passed_allows_the_dose() -> None:
    result = check_pre_dose(facts())
    assert result.allowed
    assert result.findings == ()
    assert not result.suicidality_hold


# --- Blood pressure now (CLINICAL.md D) ------------------------------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "severity"),
    [
        (120, 80, None),
        (140, 90, None),  # at the gate: > 140/90 delays, 140/90 itself does not
        (141, 90, Severity.WARNING),
        (140, 91, Severity.WARNING),
        (159, 99, Severity.WARNING),
        (160, 99, Severity.URGENT),  # the hard stop is at or above 160/100
        (159, 100, Severity.URGENT),
        (135, 95, Severity.WARNING),  # diastolic alone is enough
        (165, 85, Severity.URGENT),  # systolic alone is enough
    ],
)
def test_blood_pressure_above_140_90_delays_the_dose_and_160_100_stops_it(
    systolic: int, diastolic: int, severity: Severity | None
) -> None:
    result = check_pre_dose(facts(blood_pressure=BloodPressure(systolic, diastolic)))
    assert result.allowed is (severity is None)
    assert [f.severity for f in result.findings] == ([] if severity is None else [severity])
    assert causes(result.findings) == ([] if severity is None else [Cause.BP_GATE_FAILED])


def test_a_hard_stop_reading_names_the_reading_and_says_only_a_clinician_can_clear() -> None:
    (finding,) = check_pre_dose(facts(blood_pressure=BloodPressure(162, 101))).findings
    assert finding.message == (
        "Blood pressure 162/101 mmHg is at or above the no-dose-today limit 160/100 mmHg."
    )
    assert finding.source == "CLINICAL.md D"
    assert finding.next_step.startswith("Do not take the dose today.")
    assert "only your clinician can clear a dose today" in finding.next_step


def test_a_delayed_dose_tells_the_patient_when_to_measure_again() -> None:
    (finding,) = check_pre_dose(facts(blood_pressure=BloodPressure(141, 85))).findings
    assert finding.message == "Blood pressure 141/85 mmHg is above the pre-dose limit 140/90 mmHg."
    assert "measure your blood pressure again in 15 min, or call the clinic" in finding.next_step


@pytest.mark.parametrize(
    ("changes", "reading", "severity"),
    [
        ({"bp_delay_gate": None}, BloodPressure(155, 95), None),
        ({"bp_delay_gate": None}, BloodPressure(160, 95), Severity.URGENT),
        ({"bp_hard_stop": None}, BloodPressure(175, 105), Severity.WARNING),
        ({"bp_delay_gate": None, "bp_hard_stop": None}, BloodPressure(175, 105), None),
        ({"bp_delay_gate": BloodPressureLimit(130, 85)}, BloodPressure(131, 80), Severity.WARNING),
        ({"bp_hard_stop": BloodPressureLimit(150, 95)}, BloodPressure(150, 80), Severity.URGENT),
    ],
)
def test_a_clinic_can_move_or_switch_off_either_blood_pressure_limit(
    changes: dict[str, Any], reading: BloodPressure, severity: Severity | None
) -> None:
    result = check_pre_dose(facts(blood_pressure=reading), rules_with(**changes))
    assert [f.severity for f in result.findings] == ([] if severity is None else [severity])


# --- Blood pressure earlier today (CLINICAL.md G2) -------------------------------------


def test_after_a_hard_stop_a_normal_reading_seconds_later_does_not_pass() -> None:
    # The case: 165/100, then 128/82 a minute later.
    result = check_pre_dose(
        facts(blood_pressure=BloodPressure(128, 82), earlier_readings_today=(earlier(1, 165, 100),))
    )
    assert not result.allowed
    assert Cause.BP_HARD_STOP_TODAY in causes(result.findings)
    hold = next(f for f in result.findings if f.cause is Cause.BP_HARD_STOP_TODAY)
    assert "165/100 mmHg" in hold.message
    assert hold.next_step.startswith("Do not take a dose today")
    assert "at 08:59" in hold.next_step  # the patient's clock


def test_a_hard_stop_holds_for_the_whole_day_not_only_for_the_wait() -> None:
    result = check_pre_dose(
        facts(
            blood_pressure=BloodPressure(122, 78),
            earlier_readings_today=(earlier(8 * 60, 170, 95),),
        )
    )
    assert causes(result.findings) == [Cause.BP_HARD_STOP_TODAY]


@pytest.mark.parametrize(
    ("cleared_minutes_ago", "allowed"),
    [(None, False), (30, True), (90, False)],  # cleared after it, or before it (no clearance)
)
def test_a_clinicians_clearance_after_the_hard_stop_lifts_it(
    cleared_minutes_ago: int | None, allowed: bool
) -> None:
    cleared = None if cleared_minutes_ago is None else NOW - timedelta(minutes=cleared_minutes_ago)
    result = check_pre_dose(
        facts(earlier_readings_today=(earlier(60, 166, 101),), bp_cleared_at=cleared)
    )
    assert result.allowed is allowed


@pytest.mark.parametrize(
    ("minutes_ago", "allowed"),
    [(1, False), (14, False), (15, True), (40, True)],
)
def test_after_a_delay_gate_failure_a_new_reading_waits_15_minutes(
    minutes_ago: int, allowed: bool
) -> None:
    result = check_pre_dose(facts(earlier_readings_today=(earlier(minutes_ago, 150, 92),)))
    assert result.allowed is allowed
    assert causes(result.findings) == ([] if allowed else [Cause.BP_REMEASURE_TOO_SOON])


def test_a_re_measure_too_soon_says_from_when() -> None:
    (finding,) = check_pre_dose(
        facts(zone=NEW_YORK, earlier_readings_today=(earlier(5, 150, 92),))
    ).findings
    assert finding.next_step == "Please wait: sit quietly and measure again from 05:10."
    assert "Re-measured 5 min after a reading over the limit" in finding.message


def test_the_clinic_sets_the_wait_before_a_re_measure() -> None:
    result = check_pre_dose(
        facts(earlier_readings_today=(earlier(5, 150, 92),)),
        rules_with(bp_remeasure_wait=timedelta(minutes=5)),
    )
    assert result.allowed


@pytest.mark.parametrize(
    ("earlier_failures", "now_reading", "expected"),
    [
        (1, (120, 80), []),
        (2, (120, 80), []),  # two failures, the third reading passes: allowed
        (3, (120, 80), [Cause.BP_TRIES_USED]),  # three over the limit: no more tries
        (2, (150, 95), [Cause.BP_GATE_FAILED, Cause.BP_TRIES_USED]),  # the third fails
        (1, (150, 95), [Cause.BP_GATE_FAILED]),
    ],
)
def test_at_most_three_readings_over_the_limit_a_day(
    earlier_failures: int, now_reading: tuple[int, int], expected: list[Cause]
) -> None:
    readings = tuple(earlier(30 * (i + 1), 148, 94) for i in range(earlier_failures))
    result = check_pre_dose(
        facts(blood_pressure=BloodPressure(*now_reading), earlier_readings_today=readings)
    )
    assert causes(result.findings) == expected


def test_readings_before_a_clearance_no_longer_count_as_tries() -> None:
    readings = tuple(earlier(30 * (i + 2), 148, 94) for i in range(3))
    assert not check_pre_dose(facts(earlier_readings_today=readings)).allowed
    cleared = check_pre_dose(
        facts(earlier_readings_today=readings, bp_cleared_at=NOW - timedelta(minutes=45))
    )
    assert cleared.allowed


def test_normal_earlier_readings_count_for_nothing() -> None:
    readings = tuple(earlier(m, 118, 76) for m in (2, 3, 4, 5))
    assert check_pre_dose(facts(earlier_readings_today=readings)).allowed


@pytest.mark.parametrize(
    ("readings", "hard_stops", "over", "holds"),
    [
        ((), 0, 0, False),
        (((10, 118, 76),), 0, 0, False),
        (((10, 165, 100),), 1, 1, True),  # a hard stop holds the day at once
        (((10, 148, 94), (40, 150, 92)), 0, 2, False),  # two tries used, a third left
        (((10, 148, 94), (40, 150, 92), (70, 141, 80)), 0, 3, True),  # no tries left
    ],
)
def test_the_blood_pressure_day_counts_hard_stops_and_tries(
    readings: tuple[tuple[int, int, int], ...], hard_stops: int, over: int, holds: bool
) -> None:
    day = blood_pressure_day(tuple(earlier(*r) for r in readings), None)
    assert (len(day.hard_stops), len(day.over), day.holds()) == (hard_stops, over, holds)


def test_the_blood_pressure_day_drops_readings_before_a_clearance() -> None:
    readings = (earlier(90, 170, 105), earlier(20, 150, 92))
    day = blood_pressure_day(readings, NOW - timedelta(minutes=60))
    assert (day.hard_stops, day.over) == ((), (readings[1],))
    assert not day.holds()


def test_the_blood_pressure_day_reads_the_clinics_number_of_tries() -> None:
    day = blood_pressure_day((earlier(10, 148, 94),), None, rules_with(bp_tries_per_day=1))
    assert day.holds(rules_with(bp_tries_per_day=1))
    assert not day.holds()


# --- Heart rate (no limits in CLINICAL.md) ----------------------------------------------


@pytest.mark.parametrize("heart_rate", [None, HeartRate(25), HeartRate(200)])
def test_heart_rate_is_not_checked_unless_the_clinic_sets_limits(
    heart_rate: HeartRate | None,
) -> None:
    assert check_pre_dose(facts(heart_rate=heart_rate)).allowed


@pytest.mark.parametrize(
    ("minimum", "maximum", "heart_rate", "allowed", "words"),
    [
        (50, 110, HeartRate(49), False, "49 bpm is below the clinic's minimum 50 bpm"),
        (50, 110, HeartRate(50), True, ""),
        (50, 110, HeartRate(110), True, ""),
        (50, 110, HeartRate(111), False, "111 bpm is above the clinic's maximum 110 bpm"),
        (50, 110, None, False, "was not measured"),
        (None, 110, HeartRate(30), True, ""),
        (50, None, HeartRate(200), True, ""),
    ],
)
def test_heart_rate_outside_the_clinics_limits_blocks_the_dose(
    minimum: int | None,
    maximum: int | None,
    heart_rate: HeartRate | None,
    allowed: bool,
    words: str,
) -> None:
    result = check_pre_dose(
        facts(heart_rate=heart_rate),
        rules_with(heart_rate_min_bpm=minimum, heart_rate_max_bpm=maximum),
    )
    assert result.allowed is allowed
    if not allowed:
        (finding,) = result.findings
        assert finding.cause is Cause.HEART_RATE_GATE_FAILED
        assert words in finding.message


# --- The sitter (CLINICAL.md C, D) -------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "team_words", "patient_words"),
    [
        ({"sitter_present": False}, "the patient says no sitter is with them", "sober adult"),
        ({"sitter": None}, "no sitter has confirmed", "code we text to their phone"),
        (
            {"sitter": sitter(is_the_patient=True)},
            "came from the patient's own account",
            "You cannot be your own sitter",
        ),
        (
            {"sitter": sitter(registered_for_patient=False)},
            "Sam Carter is not registered as this patient's sitter",
            "registered with the clinic as your sitter",
        ),
        (
            {"sitter": sitter(adult=False)},
            "not confirmed to be an adult (18 or older)",
            "must be an adult",
        ),
        (
            {"sitter": sitter(confirmed_at=NOW - timedelta(hours=2, seconds=1))},
            "more than 2 h ago",
            "Ask them to confirm again now",
        ),
    ],
)
def test_a_dose_needs_a_registered_adult_sitter_who_confirmed_being_there(
    changes: dict[str, Any], team_words: str, patient_words: str
) -> None:
    result = check_pre_dose(facts(**changes))
    assert not result.allowed
    (finding,) = result.findings
    assert finding.cause is Cause.SITTER_ABSENT
    assert team_words in finding.message
    assert patient_words in finding.next_step
    assert "at least 2 h after the dose" in finding.next_step  # CLINICAL.md D


def test_a_sitters_confirmation_counts_for_the_clinics_time() -> None:
    two_hours_ago = sitter(confirmed_at=NOW - timedelta(hours=2))
    assert check_pre_dose(facts(sitter=two_hours_ago)).allowed
    shorter = rules_with(sitter_confirmation_valid_for=timedelta(hours=1))
    assert not check_pre_dose(facts(sitter=two_hours_ago), shorter).allowed


# --- The other checklist items -------------------------------------------------------------


def test_a_patient_who_has_not_fasted_may_not_dose() -> None:
    result = check_pre_dose(facts(fasted=False))
    assert causes(result.findings) == [Cause.NOT_FASTED]
    assert not result.allowed


def test_a_clinic_that_does_not_ask_for_fasting_can_switch_the_item_off() -> None:
    assert check_pre_dose(facts(fasted=False), rules_with(fasting_required=False)).allowed


def test_a_patient_who_may_drive_before_tomorrow_may_not_dose() -> None:
    result = check_pre_dose(facts(no_driving_until_tomorrow=False))
    assert causes(result.findings) == [Cause.DRIVING_PLANNED]
    assert "until tomorrow" in result.findings[0].next_step


@pytest.mark.parametrize("substance", list(Substance))
def test_every_interacting_substance_today_blocks_the_dose(substance: Substance) -> None:
    (finding,) = check_pre_dose(facts(substances_today=frozenset({substance}))).findings
    assert finding.cause is Cause.INTERACTING_SUBSTANCE
    assert finding.message == SUBSTANCE_RISK[substance]
    assert finding.source == "CLINICAL.md D"
    assert "Call the clinic" in finding.next_step


def test_the_substances_of_clinical_md_d_are_all_known_and_worded_for_patients() -> None:
    # CLINICAL.md D: benzodiazepines and other CNS depressants, stimulants, MAOIs.
    assert {s.value for s in Substance} == {
        "alcohol",
        "benzodiazepines",
        "stimulants",
        "opioids",
        "gabapentinoids",
        "z_drugs",
        "sedating_antihistamines",
        "cannabis",
        "maois",
    }
    assert set(SUBSTANCE_WORDS) == set(Substance) == set(SUBSTANCE_RISK)
    assert "lorazepam" in SUBSTANCE_WORDS[Substance.BENZODIAZEPINES]
    assert "zolpidem" in SUBSTANCE_WORDS[Substance.Z_DRUGS]


def test_each_interacting_substance_is_its_own_reason() -> None:
    result = check_pre_dose(facts(substances_today=frozenset(Substance)))
    assert causes(result.findings) == [Cause.INTERACTING_SUBSTANCE] * len(Substance)


# --- Spacing: the interval, one dose a calendar day, sessions per 7 days (C, G1) -----------


@pytest.mark.parametrize(
    ("since_last_dose", "expected"),
    [
        (timedelta(days=3), []),  # exactly 72 h
        (timedelta(days=3) - SECOND, [Cause.DOSE_TOO_SOON]),
        (timedelta(days=10), []),
        (timedelta(hours=20), [Cause.DOSE_TOO_SOON]),  # the next day
        (timedelta(hours=3), [Cause.DOSE_TODAY_ALREADY, Cause.DOSE_TOO_SOON]),  # same day
    ],
)
def test_a_second_dose_waits_72_hours_and_never_falls_on_the_same_day(
    since_last_dose: timedelta, expected: list[Cause]
) -> None:
    last = NOW - since_last_dose
    result = check_pre_dose(
        facts(
            last_dose_at=last,
            recent_doses_at=(last,),
            min_interval_between_doses=timedelta(0),  # an old plan with no interval of its own
        )
    )
    assert causes(result.findings) == expected


def test_the_plan_may_ask_for_a_longer_interval_than_the_clinic() -> None:
    last = NOW - timedelta(days=4)
    result = check_pre_dose(
        facts(last_dose_at=last, recent_doses_at=(last,), min_interval_between_doses=timedelta(5))
    )
    assert causes(result.findings) == [Cause.DOSE_TOO_SOON]


def test_a_clinic_may_set_48_hours_between_doses() -> None:
    last = NOW - timedelta(hours=48)
    short_plan = facts(
        last_dose_at=last, recent_doses_at=(last,), min_interval_between_doses=timedelta(0)
    )
    assert not check_pre_dose(short_plan).allowed
    clinic = rules.rules_for({"min_hours_between_doses": 48}).safety
    assert check_pre_dose(short_plan, clinic).allowed


def test_the_calendar_day_is_the_patients_own() -> None:
    # 23:30 and 00:30 in New York are two days there; 01:00 and 23:00 are one, although
    # in UTC the second falls on the next date.
    evening = datetime(2025, 3, 11, 3, 30, tzinfo=UTC)  # 23:30 on 10 March in New York
    next_morning = datetime(2025, 3, 11, 4, 30, tzinfo=UTC)  # 00:30 on 11 March
    lenient = rules_with(min_interval_between_doses=timedelta(0))
    result = check_pre_dose(
        facts(
            now=next_morning,
            measured_at=next_morning,
            zone=NEW_YORK,
            sitter=sitter(confirmed_at=next_morning),
            last_dose_at=evening,
            recent_doses_at=(evening,),
            min_interval_between_doses=timedelta(0),
        ),
        lenient,
    )
    assert result.allowed
    early = datetime(2025, 3, 10, 5, 0, tzinfo=UTC)  # 01:00 on 10 March in New York
    late = datetime(2025, 3, 11, 3, 0, tzinfo=UTC)  # 23:00 on 10 March in New York
    result = check_pre_dose(
        facts(
            now=late,
            measured_at=late,
            zone=NEW_YORK,
            sitter=sitter(confirmed_at=late),
            last_dose_at=early,
            recent_doses_at=(early,),
            min_interval_between_doses=timedelta(0),
        ),
        lenient,
    )
    assert causes(result.findings) == [Cause.DOSE_TODAY_ALREADY]
    assert "at 01:00" in result.findings[0].next_step


def test_a_dose_too_soon_says_when_the_next_dose_is_allowed_on_the_patients_clock() -> None:
    last = NOW - timedelta(days=1, hours=2)
    (finding,) = check_pre_dose(
        facts(zone=NEW_YORK, last_dose_at=last, recent_doses_at=(last,))
    ).findings
    assert finding.message == (
        "The last dose was 1 day 2 h ago (2025-03-09 03:00 EDT); at least 3 days must "
        "pass between doses."
    )
    assert finding.next_step.endswith("The next dose can be from Wed 12 Mar, 03:00.")
    assert "UTC" not in finding.next_step


@pytest.mark.parametrize(
    ("days_ago", "plan_maximum", "allowed"),
    [
        ((7, 3), None, True),  # a dose exactly 7 days ago has left the window
        ((8, 3), None, True),
        ((3,), None, True),
        ((6, 3), None, False),  # the default: at most twice weekly (CLINICAL.md C)
        ((6, 3), 3, True),  # the plan's own maximum wins over the default
        ((3,), 1, False),
        ((20, 13, 6, 3), 3, True),  # older doses are not counted
    ],
)
def test_the_plan_caps_the_sessions_in_any_7_days(
    days_ago: tuple[int, ...], plan_maximum: int | None, allowed: bool
) -> None:
    doses = tuple(NOW - timedelta(days=d) for d in days_ago)
    result = check_pre_dose(
        facts(last_dose_at=max(doses), recent_doses_at=doses, max_sessions_per_7_days=plan_maximum)
    )
    assert result.allowed is allowed
    assert causes(result.findings) == ([] if allowed else [Cause.TOO_MANY_SESSIONS])


def test_too_many_sessions_says_when_the_oldest_dose_leaves_the_window() -> None:
    doses = (NOW - timedelta(days=6), NOW - timedelta(days=3))
    (finding,) = check_pre_dose(facts(last_dose_at=doses[1], recent_doses_at=doses)).findings
    assert finding.message == "2 doses in the last 7 days; the plan allows at most 2 in any 7 days."
    assert "The next dose can be from Tue 11 Mar, 09:00" in finding.next_step


def test_a_clinic_can_change_the_default_sessions_maximum() -> None:
    doses = (NOW - timedelta(days=6), NOW - timedelta(days=3))
    assert check_pre_dose(
        facts(last_dose_at=doses[1], recent_doses_at=doses),
        rules_with(default_max_sessions_per_7_days=3),
    ).allowed


# --- The checklist's age (CLINICAL.md G2) --------------------------------------------------


@pytest.mark.parametrize(
    ("age", "allowed"),
    [(timedelta(0), True), (timedelta(minutes=60), True), (timedelta(minutes=61), False)],
)
def test_a_passed_checklist_authorises_a_dose_for_60_minutes(age: timedelta, allowed: bool) -> None:
    result = check_pre_dose(facts(measured_at=NOW - age))
    assert result.allowed is allowed
    assert causes(result.findings) == ([] if allowed else [Cause.CHECKLIST_EXPIRED])


def test_a_checklist_from_12_hours_ago_is_done_again_with_a_new_reading() -> None:
    (finding,) = check_pre_dose(
        facts(measured_at=NOW - timedelta(hours=12), sitter=sitter(confirmed_at=NOW))
    ).findings
    assert finding.cause is Cause.CHECKLIST_EXPIRED
    assert "answered 12 h ago" in finding.message
    assert "Do the checklist again, with a new blood pressure reading" in finding.next_step


# --- Suicidality (CLINICAL.md A1, A8, G3) ------------------------------------------------------


def test_an_unresolved_suicidality_alert_holds_the_dose_with_crisis_words_first() -> None:
    signal = SuicidalitySignal(NOW - timedelta(hours=10), "an unresolved urgent suicidality alert")
    result = check_pre_dose(facts(suicidality=(signal,), fasted=False))
    assert result.suicidality_hold
    assert causes(result.findings) == [Cause.SUICIDALITY_HOLD, Cause.NOT_FASTED]
    hold = result.findings[0]
    assert "an unresolved urgent suicidality alert (2025-03-09 23:00 UTC)" in hold.message
    assert "until a clinician records a clearance" in hold.message
    assert "call the emergency number or the crisis line now" in hold.next_step


@pytest.mark.parametrize(
    ("answers", "held"),
    [
        ([0, 0, 0, 0, 0, 0, 0], False),
        ([1, 0, 0, 0, 0, 0, 0], True),  # a wish to be dead: C-SSRS low, G3 holds
        ([1, 1, 0, 0, 0, 0, 0], True),
        ([1, 1, 1, 1, 0, 0, 0], True),
        ([0, 0, 0, 0, 0, 1, 1], True),
    ],
)
def test_the_checklists_c_ssrs_screen_holds_the_dose_on_any_ideation(
    answers: list[int], held: bool
) -> None:
    screen = instruments.score("cssrs_screen", answers)
    result = check_pre_dose(facts(cssrs=screen))
    assert result.suicidality_hold is held
    assert result.allowed is not held
    if held:
        assert f"C-SSRS screen today ({screen.band} triage)" in result.findings[0].message


# --- Every failed item is listed --------------------------------------------------------------


def test_every_failed_item_is_listed_not_only_the_first() -> None:
    last = NOW - timedelta(days=1)
    result = check_pre_dose(
        facts(
            blood_pressure=BloodPressure(165, 95),
            heart_rate=None,
            sitter_present=False,
            fasted=False,
            no_driving_until_tomorrow=False,
            substances_today=frozenset({Substance.ALCOHOL, Substance.STIMULANTS}),
            last_dose_at=last,
            recent_doses_at=(NOW - timedelta(days=4), last),
            measured_at=NOW - timedelta(hours=2),
            earlier_readings_today=(earlier(150, 150, 95),),
            suicidality=(SuicidalitySignal(NOW, "PHQ-9 item 9 answered 1"),),
        ),
        rules_with(heart_rate_max_bpm=120),
    )
    assert not result.allowed
    assert causes(result.findings) == [
        Cause.SUICIDALITY_HOLD,
        Cause.BP_GATE_FAILED,
        Cause.HEART_RATE_GATE_FAILED,
        Cause.SITTER_ABSENT,
        Cause.NOT_FASTED,
        Cause.DRIVING_PLANNED,
        Cause.INTERACTING_SUBSTANCE,
        Cause.INTERACTING_SUBSTANCE,
        Cause.DOSE_TOO_SOON,
        Cause.TOO_MANY_SESSIONS,
        Cause.CHECKLIST_EXPIRED,
    ]
    assert all(f.next_step and f.source and f.message for f in result.findings)


# --- Bad facts are refused, naming the field --------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"blood_pressure": (120, 80)}, "blood_pressure"),
        ({"heart_rate": 72}, "heart_rate"),
        ({"sitter_present": 1}, "sitter_present"),
        ({"fasted": "yes"}, "fasted"),
        ({"no_driving_until_tomorrow": None}, "no_driving_until_tomorrow"),
        ({"sitter": "Sam"}, "sitter"),
        ({"substances_today": {Substance.ALCOHOL}}, "substances_today"),
        ({"substances_today": frozenset({"alcohol"})}, "substances_today"),
        ({"zone": "America/New_York"}, "zone"),
        ({"now": NAIVE}, "now"),
        ({"now": "2025-03-10T09:00Z"}, "now"),
        ({"measured_at": NAIVE}, "measured_at"),
        ({"measured_at": NOW + SECOND}, "measured_at"),
        ({"min_interval_between_doses": timedelta(days=-1)}, "min_interval_between_doses"),
        ({"min_interval_between_doses": 3}, "min_interval_between_doses"),
        ({"max_sessions_per_7_days": 0}, "max_sessions_per_7_days"),
        ({"max_sessions_per_7_days": True}, "max_sessions_per_7_days"),
        ({"max_sessions_per_7_days": 2.0}, "max_sessions_per_7_days"),
        ({"cssrs": instruments.score("phq9", [0] * 9)}, "cssrs"),
        ({"cssrs": {"1": 1}}, "cssrs"),
        ({"last_dose_at": NOW, "recent_doses_at": [NOW]}, "recent_doses_at"),
        ({"last_dose_at": NOW, "recent_doses_at": (NAIVE,)}, "recent_doses_at"),
        ({"last_dose_at": NOW, "recent_doses_at": (NOW + SECOND,)}, "recent_doses_at"),
        ({"last_dose_at": None, "recent_doses_at": (NOW,)}, "last_dose_at"),
        ({"last_dose_at": NAIVE}, "last_dose_at"),
        ({"last_dose_at": NOW + SECOND}, "last_dose_at"),
        (
            {"last_dose_at": NOW - timedelta(days=2), "recent_doses_at": (NOW - SECOND,)},
            "last_dose_at",
        ),
        ({"earlier_readings_today": [earlier(5, 150, 95)]}, "earlier_readings_today"),
        ({"earlier_readings_today": ((NOW, BloodPressure(150, 95)),)}, "EarlierReading"),
        (
            {"earlier_readings_today": (EarlierReading(NOW + SECOND, BloodPressure(150, 95)),)},
            "an earlier reading",
        ),
        ({"suicidality": ("PHQ-9",)}, "SuicidalitySignal"),
        ({"bp_cleared_at": NAIVE}, "bp_cleared_at"),
        ({"sitter": sitter(confirmed_at=NOW + SECOND)}, "sitter confirmed_at"),
    ],
)
def test_pre_dose_facts_refuse_what_they_cannot_read(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidSafetyInput, match=field):
        facts(**changes)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: sitter(name=None), "sitter name"),
        (lambda: sitter(confirmed_at=NAIVE), "sitter confirmed_at"),
        (lambda: sitter(adult=1), "adult"),
        (lambda: EarlierReading(NAIVE, BloodPressure(120, 80)), "earlier reading at"),
        (lambda: EarlierReading(NOW, (120, 80)), "BloodPressure"),
        (lambda: SuicidalitySignal(NAIVE, "PHQ-9"), "suicidality signal at"),
        (lambda: SuicidalitySignal(NOW, " "), "must say what it is"),
    ],
)
def test_the_records_the_gate_reads_refuse_what_they_cannot_read(make: Any, field: str) -> None:
    with pytest.raises(InvalidSafetyInput, match=field):
        make()


# --- Properties ----------------------------------------------------------------------------


@st.composite
def readings(draw: st.DrawFn) -> BloodPressure:
    systolic = draw(st.integers(min_value=50, max_value=300))
    diastolic = draw(st.integers(min_value=20, max_value=min(200, systolic - 1)))
    return BloodPressure(systolic, diastolic)


@st.composite
def higher_readings(draw: st.DrawFn) -> tuple[BloodPressure, BloodPressure]:
    """Two readings, the second at least as high as the first on both numbers."""
    lower = draw(readings())
    systolic = draw(st.integers(min_value=lower.systolic_mmhg, max_value=300))
    diastolic = draw(st.integers(min_value=lower.diastolic_mmhg, max_value=min(200, systolic - 1)))
    return lower, BloodPressure(systolic, diastolic)


@st.composite
def any_facts(draw: st.DrawFn) -> PreDoseFacts:
    recent = tuple(
        NOW - timedelta(minutes=m)
        for m in draw(st.lists(st.integers(min_value=0, max_value=20 * 24 * 60), max_size=4))
    )
    last = max(recent) if recent else draw(st.none() | st.just(NOW - timedelta(days=30)))
    measured_at = NOW - timedelta(minutes=draw(st.integers(0, 120)))
    earlier_readings = tuple(
        EarlierReading(measured_at - timedelta(minutes=m), draw(readings()))
        for m in draw(st.lists(st.integers(min_value=1, max_value=600), max_size=4))
    )
    return facts(
        blood_pressure=draw(readings()),
        heart_rate=draw(st.none() | st.builds(HeartRate, st.integers(20, 250))),
        sitter_present=draw(st.booleans()),
        sitter=draw(st.none() | st.just(sitter()) | st.just(sitter(adult=False))),
        fasted=draw(st.booleans()),
        no_driving_until_tomorrow=draw(st.booleans()),
        substances_today=draw(st.frozensets(st.sampled_from(Substance))),
        last_dose_at=last,
        recent_doses_at=recent,
        min_interval_between_doses=timedelta(hours=draw(st.integers(0, 240))),
        max_sessions_per_7_days=draw(st.none() | st.integers(1, 4)),
        earlier_readings_today=earlier_readings,
        measured_at=measured_at,
    )


@given(any_facts(), higher_readings())
def test_a_higher_blood_pressure_never_unblocks_a_blocked_gate(
    checklist: PreDoseFacts, pair: tuple[BloodPressure, BloodPressure]
) -> None:
    lower, higher = pair
    at_lower = check_pre_dose(dataclasses.replace(checklist, blood_pressure=lower))
    at_higher = check_pre_dose(dataclasses.replace(checklist, blood_pressure=higher))
    if not at_lower.allowed:
        assert not at_higher.allowed
    assert len(at_higher.findings) >= len(at_lower.findings)


@given(readings())
def test_with_every_item_passed_only_blood_pressure_above_140_90_blocks(
    reading: BloodPressure,
) -> None:
    result = check_pre_dose(facts(blood_pressure=reading))
    below_gate = reading.systolic_mmhg <= 140 and reading.diastolic_mmhg <= 90
    assert result.allowed is below_gate
    assert causes(result.findings) == ([] if below_gate else [Cause.BP_GATE_FAILED])


@given(any_facts())
def test_gate_findings_use_the_enums_and_allowed_means_no_findings(
    checklist: PreDoseFacts,
) -> None:
    result = check_pre_dose(checklist, rules_with(heart_rate_min_bpm=40, heart_rate_max_bpm=140))
    assert result.allowed is (result.findings == ())
    for finding in result.findings:
        assert isinstance(finding.severity, Severity)
        assert isinstance(finding.cause, Cause)
        assert finding.next_step


@given(any_facts(), st.integers(min_value=48, max_value=72))
def test_an_allowed_dose_keeps_the_clinics_interval_and_its_own_calendar_day(
    checklist: PreDoseFacts, hours: int
) -> None:
    clinic = rules.rules_for({"min_hours_between_doses": hours}).safety
    result = check_pre_dose(checklist, clinic)
    if result.allowed and checklist.last_dose_at is not None:
        assert checklist.now - checklist.last_dose_at >= timedelta(hours=hours)
        assert checklist.now.date() != checklist.last_dose_at.date()


@given(any_facts())
def test_an_allowed_dose_has_a_fresh_checklist_and_a_confirmed_adult_sitter(
    checklist: PreDoseFacts,
) -> None:
    result = check_pre_dose(checklist)
    if result.allowed:
        assert checklist.now - checklist.measured_at <= DEFAULT_RULES.checklist_valid_for
        assert checklist.sitter is not None
        assert checklist.sitter.adult
