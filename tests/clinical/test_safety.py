"""Safety rules: the pre-dose gate, post-dose checks, scores and events as findings."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical import instruments, outcomes
from ketacare.clinical.instruments import Score
from ketacare.clinical.safety import (
    DEFAULT_RULES,
    AdverseEventSeverity,
    BloodPressureLimit,
    Cause,
    Finding,
    InvalidSafetyInput,
    PreDoseFacts,
    Severity,
    Substance,
    check_adverse_event,
    check_dissociation,
    check_dose_against_plan,
    check_in_status,
    check_post_dose_blood_pressure,
    check_pre_dose,
    check_suicidality,
    check_worsening,
    high_dissociation_threshold,
)
from ketacare.clinical.vitals import BloodPressure, HeartRate

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
DOSED_AT = NOW
SECOND = timedelta(seconds=1)


def facts(**changes: Any) -> PreDoseFacts:
    """A pre-dose checklist where every item passes, with `changes` applied."""
    values: dict[str, Any] = {
        "blood_pressure": BloodPressure(120, 80),
        "sitter_present": True,
        "sitter_name": "Sam Carter",
        "fasted": True,
        "no_driving_until_tomorrow": True,
        "substances_today": frozenset(),
        "now": NOW,
        "last_dose_at": None,
        "recent_doses_at": (),
        "min_interval_between_doses": timedelta(days=3),
    }
    return PreDoseFacts(**(values | changes))


def rules(**changes: Any) -> Any:
    return dataclasses.replace(DEFAULT_RULES, **changes)


def causes(findings: tuple[Finding, ...]) -> list[Cause]:
    return [finding.cause for finding in findings]


# --- Pre-dose gate: blood pressure (CLINICAL.md D) -----------------------------------


@pytest.mark.parametrize(
    ("systolic", "diastolic", "severity"),
    [
        (120, 80, None),
        (140, 90, None),  # at the gate: > 140/90 delays, 140/90 itself does not
        (141, 90, Severity.WARNING),
        (140, 91, Severity.WARNING),
        (141, 91, Severity.WARNING),
        (159, 99, Severity.WARNING),
        (160, 99, Severity.URGENT),  # the hard stop is at or above 160/100
        (159, 100, Severity.URGENT),
        (162, 101, Severity.URGENT),
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


def test_a_hard_stop_reading_names_the_reading_and_the_limit() -> None:
    (finding,) = check_pre_dose(facts(blood_pressure=BloodPressure(162, 101))).findings
    assert finding.message == (
        "Blood pressure 162/101 mmHg is at or above the hard stop 160/100 mmHg."
    )
    assert finding.source == "CLINICAL.md D"
    assert finding.next_step == "Do not take the dose. Call the clinic."


def test_a_delayed_dose_tells_the_patient_to_measure_again_later_or_call() -> None:
    (finding,) = check_pre_dose(facts(blood_pressure=BloodPressure(141, 85))).findings
    assert finding.message == (
        "Blood pressure 141/85 mmHg is above the pre-dose limit 140/90 mmHg."
    )
    assert "measure your blood pressure again later, or call the clinic" in (
        finding.next_step.lower()
    )


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
    result = check_pre_dose(facts(blood_pressure=reading), rules(**changes))
    assert [f.severity for f in result.findings] == ([] if severity is None else [severity])


# --- Pre-dose gate: heart rate (no limits in CLINICAL.md) ---------------------------


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
        rules(heart_rate_min_bpm=minimum, heart_rate_max_bpm=maximum),
    )
    assert result.allowed is allowed
    if not allowed:
        (finding,) = result.findings
        assert finding.cause is Cause.HEART_RATE_GATE_FAILED
        assert words in finding.message


# --- Pre-dose gate: the checklist items --------------------------------------------


@pytest.mark.parametrize(
    ("present", "name", "words"),
    [
        (False, "Sam Carter", "The sitter is not present"),
        (False, "", "The sitter is not present"),
        (True, "", "The sitter is not named"),
        (True, "   ", "The sitter is not named"),
    ],
)
def test_a_dose_needs_a_sitter_who_is_present_and_named(
    present: bool, name: str, words: str
) -> None:
    result = check_pre_dose(facts(sitter_present=present, sitter_name=name))
    assert not result.allowed
    (finding,) = result.findings
    assert finding.cause is Cause.SITTER_ABSENT
    assert finding.message.startswith(words)
    assert "at least 2 h after the dose" in finding.next_step  # CLINICAL.md D


def test_a_patient_who_has_not_fasted_may_not_dose() -> None:
    result = check_pre_dose(facts(fasted=False))
    assert causes(result.findings) == [Cause.NOT_FASTED]
    assert not result.allowed


def test_a_clinic_that_does_not_ask_for_fasting_can_switch_the_item_off() -> None:
    assert check_pre_dose(facts(fasted=False), rules(fasting_required=False)).allowed


def test_a_patient_who_may_drive_before_tomorrow_may_not_dose() -> None:
    result = check_pre_dose(facts(no_driving_until_tomorrow=False))
    assert causes(result.findings) == [Cause.DRIVING_PLANNED]
    assert "until tomorrow" in result.findings[0].next_step


@pytest.mark.parametrize(
    ("substance", "words"),
    [
        (Substance.ALCOHOL, "Alcohol taken today: a central nervous system depressant"),
        (Substance.BENZODIAZEPINES, "Benzodiazepines taken today: central nervous system"),
        (Substance.STIMULANTS, "Stimulants taken today: they raise blood pressure"),
    ],
)
def test_alcohol_benzodiazepines_or_stimulants_today_block_the_dose(
    substance: Substance, words: str
) -> None:
    result = check_pre_dose(facts(substances_today=frozenset({substance})))
    (finding,) = result.findings
    assert finding.cause is Cause.INTERACTING_SUBSTANCE
    assert finding.message.startswith(words)


def test_each_interacting_substance_is_its_own_reason() -> None:
    result = check_pre_dose(facts(substances_today=frozenset(Substance)))
    assert causes(result.findings) == [Cause.INTERACTING_SUBSTANCE] * 3
    assert [f.message.split()[0] for f in result.findings] == [
        "Alcohol",
        "Benzodiazepines",
        "Stimulants",
    ]


# --- Pre-dose gate: the plan's interval and sessions per 7 days (CLINICAL.md C) -----------


@pytest.mark.parametrize(
    ("since_last_dose", "allowed"),
    [
        (timedelta(days=3), True),  # exactly the plan's interval
        (timedelta(days=3) - SECOND, False),
        (timedelta(days=10), True),
        (timedelta(0), False),
    ],
)
def test_a_dose_must_wait_for_the_plans_minimum_interval(
    since_last_dose: timedelta, allowed: bool
) -> None:
    last = NOW - since_last_dose
    result = check_pre_dose(facts(last_dose_at=last, recent_doses_at=(last,)))
    assert result.allowed is allowed
    assert causes(result.findings) == ([] if allowed else [Cause.DOSE_TOO_SOON])


def test_a_dose_too_soon_says_when_the_next_dose_is_allowed() -> None:
    last = NOW - timedelta(days=1, hours=2)
    (finding,) = check_pre_dose(facts(last_dose_at=last, recent_doses_at=(last,))).findings
    assert finding.message == (
        "The last dose was 1 day 2 h ago (2025-03-09 07:00 UTC); "
        "the plan asks for at least 3 days between doses."
    )
    assert "The next dose can be from 2025-03-12 07:00 UTC" in finding.next_step


def test_the_first_dose_has_no_interval_to_wait_for() -> None:
    assert check_pre_dose(facts(last_dose_at=None, recent_doses_at=())).allowed


@pytest.mark.parametrize(
    ("days_ago", "plan_maximum", "allowed"),
    [
        ((6, 3), None, False),  # the default: at most twice weekly (CLINICAL.md C)
        ((7, 3), None, True),  # a dose exactly 7 days ago has left the window
        ((8, 3), None, True),
        ((3,), None, True),
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
        facts(
            last_dose_at=max(doses),
            recent_doses_at=doses,
            max_sessions_per_7_days=plan_maximum,
        )
    )
    assert result.allowed is allowed
    assert causes(result.findings) == ([] if allowed else [Cause.TOO_MANY_SESSIONS])


def test_too_many_sessions_says_when_the_oldest_dose_leaves_the_window() -> None:
    doses = (NOW - timedelta(days=6), NOW - timedelta(days=3))
    (finding,) = check_pre_dose(facts(last_dose_at=doses[1], recent_doses_at=doses)).findings
    assert finding.message == (
        "2 doses in the last 7 days; the plan allows at most 2 in any 7 days."
    )
    assert "The next dose can be from 2025-03-11 09:00 UTC" in finding.next_step


def test_a_clinic_can_change_the_default_sessions_maximum() -> None:
    doses = (NOW - timedelta(days=6), NOW - timedelta(days=3))
    assert check_pre_dose(
        facts(last_dose_at=doses[1], recent_doses_at=doses),
        rules(default_max_sessions_per_7_days=3),
    ).allowed


def test_times_in_messages_are_in_the_zone_of_now() -> None:
    new_york = ZoneInfo("America/New_York")
    last = datetime(2025, 3, 9, 7, 0, tzinfo=UTC)
    result = check_pre_dose(
        facts(now=NOW.astimezone(new_york), last_dose_at=last, recent_doses_at=(last,))
    )
    assert "(2025-03-09 03:00 EDT)" in result.findings[0].message


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
        ),
        rules(heart_rate_max_bpm=120),
    )
    assert not result.allowed
    assert causes(result.findings) == [
        Cause.BP_GATE_FAILED,
        Cause.HEART_RATE_GATE_FAILED,
        Cause.SITTER_ABSENT,
        Cause.NOT_FASTED,
        Cause.DRIVING_PLANNED,
        Cause.INTERACTING_SUBSTANCE,
        Cause.INTERACTING_SUBSTANCE,
        Cause.DOSE_TOO_SOON,
        Cause.TOO_MANY_SESSIONS,
    ]
    assert all(f.next_step and f.source and f.message for f in result.findings)


def test_a_checklist_with_every_item_passed_allows_the_dose() -> None:
    result = check_pre_dose(facts())
    assert result.allowed
    assert result.findings == ()


# --- Bad facts and bad rules are refused, naming the field -------------------------------

NAIVE = datetime(2025, 3, 10, 9, 0)  # noqa: DTZ001 - the naive datetime under test


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"blood_pressure": (120, 80)}, "blood_pressure"),
        ({"heart_rate": 72}, "heart_rate"),
        ({"sitter_present": 1}, "sitter_present"),
        ({"fasted": "yes"}, "fasted"),
        ({"no_driving_until_tomorrow": None}, "no_driving_until_tomorrow"),
        ({"sitter_name": None}, "sitter_name"),
        ({"substances_today": {Substance.ALCOHOL}}, "substances_today"),
        ({"substances_today": frozenset({"alcohol"})}, "substances_today"),
        ({"now": NAIVE}, "now"),
        ({"now": "2025-03-10T09:00Z"}, "now"),
        ({"min_interval_between_doses": timedelta(days=-1)}, "min_interval_between_doses"),
        ({"min_interval_between_doses": 3}, "min_interval_between_doses"),
        ({"max_sessions_per_7_days": 0}, "max_sessions_per_7_days"),
        ({"max_sessions_per_7_days": True}, "max_sessions_per_7_days"),
        ({"max_sessions_per_7_days": 2.0}, "max_sessions_per_7_days"),
        ({"last_dose_at": NOW, "recent_doses_at": [NOW]}, "recent_doses_at"),
        ({"last_dose_at": NOW, "recent_doses_at": (NAIVE,)}, "recent_doses_at"),
        (
            {"last_dose_at": NOW, "recent_doses_at": (NOW + SECOND,)},
            "recent_doses_at",
        ),
        ({"last_dose_at": None, "recent_doses_at": (NOW,)}, "last_dose_at"),
        ({"last_dose_at": NAIVE}, "last_dose_at"),
        ({"last_dose_at": NOW + SECOND}, "last_dose_at"),
        (
            {"last_dose_at": NOW - timedelta(days=2), "recent_doses_at": (NOW - SECOND,)},
            "last_dose_at",
        ),
    ],
)
def test_pre_dose_facts_refuse_what_they_cannot_read(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidSafetyInput, match=field):
        facts(**changes)


def test_bad_input_is_a_value_error() -> None:
    assert issubclass(InvalidSafetyInput, ValueError)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"bp_delay_gate": (140, 90)}, "bp_delay_gate"),
        ({"bp_hard_stop": "160/100"}, "bp_hard_stop"),
        ({"heart_rate_min_bpm": -1}, "heart_rate_min_bpm"),
        ({"heart_rate_max_bpm": 110.0}, "heart_rate_max_bpm"),
        ({"high_dissociation_total": True}, "high_dissociation_total"),
        ({"default_max_sessions_per_7_days": 0}, "default_max_sessions_per_7_days"),
        ({"bp_rise_systolic_mmhg": 0}, "bp_rise_systolic_mmhg"),
        ({"bp_rise_diastolic_mmhg": 25.0}, "bp_rise_diastolic_mmhg"),
        ({"sitter_stay": timedelta(hours=-2)}, "sitter_stay"),
        ({"check_in_deadline": 2}, "check_in_deadline"),
        ({"check_in_grace": None}, "check_in_grace"),
        ({"fasting_required": 1}, "fasting_required"),
        ({"dose_tolerance_mg": -1}, "dose_tolerance_mg"),
        ({"dose_tolerance_mg": math.nan}, "dose_tolerance_mg"),
        ({"dose_tolerance_mg": True}, "dose_tolerance_mg"),
        ({"emergency_cssrs_bands": {"high"}}, "emergency_cssrs_bands"),
    ],
)
def test_clinic_rules_refuse_values_they_cannot_use(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidSafetyInput, match=field):
        rules(**changes)


@pytest.mark.parametrize(
    ("systolic", "diastolic", "field"),
    [(140.0, 90, "systolic_mmhg"), (True, 90, "systolic_mmhg"), (140, 0, "diastolic_mmhg")],
)
def test_a_blood_pressure_limit_is_whole_mmhg(systolic: Any, diastolic: Any, field: str) -> None:
    with pytest.raises(InvalidSafetyInput, match=field):
        BloodPressureLimit(systolic, diastolic)


# --- Post-dose blood pressure (CLINICAL.md D) ------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "reasons"),
    [
        ((100, 60), (139, 60), []),
        ((100, 60), (140, 60), ["systolic rose 40 mmHg"]),
        ((100, 60), (100, 84), []),
        ((100, 60), (100, 85), ["diastolic rose 25 mmHg"]),
        ((100, 60), (140, 85), ["systolic rose 40 mmHg", "diastolic rose 25 mmHg"]),
        ((150, 95), (159, 99), []),
        ((150, 95), (160, 95), ["at or above the hard stop 160/100 mmHg"]),
        ((150, 95), (155, 100), ["at or above the hard stop 160/100 mmHg"]),
        (
            (125, 80),
            (170, 95),
            ["systolic rose 45 mmHg", "at or above the hard stop 160/100 mmHg"],
        ),
        ((150, 95), (120, 80), []),  # a fall is not a rise
    ],
)
def test_a_rise_of_40_systolic_or_25_diastolic_or_a_hard_stop_reading_after_a_dose_is_urgent(
    before: tuple[int, int], after: tuple[int, int], reasons: list[str]
) -> None:
    finding = check_post_dose_blood_pressure(BloodPressure(*before), BloodPressure(*after))
    if not reasons:
        assert finding is None
        return
    assert finding is not None
    assert finding.severity is Severity.URGENT
    assert finding.cause is Cause.BP_RISE_AFTER_DOSE
    assert finding.source == "CLINICAL.md D"
    for words in reasons:
        assert words in finding.message
    assert finding.message.count(";") == len(reasons) - 1


def test_a_post_dose_finding_names_both_readings() -> None:
    finding = check_post_dose_blood_pressure(BloodPressure(100, 60), BloodPressure(140, 70))
    assert finding is not None
    assert finding.message == (
        "Blood pressure after the dose 140/70 mmHg (before: 100/60 mmHg): "
        "systolic rose 40 mmHg, at or above the 40 mmHg limit."
    )


def test_without_a_hard_stop_only_the_rise_counts_after_a_dose() -> None:
    assert (
        check_post_dose_blood_pressure(
            BloodPressure(150, 95), BloodPressure(165, 99), rules(bp_hard_stop=None)
        )
        is None
    )


def test_post_dose_check_refuses_a_reading_that_is_not_a_blood_pressure() -> None:
    with pytest.raises(InvalidSafetyInput, match="after"):
        check_post_dose_blood_pressure(BloodPressure(120, 80), (160, 100))  # type: ignore[arg-type]


# --- Post-dose check-in (CLINICAL.md D: due by 2 h) --------------------------------------


@pytest.mark.parametrize(
    ("checked_in_after", "now_after", "options", "cause"),
    [
        (None, timedelta(hours=1), {}, None),
        (None, timedelta(hours=2), {}, None),  # exactly at the deadline: not yet missed
        (None, timedelta(hours=2) + SECOND, {}, Cause.MISSED_CHECK_IN),
        (None, timedelta(hours=2, minutes=15), {"grace": timedelta(minutes=15)}, None),
        (
            None,
            timedelta(hours=2, minutes=15) + SECOND,
            {"grace": timedelta(minutes=15)},
            Cause.MISSED_CHECK_IN,
        ),
        (None, timedelta(hours=3), {"deadline": timedelta(hours=3)}, None),
        (timedelta(minutes=40), timedelta(hours=5), {}, None),
        (timedelta(hours=2), timedelta(hours=5), {}, None),
        (timedelta(hours=2) + SECOND, timedelta(hours=5), {}, Cause.LATE_CHECK_IN),
        # Within the grace it is still late; the grace only holds back the alarm.
        (
            timedelta(hours=2, minutes=5),
            timedelta(hours=2, minutes=5),
            {"grace": timedelta(minutes=15)},
            Cause.LATE_CHECK_IN,
        ),
    ],
)
def test_a_check_in_is_due_by_2_hours_after_the_dose(
    checked_in_after: timedelta | None,
    now_after: timedelta,
    options: dict[str, Any],
    cause: Cause | None,
) -> None:
    checked_in_at = None if checked_in_after is None else DOSED_AT + checked_in_after
    finding = check_in_status(DOSED_AT, checked_in_at, DOSED_AT + now_after, **options)
    assert (finding and finding.cause) == cause
    if finding is not None:
        expected = Severity.URGENT if cause is Cause.MISSED_CHECK_IN else Severity.INFO
        assert finding.severity is expected
        assert finding.source == "CLINICAL.md D"


def test_the_clinics_rules_set_the_deadline_and_grace_when_the_call_does_not() -> None:
    clinic = rules(check_in_deadline=timedelta(hours=3), check_in_grace=timedelta(minutes=30))
    now = DOSED_AT + timedelta(hours=3, minutes=30)
    assert check_in_status(DOSED_AT, None, now, rules=clinic) is None
    assert check_in_status(DOSED_AT, None, now + SECOND, rules=clinic) is not None


def test_a_missed_check_in_names_the_dose_and_the_deadline() -> None:
    finding = check_in_status(DOSED_AT, None, DOSED_AT + timedelta(hours=2, minutes=30))
    assert finding is not None
    assert finding.message == (
        "No post-dose check-in 2 h 30 min after the dose at 2025-03-10 09:00 UTC; "
        "it was due by 2025-03-10 11:00 UTC (2 h after the dose)."
    )


def test_a_late_check_in_says_how_late() -> None:
    checked_in_at = DOSED_AT + timedelta(hours=3)
    finding = check_in_status(DOSED_AT, checked_in_at, checked_in_at)
    assert finding is not None
    assert finding.message == (
        "Post-dose check-in at 2025-03-10 12:00 UTC came 1 h after it was due "
        "(2025-03-10 11:00 UTC, 2 h after the dose)."
    )
    just_late = DOSED_AT + timedelta(hours=2) + SECOND
    seconds_late = check_in_status(DOSED_AT, just_late, just_late)
    assert seconds_late is not None
    assert "came under a minute after" in seconds_late.message


def test_the_check_in_deadline_counts_real_hours_across_a_clock_change() -> None:
    # The UK clocks went forward at 01:00 GMT on 30 March 2025. A dose at 00:30 GMT is
    # due by 02:30 UTC, which is 03:30 on the wall clock, not 02:30.
    london = ZoneInfo("Europe/London")
    dosed_at = datetime(2025, 3, 30, 0, 30, tzinfo=london)
    assert check_in_status(dosed_at, None, datetime(2025, 3, 30, 3, 30, tzinfo=london)) is None
    finding = check_in_status(dosed_at, None, datetime(2025, 3, 30, 3, 31, tzinfo=london))
    assert finding is not None
    assert "it was due by 2025-03-30 03:30 BST" in finding.message


def test_check_in_times_may_come_in_different_zones() -> None:
    berlin = timezone(timedelta(hours=1))
    checked_in_at = (DOSED_AT + timedelta(hours=1)).astimezone(berlin)
    assert check_in_status(DOSED_AT, checked_in_at, DOSED_AT + timedelta(hours=4)) is None


@pytest.mark.parametrize(
    ("dosed_at", "checked_in_at", "now", "options", "field"),
    [
        (NAIVE, None, NOW, {}, "dosed_at"),
        (DOSED_AT, None, NAIVE, {}, "now"),
        (DOSED_AT, NAIVE, NOW + SECOND, {}, "checked_in_at"),
        (DOSED_AT, None, DOSED_AT - SECOND, {}, "now"),
        (DOSED_AT, DOSED_AT - SECOND, NOW + SECOND, {}, "checked_in_at"),
        (DOSED_AT, NOW + 2 * SECOND, NOW + SECOND, {}, "checked_in_at"),
        (DOSED_AT, None, NOW, {"deadline": timedelta(hours=-2)}, "deadline"),
        (DOSED_AT, None, NOW, {"grace": 15}, "grace"),
    ],
)
def test_check_in_status_refuses_naive_or_impossible_times(
    dosed_at: datetime,
    checked_in_at: datetime | None,
    now: datetime,
    options: dict[str, Any],
    field: str,
) -> None:
    with pytest.raises(InvalidSafetyInput, match=field):
        check_in_status(dosed_at, checked_in_at, now, **options)


# --- Suicidality (CLINICAL.md A1, A5, A6, A8) -------------------------------------------

PHQ9_ITEM_9 = [0, 0, 0, 0, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("code", "answers", "severity"),
    [
        ("phq9", [*PHQ9_ITEM_9, 0], None),
        ("phq9", [*PHQ9_ITEM_9, 1], Severity.URGENT),  # A1: any answer > 0
        ("phq9", [3, 3, 3, 3, 3, 3, 3, 3, 3], Severity.URGENT),
        ("cssrs_screen", [0, 0, 0, 0, 0, 0, 0], None),
        ("cssrs_screen", [1, 0, 0, 0, 0, 0, 0], Severity.WARNING),  # low: no flag, still seen
        ("cssrs_screen", [1, 1, 0, 0, 0, 0, 0], Severity.WARNING),  # low: thoughts only
        ("cssrs_screen", [1, 1, 1, 0, 0, 0, 0], Severity.URGENT),  # moderate triage
        ("cssrs_screen", [1, 1, 0, 1, 0, 0, 0], Severity.EMERGENCY),  # high: intent
        ("cssrs_screen", [0, 0, 0, 0, 0, 1, 1], Severity.EMERGENCY),  # high: recent behaviour
    ],
)
def test_suicidality_is_an_emergency_on_a_high_risk_c_ssrs_and_urgent_otherwise(
    code: str, answers: list[int], severity: Severity | None
) -> None:
    finding = check_suicidality(instruments.score(code, answers))
    assert (finding and finding.severity) == severity
    if finding is not None:
        assert finding.cause is Cause.SUICIDALITY
        assert finding.source == instruments.get(code).source


def test_a_suicidality_finding_names_the_instrument_score_and_action() -> None:
    finding = check_suicidality(instruments.score("phq9", [2, 2, 1, 1, 0, 0, 0, 0, 1]))
    assert finding is not None
    assert finding.message == (
        "PHQ-9 depression questionnaire flags suicidality (total 7, mild); "
        "needs same-day clinical follow-up."
    )


def test_a_flag_without_a_known_emergency_band_is_urgent() -> None:
    score = Score(
        instrument="madrs", total=40, band="severe", flags=frozenset({instruments.SUICIDALITY})
    )
    finding = check_suicidality(score)
    assert finding is not None
    assert finding.severity is Severity.URGENT


def test_a_clinic_can_make_moderate_c_ssrs_triage_an_emergency() -> None:
    score = instruments.score("cssrs_screen", [1, 1, 1, 0, 0, 0, 0])
    finding = check_suicidality(score, rules(emergency_cssrs_bands=frozenset({"moderate", "high"})))
    assert finding is not None
    assert finding.severity is Severity.EMERGENCY


def test_a_clinic_can_silence_low_c_ssrs_triage() -> None:
    score = instruments.score("cssrs_screen", [1, 0, 0, 0, 0, 0, 0])
    assert score.band == "low"
    assert check_suicidality(score, rules(low_cssrs_severity=None)) is None


def test_suicidality_check_refuses_what_is_not_a_score() -> None:
    with pytest.raises(InvalidSafetyInput, match="score"):
        check_suicidality({"flags": {"suicidality"}})  # type: ignore[arg-type]


# --- Dissociation (CLINICAL.md A7) -----------------------------------------------------


def test_the_high_dissociation_threshold_is_the_cadss6_severe_band() -> None:
    severe = next(b for b in instruments.get("cadss6").bands if b.label == "severe")
    assert high_dissociation_threshold() == severe.low


@pytest.mark.parametrize(
    ("offset", "flagged"), [(-1, False), (0, True), (1, True)], ids=["below", "at", "above"]
)
def test_a_cadss6_total_at_or_above_the_severe_band_is_high_dissociation(
    offset: int, flagged: bool
) -> None:
    total = high_dissociation_threshold() + offset
    finding = check_dissociation(total)
    assert (finding is not None) is flagged
    if finding is not None:
        assert finding.severity is Severity.WARNING
        assert finding.cause is Cause.HIGH_DISSOCIATION
        assert finding.message == (
            f"CADSS-6 total {total} of 24 is at or above the high-dissociation threshold "
            f"{high_dissociation_threshold()}."
        )


@pytest.mark.parametrize(("total", "flagged"), [(11, False), (12, True)])
def test_a_clinic_can_set_its_own_dissociation_threshold(total: int, flagged: bool) -> None:
    assert (check_dissociation(total, rules(high_dissociation_total=12)) is not None) is flagged


@pytest.mark.parametrize("total", [-1, 25, True, 17.0, "17"])
def test_a_cadss6_total_outside_0_to_24_is_refused(total: Any) -> None:
    with pytest.raises(InvalidSafetyInput, match="cadss6_total must be a whole number 0-24"):
        check_dissociation(total)


# --- Adverse events (ketacare default mapping) -------------------------------------------


@pytest.mark.parametrize(
    ("grade", "serious", "severity"),
    [
        (AdverseEventSeverity.MILD, False, Severity.INFO),
        (AdverseEventSeverity.MILD, True, Severity.URGENT),
        (AdverseEventSeverity.MODERATE, False, Severity.WARNING),
        (AdverseEventSeverity.MODERATE, True, Severity.URGENT),
        (AdverseEventSeverity.SEVERE, False, Severity.URGENT),
        (AdverseEventSeverity.SEVERE, True, Severity.URGENT),
        (AdverseEventSeverity.LIFE_THREATENING, False, Severity.EMERGENCY),
        (AdverseEventSeverity.LIFE_THREATENING, True, Severity.EMERGENCY),
    ],
)
def test_an_adverse_event_is_graded_by_severity_and_seriousness(
    grade: AdverseEventSeverity, serious: bool, severity: Severity
) -> None:
    finding = check_adverse_event(grade, serious=serious, description="Vomiting")
    assert finding.severity is severity
    assert finding.cause is Cause.ADVERSE_EVENT


def test_an_adverse_event_finding_names_the_event_and_its_grade() -> None:
    finding = check_adverse_event(
        AdverseEventSeverity.LIFE_THREATENING, serious=True, description=" Loss of consciousness "
    )
    assert finding.message == "Adverse event (life-threatening, serious): Loss of consciousness."


@pytest.mark.parametrize(
    ("grade", "serious", "description", "field"),
    [
        ("severe", False, "Vomiting", "severity"),
        (AdverseEventSeverity.MILD, 0, "Vomiting", "serious"),
        (AdverseEventSeverity.MILD, False, "  ", "description"),
        (AdverseEventSeverity.MILD, False, None, "description"),
    ],
)
def test_an_adverse_event_report_must_be_complete(
    grade: Any, serious: Any, description: Any, field: str
) -> None:
    with pytest.raises(InvalidSafetyInput, match=field):
        check_adverse_event(grade, serious=serious, description=description)


# --- Worsening (CLINICAL.md A11) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "baseline", "current", "worsening"),
    [
        ("phq9", 8, 12, False),
        ("phq9", 8, 13, True),  # up 5 = the PHQ-9 MCID
        ("phq9", 13, 8, False),
        ("pcl5", 30, 39, False),
        ("pcl5", 30, 40, True),  # up 10 = the PCL-5 meaningful change (A4)
        ("gad7", 2, 21, False),  # no MCID defined: no worsening rule
    ],
)
def test_a_rise_of_at_least_the_mcid_from_baseline_is_worsening(
    code: str, baseline: int, current: int, worsening: bool
) -> None:
    finding = check_worsening(code, baseline=baseline, current=current)
    assert (finding is not None) is worsening
    if finding is not None:
        assert finding.severity is Severity.WARNING
        assert finding.cause is Cause.WORSENING


def test_a_worsening_finding_names_baseline_current_and_mcid() -> None:
    finding = check_worsening("phq9", baseline=8, current=14)
    assert finding is not None
    assert finding.message == (
        "PHQ-9 depression questionnaire rose from 8 at baseline to 14, up 6 points, at or "
        "above the minimal clinically important difference of 5 points."
    )
    assert finding.source == "CLINICAL.md A11"


def test_worsening_follows_the_clinics_outcome_rules() -> None:
    mcid_3 = dataclasses.replace(outcomes.DEFAULT_RULES, mcid=MappingProxyType({"phq9": 3}))
    assert check_worsening("phq9", baseline=8, current=11, rules=mcid_3) is not None


# --- Dose against the plan ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("taken_mg", "planned_mg", "tolerance_mg", "words"),
    [
        (100, 100, 0.0, None),
        (100.0, 100, 0.0, None),
        (100.5, 100, 0.0, "Dose taken 100.5 mg differs from the planned 100 mg: 0.5 mg more."),
        (90, 100, 0.0, "Dose taken 90 mg differs from the planned 100 mg: 10 mg less."),
        (105, 100, 5.0, None),
        (95, 100, 5.0, None),
        (
            105.5,
            100,
            5.0,
            "Dose taken 105.5 mg differs from the planned 100 mg: 5.5 mg more (tolerance 5 mg).",
        ),
    ],
)
def test_a_dose_that_differs_from_the_plan_is_a_warning(
    taken_mg: float, planned_mg: float, tolerance_mg: float, words: str | None
) -> None:
    finding = check_dose_against_plan(
        taken_mg=taken_mg, planned_mg=planned_mg, rules=rules(dose_tolerance_mg=tolerance_mg)
    )
    assert (finding and finding.message) == words
    if finding is not None:
        assert finding.severity is Severity.WARNING
        assert finding.cause is Cause.DOSE_OUTSIDE_PLAN


@pytest.mark.parametrize(
    ("taken_mg", "planned_mg", "field"),
    [
        (0, 100, "taken_mg"),
        (-5, 100, "taken_mg"),
        (math.nan, 100, "taken_mg"),
        (math.inf, 100, "taken_mg"),
        (True, 100, "taken_mg"),
        ("100", 100, "taken_mg"),
        (100, 0, "planned_mg"),
    ],
)
def test_doses_must_be_positive_numbers_of_mg(taken_mg: Any, planned_mg: Any, field: str) -> None:
    with pytest.raises(InvalidSafetyInput, match=field):
        check_dose_against_plan(taken_mg=taken_mg, planned_mg=planned_mg)


# --- Every cause has a rule that raises it -------------------------------------------------


def test_every_cause_is_raised_by_some_rule() -> None:
    raised = set(
        causes(
            check_pre_dose(
                facts(
                    blood_pressure=BloodPressure(165, 95),
                    sitter_present=False,
                    fasted=False,
                    no_driving_until_tomorrow=False,
                    substances_today=frozenset({Substance.ALCOHOL}),
                    last_dose_at=NOW - timedelta(days=1),
                    recent_doses_at=(NOW - timedelta(days=2), NOW - timedelta(days=1)),
                ),
                rules(heart_rate_min_bpm=40),
            ).findings
        )
    )
    others = [
        check_post_dose_blood_pressure(BloodPressure(120, 80), BloodPressure(165, 95)),
        check_in_status(DOSED_AT, None, DOSED_AT + timedelta(hours=3)),
        check_in_status(DOSED_AT, DOSED_AT + timedelta(hours=3), DOSED_AT + timedelta(hours=3)),
        check_suicidality(instruments.score("phq9", [*PHQ9_ITEM_9, 1])),
        check_dissociation(24),
        check_adverse_event(AdverseEventSeverity.MILD, serious=False, description="Nausea"),
        check_worsening("phq9", baseline=0, current=27),
        check_dose_against_plan(taken_mg=200, planned_mg=100),
    ]
    raised |= {finding.cause for finding in others if finding is not None}
    assert raised == set(Cause)


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
    return facts(
        blood_pressure=draw(readings()),
        heart_rate=draw(st.none() | st.builds(HeartRate, st.integers(20, 250))),
        sitter_present=draw(st.booleans()),
        sitter_name=draw(st.sampled_from(["", "Sam Carter"])),
        fasted=draw(st.booleans()),
        no_driving_until_tomorrow=draw(st.booleans()),
        substances_today=draw(st.frozensets(st.sampled_from(Substance))),
        last_dose_at=last,
        recent_doses_at=recent,
        min_interval_between_doses=timedelta(hours=draw(st.integers(0, 240))),
        max_sessions_per_7_days=draw(st.none() | st.integers(1, 4)),
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
    result = check_pre_dose(checklist, rules(heart_rate_min_bpm=40, heart_rate_max_bpm=140))
    assert result.allowed is (result.findings == ())
    for finding in result.findings:
        assert isinstance(finding.severity, Severity)
        assert isinstance(finding.cause, Cause)
        assert finding.next_step


@given(higher_readings())
def test_post_dose_findings_follow_the_rise_and_hard_stop_rules(
    pair: tuple[BloodPressure, BloodPressure],
) -> None:
    before, after = pair
    finding = check_post_dose_blood_pressure(before, after)
    expected = (
        after.systolic_mmhg - before.systolic_mmhg >= 40
        or after.diastolic_mmhg - before.diastolic_mmhg >= 25
        or after.systolic_mmhg >= 160
        or after.diastolic_mmhg >= 100
    )
    assert (finding is not None) is expected
    assert finding is None or finding.severity in set(Severity)


@given(
    st.integers(min_value=0, max_value=6 * 3600),
    st.none() | st.integers(min_value=0, max_value=6 * 3600),
    st.integers(min_value=0, max_value=3600),
)
def test_a_check_in_is_missed_exactly_when_none_came_by_deadline_plus_grace(
    now_seconds: int, checked_in_seconds: int | None, grace_seconds: int
) -> None:
    now = DOSED_AT + timedelta(seconds=now_seconds)
    checked_in_at = None
    if checked_in_seconds is not None:
        checked_in_at = DOSED_AT + timedelta(seconds=min(checked_in_seconds, now_seconds))
    finding = check_in_status(DOSED_AT, checked_in_at, now, grace=timedelta(seconds=grace_seconds))
    due = DOSED_AT + timedelta(hours=2)
    if checked_in_at is None:
        missed = now > due + timedelta(seconds=grace_seconds)
        assert (finding is not None and finding.cause is Cause.MISSED_CHECK_IN) is missed
    else:
        late = checked_in_at > due
        assert (finding is not None and finding.cause is Cause.LATE_CHECK_IN) is late
    assert finding is None or finding.severity in set(Severity)
