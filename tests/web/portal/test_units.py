"""The patient's supply in the product's own word: troches are troches, not "tablets"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ketacare.accounts.models import User
from ketacare.clinical import dosing
from ketacare.patients.models import Patient
from ketacare.treatment.models import (
    TABLET_KINDS,
    FormulationKind,
    LedgerEvent,
    LedgerEventKind,
    TreatmentPlan,
)
from ketacare.web.portal import pages
from tests.treatment.helpers import plan_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", TABLET_KINDS)
def test_the_words_are_clinical_dosings_names_of_the_product(kind: FormulationKind) -> None:
    singular, plural = pages.UNIT_WORDS[kind]
    tablet = dosing.Tablet(dosing.TabletKind(kind), strength_mg=50, scored=True)
    assert tablet.name == f"50 mg scored {plural}"
    assert tablet.take(100) == f"2 {plural} of 50 mg"
    assert tablet.take(50) == f"1 {singular} of 50 mg"


def test_every_product_has_its_words() -> None:
    assert set(pages.UNIT_WORDS) == set(FormulationKind.values)
    assert dosing.NasalSpray(100, 0.1).take(20) == f"2 {pages.UNIT_WORDS['nasal_spray'][1]}"
    assert dosing.EsketamineDevice().take(56) == f"2 {pages.UNIT_WORDS['esketamine_device'][1]}"


@pytest.fixture
def troches(prescriber: User, approved: Patient) -> TreatmentPlan:
    plan = plan_for(prescriber, approved)
    assert plan.formulation_kind == FormulationKind.TROCHE
    return plan


@pytest.mark.parametrize(
    ("quantity", "words"),
    [
        ("6", "6 troches"),
        ("6.0", "6 troches"),
        ("10", "10 troches"),
        ("1", "1 troche"),
        ("0.5", "0.5 troche"),
        ("1.5", "1.5 troches"),
        ("0", "0 troches"),
    ],
)
def test_a_quantity_in_words(troches: TreatmentPlan, quantity: str, words: str) -> None:
    assert str(pages.units(troches, Decimal(quantity))) == words


def _event(**values: Any) -> LedgerEvent:
    return LedgerEvent(balance_after=Decimal(0), **values)


def test_a_ledger_change_in_words(troches: TreatmentPlan) -> None:
    dispensed = _event(kind=LedgerEventKind.DISPENSED, quantity=Decimal(8))
    taken = _event(kind=LedgerEventKind.TAKEN, quantity=Decimal(-2))
    counted = _event(kind=LedgerEventKind.COUNTED, quantity=Decimal(0), counted=Decimal(6))
    assert pages.ledger_amount(troches, dispensed) == "+8\u00a0troches"
    assert pages.ledger_amount(troches, taken) == "\u22122\u00a0troches"
    assert pages.ledger_amount(troches, counted) == "6\u00a0troches"  # what was counted
    assert pages.ledger_amount(None, taken) == "\u22122"  # no plan: the number alone


def test_one_dose_in_words(troches: TreatmentPlan) -> None:
    assert str(pages.dose_units(troches)) == "2 troches"
