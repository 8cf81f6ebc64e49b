"""Prescriptions: how many units the plan still needs, the 6-month limit, at-home products."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketacare.clinical import rules
from ketacare.clinical.dosing import (
    DEFAULT_RULES,
    SCHEDULE_III_FILL_MONTHS,
    SCHEDULE_III_MAX_REFILLS,
    EsketamineDevice,
    Formulation,
    InvalidDosingInput,
    NasalSpray,
    NotForHomeUse,
    PrescriptionNeed,
    Tablet,
    TabletKind,
    check_at_home,
    last_fill_day,
    prescription_need,
)

# 12 sessions (8 of induction, 4 weekly), 2 troches a session: the treatment tests' plan.
PLAN: dict[str, Any] = {
    "sessions_planned": 12,
    "doses_taken": 0,
    "units_per_session": 2,
    "margin_sessions": 0,
    "units_on_hand": 0,
    "units_to_fill": 0,
}


def need(**changes: Any) -> PrescriptionNeed:
    return prescription_need(**(PLAN | changes))


# --- Quantity against the plan ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "sessions_left", "units_allowed"),
    [
        ({}, 12, 24),  # the whole course, nothing held
        ({"doses_taken": 4}, 8, 16),
        ({"doses_taken": 12}, 0, 0),  # the course is done
        ({"doses_taken": 20}, 0, 0),  # more doses than sessions: none left, never below 0
        ({"margin_sessions": 2}, 12, 28),  # the clinic's spare sessions
        ({"units_on_hand": 8}, 12, 16),  # the patient holds 8
        ({"units_to_fill": 16}, 12, 8),  # and can still fill 16 on another prescription
        ({"units_on_hand": 8, "units_to_fill": 16}, 12, 0),
        ({"units_on_hand": 30}, 12, 0),  # holds more than the course needs: none
        ({"units_on_hand": 6.5}, 12, 18),  # 17.5 rounds up to whole tablets
        ({"units_per_session": 1.5, "sessions_planned": 7}, 7, 11),  # 10.5 -> 11
        ({"units_per_session": 0.5, "sessions_planned": 3}, 3, 2),  # halves: 1.5 -> 2
        ({"sessions_planned": 0}, 0, 0),
    ],
)
def test_a_prescription_covers_the_sessions_left_less_what_the_patient_has(
    changes, sessions_left, units_allowed
):
    found = need(**changes)
    assert (found.sessions_left, found.units_allowed) == (sessions_left, units_allowed)


def test_the_need_names_its_numbers():
    found = need(doses_taken=2, margin_sessions=1, units_on_hand=3, units_to_fill=4)
    assert found == PrescriptionNeed(
        sessions_left=10,
        margin_sessions=1,
        units_per_session=2.0,
        units_for_sessions=22.0,
        units_held=7.0,
        units_allowed=15,
    )


@pytest.mark.parametrize(
    ("units_prescribed", "allowed"),
    [(0, True), (23, True), (24, True), (25, False), (100_000, False)],
)
def test_100000_tablets_do_not_fit_a_plan_of_12_sessions(units_prescribed, allowed):
    assert need().allows(units_prescribed) is allowed


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"sessions_planned": -1}, "sessions_planned"),
        ({"sessions_planned": 12.0}, "sessions_planned"),
        ({"doses_taken": True}, "doses_taken"),
        ({"margin_sessions": -1}, "margin_sessions"),
        ({"units_per_session": 0}, "units_per_session"),
        ({"units_per_session": float("nan")}, "units_per_session"),
        ({"units_on_hand": -0.5}, "units_on_hand"),
        ({"units_to_fill": "8"}, "units_to_fill"),
    ],
)
def test_bad_inputs_are_refused_by_name(changes, name):
    with pytest.raises(InvalidDosingInput, match=name):
        need(**changes)


@pytest.mark.parametrize("units_prescribed", [-1, 2.0, True])
def test_allows_takes_a_whole_number_of_units(units_prescribed):
    with pytest.raises(InvalidDosingInput, match="units_prescribed"):
        need().allows(units_prescribed)


def test_the_clinics_margin_is_zero_sessions_by_default_and_a_whole_number():
    assert DEFAULT_RULES.prescription_margin_sessions == 0
    assert rules.rules_for({"prescription_margin_sessions": 2}).dosing.prescription_margin_sessions
    with pytest.raises(InvalidDosingInput, match="prescription_margin_sessions"):
        dataclasses.replace(DEFAULT_RULES, prescription_margin_sessions=-1)


halves = st.integers(min_value=0, max_value=2000).map(lambda n: n / 2)
counts = st.integers(min_value=0, max_value=200)


situations = st.fixed_dictionaries(
    {
        "sessions_planned": counts,
        "doses_taken": counts,
        "units_per_session": st.integers(min_value=1, max_value=40).map(lambda n: n / 2),
        "margin_sessions": st.integers(min_value=0, max_value=4),
        "units_on_hand": halves,
        "units_to_fill": st.integers(min_value=0, max_value=1000),
    }
)


@settings(deadline=None)  # a slow machine is not a wrong answer
@given(situations)
def test_the_allowance_finishes_the_course_and_never_more_than_a_unit_over(situation):
    found = prescription_need(**situation)
    sessions_left = max(0, situation["sessions_planned"] - situation["doses_taken"])
    wanted = (sessions_left + situation["margin_sessions"]) * Fraction(
        situation["units_per_session"]
    )
    held = Fraction(situation["units_on_hand"]) + situation["units_to_fill"]
    allowed = found.units_allowed
    assert isinstance(allowed, int)
    assert allowed >= 0
    # Enough to finish the course with what the patient has...
    assert allowed + held >= wanted
    # ...and not one whole unit more than that (none at all when they hold enough).
    assert allowed == 0 or allowed - 1 + held < wanted
    assert found.allows(allowed)
    assert not found.allows(allowed + 1)


@settings(deadline=None)
@given(situations, st.integers(min_value=1, max_value=50))
def test_holding_more_or_taking_more_doses_never_allows_more(situation, more):
    allowed = prescription_need(**situation).units_allowed
    for name in ("units_on_hand", "units_to_fill", "doses_taken"):
        changed = situation | {name: situation[name] + more}
        assert prescription_need(**changed).units_allowed <= allowed
    for name in ("margin_sessions", "sessions_planned"):
        changed = situation | {name: situation[name] + more}
        assert prescription_need(**changed).units_allowed >= allowed


# --- The 6-month limit (CLINICAL.md G8) ------------------------------------------------------


def test_schedule_iii_limits_are_those_of_21_cfr_1306_22():
    assert (SCHEDULE_III_MAX_REFILLS, SCHEDULE_III_FILL_MONTHS) == (5, 6)


@pytest.mark.parametrize(
    ("issued_on", "last"),
    [
        (date(2025, 3, 3), date(2025, 9, 3)),  # the issue's example
        (date(2025, 7, 15), date(2026, 1, 15)),  # across the new year
        (date(2025, 6, 30), date(2025, 12, 30)),
        (date(2025, 12, 1), date(2026, 6, 1)),
        (date(2025, 8, 31), date(2026, 2, 28)),  # February has no 31st: its last day
        (date(2023, 8, 31), date(2024, 2, 29)),  # a leap year
        (date(2025, 3, 31), date(2025, 9, 30)),
        (date(2025, 12, 31), date(2026, 6, 30)),
    ],
)
def test_the_last_fill_day_is_6_calendar_months_after_the_issue(issued_on, last):
    assert last_fill_day(issued_on) == last


@pytest.mark.parametrize("issued_on", [datetime(2025, 3, 3, 9, 0), "2025-03-03", None])  # noqa: DTZ001 - a datetime is refused, aware or not
def test_the_last_fill_day_needs_a_date(issued_on):
    with pytest.raises(InvalidDosingInput, match="issued_on"):
        last_fill_day(issued_on)


@settings(deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9000, 12, 31)))
def test_the_last_fill_day_is_never_more_than_6_months_after_the_issue(issued_on):
    last = last_fill_day(issued_on)
    months = (last.year - issued_on.year) * 12 + last.month - issued_on.month
    assert months == SCHEDULE_III_FILL_MONTHS
    assert last.day <= issued_on.day
    # Either the same day of the month, or the last day of a shorter month.
    assert last.day == issued_on.day or (last + timedelta(days=1)).day == 1


# --- Products for home use (CLINICAL.md G4) ----------------------------------------------------


@pytest.mark.parametrize(
    "formulation",
    [
        Tablet(TabletKind.TROCHE, strength_mg=50, scored=True),
        NasalSpray(concentration_mg_per_ml=100, spray_volume_ml=0.1),
    ],
)
def test_racemic_tablets_and_sprays_are_for_home_use(formulation: Formulation):
    check_at_home(formulation)


def test_esketamine_is_never_for_home_use():
    with pytest.raises(NotForHomeUse, match="Spravato REMS"):
        check_at_home(EsketamineDevice())


def test_check_at_home_needs_a_formulation():
    with pytest.raises(InvalidDosingInput, match="Formulation"):
        check_at_home("esketamine")  # type: ignore[arg-type]
