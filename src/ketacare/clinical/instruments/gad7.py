"""GAD-7, the Generalized Anxiety Disorder questionnaire (public domain). CLINICAL.md A3."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ketacare.clinical.instruments.base import (
    Band,
    Instrument,
    Item,
    Score,
    make_score,
    normalise,
)
from ketacare.clinical.instruments.phq9 import FREQUENCY

# Public-domain wording (Spitzer 2006); CLINICAL.md A3 gives no item LOINC codes.
_TEXTS = (
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
)

INSTRUMENT = Instrument(
    code="gad7",
    title="GAD-7 anxiety questionnaire",
    # The recall period printed on the published form (CLINICAL.md A3 does not state one).
    recall_period="the last 2 weeks",
    # CLINICAL.md A3: 7 items 0-3, the same answer scale as PHQ-9.
    items=tuple(
        Item(number=n, text=text, choices=FREQUENCY) for n, text in enumerate(_TEXTS, start=1)
    ),
    # CLINICAL.md A3 severity bands.
    bands=(
        Band("minimal", 0, 4),
        Band("mild", 5, 9),
        Band("moderate", 10, 14),
        Band("severe", 15, 21),
    ),
    max_total=21,
    loinc_panel="69737-5",
    loinc_total="70274-6",
    source="CLINICAL.md A3",
)


def score(answers: Sequence[int] | Mapping[int, int]) -> Score:
    """Score a GAD-7: the total of the seven items and its severity band."""
    given = normalise(INSTRUMENT, answers)
    return make_score(INSTRUMENT, given, sum(given.values()))
