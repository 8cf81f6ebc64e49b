"""The medicine dictionary: generic and brand names, each generic's group and RxNorm code.

The names live in `medicines.csv`, shipped inside the package (pyproject.toml's
package-data): one row per generic, with its group, its RxNorm ingredient code (RxCUI)
where known with confidence (empty rather than a guess), and its other names (US and UK
brands, other spellings), separated by ";". A brand of a combination product is listed
under each generic it holds that the dictionary knows (Adderall: amphetamine and
dextroamphetamine).

Which eligibility classes a group counts as is medicine, so it is here, not in the file:
only the classes CLINICAL.md D names an interaction for (`MedicationClass`). The other
groups are recognised, so the reviewer sees what the medicine is, but raise nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

from ketacare.clinical.eligibility import MedicationClass

_PACKAGE = "ketacare.clinical.medicines"
DICTIONARY_FILE = "medicines.csv"
COLUMNS = ("generic", "group", "rxcui", "other_names")


class InvalidDictionary(ValueError):
    """A medicine dictionary that cannot be read; the message names the row."""


class MedicineGroup(StrEnum):
    """What kind of medicine a generic is (public drug-class knowledge)."""

    BENZODIAZEPINE = "benzodiazepine"
    Z_DRUG = "z_drug"
    OPIOID = "opioid"
    GABAPENTINOID = "gabapentinoid"
    BARBITURATE = "barbiturate"
    STIMULANT = "stimulant"
    MAOI = "maoi"
    SSRI = "ssri"
    SNRI = "snri"
    TCA = "tca"
    OTHER_ANTIDEPRESSANT = "other_antidepressant"
    ANTICONVULSANT = "anticonvulsant"
    LITHIUM = "lithium"
    ANTIPSYCHOTIC = "antipsychotic"
    NMDA_ANTAGONIST = "nmda_antagonist"


GROUP_LABELS: Mapping[MedicineGroup, str] = {
    MedicineGroup.BENZODIAZEPINE: "Benzodiazepine",
    MedicineGroup.Z_DRUG: "Z-drug (sleeping tablet)",
    MedicineGroup.OPIOID: "Opioid",
    MedicineGroup.GABAPENTINOID: "Gabapentinoid",
    MedicineGroup.BARBITURATE: "Barbiturate",
    MedicineGroup.STIMULANT: "Stimulant",
    MedicineGroup.MAOI: "MAOI",
    MedicineGroup.SSRI: "SSRI antidepressant",
    MedicineGroup.SNRI: "SNRI antidepressant",
    MedicineGroup.TCA: "Tricyclic antidepressant",
    MedicineGroup.OTHER_ANTIDEPRESSANT: "Antidepressant (other class)",
    MedicineGroup.ANTICONVULSANT: "Anticonvulsant",
    MedicineGroup.LITHIUM: "Lithium (mood stabiliser)",
    MedicineGroup.ANTIPSYCHOTIC: "Antipsychotic",
    MedicineGroup.NMDA_ANTAGONIST: "NMDA receptor antagonist",
}

_CNS_DEPRESSANT = frozenset({MedicationClass.OTHER_CNS_DEPRESSANT})
# CLINICAL.md D: concurrent benzodiazepines or other CNS depressants, stimulants or MAOIs
# are relative contraindications. Z-drugs, opioids, gabapentinoids and barbiturates are
# the "other CNS depressants". CLINICAL.md names no interaction for the other groups
# (antidepressants other than MAOIs, lamotrigine, lithium, antipsychotics, memantine):
# they raise no class until it does.
GROUP_CLASSES: Mapping[MedicineGroup, frozenset[MedicationClass]] = {
    MedicineGroup.BENZODIAZEPINE: frozenset({MedicationClass.BENZODIAZEPINE}),
    MedicineGroup.Z_DRUG: _CNS_DEPRESSANT,
    MedicineGroup.OPIOID: _CNS_DEPRESSANT,
    MedicineGroup.GABAPENTINOID: _CNS_DEPRESSANT,
    MedicineGroup.BARBITURATE: _CNS_DEPRESSANT,
    MedicineGroup.STIMULANT: frozenset({MedicationClass.STIMULANT}),
    MedicineGroup.MAOI: frozenset({MedicationClass.MAOI}),
}

_WORD = re.compile(r"[^\W\d_]+|\d+")


def words(text: str) -> tuple[str, ...]:
    """The words of a name, case-folded: letters and digits apart, punctuation dropped.

    "Co-codamol 30/500" -> ("co", "codamol", "30", "500"); "XANAX 0.5mg" -> ("xanax",
    "0", "5", "mg").
    """
    return tuple(_WORD.findall(text.casefold()))


@dataclass(frozen=True)
class Medicine:
    """One generic of the dictionary, with every name it is known by."""

    generic: str
    group: MedicineGroup
    rxcui: str  # RxNorm ingredient code; "" where not known with confidence
    names: tuple[str, ...]  # the generic first, then its other names

    @property
    def classes(self) -> frozenset[MedicationClass]:
        """The eligibility classes this medicine counts as (CLINICAL.md D)."""
        return GROUP_CLASSES.get(self.group, frozenset())

    @property
    def label(self) -> str:
        """Its group in words: "Benzodiazepine"."""
        return GROUP_LABELS[self.group]


def _medicine(line: int, row: list[str]) -> Medicine:
    where = f"{DICTIONARY_FILE} line {line}"
    if len(row) != len(COLUMNS):
        raise InvalidDictionary(f"{where}: a row has {len(COLUMNS)} columns, not {len(row)}.")
    generic, group, rxcui, other_names = (cell.strip() for cell in row)
    if not generic:
        raise InvalidDictionary(f"{where}: a row needs its generic name.")
    if group not in {g.value for g in MedicineGroup}:
        raise InvalidDictionary(f"{where}: {group!r} is not a medicine group.")
    if rxcui and not rxcui.isdigit():
        raise InvalidDictionary(f"{where}: the RxCUI must be digits or empty, not {rxcui!r}.")
    names = (generic, *(name.strip() for name in other_names.split(";") if name.strip()))
    if not all(words(name) for name in names):
        raise InvalidDictionary(f"{where}: every name needs a letter or digit.")
    return Medicine(generic, MedicineGroup(group), rxcui, names)


def parse(text: str) -> tuple[Medicine, ...]:
    """The medicines of a dictionary file's text (CSV with `COLUMNS` as its header)."""
    header, *rows = list(csv.reader(text.splitlines(), strict=True)) or [[]]
    if tuple(header) != COLUMNS:
        raise InvalidDictionary(f"{DICTIONARY_FILE}: the header must be {','.join(COLUMNS)}.")
    medicines = tuple(_medicine(line, row) for line, row in enumerate(rows, start=2))
    generics = [m.generic.casefold() for m in medicines]
    if len(set(generics)) != len(generics):
        raise InvalidDictionary(f"{DICTIONARY_FILE}: a generic is listed twice.")
    return medicines


@cache
def medicines() -> tuple[Medicine, ...]:
    """The shipped dictionary (read once from the package's own data)."""
    text = resources.files(_PACKAGE).joinpath(DICTIONARY_FILE).read_text(encoding="utf-8")
    return parse(text)
