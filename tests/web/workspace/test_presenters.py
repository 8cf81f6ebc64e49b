"""The words of the care pages: the product's own unit, the intake's labels and answers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketacare.clinical import dosing
from ketacare.treatment.models import TABLET_KINDS, FormulationKind, Prescription
from ketacare.web.workspace.presenters import (
    UNIT_NOUNS,
    amount,
    intake_sections,
    intake_weight_kg,
    questionnaire_answers,
    unit_word,
)
from tests.intake.conftest import COMPLETE


@pytest.mark.parametrize("kind", TABLET_KINDS)
def test_tablet_units_are_the_words_of_clinical_dosing(kind: FormulationKind) -> None:
    singular, plural = UNIT_NOUNS[kind]
    tablet = dosing.Tablet(dosing.TabletKind(kind), strength_mg=50, scored=False)
    assert tablet.take(50) == f"1 {singular} of 50 mg"
    assert tablet.take(100) == f"2 {plural} of 50 mg"


@pytest.mark.parametrize(
    ("kind", "quantity", "words"),
    [
        (FormulationKind.TROCHE, 8, "8 troches"),
        (FormulationKind.TROCHE, 1, "1 troche"),
        (FormulationKind.TROCHE, Decimal("7.50"), "7.5 troches"),
        (FormulationKind.SUBLINGUAL_TABLET, Decimal("8.0"), "8 tablets"),
        (FormulationKind.RAPID_DISSOLVE, 2, "2 rapid-dissolve tablets"),
        (FormulationKind.NASAL_SPRAY, 10, "10 sprays"),
        (FormulationKind.ESKETAMINE_DEVICE, 1, "1 device"),
    ],
)
def test_amounts_read_in_the_products_unit(
    kind: FormulationKind, quantity: Decimal | int, words: str
) -> None:
    product = Prescription(formulation_kind=kind)
    assert amount(product, quantity) == words
    assert unit_word(product, quantity) == words.split(" ", 1)[1]


def test_no_section_label_is_the_schemas_description() -> None:
    sections = intake_sections(COMPLETE, sex_at_birth="female")
    text = repr(sections)
    for raw in ("YYYY-MM-DD", "null", "e.g.", "(30-250)", "not_tolerated", "failed,"):
        assert raw not in text
    titles = [s.title for s in sections]
    assert titles[0] == "Date of birth and weight"
    assert "Antidepressant trials" in titles


def test_questionnaires_are_scored_and_an_unscorable_one_says_why() -> None:
    given = {"phq9": [2] * 8 + [0], "gad7": [1, 1]}  # the GAD-7 has 7 items
    phq9, gad7 = questionnaire_answers(given, sex_at_birth="male")
    assert (phq9.total, phq9.max_total, phq9.band) == (16, 27, "Moderately severe")
    assert phq9.items[0] == (
        1,
        "Little interest or pleasure in doing things",
        "More than half the days (2)",
    )
    assert phq9.items[9][2] == "Not answered"  # item 10, not given
    assert gad7.total is None
    assert "item 3 is missing" in gad7.problem
    assert gad7.items[2][2] == "Not answered"


def test_the_intakes_weight() -> None:
    assert intake_weight_kg(COMPLETE) == Decimal("72.5")
    assert intake_weight_kg({}) is None
    assert intake_weight_kg({"demographics": {"weight_kg": True}}) is None
    assert intake_weight_kg({"demographics": {"weight_kg": "heavy"}}) is None


@pytest.mark.parametrize(
    ("weeks", "shown"),
    [
        (8, "8 weeks"),
        (520, "520 weeks"),
        (600, "600 weeks (unusually long: check with the patient)"),
    ],
)
def test_an_unusually_long_trial_asks_the_reviewer_to_check(weeks: int, shown: str) -> None:
    # Issue 14, item 4: possible, but unusual (clinical.plausible.TRIAL_WEEKS).
    data = {**COMPLETE, "trials": [{**COMPLETE["trials"][0], "duration_weeks": weeks}]}
    [trials] = [s for s in intake_sections(data) if s.title == "Antidepressant trials"]
    assert shown in str(trials)
