"""Every flag a score can raise, and the answers just short of raising it."""

from __future__ import annotations

import dataclasses

import pytest

from ketacare.clinical import instruments
from ketacare.clinical.instruments import madrs
from ketacare.clinical.instruments.base import (
    POSITIVE_SCREEN,
    PROBABLE_PTSD,
    PROVISIONAL_PTSD_DX,
    SUICIDALITY,
)
from tests.clinical.instrument_answers import answers_for_total

NONE = frozenset()


def with_item(code: str, number: int, value: int, *, rest: int = 0) -> dict[int, int]:
    """Every scored item answered `rest`, item `number` answered `value`."""
    items = [item.number for item in instruments.get(code).items if item.scored]
    return {n: value if n == number else rest for n in items}


# (instrument, answers, context, flags expected)
FLAG_CASES = [
    # CLINICAL.md A1: PHQ-9 item 9 > 0 flags suicidality, whatever the total.
    ("phq9", with_item("phq9", 9, 1), {}, {SUICIDALITY}),
    ("phq9", with_item("phq9", 9, 3), {}, {SUICIDALITY}),
    ("phq9", with_item("phq9", 9, 0, rest=3), {}, NONE),
    # CLINICAL.md A5: QIDS-SR16 item 12 > 0 flags suicidality.
    ("qids_sr16", with_item("qids_sr16", 12, 1), {}, {SUICIDALITY}),
    ("qids_sr16", with_item("qids_sr16", 12, 0, rest=3), {}, NONE),
    # CLINICAL.md A6: MADRS item 10 >= 4 flags suicidality.
    ("madrs", with_item("madrs", 10, 3, rest=6), {}, NONE),
    ("madrs", with_item("madrs", 10, 4), {}, {SUICIDALITY}),
    ("madrs", with_item("madrs", 10, 6), {}, {SUICIDALITY}),
    # CLINICAL.md A8: C-SSRS moderate or high triage flags suicidality.
    ("cssrs_screen", [1, 1, 0, 0, 0, 0, 0], {}, NONE),
    ("cssrs_screen", [0, 1, 1, 0, 0, 0, 0], {}, {SUICIDALITY}),
    ("cssrs_screen", [0, 1, 0, 1, 0, 0, 0], {}, {SUICIDALITY}),
    # CLINICAL.md A2: PHQ-2 >= 3 is a positive screen.
    ("phq2", [1, 1], {}, NONE),
    ("phq2", [2, 1], {}, {POSITIVE_SCREEN}),
    # CLINICAL.md A9: AUDIT-C positive (>= 3 women, >= 4 men).
    ("auditc", [1, 1, 1], {"sex": "female"}, {POSITIVE_SCREEN}),
    ("auditc", [1, 1, 1], {"sex": "male"}, NONE),
    ("auditc", [2, 1, 1], {"sex": "male"}, {POSITIVE_SCREEN}),
    # CLINICAL.md A10: DAST-10 moderate (3) or worse is a positive screen.
    ("dast10", answers_for_total("dast10", 2), {}, NONE),
    ("dast10", answers_for_total("dast10", 3), {}, {POSITIVE_SCREEN}),
    # CLINICAL.md A4: probable PTSD at the cut-off; the provisional diagnosis by clusters.
    ("pcl5", answers_for_total("pcl5", 32), {}, NONE),
    ("pcl5", [2] * 20, {}, {PROBABLE_PTSD, PROVISIONAL_PTSD_DX}),
    # GAD-7 and CADSS-6 raise no flag, even at their maximum.
    ("gad7", [3] * 7, {}, NONE),
    ("cadss6", [4] * 6, {}, NONE),
]


@pytest.mark.parametrize(("code", "answers", "context", "flags"), FLAG_CASES)
def test_a_score_raises_exactly_the_flags_its_rules_call_for(code, answers, context, flags):
    assert instruments.score(code, answers, **context).flags == flags


def test_phq9_item_9_flags_suicidality_even_when_the_total_is_minimal():
    result = instruments.score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert (result.band, result.flags) == ("minimal", {SUICIDALITY})


def test_qids_item_12_flags_suicidality_even_when_the_total_is_none():
    result = instruments.score("qids_sr16", with_item("qids_sr16", 12, 1))
    assert (result.band, result.flags) == ("none", {SUICIDALITY})


@pytest.mark.parametrize(("item_10", "flagged"), [(1, False), (2, True), (6, True)])
def test_a_clinic_can_lower_the_madrs_suicidal_thoughts_threshold(item_10, flagged):
    rules = dataclasses.replace(madrs.DEFAULT_RULES, suicidal_thoughts_flag_from=2)
    result = instruments.score("madrs", with_item("madrs", 10, item_10), rules=rules)
    assert (SUICIDALITY in result.flags) is flagged


@pytest.mark.parametrize("threshold", [0, 7, True, 4.0, "4", None])
def test_a_madrs_threshold_outside_the_item_range_is_refused(threshold):
    with pytest.raises(ValueError, match=r"suicidal_thoughts_flag_from must be a whole number 1-6"):
        madrs.MadrsRules(suicidal_thoughts_flag_from=threshold)


def test_every_flag_raised_is_from_the_fixed_vocabulary():
    raised = set().union(*(f for *_, f in FLAG_CASES))
    assert raised == instruments.FLAGS
