"""Plausible values: the impossible refused, the unusual noted (ketacare's choices)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical import plausible
from ketacare.clinical.plausible import TRIAL_WEEKS

TODAY = dt.date(2026, 12, 7)


@pytest.mark.parametrize(
    ("weeks", "impossible", "unusual"),
    [
        (0, False, False),
        (520, False, False),
        (521, False, True),
        (5200, False, True),
        (5201, True, True),
        (1e23, True, True),  # the trial
        (-1, True, False),
    ],
)
def test_trial_weeks(weeks: float, impossible: bool, unusual: bool) -> None:
    assert TRIAL_WEEKS.impossible(weeks) is impossible
    assert TRIAL_WEEKS.unusual(weeks) is unusual


@pytest.mark.parametrize(
    ("text", "ok"), [("150 mg", True), ("0.5mg at night", True), ("lots", False), ("", False)]
)
def test_a_dose_gives_a_number(text: str, ok: bool) -> None:
    assert plausible.has_amount(text) is ok


@pytest.mark.parametrize(
    ("born", "age"),
    [
        (dt.date(2008, 12, 7), 18),  # the 18th birthday today
        (dt.date(2008, 12, 8), 17),
        (dt.date(2015, 1, 1), 11),  # the 11-year-old
        (dt.date(2008, 2, 29), 18),
    ],
)
def test_age_on_a_day(born: dt.date, age: int) -> None:
    assert plausible.age_on(born, TODAY) == age


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
def test_age_is_counted_from_the_birthday(born: dt.date) -> None:
    age = plausible.age_on(born, TODAY)
    assert age >= 0
    assert plausible.age_on(born, TODAY + dt.timedelta(days=366)) in {age + 1, age + 2}


@pytest.mark.parametrize(
    ("first_day", "problem"),
    [
        (TODAY, ""),
        (TODAY - dt.timedelta(days=1), "in the past"),
        (dt.date(2020, 1, 6), "in the past"),  # the 2020
        (TODAY + dt.timedelta(days=183), ""),
        (TODAY + dt.timedelta(days=184), "6 months ahead"),
        (dt.date(2999, 1, 1), "6 months ahead"),  # the 2999
    ],
)
def test_a_plan_starts_today_or_within_six_months(first_day: dt.date, problem: str) -> None:
    found = plausible.plan_start_problem(first_day, TODAY)
    assert (problem in found) if problem else found == ""


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Sky Smith", "sky  smith", True),
        (" Sky Smith ", "SKY SMITH", True),
        ("Zoë Ray", "zoe\u0308 ray", True),  # composed and decomposed accents
        ("Sky Smith", "Mickey Mouse", False),  # the signature
        ("Sky Smith", "Sky Smyth", False),
    ],
)
def test_same_name(a: str, b: str, same: bool) -> None:
    assert plausible.same_name(a, b) is same
