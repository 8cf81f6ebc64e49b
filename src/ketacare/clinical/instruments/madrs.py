"""MADRS, the Montgomery-Asberg Depression Rating Scale (clinician-rated). CLINICAL.md A6.

The item texts are ketacare's own short wording of what each item rates, not the
published scale's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ketacare.clinical.instruments.base import (
    SUICIDALITY,
    Band,
    Instrument,
    Item,
    Score,
    check_setting,
    choices,
    make_score,
    normalise,
)

SUICIDE_ITEM = 10  # CLINICAL.md A6: item 10, suicidal thoughts


@dataclass(frozen=True)
class MadrsRules:
    """Clinic-overridable MADRS suicidality threshold (CLINICAL.md A6)."""

    # CLINICAL.md A6: item 10 >= 4 is a suicidality flag (configurable).
    suicidal_thoughts_flag_from: int = 4

    def __post_init__(self) -> None:
        check_setting(
            "madrs", "suicidal_thoughts_flag_from", self.suicidal_thoughts_flag_from, range(1, 7)
        )


DEFAULT_RULES = MadrsRules()

# CLINICAL.md A6: each item 0-6; the even steps are the scale's anchors, the odd ones
# lie between them.
RATING = choices(
    "Absent",
    "Between absent and mild",
    "Mild",
    "Between mild and marked",
    "Marked",
    "Between marked and severe",
    "Severe",
)

# Our own wording of what each item rates.
_TEXTS = (
    "Apparent sadness: gloom, despondency and despair that show in speech, face and posture",
    "Reported sadness: low mood the patient describes, whether or not it shows",
    "Inner tension: vague discomfort, edginess and inner turmoil, up to panic or dread",
    "Reduced sleep: shorter or lighter sleep than is usual for the patient",
    "Reduced appetite: less appetite than usual, up to having to be pushed to eat",
    "Concentration difficulties: trouble collecting one's thoughts, up to being unable to",
    "Lassitude: difficulty getting started, slowness in beginning and doing everyday tasks",
    "Inability to feel: less interest in surroundings and activities, blunted emotions",
    "Pessimistic thoughts: guilt, inferiority, self-reproach, remorse and ruin",
    (
        "Suicidal thoughts: feeling life is not worth living, wishing to die, "
        "thoughts or plans of suicide"
    ),
)

INSTRUMENT = Instrument(
    code="madrs",
    title="MADRS depression rating (clinician)",
    # The usual interview window for the scale (CLINICAL.md A6 does not state one).
    recall_period="the past week",
    items=tuple(
        Item(number=n, text=text, choices=RATING) for n, text in enumerate(_TEXTS, start=1)
    ),
    # CLINICAL.md A6 bands (Snaith).
    bands=(
        Band("normal", 0, 6),
        Band("mild", 7, 19),
        Band("moderate", 20, 34),
        Band("severe", 35, 60),
    ),
    max_total=60,
    source="CLINICAL.md A6",
)


def score(
    answers: Sequence[int] | Mapping[int, int], *, rules: MadrsRules = DEFAULT_RULES
) -> Score:
    """Score a MADRS: the total of the ten ratings, its band and the suicidal-thoughts flag."""
    given = normalise(INSTRUMENT, answers)
    suicidal = given[SUICIDE_ITEM] >= rules.suicidal_thoughts_flag_from
    flags = frozenset({SUICIDALITY}) if suicidal else frozenset()
    return make_score(INSTRUMENT, given, sum(given.values()), flags=flags)
