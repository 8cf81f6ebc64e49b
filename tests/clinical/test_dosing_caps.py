"""Dosing caps: per session and per 7 days, in mg and mg/kg, session count and spacing."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ketacare.clinical import outcomes, safety
from ketacare.clinical.dosing import (
    DEFAULT_RULES,
    CapBreach,
    DoseCaps,
    DosingRules,
    InvalidDosingInput,
    PastDose,
    TitrationAction,
    check_dose,
)

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
AT = datetime(2025, 6, 12, 9, 0, tzinfo=UTC)
ORAL = DEFAULT_RULES.sublingual_oral_caps  # 300 mg, 7 mg/kg, 600 mg / 14 mg/kg per 7 days, 2x
# The 7-day session count alone, without CLINICAL.md G1's 72 h between doses.
COUNT_ONLY = dataclasses.replace(ORAL, min_interval=None)


def breaches(caps: DoseCaps = ORAL, **kwargs: Any) -> list[CapBreach]:
    values: dict[str, Any] = {
        "dose_mg": 100,
        "weight_kg": 70,
        "previous": (),
        "at": AT,
        "zone": "UTC",
    }
    return [v.breach for v in check_dose(caps, **(values | kwargs))]


def ny(*wall: int) -> datetime:
    """A time on a New York patient's clock (fold 0: the first of a repeated hour)."""
    return datetime(*wall, tzinfo=NEW_YORK)


def taken(days_ago: float, dose_mg: float = 100, at: datetime = AT) -> PastDose:
    return PastDose(at - timedelta(days=days_ago), dose_mg)


# --- Per session, in mg and in mg/kg ------------------------------------------------------


@pytest.mark.parametrize(
    ("dose_mg", "weight_kg", "expected"),
    [
        (300, 70, []),  # exactly the mg cap
        (301, 70, [CapBreach.SESSION_MG]),
        (280, 40, []),  # exactly 7 mg/kg
        (280.5, 40, [CapBreach.SESSION_MG_PER_KG]),
        (297.5, 42.5, []),  # 7 mg/kg at 42.5 kg, exactly
        (297.6, 42.5, [CapBreach.SESSION_MG_PER_KG]),
        (301, 40, [CapBreach.SESSION_MG, CapBreach.SESSION_MG_PER_KG]),
    ],
)
def test_a_dose_at_the_session_cap_passes_and_just_above_it_does_not(dose_mg, weight_kg, expected):
    assert breaches(dose_mg=dose_mg, weight_kg=weight_kg) == expected


def test_a_violation_says_the_amount_the_cap_and_where_the_cap_comes_from():
    (violation,) = check_dose(ORAL, dose_mg=301, weight_kg=70, previous=(), at=AT, zone="UTC")
    assert violation.message == "The dose, 301 mg, is above the cap of 300 mg per session."
    assert violation.source == ORAL.source
    (violation,) = check_dose(ORAL, dose_mg=290, weight_kg=40, previous=(), at=AT, zone="UTC")
    assert violation.message == (
        "The dose at 40 kg, 7.25 mg/kg, is above the cap of 7 mg/kg per session."
    )


def test_a_dose_below_the_lowest_session_dose_breaks_the_esketamine_label_caps():
    caps = DEFAULT_RULES.esketamine_caps
    assert breaches(caps, dose_mg=56) == []
    assert breaches(caps, dose_mg=28) == [CapBreach.BELOW_SESSION_MINIMUM]
    assert breaches(caps, dose_mg=112) == [CapBreach.SESSION_MG]


# --- Per rolling 7 days, in mg and in mg/kg ---------------------------------------------------

NO_SESSION_CAP = DoseCaps(
    max_mg_per_7_days=600, max_mg_per_kg_per_7_days=10, max_sessions_per_7_days=3
)


@pytest.mark.parametrize(
    ("previous", "dose_mg", "expected"),
    [
        ((taken(3, 300),), 300, []),  # 600 mg: exactly the 7-day cap
        ((taken(3, 300),), 301, [CapBreach.SEVEN_DAY_MG]),
        ((taken(3, 200), taken(5, 200)), 200, []),
        ((taken(3, 200), taken(5, 200)), 201, [CapBreach.SEVEN_DAY_MG]),
        ((taken(7, 300),), 400, []),  # the dose exactly 7 days ago has left the window
        ((taken(6.99, 300),), 400, [CapBreach.SEVEN_DAY_MG]),
        ((taken(10, 500), taken(3, 100)), 500, []),  # older doses do not count
    ],
)
def test_the_7_day_total_in_mg_counts_the_doses_of_the_last_7_days_only(
    previous, dose_mg, expected
):
    assert breaches(NO_SESSION_CAP, dose_mg=dose_mg, weight_kg=100, previous=previous) == expected


@pytest.mark.parametrize(
    ("weight_kg", "dose_mg", "expected"),
    [
        (50, 200, []),  # (300 + 200) / 50 = 10 mg/kg: exactly the cap
        (50, 201, [CapBreach.SEVEN_DAY_MG_PER_KG]),
        (30, 0.5, [CapBreach.SEVEN_DAY_MG_PER_KG]),  # 300.5 / 30 > 10
    ],
)
def test_the_7_day_total_in_mg_per_kg_is_capped_at_the_patients_weight(
    weight_kg, dose_mg, expected
):
    previous = (taken(2, 300),)
    assert (
        breaches(NO_SESSION_CAP, dose_mg=dose_mg, weight_kg=weight_kg, previous=previous)
        == expected
    )


def test_every_broken_cap_is_listed_in_a_fixed_order():
    caps = DoseCaps(
        max_mg_per_session=100,
        max_mg_per_kg_per_session=1,
        max_mg_per_7_days=150,
        max_mg_per_kg_per_7_days=2,
        max_sessions_per_7_days=1,
        min_interval=timedelta(days=3),
    )
    assert breaches(caps, dose_mg=120, weight_kg=60, previous=(taken(1, 100),)) == [
        CapBreach.SESSION_MG,
        CapBreach.SESSION_MG_PER_KG,
        CapBreach.SEVEN_DAY_MG,
        CapBreach.SEVEN_DAY_MG_PER_KG,
        CapBreach.TOO_MANY_SESSIONS,
        CapBreach.TOO_SOON,
    ]


def test_with_no_caps_at_all_any_dose_passes():
    assert breaches(DoseCaps(), dose_mg=5000, previous=(taken(0, 5000),)) == []


# --- Sessions per rolling 7 days (CLINICAL.md C: at most twice weekly) ----------------------


@pytest.mark.parametrize(
    ("previous", "expected"),
    [
        ((), []),
        ((taken(3),), []),  # the second session in 7 days
        ((taken(3), taken(6)), [CapBreach.TOO_MANY_SESSIONS]),  # would be the third
        ((taken(3), taken(7)), []),  # the dose exactly 7 days ago has left the window
        ((taken(3), taken(6, at=AT + timedelta(minutes=-1))), [CapBreach.TOO_MANY_SESSIONS]),
        ((taken(3), taken(7, at=AT + timedelta(minutes=1))), [CapBreach.TOO_MANY_SESSIONS]),
        ((taken(3), taken(7, at=AT - timedelta(minutes=1))), []),
        ((taken(0), taken(7), taken(14)), []),  # a dose at this very instant counts once
    ],
)
def test_at_most_two_sessions_in_any_7_days(previous, expected):
    assert breaches(COUNT_ONLY, previous=previous) == expected


def test_the_too_many_sessions_message_names_the_count_and_the_limit():
    (violation,) = check_dose(
        COUNT_ONLY, dose_mg=100, weight_kg=70, previous=(taken(1), taken(2)), at=AT, zone="UTC"
    )
    assert "would be session 3 in 7 days; the plan allows at most 2 in any 7 days" in (
        violation.message
    )


# The 7 days are counted on the patient's clock. New York: clocks go forward on Sunday
# 9 March 2025 (02:00 -> 03:00) and back on Sunday 2 November 2025 (02:00 -> 01:00).


@pytest.mark.parametrize(
    ("at", "earlier", "counted"),
    [
        # Spring: Thursday 09:00 to Thursday 09:00 is 7 days on the clock but 167 h.
        (ny(2025, 3, 13, 9, 0), ny(2025, 3, 6, 9, 0), False),
        (ny(2025, 3, 13, 9, 0), ny(2025, 3, 6, 9, 1), True),
        # Autumn: 7 days on the clock are 169 h.
        (ny(2025, 11, 6, 9, 0), ny(2025, 10, 30, 9, 0), False),
        (ny(2025, 11, 6, 9, 0), ny(2025, 10, 30, 8, 59), False),
        (ny(2025, 11, 6, 9, 0), ny(2025, 10, 30, 9, 1), True),
    ],
)
def test_a_dose_7_days_earlier_on_the_patients_clock_has_left_the_window_across_dst(
    at, earlier, counted
):
    previous = (
        PastDose(earlier, 100),
        PastDose(at - timedelta(days=2), 100),
    )
    result = breaches(previous=previous, at=at, zone="America/New_York")
    assert (CapBreach.TOO_MANY_SESSIONS in result) is counted


def test_the_window_is_the_patients_clock_whatever_zone_the_times_are_given_in():
    # The same spring-forward week as above, every time given in UTC.
    at = datetime(2025, 3, 13, 13, 0, tzinfo=UTC)  # 09:00 EDT
    previous = (
        PastDose(datetime(2025, 3, 6, 14, 0, tzinfo=UTC), 100),  # 09:00 EST, 167 h before
        PastDose(datetime(2025, 3, 11, 13, 0, tzinfo=UTC), 100),
    )
    assert breaches(COUNT_ONLY, previous=previous, at=at, zone="America/New_York") == []
    # Counted in elapsed hours (a UTC patient), the same doses are three in 7 days.
    assert breaches(COUNT_ONLY, previous=previous, at=at, zone="UTC") == [
        CapBreach.TOO_MANY_SESSIONS
    ]


def test_london_counts_its_own_clock_change():
    # Clocks go forward on Sunday 30 March 2025 (01:00 GMT -> 02:00 BST).
    at = datetime(2025, 4, 2, 19, 0, tzinfo=LONDON)
    seven_days_earlier = PastDose(datetime(2025, 3, 26, 19, 0, tzinfo=LONDON), 100)
    a_minute_later = PastDose(datetime(2025, 3, 26, 19, 1, tzinfo=LONDON), 100)
    recent = PastDose(datetime(2025, 3, 30, 19, 0, tzinfo=LONDON), 100)
    assert breaches(previous=(seven_days_earlier, recent), at=at, zone="Europe/London") == []
    assert breaches(previous=(a_minute_later, recent), at=at, zone="Europe/London") == [
        CapBreach.TOO_MANY_SESSIONS
    ]


# --- Minimum interval between doses --------------------------------------------------------

THREE_DAYS_APART = dataclasses.replace(ORAL, min_interval=timedelta(days=3))


@pytest.mark.parametrize(
    ("since_last", "too_soon"),
    [
        (timedelta(days=3), False),
        (timedelta(days=3) - timedelta(seconds=1), True),
        (timedelta(days=1), True),
        (timedelta(days=5), False),
    ],
)
def test_a_dose_before_the_minimum_interval_has_passed_is_too_soon(since_last, too_soon):
    previous = (PastDose(AT - since_last, 100),)
    result = breaches(THREE_DAYS_APART, previous=previous)
    assert (CapBreach.TOO_SOON in result) is too_soon


def test_the_interval_runs_from_the_latest_dose_whatever_order_they_are_given_in():
    previous = (taken(1), taken(10))
    assert breaches(THREE_DAYS_APART, previous=previous) == [CapBreach.TOO_SOON]


def test_the_interval_is_counted_on_the_patients_clock_across_the_spring_change():
    # Thursday 6 March 09:00 EST to Sunday 9 March 09:00 EDT: 3 days, though only 71 h.
    last = PastDose(ny(2025, 3, 6, 9, 0), 100)
    on_time = ny(2025, 3, 9, 9, 0)
    kwargs: dict[str, Any] = {"previous": (last,), "zone": "America/New_York"}
    assert breaches(THREE_DAYS_APART, at=on_time, **kwargs) == []
    assert breaches(THREE_DAYS_APART, at=on_time - timedelta(minutes=1), **kwargs) == [
        CapBreach.TOO_SOON
    ]
    (violation,) = check_dose(
        THREE_DAYS_APART, dose_mg=100, weight_kg=70, at=on_time - timedelta(minutes=1), **kwargs
    )
    assert "at least 3 days between doses, so not before 2025-03-09 09:00 EDT" in violation.message


# --- Bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"dose_mg": 0}, "dose_mg"),
        ({"dose_mg": -5}, "dose_mg"),
        ({"dose_mg": True}, "dose_mg"),
        ({"dose_mg": math.nan}, "dose_mg"),
        ({"weight_kg": 29}, "weight_kg"),
        ({"weight_kg": 251}, "weight_kg"),
        ({"at": datetime(2025, 6, 12, 9, 0)}, "at must be an aware datetime"),  # noqa: DTZ001 - naive on purpose
        ({"at": "2025-06-12T09:00Z"}, "at must be an aware datetime"),
        ({"zone": "Mars/Olympus_Mons"}, "zone must be an IANA time zone"),
        ({"zone": "../etc/passwd"}, "zone must be an IANA time zone"),
        ({"zone": ZoneInfo("UTC")}, "zone must be an IANA time zone name"),
        ({"previous": (taken(-1),)}, "previous lists a dose at .* after at"),
        ({"previous": (AT,)}, "previous must hold PastDose entries"),
    ],
)
def test_check_dose_refuses_bad_input_naming_the_field(kwargs, field):
    with pytest.raises(InvalidDosingInput, match=field):
        breaches(**kwargs)


def test_check_dose_refuses_caps_that_are_not_caps():
    with pytest.raises(InvalidDosingInput, match=r"caps must be a DoseCaps"):
        breaches({"max_mg_per_session": 300})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("at", "dose_mg", "field"),
    [
        (datetime(2025, 6, 12, 9, 0), 100, "at must be an aware datetime"),  # noqa: DTZ001 - naive on purpose
        (AT, 0, "dose_mg"),
        (AT, math.inf, "dose_mg"),
    ],
)
def test_a_past_dose_needs_an_aware_time_and_a_dose(at, dose_mg, field):
    with pytest.raises(InvalidDosingInput, match=field):
        PastDose(at, dose_mg)


# --- The caps themselves -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_mg_per_session", 0),
        ("max_mg_per_session", -1),
        ("max_mg_per_session", True),
        ("max_mg_per_kg_per_session", math.nan),
        ("max_mg_per_7_days", "600"),
        ("max_mg_per_kg_per_7_days", math.inf),
        ("min_mg_per_session", 0),
        ("max_sessions_per_7_days", 0),
        ("max_sessions_per_7_days", 2.0),
        ("max_sessions_per_7_days", True),
        ("min_interval", timedelta(0)),
        ("min_interval", timedelta(days=-1)),
        ("min_interval", 3),
        ("source", ""),
        ("source", None),
    ],
)
def test_caps_refuse_a_bad_setting_naming_it(field, value):
    with pytest.raises(InvalidDosingInput, match=field):
        DoseCaps(**{field: value})


def test_caps_refuse_a_lowest_dose_above_the_highest():
    with pytest.raises(InvalidDosingInput, match=r"min_mg_per_session 90 mg is above max"):
        DoseCaps(max_mg_per_session=84, min_mg_per_session=90)
    assert DoseCaps(max_mg_per_session=84, min_mg_per_session=84).min_mg_per_session == 84


@pytest.mark.parametrize(
    ("caps", "weight_kg", "ceiling"),
    [
        (ORAL, 70, 300),  # 7 mg/kg would be 490 mg: the 300 mg cap binds
        (ORAL, 40, 280),  # 7 mg/kg binds
        (DoseCaps(max_mg_per_kg_per_session=0.5), 70, 35),
        (DoseCaps(), 70, None),
    ],
)
def test_the_session_ceiling_is_the_lower_of_the_mg_and_mg_per_kg_caps(caps, weight_kg, ceiling):
    assert caps.session_ceiling_mg(weight_kg) == ceiling


# --- The clinic's dosing rules ------------------------------------------------------------------


def test_the_default_rules_are_those_of_clinical_md_and_the_documented_ketacare_defaults():
    rules = DosingRules()
    assert rules == DEFAULT_RULES
    assert rules.twice_weekly_days == (0, 3)
    assert rules.first_sessions_days_apart == (3, 7)  # CLINICAL.md C
    assert rules.induction_weeks == 4
    assert rules.sessions_before_step_up == 2
    assert rules.esketamine_first_dose_mg == 56  # CLINICAL.md C
    assert rules.esketamine_label_doses_mg == (56, 84)  # CLINICAL.md C
    assert rules.on_vomiting is TitrationAction.HOLD
    assert rules.on_moderate_adverse_event is TitrationAction.HOLD
    assert rules.on_blood_pressure_rise is TitrationAction.STEP_DOWN
    assert rules.safety_rules is safety.DEFAULT_RULES
    assert rules.outcome_rules is outcomes.DEFAULT_RULES
    # CLINICAL.md G1: at least 72 h between at-home doses (the same as the pre-dose gate's).
    for caps in (rules.sublingual_oral_caps, rules.intranasal_racemic_caps):
        assert caps.min_interval == timedelta(hours=72)
        assert caps.min_interval == safety.DEFAULT_RULES.min_interval_between_doses
    assert rules.esketamine_caps.min_interval is None  # never at home (CLINICAL.md G4)
    # CLINICAL.md G5: a racemic nasal spray session at most 50 mg (Lapidus 2014).
    assert rules.intranasal_racemic_caps.max_mg_per_session == 50
    assert rules.intranasal_racemic_caps.max_mg_per_7_days == 100
    # CLINICAL.md G5 (clinic's choice): a first session at most half the cap, one revision
    # at most +50%.
    assert (rules.first_session_share_of_cap, rules.max_increase_per_revision) == (0.5, 0.5)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sublingual_oral_caps", None, "sublingual_oral_caps must be a DoseCaps"),
        ("esketamine_caps", {"max": 84}, "esketamine_caps must be a DoseCaps"),
        ("esketamine_label_doses_mg", (56, 80), "esketamine_label_doses_mg"),
        ("esketamine_label_doses_mg", (), "esketamine_label_doses_mg"),
        ("esketamine_label_doses_mg", [56, 84], "esketamine_label_doses_mg"),
        ("esketamine_label_doses_mg", (56.0, 84), "esketamine_label_doses_mg"),
        ("esketamine_label_doses_mg", (0, 56), "esketamine_label_doses_mg"),
        ("esketamine_first_dose_mg", 28, "esketamine_first_dose_mg must be one of"),
        ("esketamine_first_dose_mg", 56.0, "esketamine_first_dose_mg must be one of"),
        ("twice_weekly_days", (0, 2), r"2 and 5 days apart; first sessions must be 3-7"),
        ("twice_weekly_days", (0, 5), r"5 and 2 days apart"),
        ("twice_weekly_days", (3, 0), "twice_weekly_days must be two days"),
        ("twice_weekly_days", (0, 7), "twice_weekly_days must be two days"),
        ("twice_weekly_days", (0, 3, 5), "twice_weekly_days must be two days"),
        ("twice_weekly_days", [0, 3], "twice_weekly_days must be two days"),
        ("twice_weekly_days", (0, 3.0), "twice_weekly_days must be two days"),
        ("first_sessions_days_apart", (7, 3), "first_sessions_days_apart"),
        ("first_sessions_days_apart", (0, 7), "first_sessions_days_apart"),
        ("first_sessions_days_apart", (3,), "first_sessions_days_apart"),
        ("first_sessions_days_apart", [3, 7], "first_sessions_days_apart"),
        ("induction_weeks", 0, "induction_weeks"),
        ("induction_weeks", 4.0, "induction_weeks"),
        ("sessions_before_step_up", 0, "sessions_before_step_up"),
        ("first_session_share_of_cap", 0, "first_session_share_of_cap must be a share above 0"),
        ("first_session_share_of_cap", 1.5, "first_session_share_of_cap must be a share"),
        ("first_session_share_of_cap", True, "first_session_share_of_cap must be a share"),
        ("max_increase_per_revision", -0.5, "max_increase_per_revision must be a share"),
        ("max_increase_per_revision", math.nan, "max_increase_per_revision must be a share"),
        ("max_increase_per_revision", "0.5", "max_increase_per_revision must be a share"),
        ("prescription_margin_sessions", -1, "prescription_margin_sessions"),
        ("prescription_margin_sessions", 1.5, "prescription_margin_sessions"),
        ("on_vomiting", TitrationAction.STEP_UP, "on_vomiting must be TitrationAction.HOLD"),
        ("on_vomiting", "hold", "on_vomiting must be TitrationAction.HOLD"),
        ("on_blood_pressure_rise", None, "on_blood_pressure_rise"),
        ("on_moderate_adverse_event", TitrationAction.STEP_UP, "on_moderate_adverse_event"),
        ("safety_rules", None, "safety_rules must be a SafetyRules"),
        ("outcome_rules", safety.DEFAULT_RULES, "outcome_rules must be an OutcomeRules"),
    ],
)
def test_the_rules_refuse_a_bad_clinic_setting_naming_it(field, value, message):
    with pytest.raises(InvalidDosingInput, match=message):
        dataclasses.replace(DEFAULT_RULES, **{field: value})


def test_a_clinic_may_choose_other_twice_weekly_days_within_3_to_7_days_apart():
    rules = dataclasses.replace(DEFAULT_RULES, twice_weekly_days=(1, 5))  # 4 then 3 days
    assert rules.twice_weekly_days == (1, 5)
