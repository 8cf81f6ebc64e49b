"""The public self-screen (CLINICAL.md A1 PHQ-9 bands and item 9; D TRD and exclusions)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.clinical.selfscreen import (
    DEFAULT_RULES,
    QUESTION_CODES,
    QUESTIONS,
    Answer,
    InvalidSelfScreen,
    Outcome,
    ReasonKind,
    SelfScreenAnswers,
    SelfScreenResult,
    SelfScreenRules,
    Weight,
    assess,
)

# PHQ-9 totals: 15 (moderately severe), 4 (minimal); item 9 is the last of the nine.
MODERATELY_SEVERE = (2, 2, 2, 2, 2, 2, 2, 1, 0)
MINIMAL = (1, 1, 1, 1, 0, 0, 0, 0, 0)
ALL_NO = dict.fromkeys(QUESTION_CODES, Answer.NO)


def answers(**changes: Any) -> SelfScreenAnswers:
    """A visitor who may be a candidate: PHQ-9 15, two failed trials, no exclusion."""
    values: dict[str, Any] = {"phq9": MODERATELY_SEVERE, "failed_trials": 2, "exclusions": ALL_NO}
    return SelfScreenAnswers(**(values | changes))


def with_exclusion(code: str, answer: Answer = Answer.YES) -> SelfScreenAnswers:
    return answers(exclusions=ALL_NO | {code: answer})


def codes(result: SelfScreenResult) -> list[str]:
    return [reason.code for reason in result.reasons]


# --- the three results ----------------------------------------------------------------


def test_moderate_depression_after_two_failed_trials_and_no_exclusion_may_be_a_candidate() -> None:
    result = assess(answers())
    assert result.outcome is Outcome.MAY_BE_CANDIDATE
    assert result.phq9_total == 15
    assert result.phq9_band == "moderately_severe"
    assert result.suicidal_thoughts is False
    assert codes(result) == ["phq9_total", "treatment_resistant"]
    assert {r.kind for r in result.reasons} == {ReasonKind.INFO}
    assert result.reasons[0].text == (
        "Your PHQ-9 score is 15 out of 27: moderately severe depression symptoms."
    )
    assert "treatment-resistant depression" in result.reasons[1].text
    assert result.reasons[1].source == "CLINICAL.md D"


@pytest.mark.parametrize(
    "code", [q.code for q in QUESTIONS if q.weight is Weight.ABSOLUTE], ids=str
)
def test_each_absolute_exclusion_makes_treatment_not_suitable(code: str) -> None:
    result = assess(with_exclusion(code))
    assert result.outcome is Outcome.NOT_SUITABLE
    assert codes(result)[0] == code
    assert result.reasons[0].kind is ReasonKind.EXCLUSION
    assert result.reasons[0].text.startswith('You answered yes to "')
    assert "This matters because" in result.reasons[0].text


def test_bipolar_disorder_without_mania_means_talking_to_a_doctor() -> None:
    result = assess(with_exclusion("bipolar_disorder"))
    assert result.outcome is Outcome.TALK_TO_DOCTOR
    assert result.reasons[0].code == "bipolar_disorder"
    assert result.reasons[0].kind is ReasonKind.CAUTION


def test_bipolar_disorder_in_a_manic_episode_is_not_suitable() -> None:
    result = assess(
        answers(exclusions=ALL_NO | {"bipolar_disorder": Answer.YES, "current_mania": Answer.YES})
    )
    assert result.outcome is Outcome.NOT_SUITABLE
    assert codes(result)[:2] == ["current_mania", "bipolar_disorder"]


@pytest.mark.parametrize("code", QUESTION_CODES)
def test_not_sure_is_never_read_as_no(code: str) -> None:
    result = assess(with_exclusion(code, Answer.NOT_SURE))
    assert result.outcome is Outcome.TALK_TO_DOCTOR
    assert result.reasons[0].code == code
    assert result.reasons[0].kind is ReasonKind.CAUTION
    assert result.reasons[0].text.startswith('You were not sure about "')


def test_exclusions_come_before_cautions_and_cautions_before_the_rest() -> None:
    result = assess(
        answers(
            phq9=MINIMAL,
            failed_trials=0,
            exclusions=ALL_NO | {"ketamine_allergy": Answer.YES, "under_18": Answer.NOT_SURE},
        )
    )
    assert result.outcome is Outcome.NOT_SUITABLE
    assert codes(result) == [
        "ketamine_allergy",
        "under_18",
        "phq9_below_cut_off",
        "not_treatment_resistant",
    ]


# --- PHQ-9 (CLINICAL.md A1) -------------------------------------------------------------


def test_a_score_below_the_cut_off_means_talking_to_a_doctor() -> None:
    result = assess(answers(phq9=MINIMAL))
    assert result.outcome is Outcome.TALK_TO_DOCTOR
    assert result.phq9_total == 4
    assert result.reasons[0].code == "phq9_below_cut_off"
    assert "4 out of 27: minimal" in result.reasons[0].text
    assert "a score of 10 or more" in result.reasons[0].text
    assert result.reasons[0].source == "CLINICAL.md A1"


def test_the_cut_off_is_inclusive() -> None:
    ten = (2, 2, 2, 2, 2, 0, 0, 0, 0)
    assert assess(answers(phq9=ten)).outcome is Outcome.MAY_BE_CANDIDATE
    nine = (2, 2, 2, 2, 1, 0, 0, 0, 0)
    assert assess(answers(phq9=nine)).outcome is Outcome.TALK_TO_DOCTOR


def test_any_answer_above_zero_to_item_9_flags_suicidal_thoughts_and_needs_a_doctor() -> None:
    result = assess(answers(phq9=(*MODERATELY_SEVERE[:8], 1)))
    assert result.suicidal_thoughts is True
    assert result.outcome is Outcome.TALK_TO_DOCTOR
    assert result.reasons[0].code == "suicidal_thoughts"
    assert "Please talk to someone today" in result.reasons[0].text
    assert "item 9" in result.reasons[0].source


def test_item_10_and_a_mapping_of_answers_are_accepted() -> None:
    result = assess(answers(phq9=dict.fromkeys(range(1, 11), 2)))
    assert result.phq9_total == 18


@pytest.mark.parametrize(
    ("phq9", "message"),
    [
        ((1, 2, 3), "expected 9"),
        (dict.fromkeys(range(1, 9), 1), "item 9 is missing"),
        ((4, 0, 0, 0, 0, 0, 0, 0, 0), "item 1 is 4"),
    ],
)
def test_unreadable_phq9_answers_are_refused(phq9: Any, message: str) -> None:
    with pytest.raises(InvalidSelfScreen, match=message):
        assess(answers(phq9=phq9))


# --- antidepressant trials (CLINICAL.md D) ------------------------------------------------


@pytest.mark.parametrize(
    ("failed_trials", "code", "words"),
    [
        (0, "not_treatment_resistant", "You have tried 0 antidepressants in this episode."),
        (1, "not_treatment_resistant", "You have tried 1 antidepressant in this episode."),
        (None, "trials_not_sure", "You were not sure how many antidepressants"),
    ],
)
def test_fewer_than_two_failed_trials_or_not_sure_means_talking_to_a_doctor(
    failed_trials: int | None, code: str, words: str
) -> None:
    result = assess(answers(failed_trials=failed_trials))
    assert result.outcome is Outcome.TALK_TO_DOCTOR
    [reason] = [r for r in result.reasons if r.kind is ReasonKind.CAUTION]
    assert reason.code == code
    assert reason.text.startswith(words)
    assert "at least 2 antidepressants" in reason.text


def test_more_trials_than_needed_still_count_as_treatment_resistant() -> None:
    result = assess(answers(failed_trials=5))
    assert "You have tried 5 antidepressants" in result.reasons[1].text
    assert result.outcome is Outcome.MAY_BE_CANDIDATE


# --- clinic rules -----------------------------------------------------------------------


def test_a_clinic_may_change_the_cut_offs() -> None:
    rules = dataclasses.replace(DEFAULT_RULES, min_phq9_total=5, trd_minimum_failed_trials=3)
    mild = (1, 1, 1, 1, 1, 0, 0, 0, 0)
    assert assess(answers(phq9=mild, failed_trials=3), rules).outcome is Outcome.MAY_BE_CANDIDATE
    result = assess(answers(failed_trials=2), rules)
    assert result.outcome is Outcome.TALK_TO_DOCTOR
    assert "at least 3 antidepressants" in result.reasons[0].text


def test_the_defaults_come_from_clinical_md() -> None:
    assert DEFAULT_RULES.min_phq9_total == 10  # A1
    assert DEFAULT_RULES.trd_minimum_failed_trials == 2  # D


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"min_phq9_total": -1}, "min_phq9_total must be a whole number"),
        ({"min_phq9_total": 10.0}, "min_phq9_total must be a whole number"),
        ({"min_phq9_total": 28}, "min_phq9_total must be at most 27"),
        ({"trd_minimum_failed_trials": 0}, "trd_minimum_failed_trials must be a whole number"),
        ({"trd_minimum_failed_trials": True}, "trd_minimum_failed_trials must be a whole number"),
    ],
)
def test_bad_rules_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidSelfScreen, match=message):
        SelfScreenRules(**changes)


# --- bad answers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"failed_trials": -1}, "failed_trials must be a whole number"),
        ({"failed_trials": "2"}, "failed_trials must be a whole number"),
        ({"exclusions": [("under_18", Answer.NO)]}, "exclusions must map each question"),
        ({"exclusions": ALL_NO | {"smoker": Answer.NO}}, "unknown question 'smoker'"),
        (
            {"exclusions": {k: v for k, v in ALL_NO.items() if k != "ketamine_allergy"}},
            "question 'ketamine_allergy' is not answered",
        ),
        (
            {"exclusions": ALL_NO | {"under_18": "no"}},
            r"exclusions\['under_18'\] must be an Answer",
        ),
    ],
)
def test_bad_answers_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidSelfScreen, match=message):
        answers(**changes)


def test_assess_refuses_what_is_not_answers_or_rules() -> None:
    with pytest.raises(InvalidSelfScreen, match="answers must be SelfScreenAnswers"):
        assess({"phq9": MODERATELY_SEVERE})  # type: ignore[arg-type]
    with pytest.raises(InvalidSelfScreen, match="rules must be SelfScreenRules"):
        assess(answers(), {"min_phq9_total": 10})  # type: ignore[arg-type]


def test_every_outcome_has_a_label_in_plain_words() -> None:
    assert Outcome.MAY_BE_CANDIDATE.label == "You may be a candidate"
    assert Outcome.TALK_TO_DOCTOR.label == "Talk to your doctor first"
    assert Outcome.NOT_SUITABLE.label.endswith("is not suitable for you")


# --- properties over every PHQ-9 and trial count ----------------------------------------

phq9_answers = st.tuples(*[st.integers(0, 3)] * 9)
trial_counts = st.none() | st.integers(0, 12)


@given(phq9=phq9_answers, failed_trials=trial_counts)
def test_without_exclusions_the_result_follows_score_trials_and_item_9(
    phq9: tuple[int, ...], failed_trials: int | None
) -> None:
    result = assess(answers(phq9=phq9, failed_trials=failed_trials))
    assert result.phq9_total == sum(phq9)
    assert result.suicidal_thoughts is (phq9[8] > 0)
    candidate = (
        sum(phq9) >= 10 and failed_trials is not None and failed_trials >= 2 and phq9[8] == 0
    )
    expected = Outcome.MAY_BE_CANDIDATE if candidate else Outcome.TALK_TO_DOCTOR
    assert result.outcome is expected


@given(
    phq9=phq9_answers,
    failed_trials=trial_counts,
    exclusions=st.fixed_dictionaries({code: st.sampled_from(Answer) for code in QUESTION_CODES}),
)
def test_a_yes_to_any_absolute_exclusion_always_rules_out(
    phq9: tuple[int, ...], failed_trials: int | None, exclusions: dict[str, Answer]
) -> None:
    result = assess(answers(phq9=phq9, failed_trials=failed_trials, exclusions=exclusions))
    absolute = any(
        exclusions[q.code] is Answer.YES for q in QUESTIONS if q.weight is Weight.ABSOLUTE
    )
    assert (result.outcome is Outcome.NOT_SUITABLE) is absolute
    kinds = [r.kind for r in result.reasons]
    assert kinds == sorted(
        kinds, key=[ReasonKind.EXCLUSION, ReasonKind.CAUTION, ReasonKind.INFO].index
    )
