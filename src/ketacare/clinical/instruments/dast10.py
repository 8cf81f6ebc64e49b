"""DAST-10, the Drug Abuse Screening Test (10 yes/no questions). CLINICAL.md A10.

Answers are the patient's own: yes = 1, no = 0. Item 3 ("can you always stop?")
counts when the answer is no; the scorer reverses it. The question texts are
ketacare's own short wording, not the published form's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ketacare.clinical.instruments.base import (
    POSITIVE_SCREEN,
    Band,
    Instrument,
    Item,
    Score,
    choices,
    make_score,
    normalise,
)

NO_YES = choices("No", "Yes")  # the raw answer: no = 0, yes = 1
REVERSED_ITEMS = frozenset({3})  # CLINICAL.md A10: item 3 scores 1 for no
POSITIVE_FROM = 3  # CLINICAL.md A10: moderate (3-5) or worse is a positive screen

# Our own wording; the questions exclude alcohol.
_TEXTS = (
    "Have you used drugs other than those needed for medical reasons?",
    "Do you use more than one drug at a time?",
    "Can you always stop using drugs when you want to?",
    "Have you had blackouts or flashbacks because of drug use?",
    "Do you ever feel bad or guilty about your drug use?",
    "Does your partner or family ever complain about your drug use?",
    "Have you neglected your family because of your drug use?",
    "Have you done anything illegal to get drugs?",
    "Have you had withdrawal symptoms (felt sick) when you stopped taking drugs?",
    (
        "Have you had medical problems because of your drug use "
        "(for example memory loss, hepatitis, seizures or bleeding)?"
    ),
)

INSTRUMENT = Instrument(
    code="dast10",
    title="DAST-10 drug use screen",
    recall_period="the past 12 months, not counting alcohol",  # CLINICAL.md A10
    items=tuple(
        Item(number=n, text=text, choices=NO_YES) for n, text in enumerate(_TEXTS, start=1)
    ),
    # CLINICAL.md A10 bands.
    bands=(
        Band("none", 0, 0),
        Band("low", 1, 2),
        Band("moderate", 3, 5),
        Band("substantial", 6, 8),
        Band("severe", 9, 10),
    ),
    max_total=10,
    source="CLINICAL.md A10",
)


def score(answers: Sequence[int] | Mapping[int, int]) -> Score:
    """Score a DAST-10 from the raw yes/no answers, reversing item 3."""
    given = normalise(INSTRUMENT, answers)
    total = sum(1 - value if n in REVERSED_ITEMS else value for n, value in given.items())
    flags = frozenset({POSITIVE_SCREEN}) if total >= POSITIVE_FROM else frozenset()
    return make_score(INSTRUMENT, given, total, flags=flags)
