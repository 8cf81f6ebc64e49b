"""Answers that cannot be scored are refused, naming the item and the allowed values."""

from __future__ import annotations

import math
import re

import pytest

from ketacare.clinical import instruments
from ketacare.clinical.instruments import InvalidAnswers
from tests.clinical.instrument_answers import REQUIRED_CONTEXT, answers_for_total

ALL_CODES = instruments.CODES


def zeros(code: str) -> list[int]:
    return answers_for_total(code, 0) if code != "dast10" else [0] * 10


@pytest.mark.parametrize("code", ALL_CODES)
@pytest.mark.parametrize("bad", [True, False, 1.0, 0.0, "1", None, 1.5, math.nan, -1, 99])
def test_an_answer_that_is_not_one_of_the_items_whole_number_values_is_refused(code, bad):
    answers = zeros(code)
    answers[0] = bad
    allowed = ", ".join(str(v) for v in instruments.get(code).item(1).values)
    with pytest.raises(
        InvalidAnswers, match=rf"^{code}: item 1 is .*; allowed values are {allowed}\.$"
    ):
        instruments.score(code, answers, **REQUIRED_CONTEXT.get(code, {}))


@pytest.mark.parametrize(
    ("code", "item", "value", "allowed"),
    [
        ("phq9", 9, 4, "0, 1, 2, 3"),
        ("phq9", 10, 4, "0, 1, 2, 3"),
        ("phq2", 2, 4, "0, 1, 2, 3"),
        ("gad7", 7, 4, "0, 1, 2, 3"),
        ("pcl5", 20, 5, "0, 1, 2, 3, 4"),
        ("qids_sr16", 16, 4, "0, 1, 2, 3"),
        ("madrs", 10, 7, "0, 1, 2, 3, 4, 5, 6"),
        ("cadss6", 6, 5, "0, 1, 2, 3, 4"),
        ("cssrs_screen", 7, 2, "0, 1"),
        ("auditc", 3, 5, "0, 1, 2, 3, 4"),
        ("dast10", 10, 2, "0, 1"),
    ],
)
def test_a_value_above_an_items_scale_is_refused(code, item, value, allowed):
    answers = dict(enumerate(zeros(code), start=1))
    answers[item] = value
    with pytest.raises(
        InvalidAnswers, match=rf"item {item} is {value}; allowed values are {allowed}\."
    ):
        instruments.score(code, answers, **REQUIRED_CONTEXT.get(code, {}))


@pytest.mark.parametrize(
    ("code", "count", "expected"),
    [
        ("phq9", 8, "9 (or 10 with the unscored items)"),
        ("phq9", 11, "9 (or 10 with the unscored items)"),
        ("phq2", 3, "2"),
        ("gad7", 9, "7"),
        ("pcl5", 19, "20"),
        ("qids_sr16", 0, "16"),
        ("cssrs_screen", 6, "7"),
        ("auditc", 2, "3"),
    ],
)
def test_a_list_of_the_wrong_length_is_refused(code, count, expected):
    with pytest.raises(
        InvalidAnswers, match=rf"expected {re.escape(expected)} answers in item order, got {count}"
    ):
        instruments.score(code, [0] * count, **REQUIRED_CONTEXT.get(code, {}))


@pytest.mark.parametrize("key", [0, 11, -1, "1", True, 1.0, None])
def test_a_mapping_with_an_item_not_on_the_form_is_refused(key):
    answers = dict.fromkeys(range(2, 10), 0) | {key: 0}
    with pytest.raises(InvalidAnswers, match=r"phq9: unknown item .*; items are 1-10"):
        instruments.score("phq9", answers)


def test_a_mapping_missing_a_scored_item_is_refused():
    with pytest.raises(InvalidAnswers, match="phq9: item 9 is missing"):
        instruments.score("phq9", dict.fromkeys(range(1, 9), 0))


@pytest.mark.parametrize("answers", ["012345678", b"\x00" * 9, 7, None, {0, 1, 2}, iter([0] * 9)])
def test_answers_that_are_neither_a_list_nor_a_mapping_are_refused(answers):
    with pytest.raises(InvalidAnswers, match="answers must be a list in item order or a mapping"):
        instruments.score("phq9", answers)


def test_a_tuple_of_answers_is_as_good_as_a_list():
    assert instruments.score("gad7", (1, 1, 1, 1, 1, 1, 1)).total == 7


def test_invalid_answers_are_a_value_error():
    assert issubclass(InvalidAnswers, ValueError)
