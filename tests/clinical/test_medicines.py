"""The medicine dictionary and its matching: a patient's words -> eligibility classes."""

from __future__ import annotations

import fnmatch
import tomllib
from itertools import cycle
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ketacare
from ketacare.clinical.eligibility import MedicationClass
from ketacare.clinical.medicines import (
    GROUP_CLASSES,
    GROUP_LABELS,
    InvalidDictionary,
    MedicineGroup,
    classes_of,
    medicines,
    parse,
    recognise,
    words,
)

BENZODIAZEPINE = frozenset({MedicationClass.BENZODIAZEPINE})
CNS_DEPRESSANT = frozenset({MedicationClass.OTHER_CNS_DEPRESSANT})
STIMULANT = frozenset({MedicationClass.STIMULANT})
MAOI = frozenset({MedicationClass.MAOI})
NONE: frozenset[MedicationClass] = frozenset()

# What the brief (issue 14, item 5) asks the dictionary to know, and the class each counts
# as for eligibility (CLINICAL.md D).
EXPECTED = {
    BENZODIAZEPINE: "alprazolam lorazepam clonazepam diazepam temazepam oxazepam "
    "chlordiazepoxide clobazam midazolam triazolam",
    CNS_DEPRESSANT: "zolpidem zopiclone eszopiclone zaleplon morphine oxycodone hydrocodone "
    "codeine tramadol tapentadol fentanyl buprenorphine methadone hydromorphone gabapentin "
    "pregabalin",
    STIMULANT: "methylphenidate amphetamine dextroamphetamine dexamfetamine lisdexamfetamine "
    "modafinil armodafinil",
    MAOI: "phenelzine tranylcypromine isocarboxazid selegiline moclobemide",
    NONE: "sertraline fluoxetine citalopram escitalopram paroxetine venlafaxine duloxetine "
    "amitriptyline nortriptyline bupropion mirtazapine trazodone lamotrigine lithium "
    "quetiapine olanzapine aripiprazole memantine",
}
CASES = [(name, classes) for classes, names in EXPECTED.items() for name in names.split()]


@pytest.mark.parametrize(("name", "classes"), CASES)
def test_each_generic_counts_as_its_class(name: str, classes: frozenset[MedicationClass]) -> None:
    found = recognise(name)
    assert found is not None
    assert found.classes == classes


@pytest.mark.parametrize(
    ("text", "generics", "classes"),
    [
        # issue 14: the patient's own words, no box ticked
        ("lorazepam 1 mg at night", ("lorazepam",), BENZODIAZEPINE),
        ("XANAX 0.5mg", ("alprazolam",), BENZODIAZEPINE),
        ("zolpidem ER", ("zolpidem",), CNS_DEPRESSANT),
        ("Lorazepam1mg nocte", ("lorazepam",), BENZODIAZEPINE),
        ("Ativan (lorazepam), 0.5 mg", ("lorazepam",), BENZODIAZEPINE),
        # UK and US brands; combination products
        ("Zimovane 7.5mg", ("zopiclone",), CNS_DEPRESSANT),
        ("co-codamol 30/500 two at night", ("codeine",), CNS_DEPRESSANT),
        ("Co Codamol", ("codeine",), CNS_DEPRESSANT),
        ("Percocet 5/325", ("oxycodone",), CNS_DEPRESSANT),
        ("MS-Contin 30 mg bd", ("morphine",), CNS_DEPRESSANT),
        ("Adderall XR 20mg", ("amphetamine", "dextroamphetamine"), STIMULANT),
        ("Elvanse 30mg", ("lisdexamfetamine",), STIMULANT),
        ("pethidine", ("meperidine",), CNS_DEPRESSANT),
        ("Emsam patch", ("selegiline",), MAOI),
        ("Symbyax", ("fluoxetine", "olanzapine"), NONE),
        # two medicines in one line: both count
        ("sertraline and clonazepam", ("sertraline", "clonazepam"), BENZODIAZEPINE),
        ("Vyvanse, Nardil", ("lisdexamfetamine", "phenelzine"), STIMULANT | MAOI),
    ],
)
def test_names_are_found_in_the_patients_words(
    text: str, generics: tuple[str, ...], classes: frozenset[MedicationClass]
) -> None:
    found = recognise(text)
    assert found is not None
    assert (found.text, found.generics, found.classes) == (text, generics, classes)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "prazosin 2 mg", "nocodeine", "codeines", "xanaxx", "vitamin D", "ms", "co"],
)
def test_words_that_name_no_known_medicine_are_not_recognised(text: str) -> None:
    assert recognise(text) is None


def test_classes_of_names_is_the_union_of_what_each_names() -> None:
    assert classes_of(["Xanax 1mg", "sertraline", "Vyvanse", "St John's wort"]) == (
        BENZODIAZEPINE | STIMULANT
    )
    assert classes_of([]) == NONE
    assert classes_of(["prazosin"]) == NONE


def test_words_fold_case_and_split_letters_from_digits() -> None:
    assert words("Co-Codamol 30/500") == ("co", "codamol", "30", "500")
    assert words("XANAX 0.5mg") == ("xanax", "0", "5", "mg")
    assert words("--") == ()


# --- the shipped dictionary ----------------------------------------------------------


def test_no_rxnorm_code_is_shared_by_two_generics() -> None:
    coded = [m.rxcui for m in medicines() if m.rxcui]
    assert len(coded) == len(set(coded))
    assert all(code.isdigit() for code in coded)


def test_no_name_names_two_generics_except_a_combination_product() -> None:
    combinations = {("adderall",), ("mydayis",), ("symbyax",)}
    seen: dict[tuple[str, ...], set[str]] = {}
    for medicine in medicines():
        for name in medicine.names:
            seen.setdefault(words(name), set()).add(medicine.generic)
    shared = {name for name, generics in seen.items() if len(generics) > 1}
    assert shared == combinations


def test_every_group_has_words_and_only_clinical_d_classes_are_raised() -> None:
    assert set(GROUP_LABELS) == set(MedicineGroup)
    assert {m.label for m in medicines()} <= set(GROUP_LABELS.values())
    raised = {c for classes in GROUP_CLASSES.values() for c in classes}
    assert raised == set(MedicationClass)  # each class CLINICAL.md D names has names


def test_the_dictionary_ships_in_the_wheel() -> None:
    pyproject = Path(ketacare.__file__).parents[2] / "pyproject.toml"
    patterns = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["ketacare"]
    assert any(fnmatch.fnmatch("clinical/medicines/medicines.csv", p) for p in patterns)


# --- any casing and spacing of a known name ------------------------------------------

NAMES = sorted({(name, m.generic) for m in medicines() for name in m.names})
SEPARATORS = st.sampled_from([" ", "  ", "-", "\t", "/", ", ", "."])
AROUND = st.lists(
    st.sampled_from(["1", "0.5mg", "mg", "at", "night", "daily", "ER", "XR", "(", ")", "bd"]),
    max_size=4,
).map(" ".join)


def _recase(text: str, upper: list[bool]) -> str:
    return "".join(c.upper() if up else c.lower() for c, up in zip(text, cycle(upper)))


@given(
    entry=st.sampled_from(NAMES),
    upper=st.lists(st.booleans(), min_size=1, max_size=20),
    separator=SEPARATORS,
    before=AROUND,
    after=AROUND,
)
def test_any_casing_and_spacing_of_a_known_name_recognises_the_same_medicine(
    entry: tuple[str, str], upper: list[bool], separator: str, before: str, after: str
) -> None:
    name, generic = entry
    written = separator.join(_recase(word, upper) for word in words(name))
    found = recognise(f"{before} {written}{separator}{after}")
    assert found is not None
    assert generic in found.generics
    assert found.generics == recognise(name).generics  # type: ignore[union-attr]


@given(st.text(max_size=80))
def test_any_text_is_either_not_recognised_or_names_known_medicines(text: str) -> None:
    found = recognise(text)
    assert found is None or (found.medicines and found.classes <= set(MedicationClass))


@given(entry=st.sampled_from(NAMES), prefix=st.sampled_from(["no", "x", "pre", "a"]))
def test_a_name_inside_a_longer_word_is_not_a_match(entry: tuple[str, str], prefix: str) -> None:
    name, generic = entry
    glued = prefix + "".join(words(name))
    found = recognise(glued)
    assert found is None or generic not in found.generics


# --- a dictionary file that cannot be read -------------------------------------------

HEADER = "generic,group,rxcui,other_names\n"


def test_a_well_formed_file_parses() -> None:
    (parsed,) = parse(HEADER + "lorazepam,benzodiazepine,6470,Ativan; ;Loraz\n")
    assert (parsed.generic, parsed.group, parsed.rxcui) == ("lorazepam", "benzodiazepine", "6470")
    assert parsed.names == ("lorazepam", "Ativan", "Loraz")
    assert parsed.classes == BENZODIAZEPINE


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the header must be"),
        ("name,group\n", "the header must be"),
        (HEADER + "lorazepam,benzodiazepine,6470\n", "line 2: a row has 4 columns, not 3"),
        (HEADER + " ,benzodiazepine,,\n", "line 2: a row needs its generic name"),
        (HEADER + "lorazepam,benzo,,\n", "'benzo' is not a medicine group"),
        (HEADER + "lorazepam,benzodiazepine,C6470,\n", "the RxCUI must be digits or empty"),
        (HEADER + "lorazepam,benzodiazepine,,Ativan;--\n", "every name needs a letter or digit"),
        (
            HEADER + "lorazepam,benzodiazepine,,\nLorazepam,benzodiazepine,,\n",
            "a generic is listed twice",
        ),
    ],
)
def test_a_malformed_file_is_refused_with_the_row(text: str, message: str) -> None:
    with pytest.raises(InvalidDictionary, match=message):
        parse(text)
