"""QIDS-SR16, the Quick Inventory of Depressive Symptomatology, self-report. CLINICAL.md A5.

The item texts are ketacare's own short wording of what each item asks, not the
published form's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from ketacare.clinical.instruments.base import (
    SUICIDALITY,
    Band,
    Choice,
    Instrument,
    Item,
    Score,
    make_score,
    normalise,
)

# CLINICAL.md A5: the total is the sum of 9 domain scores, each the highest of its items.
DOMAINS: Mapping[str, tuple[int, ...]] = MappingProxyType(
    {
        "sleep": (1, 2, 3, 4),
        "sad_mood": (5,),
        "appetite_weight": (6, 7, 8, 9),
        "concentration": (10,),
        "self_view": (11,),
        "suicidal_ideation": (12,),
        "interest": (13,),
        "energy": (14,),
        "psychomotor": (15, 16),
    }
)
SUICIDE_ITEM = 12  # CLINICAL.md A5: any answer > 0 is a suicidality flag

# Our own wording: (item, answers valued 0-3 from least to most).
_ITEMS: tuple[tuple[str, tuple[str, str, str, str]], ...] = (
    (
        "Falling asleep",
        (
            "I was never slow to fall asleep",
            "I was slow to fall asleep on fewer than half the nights",
            "I was slow to fall asleep on more than half the nights",
            "I was very slow to fall asleep on more than half the nights",
        ),
    ),
    (
        "Sleep during the night",
        (
            "I did not wake during the night",
            "My sleep was light and restless, with a few brief wakings",
            "I woke at least once a night but got back to sleep easily",
            "I woke more than once a night and lay awake for a long time",
        ),
    ),
    (
        "Waking up too early",
        (
            "I usually woke close to the time I needed to get up",
            "I often woke well before I needed to get up",
            "I nearly always woke much too early but got back to sleep",
            "I woke much too early and could not get back to sleep",
        ),
    ),
    (
        "Sleeping too much",
        (
            "I slept no more than usual and did not nap",
            "I slept somewhat more than usual, counting naps",
            "I slept a lot more than usual, counting naps",
            "I slept for most of the day and night",
        ),
    ),
    (
        "Feeling sad",
        (
            "I did not feel sad",
            "I felt sad less than half the time",
            "I felt sad more than half the time",
            "I felt sad nearly all the time",
        ),
    ),
    (
        "Less appetite",
        (
            "My appetite was as usual",
            "I ate somewhat less often or less than usual",
            "I ate much less than usual, and only with effort",
            "I hardly ate at all unless I forced myself or was pushed to",
        ),
    ),
    (
        "More appetite",
        (
            "My appetite was as usual",
            "I felt like eating more often than usual",
            "I often ate more, or more often, than usual",
            "I felt driven to overeat at and between meals",
        ),
    ),
    (
        "Weight loss",
        (
            "My weight did not change",
            "I felt I had lost a little weight",
            "I lost a noticeable amount of weight",
            "I lost a lot of weight",
        ),
    ),
    (
        "Weight gain",
        (
            "My weight did not change",
            "I felt I had gained a little weight",
            "I gained a noticeable amount of weight",
            "I gained a lot of weight",
        ),
    ),
    (
        "Concentration and making decisions",
        (
            "I could concentrate and decide as well as usual",
            "I was sometimes indecisive or my attention wandered",
            "Most of the time I struggled to focus or to decide",
            "I could not concentrate enough to read or make even small decisions",
        ),
    ),
    (
        "How I see myself",
        (
            "I saw myself as worthwhile as anyone else",
            "I blamed myself more than usual",
            "I mostly believed I cause problems for other people",
            "I thought almost all the time about my failings, big and small",
        ),
    ),
    (
        "Thoughts of death or suicide",
        (
            "I did not think about suicide or death",
            "I felt life was empty or wondered whether it was worth living",
            "I thought about suicide or death several times a week, briefly",
            (
                "I thought about suicide or death in detail several times a day, "
                "made plans, or tried to end my life"
            ),
        ),
    ),
    (
        "Interest in people and activities",
        (
            "My interest in people and activities was as usual",
            "I was less interested than usual in people or activities",
            "I was still interested in only one or two things I used to enjoy",
            "I had almost no interest in things I used to enjoy",
        ),
    ),
    (
        "Energy",
        (
            "My energy was as usual",
            "I tired more easily than usual",
            "It took a big effort to start or finish everyday activities",
            "I lacked the energy for most everyday activities",
        ),
    ),
    (
        "Feeling slowed down",
        (
            "I thought, spoke and moved at my usual pace",
            "My thinking felt slower or my voice sounded flat",
            "I took a while to answer most questions and my thinking felt slow",
            "I often could not answer questions without great effort",
        ),
    ),
    (
        "Feeling restless",
        (
            "I did not feel restless",
            "I was often fidgety or shifting in my seat",
            "I felt urges to move about and was quite restless",
            "At times I could not stay seated and had to pace about",
        ),
    ),
)

INSTRUMENT = Instrument(
    code="qids_sr16",
    title="QIDS-SR16 depression self-report",
    # The recall period printed on the published form (CLINICAL.md A5 does not state one).
    recall_period="the past 7 days",
    # CLINICAL.md A5: 16 items 0-3.
    items=tuple(
        Item(
            number=n,
            text=text,
            choices=tuple(Choice(value, label) for value, label in enumerate(labels)),
        )
        for n, (text, labels) in enumerate(_ITEMS, start=1)
    ),
    # CLINICAL.md A5 bands.
    bands=(
        Band("none", 0, 5),
        Band("mild", 6, 10),
        Band("moderate", 11, 15),
        Band("severe", 16, 20),
        Band("very_severe", 21, 27),
    ),
    max_total=27,
    source="CLINICAL.md A5",
)


def score(answers: Sequence[int] | Mapping[int, int]) -> Score:
    """Score a QIDS-SR16: the 9 domain scores (each its highest item) and their sum."""
    given = normalise(INSTRUMENT, answers)
    domains = {name: max(given[n] for n in numbers) for name, numbers in DOMAINS.items()}
    flags = frozenset({SUICIDALITY}) if given[SUICIDE_ITEM] > 0 else frozenset()
    return make_score(INSTRUMENT, given, sum(domains.values()), subscales=domains, flags=flags)
