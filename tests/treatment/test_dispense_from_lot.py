"""Issue 17: a dispense draws from a lot of the clinic's lot master, a void puts it back.

The lot master knows each lot's expiry: a dispense names a lot on the clinic's shelf (an
expiry typed with it must be the master's), of the prescribed product, neither expired on
the patient's calendar day nor recalled, holding the units. The clock: 3 March 2025, 18:00
in New York (tests.treatment.helpers.NOW).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ketacare.kernel import clock, specs
from ketacare.pharmacy.errors import LotNotDispensable, LotShort, LotUnknown
from ketacare.pharmacy.models import Lot, MovementKind, StockMovement
from ketacare.pharmacy.queries.dispensable import KEY_FIELDS, dispensable_lots
from ketacare.treatment import services
from ketacare.treatment.models import Dispense, LedgerEvent
from ketacare.treatment.specs.dispensing import (
    DispenseCorrectionSpec,
    DispenseSpec,
    VoidDispenseSpec,
)
from tests.factories import shelve
from tests.treatment.helpers import TODAY, balance

pytestmark = pytest.mark.django_db


def _lot(prescription, number="LOT-A", **extra):
    return shelve(prescription, prescription.patient.clinic, lot_number=number, **extra)


def _dispense(pharmacist, prescription, **fields):
    spec = specs.read(DispenseSpec, {"quantity": 8, "lot_number": "LOT-A"} | fields)
    return services.dispense(pharmacist, prescription, spec)


def _on_hand(lot):
    lot.refresh_from_db()
    return lot.on_hand


def _nothing_stored():
    assert not Dispense.objects.exists()
    assert not LedgerEvent.objects.exists()
    assert not StockMovement.objects.filter(kind=MovementKind.DISPENSED).exists()


def test_a_dispense_takes_its_units_off_the_lot(pharmacist, approved, prescription):
    lot = _lot(prescription, quantity=Decimal(240))
    filled = _dispense(pharmacist, prescription)
    assert _on_hand(lot) == 232
    drawn = StockMovement.objects.get(kind=MovementKind.DISPENSED)
    assert (drawn.lot, drawn.patient, drawn.quantity, drawn.on_hand_after) == (
        lot,
        approved,
        -8,
        232,
    )
    assert (filled.lot, filled.stock_draw, filled.expires_on) == (lot, drawn, lot.expires_on)
    assert balance(approved) == 8


def test_no_expiry_is_typed_the_lot_master_knows_it(pharmacist, prescription):
    _lot(prescription, expires_on=date(2027, 1, 31))
    assert _dispense(pharmacist, prescription).expires_on == date(2027, 1, 31)


def test_an_expiry_typed_that_differs_from_the_master_is_a_bad_field(pharmacist, prescription):
    _lot(prescription, expires_on=date(2027, 1, 31))
    with pytest.raises(ValidationError) as err:
        _dispense(pharmacist, prescription, expires_on="2027-02-28")
    assert "expiring on 31 January 2027" in err.value.message_dict["expires_on"][0]
    _nothing_stored()


def test_a_void_puts_the_units_back_on_the_lot(pharmacist, approved, prescription):
    lot = _lot(prescription, quantity=Decimal(100))
    filled = _dispense(pharmacist, prescription)
    services.void_dispense(pharmacist, filled, VoidDispenseSpec(reason="Wrong patient"))
    assert _on_hand(lot) == 100
    back = StockMovement.objects.get(kind=MovementKind.DISPENSE_VOIDED)
    assert (back.lot, back.patient, back.quantity, back.on_hand_after) == (lot, approved, 8, 100)
    filled.refresh_from_db()
    assert filled.stock_return == back
    assert balance(approved) == 0


def test_a_correction_to_another_lot_moves_both(pharmacist, approved, prescription):
    first = _lot(prescription, "LOT-A", quantity=Decimal(100))
    second = _lot(prescription, "LOT-B", quantity=Decimal(50))
    filled = _dispense(pharmacist, prescription)
    spec = DispenseCorrectionSpec(reason="Picked from LOT-B", quantity=6, lot_number="LOT-B")
    new = services.correct_dispense(pharmacist, filled, spec)
    assert (_on_hand(first), _on_hand(second)) == (100, 44)
    assert new.lot == second
    kinds = StockMovement.objects.filter(patient=approved).order_by("pk")
    assert [(m.lot.lot_number, m.kind, m.quantity) for m in kinds] == [
        ("LOT-A", MovementKind.DISPENSED, -8),
        ("LOT-B", MovementKind.DISPENSED, -6),
        ("LOT-A", MovementKind.DISPENSE_VOIDED, 8),
    ]
    assert balance(approved) == 6


def test_a_lot_not_in_the_master_is_refused(pharmacist, prescription):
    with pytest.raises(LotUnknown, match="not in the clinic's stock") as err:
        _dispense(pharmacist, prescription, lot_number="LOT-NOWHERE")
    assert err.value.code == "lot_unknown"
    _nothing_stored()


def test_another_clinics_lot_is_not_in_the_master(pharmacist, prescription, other_clinic):
    shelve(prescription, other_clinic, lot_number="LOT-A")
    with pytest.raises(LotUnknown):
        _dispense(pharmacist, prescription)
    _nothing_stored()


def test_a_lot_of_another_product_is_refused(pharmacist, prescriber, approved, prescription):
    plan = services.active_plan(approved)
    other = Lot.objects.create(
        clinic=approved.clinic,
        drug=plan.drug,
        formulation_kind="sublingual_tablet",
        strength_mg=Decimal(100),
        product="Ketamine 100 mg sublingual tablets",
        unit="tablets",
        lot_number="LOT-SL",
        expires_on=date(2026, 1, 31),
        supplier="Compounding Pharmacy of Record",
        on_hand=Decimal(0),
        created_by=prescriber,
    )
    with pytest.raises(LotUnknown, match="not the product of this prescription"):
        _dispense(pharmacist, prescription, lot_number=other.lot_number)
    _nothing_stored()


@pytest.mark.parametrize("expires_on", [TODAY, date(2025, 3, 1)])
def test_an_expired_lot_is_not_dispensable(pharmacist, prescription, expires_on):
    _lot(prescription, expires_on=expires_on)  # expires today: expired on the patient's day
    with pytest.raises(LotNotDispensable, match="expired on") as err:
        _dispense(pharmacist, prescription)
    assert err.value.code == "lot_not_dispensable"
    _nothing_stored()


def test_a_recalled_lot_is_not_dispensable(pharmacist, prescriber, prescription):
    lot = _lot(prescription)
    Lot.objects.filter(pk=lot.pk).update(
        recalled_at=clock.now(), recalled_by=prescriber, recall_reason="Sub-potent assay"
    )
    with pytest.raises(LotNotDispensable, match="recalled \\(Sub-potent assay\\)"):
        _dispense(pharmacist, prescription)
    _nothing_stored()
    assert _on_hand(lot) == 1000  # a recalled lot keeps its stock until returned or destroyed


def test_a_dispense_beyond_the_lots_stock_is_refused_with_nothing_stored(
    pharmacist, approved, prescription
):
    lot = _lot(prescription, quantity=Decimal(5))
    with pytest.raises(LotShort, match="holds 5 troches") as err:
        _dispense(pharmacist, prescription)
    assert err.value.code == "lot_short"
    _nothing_stored()
    assert _on_hand(lot) == 5
    assert balance(approved) == 0


def test_the_lots_offered_are_those_that_may_be_dispensed(
    pharmacist, prescriber, prescription, other_clinic
):
    clinic = prescription.patient.clinic
    good = _lot(prescription, "LOT-GOOD", expires_on=date(2027, 1, 31))
    sooner = _lot(prescription, "LOT-SOONER", expires_on=date(2026, 1, 31))
    _lot(prescription, "LOT-OLD", expires_on=TODAY)
    empty = _lot(prescription, "LOT-EMPTY", quantity=Decimal(5))
    _dispense(pharmacist, prescription, quantity=5, lot_number="LOT-EMPTY")
    recalled = _lot(prescription, "LOT-RECALLED")
    Lot.objects.filter(pk=recalled.pk).update(
        recalled_at=clock.now(), recalled_by=prescriber, recall_reason="Mislabelled"
    )
    shelve(prescription, other_clinic, lot_number="LOT-ELSEWHERE")
    offered = dispensable_lots(clinic.pk, prescription.product_key, TODAY)
    assert offered == [sooner, good]
    assert _on_hand(empty) == 0


def test_the_query_reads_the_product_key_in_its_order(prescription):
    lot = _lot(prescription)
    assert tuple(getattr(lot, name) for name in KEY_FIELDS) == lot.product_key
