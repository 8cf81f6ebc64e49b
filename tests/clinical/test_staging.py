"""Staged dispensing: which holds a fill meets, in words, and which the clinic applies."""

from __future__ import annotations

import pytest

from ketacare.clinical.rules import DEFAULT, rules_for
from ketacare.clinical.staging import (
    SETTING,
    FillFacts,
    Hold,
    InvalidFillFacts,
    applying,
    fill_holds,
)

CLEAR = FillFacts(0, 0, 0, 0)


def facts(**counts: int) -> FillFacts:
    return FillFacts(
        sessions_without_check_in=counts.get("check_in", 0),
        overdue_questionnaires=counts.get("questionnaire", 0),
        open_urgent_alerts=counts.get("urgent_alert", 0),
        unreconciled_counts=counts.get("pill_count", 0),
    )


def test_a_fill_with_nothing_outstanding_is_not_held() -> None:
    holds = fill_holds(CLEAR)
    assert not holds.held
    assert holds.reasons == {}


@pytest.mark.parametrize(
    ("hold", "one", "two"),
    [
        (Hold.CHECK_IN, "1 session has no check-in yet", "2 sessions have no check-in yet"),
        (Hold.QUESTIONNAIRE, "1 questionnaire is overdue", "2 questionnaires are overdue"),
        (Hold.URGENT_ALERT, "1 urgent alert is open", "2 urgent alerts are open"),
        (Hold.PILL_COUNT, "1 pill count is not reconciled", "2 pill counts are not reconciled"),
    ],
)
def test_each_condition_holds_the_fill_and_says_why(hold: Hold, one: str, two: str) -> None:
    assert fill_holds(facts(**{hold.value: 1})).reasons == {hold: one}
    assert fill_holds(facts(**{hold.value: 2})).reasons == {hold: two}
    assert fill_holds(facts(**{hold.value: 1})).held


@pytest.mark.parametrize("hold", list(Hold))
def test_a_condition_the_clinic_turned_off_does_not_hold(hold: Hold) -> None:
    others = frozenset(Hold) - {hold}
    assert not fill_holds(facts(**{hold.value: 3}), others).held


def test_the_refusal_names_every_reason_and_the_next_step() -> None:
    holds = fill_holds(facts(check_in=1, questionnaire=1))
    assert holds.message() == (
        "Held: 1 session has no check-in yet; 1 questionnaire is overdue. "
        "A prescriber can release the fill with a note."
    )


def test_a_count_below_zero_is_refused_never_read_as_clear() -> None:
    with pytest.raises(InvalidFillFacts, match="overdue_questionnaires"):
        facts(questionnaire=-1)


def test_every_hold_applies_by_default_fail_closed() -> None:
    assert applying(DEFAULT.values) == frozenset(Hold)
    assert applying({}) == frozenset(Hold)  # a setting missing counts as on


def test_a_clinic_turns_one_hold_off_in_its_protocol() -> None:
    values = rules_for({SETTING[Hold.QUESTIONNAIRE]: 0}).values
    assert applying(values) == frozenset(Hold) - {Hold.QUESTIONNAIRE}
