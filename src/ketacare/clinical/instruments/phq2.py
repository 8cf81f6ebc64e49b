"""PHQ-2, the first two PHQ-9 questions as a depression screen (public domain). CLINICAL.md A2."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ketacare.clinical.instruments import phq9
from ketacare.clinical.instruments.base import (
    POSITIVE_SCREEN,
    Band,
    Instrument,
    Score,
    make_score,
    normalise,
)

POSITIVE_FROM = 3  # CLINICAL.md A2: a total >= 3 is a positive screen (Kroenke 2003)

INSTRUMENT = Instrument(
    code="phq2",
    title="PHQ-2 depression screen",
    recall_period=phq9.INSTRUMENT.recall_period,
    # CLINICAL.md A2: items 1-2 of PHQ-9, with their wording, answers and LOINC codes.
    items=phq9.INSTRUMENT.items[:2],
    bands=(Band("negative", 0, POSITIVE_FROM - 1), Band("positive", POSITIVE_FROM, 6)),
    max_total=6,  # CLINICAL.md A2
    loinc_panel="55757-9",
    loinc_total="55758-7",
    source="CLINICAL.md A2",
)


def score(answers: Sequence[int] | Mapping[int, int]) -> Score:
    """Score a PHQ-2: the total of both items, positive from 3."""
    given = normalise(INSTRUMENT, answers)
    total = sum(given.values())
    flags = frozenset({POSITIVE_SCREEN}) if total >= POSITIVE_FROM else frozenset()
    return make_score(INSTRUMENT, given, total, flags=flags)
