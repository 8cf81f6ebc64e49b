"""The monthly bladder-symptom check during ketamine treatment. CLINICAL.md D and G10.

Ketamine-associated cystitis shows as passing urine more often, a sudden urge, pain
when passing urine, or blood in the urine (G10). Four yes/no questions in ketacare's
own words; the total is how many symptoms are present, and any one of them is a
positive screen that asks for a clinician's review (G10: clinic's choice).
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

NO_YES = choices("No", "Yes")

# CLINICAL.md G10: the symptoms of ketamine-associated cystitis, in the patient's words.
_TEXTS = (
    "Are you passing urine more often than usual, by day or at night?",
    "Do you get a sudden, strong urge to pass urine that is hard to hold?",
    "Does it hurt or burn when you pass urine, or do you have pain low in your belly?",
    "Have you seen blood in your urine?",
)

INSTRUMENT = Instrument(
    code="bladder",
    title="Bladder symptoms check",
    recall_period="the past 4 weeks",  # CLINICAL.md D, G10: monitored monthly
    items=tuple(
        Item(number=n, text=text, choices=NO_YES) for n, text in enumerate(_TEXTS, start=1)
    ),
    bands=(Band("none", 0, 0), Band("symptoms", 1, 4)),
    max_total=4,
    source="CLINICAL.md G10",
)


def score(answers: Sequence[int] | Mapping[int, int]) -> Score:
    """Count the symptoms present; any one is a positive screen (G10)."""
    given = normalise(INSTRUMENT, answers)
    total = sum(given.values())
    flags = frozenset({POSITIVE_SCREEN}) if total else frozenset()
    return make_score(INSTRUMENT, given, total, flags=flags)
