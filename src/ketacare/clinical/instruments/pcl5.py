"""PCL-5, the PTSD Checklist for DSM-5 (public domain). CLINICAL.md A4."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType

from ketacare.clinical.instruments.base import (
    PROBABLE_PTSD,
    PROVISIONAL_PTSD_DX,
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

MAX_TOTAL = 80  # CLINICAL.md A4: 20 items 0-4


@dataclass(frozen=True)
class Pcl5Rules:
    """Clinic-overridable PCL-5 cut-off for probable PTSD (CLINICAL.md A4)."""

    # CLINICAL.md A4: the published cut-off is 31-33; default 33.
    probable_ptsd_cutoff: int = 33

    def __post_init__(self) -> None:
        check_setting("pcl5", "probable_ptsd_cutoff", self.probable_ptsd_cutoff, range(31, 34))


DEFAULT_RULES = Pcl5Rules()

# CLINICAL.md A4: the DSM-5 symptom clusters (subscale = the sum of the cluster's items).
CLUSTERS: Mapping[str, tuple[int, ...]] = MappingProxyType(
    {
        "B": (1, 2, 3, 4, 5),
        "C": (6, 7),
        "D": (8, 9, 10, 11, 12, 13, 14),
        "E": (15, 16, 17, 18, 19, 20),
    }
)
# CLINICAL.md A4: provisional diagnosis - an item >= 2 counts as endorsed, and each cluster
# needs at least this many endorsed items.
ENDORSED_FROM = 2
ENDORSED_NEEDED: Mapping[str, int] = MappingProxyType({"B": 1, "C": 1, "D": 2, "E": 2})

# CLINICAL.md A4: 0-4, past month.
SEVERITY = choices("Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely")

# Public-domain wording (National Center for PTSD): "In the past month, how much were you
# bothered by:"
_TEXTS = (
    "Repeated, disturbing, and unwanted memories of the stressful experience?",
    "Repeated, disturbing dreams of the stressful experience?",
    (
        "Suddenly feeling or acting as if the stressful experience were actually happening again "
        "(as if you were actually back there reliving it)?"
    ),
    "Feeling very upset when something reminded you of the stressful experience?",
    (
        "Having strong physical reactions when something reminded you of the stressful experience "
        "(for example, heart pounding, trouble breathing, sweating)?"
    ),
    "Avoiding memories, thoughts, or feelings related to the stressful experience?",
    (
        "Avoiding external reminders of the stressful experience (for example, people, places, "
        "conversations, activities, objects, or situations)?"
    ),
    "Trouble remembering important parts of the stressful experience?",
    (
        "Having strong negative beliefs about yourself, other people, or the world (for example, "
        "having thoughts such as: I am bad, there is something seriously wrong with me, no one can "
        "be trusted, the world is completely dangerous)?"
    ),
    "Blaming yourself or someone else for the stressful experience or what happened after it?",
    "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
    "Loss of interest in activities that you used to enjoy?",
    "Feeling distant or cut off from other people?",
    (
        "Trouble experiencing positive feelings (for example, being unable to feel happiness "
        "or have loving feelings for people close to you)?"
    ),
    "Irritable behavior, angry outbursts, or acting aggressively?",
    "Taking too many risks or doing things that could cause you harm?",
    'Being "superalert" or watchful or on guard?',
    "Feeling jumpy or easily startled?",
    "Having difficulty concentrating?",
    "Trouble falling or staying asleep?",
)


def bands(rules: Pcl5Rules = DEFAULT_RULES) -> tuple[Band, ...]:
    """The PCL-5 bands under `rules`: probable PTSD from the cut-off (CLINICAL.md A4)."""
    cutoff = rules.probable_ptsd_cutoff
    return (Band("below_threshold", 0, cutoff - 1), Band("probable_ptsd", cutoff, MAX_TOTAL))


INSTRUMENT = Instrument(
    code="pcl5",
    title="PCL-5 PTSD checklist",
    recall_period="the past month",  # CLINICAL.md A4
    items=tuple(
        Item(number=n, text=text, choices=SEVERITY) for n, text in enumerate(_TEXTS, start=1)
    ),
    bands=bands(DEFAULT_RULES),
    max_total=MAX_TOTAL,
    source="CLINICAL.md A4",
)


def score(answers: Sequence[int] | Mapping[int, int], *, rules: Pcl5Rules = DEFAULT_RULES) -> Score:
    """Score a PCL-5: total, cluster subscales, probable PTSD and a provisional diagnosis."""
    given = normalise(INSTRUMENT, answers)
    total = sum(given.values())
    subscales = {name: sum(given[n] for n in numbers) for name, numbers in CLUSTERS.items()}
    endorsed = {
        name: sum(1 for n in numbers if given[n] >= ENDORSED_FROM)
        for name, numbers in CLUSTERS.items()
    }
    flags = set()
    if total >= rules.probable_ptsd_cutoff:
        flags.add(PROBABLE_PTSD)
    if all(endorsed[name] >= needed for name, needed in ENDORSED_NEEDED.items()):
        flags.add(PROVISIONAL_PTSD_DX)
    band = band_for(replace(INSTRUMENT, bands=bands(rules)), total)
    return make_score(
        INSTRUMENT, given, total, band=band, subscales=subscales, flags=frozenset(flags)
    )
