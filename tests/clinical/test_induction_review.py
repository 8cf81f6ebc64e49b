"""The end-of-induction review: due after the plan's induction sessions or 28 days."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical.dosing import (
    DEFAULT_RULES,
    InductionCourse,
    InvalidDosingInput,
    induction_review_due,
    review_due_by_time,
)
from ketacare.clinical.rules import BY_NAME, rules_for

FIRST = datetime(2025, 3, 3, 23, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def course(doses: int = 1, sessions: int | None = 8, first: datetime | None = FIRST):
    return InductionCourse(first_dose_at=first, doses_taken=doses, induction_sessions=sessions)


def test_the_default_is_28_days_the_clinics_choice() -> None:
    assert DEFAULT_RULES.induction_review_after_days == 28
    setting = BY_NAME["induction_review_after_days"]
    assert (setting.default, setting.least, setting.most) == (28, 14, 56)
    assert setting.clinics_choice
    assert rules_for({"induction_review_after_days": 21}).dosing.induction_review_after_days == 21


def test_no_dose_no_review() -> None:
    assert induction_review_due(course(0, first=None), now=FIRST + 100 * DAY) is None
    assert review_due_by_time(course(0, first=None)) is None


def test_the_plans_induction_sessions_taken_make_it_due_before_the_days() -> None:
    due = induction_review_due(course(8), now=FIRST + 24 * DAY)
    assert due is not None
    assert due.since is None
    assert due.reason == "8 of 8 induction sessions taken"
    assert induction_review_due(course(7), now=FIRST + 24 * DAY) is None


def test_28_days_after_the_first_dose_it_is_due_whatever_the_sessions() -> None:
    assert induction_review_due(course(3), now=FIRST + 28 * DAY - timedelta(seconds=1)) is None
    due = induction_review_due(course(3), now=FIRST + 28 * DAY)
    assert due is not None
    assert due.since == FIRST + 28 * DAY
    assert due.reason == "28 days since the first dose"


def test_a_plan_without_induction_sessions_is_reviewed_by_the_days_alone() -> None:
    assert induction_review_due(course(40, sessions=None), now=FIRST + 27 * DAY) is None
    assert induction_review_due(course(40, sessions=None), now=FIRST + 28 * DAY) is not None


def test_a_clinic_may_choose_the_days() -> None:
    rules = dataclasses.replace(DEFAULT_RULES, induction_review_after_days=14)
    assert induction_review_due(course(2), now=FIRST + 14 * DAY, rules=rules) is not None


def test_days_are_elapsed_time_across_a_change_of_the_clocks() -> None:
    # 9 March 2025 the clocks in New York go forward: 28 days are still 28 x 24 h.
    first = datetime(2025, 3, 3, 18, 0, tzinfo=ZoneInfo("America/New_York"))
    assert review_due_by_time(course(first=first)) == first.astimezone(UTC) + 28 * DAY


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"doses": -1}, "doses_taken"),
        ({"sessions": 0}, "induction_sessions"),
        ({"doses": 2, "first": None}, "give first_dose_at"),
        ({"first": datetime(2025, 3, 3)}, "first_dose_at"),  # noqa: DTZ001 - refused
    ],
)
def test_a_course_that_cannot_be_read_is_refused(fields, words) -> None:
    with pytest.raises(InvalidDosingInput, match=words):
        course(**fields)


def test_now_must_be_aware() -> None:
    with pytest.raises(InvalidDosingInput, match="now"):
        induction_review_due(course(), now=datetime(2025, 4, 1))  # noqa: DTZ001 - refused


def test_the_rules_refuse_a_review_after_no_days() -> None:
    with pytest.raises(InvalidDosingInput, match="induction_review_after_days"):
        dataclasses.replace(DEFAULT_RULES, induction_review_after_days=0)


@given(
    doses=st.integers(0, 20),
    sessions=st.none() | st.integers(1, 16),
    days=st.integers(14, 56),
    elapsed_s=st.integers(0, 70 * 86_400),
)
def test_due_exactly_when_the_sessions_are_taken_or_the_days_have_passed(
    doses: int, sessions: int | None, days: int, elapsed_s: int
) -> None:
    rules = dataclasses.replace(DEFAULT_RULES, induction_review_after_days=days)
    now = FIRST + timedelta(seconds=elapsed_s)
    due = induction_review_due(course(doses, sessions), now=now, rules=rules)
    by_sessions = sessions is not None and doses >= sessions
    by_days = elapsed_s >= days * 86_400
    assert (due is not None) == (by_sessions or by_days)
    if due is not None and not by_sessions:
        assert due.since == FIRST + days * DAY
