"""CADSS-6, six items of the Clinician-Administered Dissociative States Scale. CLINICAL.md A7.

We ask it after each at-home session as a tolerability measure, not a diagnosis
(CLINICAL.md A7). The item texts are ketacare's own short wording of what each
item asks, not the published scale's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ketacare.clinical.instruments.base import (
    Band,
    Instrument,
    Item,
    Score,
    band_for,
    check_setting,
    choices,
    make_score,
    normalise,
)

MAX_TOTAL = 24  # CLINICAL.md A7: six items 0-4
# CLINICAL.md A7: our items 1-6 are items 1, 2, 6, 7, 15 and 22 of the full scale.
FULL_SCALE_ITEMS = (1, 2, 6, 7, 15, 22)


@dataclass(frozen=True)
class Cadss6Rules:
    """Where each CADSS-6 band starts; a ketacare clinic default, not a published cut-off.

    CLINICAL.md A7 gives no CADSS-6 cut-offs. The defaults split 1-24 into three
    equal parts (0 = none, 1-8 mild, 9-16 moderate, 17-24 severe); a clinic may
    override them.
    """

    mild_from: int = 1  # ketacare clinic default, not a published cut-off
    moderate_from: int = 9  # ketacare clinic default, not a published cut-off
    severe_from: int = 17  # ketacare clinic default, not a published cut-off

    def __post_init__(self) -> None:
        check_setting("cadss6", "mild_from", self.mild_from, range(1, MAX_TOTAL - 1))
        check_setting(
            "cadss6", "moderate_from", self.moderate_from, range(self.mild_from + 1, MAX_TOTAL)
        )
        check_setting(
            "cadss6", "severe_from", self.severe_from, range(self.moderate_from + 1, MAX_TOTAL + 1)
        )


DEFAULT_RULES = Cadss6Rules()

INTENSITY = choices("Not at all", "Slightly", "Moderately", "Considerably", "Extremely")

# Our own wording, asked about the session just finished.
_TEXTS = (
    "Did things seem to move in slow motion?",
    "Did things feel unreal, as if you were in a dream?",
    "Did you feel cut off from your own body?",
    "Did your body feel different, for example unusually large or small?",
    "Did you drift off or lose track of what was going on?",
    "Are there gaps in your memory of the session?",
)


def bands(rules: Cadss6Rules = DEFAULT_RULES) -> tuple[Band, ...]:
    """The CADSS-6 bands under `rules` (ketacare clinic defaults, not published cut-offs)."""
    return (
        Band("none", 0, rules.mild_from - 1),
        Band("mild", rules.mild_from, rules.moderate_from - 1),
        Band("moderate", rules.moderate_from, rules.severe_from - 1),
        Band("severe", rules.severe_from, MAX_TOTAL),
    )


INSTRUMENT = Instrument(
    code="cadss6",
    title="CADSS-6 dissociation after a session",
    recall_period="the session just finished",  # CLINICAL.md A7: asked after each session
    items=tuple(
        Item(number=n, text=text, choices=INTENSITY) for n, text in enumerate(_TEXTS, start=1)
    ),
    bands=bands(DEFAULT_RULES),
    max_total=MAX_TOTAL,
    source="CLINICAL.md A7",
)


def score(
    answers: Sequence[int] | Mapping[int, int], *, rules: Cadss6Rules = DEFAULT_RULES
) -> Score:
    """Score a CADSS-6: the total of the six items and its band under `rules`."""
    given = normalise(INSTRUMENT, answers)
    total = sum(given.values())
    return make_score(
        INSTRUMENT, given, total, band=band_for(replace(INSTRUMENT, bands=bands(rules)), total)
    )
