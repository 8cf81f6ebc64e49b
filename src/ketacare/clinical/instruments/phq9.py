"""PHQ-9, the Patient Health Questionnaire (public domain). CLINICAL.md A1."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ketacare.clinical.instruments.base import (
    SUICIDALITY,
    Band,
    Instrument,
    Item,
    Score,
    choices,
    make_score,
    normalise,
)

# CLINICAL.md A1: each item 0-3 over the last 2 weeks; LOINC answer codes LA6568-5..LA6571-9.
FREQUENCY = choices("Not at all", "Several days", "More than half the days", "Nearly every day")
DIFFICULTY = choices(
    "Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult"
)

# CLINICAL.md A1: item texts (public-domain wording) and their LOINC codes.
_ITEMS = (
    ("Little interest or pleasure in doing things", "44250-9"),
    ("Feeling down, depressed, or hopeless", "44255-8"),
    ("Trouble falling or staying asleep, or sleeping too much", "44259-0"),
    ("Feeling tired or having little energy", "44254-1"),
    ("Poor appetite or overeating", "44251-7"),
    (
        (
            "Feeling bad about yourself - or that you are a failure or have let yourself "
            "or your family down"
        ),
        "44258-2",
    ),
    (
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "44252-5",
    ),
    (
        (
            "Moving or speaking so slowly that other people could have noticed? Or the opposite - "
            "being so fidgety or restless that you have been moving around a lot more than usual"
        ),
        "44253-3",
    ),
    ("Thoughts that you would be better off dead or of hurting yourself in some way", "44260-8"),
)

SUICIDE_ITEM = 9  # CLINICAL.md A1: any answer > 0 needs same-day follow-up, whatever the total

INSTRUMENT = Instrument(
    code="phq9",
    title="PHQ-9 depression questionnaire",
    recall_period="the last 2 weeks",
    items=(
        *(
            Item(number=n, text=text, choices=FREQUENCY, loinc=loinc)
            for n, (text, loinc) in enumerate(_ITEMS, start=1)
        ),
        # CLINICAL.md A1: item 10 is recorded, not part of the total.
        Item(
            number=10,
            text="If you checked off any problems, how difficult have these problems made it "
            "for you to do your work, take care of things at home, or get along with other people?",
            choices=DIFFICULTY,
            loinc="69722-7",
            scored=False,
        ),
    ),
    # CLINICAL.md A1 severity bands.
    bands=(
        Band("minimal", 0, 4),
        Band("mild", 5, 9),
        Band("moderate", 10, 14),
        Band("moderately_severe", 15, 19),
        Band("severe", 20, 27),
    ),
    max_total=27,
    loinc_panel="44249-1",
    loinc_total="44261-6",
    source="CLINICAL.md A1",
)


def score(answers: Sequence[int] | Mapping[int, int]) -> Score:
    given = normalise(INSTRUMENT, answers)
    total = sum(v for n, v in given.items() if INSTRUMENT.item(n).scored)
    flags = frozenset({SUICIDALITY}) if given[SUICIDE_ITEM] > 0 else frozenset()
    return make_score(INSTRUMENT, given, total, flags=flags)
