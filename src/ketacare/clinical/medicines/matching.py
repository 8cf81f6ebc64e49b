"""Which medicine a patient's own words name: "lorazepam 1 mg at night" is lorazepam.

A name in the dictionary is found where its words stand whole, in order, in the text:
case, punctuation, dose, strength and frequency around it do not matter ("XANAX
0.5mg", "zolpidem ER", "co-codamol 30/500"), and a name inside a longer word is not a
match ("nocodeine" is not codeine). Text that names no medicine of the dictionary is not
recognised: the reviewing clinician checks it by hand (fail closed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from ketacare.clinical.eligibility import MedicationClass
from ketacare.clinical.medicines.dictionary import Medicine, medicines, words


@dataclass(frozen=True)
class Recognised:
    """The medicines a name was recognised as (more than one for a combination)."""

    text: str
    medicines: tuple[Medicine, ...]

    @property
    def classes(self) -> frozenset[MedicationClass]:
        """The eligibility classes of every medicine it names."""
        return frozenset(c for m in self.medicines for c in m.classes)

    @property
    def generics(self) -> tuple[str, ...]:
        return tuple(m.generic for m in self.medicines)


@cache
def _index() -> tuple[Mapping[tuple[str, ...], tuple[Medicine, ...]], int]:
    """Each name's words -> the medicines it names; and the most words a name has."""
    index: dict[tuple[str, ...], tuple[Medicine, ...]] = {}
    for medicine in medicines():
        for key in {words(name) for name in medicine.names}:  # "MS Contin" = "MS-Contin"
            index[key] = (*index.get(key, ()), medicine)
    return index, max(len(key) for key in index)


def recognise(text: str) -> Recognised | None:
    """The medicines `text` names, in the order it names them; None if it names none."""
    index, longest = _index()
    given = words(text)
    found: dict[str, Medicine] = {}
    for start in range(len(given)):
        for size in range(1, longest + 1):
            for medicine in index.get(given[start : start + size], ()):
                found.setdefault(medicine.generic, medicine)
    return Recognised(text, tuple(found.values())) if found else None


def classes_of(names: Iterable[str]) -> frozenset[MedicationClass]:
    """The eligibility classes the names recognised among `names` count as."""
    return frozenset(c for name in names if (r := recognise(name)) for c in r.classes)
