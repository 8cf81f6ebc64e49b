"""The medicines a patient names: a dictionary of generic and brand names, and matching.

A patient lists what they take in their own words; eligibility (CLINICAL.md D) needs
the classes: a benzodiazepine, another CNS depressant, a stimulant, an MAOI. The
dictionary (`dictionary`, shipped as package data) maps generic and common US and UK
brand names to a group and its classes, with RxNorm ingredient codes where known;
`matching` finds them in free text. A name not recognised raises no class: it is shown
to the reviewing clinician to check by hand.
"""

from __future__ import annotations

from ketacare.clinical.medicines.dictionary import (
    GROUP_CLASSES,
    GROUP_LABELS,
    InvalidDictionary,
    Medicine,
    MedicineGroup,
    medicines,
    parse,
    words,
)
from ketacare.clinical.medicines.matching import Recognised, classes_of, recognise

__all__ = [
    "GROUP_CLASSES",
    "GROUP_LABELS",
    "InvalidDictionary",
    "Medicine",
    "MedicineGroup",
    "Recognised",
    "classes_of",
    "medicines",
    "parse",
    "recognise",
    "words",
]
