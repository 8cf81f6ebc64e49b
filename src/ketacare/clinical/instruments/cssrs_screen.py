"""C-SSRS screener, the Columbia suicide severity screen with its triage. CLINICAL.md A8.

Answers are seven yes (1) / no (0) values: Q1, Q2, Q3, Q4, Q5, Q6 ever, and Q6
within the past 3 months. The total counts the yes answers; the band is the
triage, which depends on *which* questions were answered yes, not on how many.
The question texts are ketacare's own short wording, not the published form's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ketacare.clinical.instruments.base import (
    SUICIDALITY,
    Band,
    Instrument,
    InvalidAnswers,
    Item,
    Score,
    choices,
    make_score,
    normalise,
)

YES_NO = choices("No", "Yes")

# Item numbers as this definition numbers them (Q6 is asked in two parts: 6 and 7).
WISH_TO_BE_DEAD = 1
SUICIDAL_THOUGHTS = 2
THOUGHTS_WITH_METHOD = 3
INTENT = 4
PLAN_WITH_INTENT = 5
BEHAVIOUR_EVER = 6
BEHAVIOUR_PAST_3_MONTHS = 7

# CLINICAL.md A8: Q3-Q5 are asked only if Q2 is yes; the 3-month part only if Q6 is yes.
_ASKED_ONLY_IF = {
    THOUGHTS_WITH_METHOD: SUICIDAL_THOUGHTS,
    INTENT: SUICIDAL_THOUGHTS,
    PLAN_WITH_INTENT: SUICIDAL_THOUGHTS,
    BEHAVIOUR_PAST_3_MONTHS: BEHAVIOUR_EVER,
}

# The triage levels, from least to most urgent (CLINICAL.md A8).
TRIAGE = ("none", "low", "moderate", "high")

# Our own wording (questions 1-5 ask about the past month).
_TEXTS = (
    "Have you wished you were dead, or hoped you would not wake up?",
    "Have you had any thoughts of killing yourself?",
    "Have you thought about how you might do it?",
    "Have you had these thoughts with some intention of acting on them?",
    (
        "Have you started to work out, or worked out, the details of how to kill yourself, "
        "and do you mean to carry out that plan?"
    ),
    (
        "Have you ever done anything, started to do anything, or prepared to do anything "
        "to end your life?"
    ),
    "If so, was that within the past 3 months?",
)

INSTRUMENT = Instrument(
    code="cssrs_screen",
    title="C-SSRS suicide risk screen",
    # The past month is the published screener's window for Q1-Q5 (not in CLINICAL.md A8);
    # CLINICAL.md A8: Q6 ever and within the past 3 months.
    recall_period="the past month (questions 1-5); ever and the past 3 months (question 6)",
    items=tuple(
        Item(number=n, text=text, choices=YES_NO, asked_only_if=_ASKED_ONLY_IF.get(n))
        for n, text in enumerate(_TEXTS, start=1)
    ),
    # The triage is set by which questions are answered yes, so these bands are only the
    # least triage a number of yes answers implies under CLINICAL.md A8 (3 yes answers
    # cannot be Q1/Q2 alone; 5 cannot avoid Q4, Q5 or recent behaviour). score() returns
    # the triage itself, which is never below the band its total falls in.
    bands=(
        Band("none", 0, 0),
        Band("low", 1, 2),
        Band("moderate", 3, 4),
        Band("high", 5, 7),
    ),
    max_total=7,
    loinc_panel="93373-9",  # CLINICAL.md A8
    source="CLINICAL.md A8",
)


def triage(given: Mapping[int, int]) -> str:
    """The C-SSRS screener triage of checked answers (CLINICAL.md A8)."""
    yes = {n for n, value in given.items() if value == 1}
    if yes & {INTENT, PLAN_WITH_INTENT, BEHAVIOUR_PAST_3_MONTHS}:
        return "high"
    if yes & {THOUGHTS_WITH_METHOD, BEHAVIOUR_EVER}:
        return "moderate"
    if yes:  # only Q1 and/or Q2 are left
        return "low"
    return "none"


def score(answers: Sequence[int] | Mapping[int, int]) -> Score:
    """Score a C-SSRS screen: the number of yes answers and the triage."""
    given = normalise(INSTRUMENT, answers)
    for number, gate in _ASKED_ONLY_IF.items():
        if given[number] == 1 and given[gate] == 0:
            raise InvalidAnswers(
                f"cssrs_screen: item {number} is 1 (yes) but item {gate} is 0 (no); item "
                f"{number} is asked only after a yes to item {gate}, so its allowed value is 0."
            )
    band = triage(given)
    flags = frozenset({SUICIDALITY}) if band in {"moderate", "high"} else frozenset()
    return make_score(INSTRUMENT, given, sum(given.values()), band=band, flags=flags)
