"""Prescriptions (prescriber only), dispensing (pharmacist only), refills and early refills."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.kernel import specs
from ketacare.kernel.errors import NotAllowed, NotFound, WrongPhase
from ketacare.patients.models import Patient
from ketacare.patients.phases import Phase
from ketacare.treatment import services
from ketacare.treatment.errors import (
    EarlyRefill,
    PlanSuperseded,
    PrescriptionExhausted,
    ProductMismatch,
)
from ketacare.treatment.models import (
    Dispense,
    DiversionFinding,
    DiversionKind,
    LedgerEvent,
    Prescription,
    RefillRequest,
)
from ketacare.treatment.specs.dispensing import DispenseSpec, RefillRequestSpec
from tests.factories import SitterFactory, UserFactory, shelve
from tests.treatment.helpers import balance, fill, prescribe, revision, rx_spec

pytestmark = pytest.mark.django_db

REFILL_DAY = date(2025, 3, 24)


def _write(prescriber, patient, plan, **changes):
    fields = {
        "plan": plan,
        "quantity": 8,
        "refills": 2,
        "directions": "Hold 2 troches under the tongue.",
        "earliest_refill_on": REFILL_DAY,
    }
    return services.write_prescription(prescriber, patient, rx_spec(**fields | changes))


# --- Writing ---------------------------------------------------------------------------


def test_a_prescription_copies_the_plans_product(prescriber, approved, plan):
    rx = prescribe(prescriber, approved)
    assert (rx.plan, rx.patient, rx.written_by) == (plan, approved, prescriber)
    assert (rx.drug, rx.formulation_kind, rx.strength_mg, rx.scored) == (
        "racemic",
        "troche",
        Decimal(50),
        True,
    )
    assert (rx.product, rx.unit) == ("50 mg scored troches", "tablets")
    assert (rx.quantity, rx.refills, rx.earliest_refill_on) == (8, 2, REFILL_DAY)
    assert (rx.fills_allowed, rx.quantity_left) == (3, 24)
    entry = AuditEntry.objects.get(object_type="treatment.Prescription")
    assert (entry.action, entry.actor_id, entry.patient_id) == (
        AuditAction.CREATE,
        prescriber.pk,
        approved.pk,
    )


def test_a_prescription_without_refills_needs_no_refill_date(prescriber, approved, plan):
    rx = _write(prescriber, approved, plan, refills=0, earliest_refill_on=None)
    assert (rx.fills_allowed, rx.earliest_refill_on) == (1, None)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 2.5}, "quantity"),
        ({"refills": -1}, "refills"),
        ({"refills": 6}, "refills"),  # Schedule III: at most 5 refills
        ({"earliest_refill_on": None}, "earliest_refill_on"),
        ({"earliest_refill_on": date(2025, 3, 3)}, "earliest_refill_on"),  # today
        ({"earliest_refill_on": "next month"}, "earliest_refill_on"),
        ({"directions": "  "}, "directions"),
    ],
)
def test_write_prescription_refuses_bad_fields_and_stores_nothing(
    prescriber, approved, plan, changes, field
):
    with pytest.raises(ValidationError) as err:
        _write(prescriber, approved, plan, **changes)
    assert field in err.value.message_dict
    assert not Prescription.objects.exists()


def test_the_plan_must_be_the_patients(prescriber, approved, other_patient, plan):
    with pytest.raises(ValidationError) as err:
        _write(prescriber, other_patient, plan)
    assert "plan_id" in err.value.message_dict


def test_a_superseded_plan_is_not_prescribed_from(prescriber, approved, plan):
    services.revise_plan(prescriber, plan, revision(dose_mg=125, reason="Step up"))
    with pytest.raises(PlanSuperseded):
        _write(prescriber, approved, plan)
    assert not Prescription.objects.exists()


@pytest.mark.parametrize("trait", ["clinician", "pharmacist", "coordinator", "clinic_admin"])
def test_only_prescribers_prescribe(clinic, approved, plan, trait):
    with pytest.raises(NotAllowed):
        _write(UserFactory(clinic=clinic, **{trait: True}), approved, plan)
    with pytest.raises(NotAllowed):
        _write(approved.user, approved, plan)
    assert not Prescription.objects.exists()


def test_another_clinics_prescriber_gets_a_404(other_prescriber, approved, plan):
    with pytest.raises(NotFound):
        _write(other_prescriber, approved, plan)


@pytest.mark.parametrize("phase", [Phase.PAUSED, Phase.DISCHARGED])
def test_no_prescription_while_paused_or_discharged(prescriber, approved, plan, phase):
    paused_from = Phase.INDUCTION.value if phase is Phase.PAUSED else ""
    Patient.objects.filter(pk=approved.pk).update(phase=phase.value, paused_from=paused_from)
    with pytest.raises(WrongPhase):
        _write(prescriber, approved, plan)


# --- Dispensing ------------------------------------------------------------------------


def test_dispense_fills_the_prescription_into_the_ledger(pharmacist, approved, prescription):
    filled = fill(pharmacist, prescription, quantity=8)
    assert (filled.fill_number, filled.quantity, filled.lot_number) == (1, 8, "LOT-2025-01")
    assert (filled.early, filled.dispensed_by) == (False, pharmacist)
    event = filled.ledger_event
    assert (event.kind, event.quantity, event.balance_after, event.actor) == (
        "dispensed",
        Decimal(8),
        Decimal(8),
        pharmacist,
    )
    assert balance(approved) == 8
    prescription.refresh_from_db()
    assert (prescription.fills_dispensed, prescription.dispensed_quantity) == (1, 8)
    entry = AuditEntry.objects.get(object_type="treatment.Dispense")
    assert entry.detail == {"fill": 1, "early": False}


def test_a_partial_fill_starts_a_fill_and_keeps_its_remainder(pharmacist, approved, prescription):
    fill(pharmacist, prescription, quantity=5)
    prescription.refresh_from_db()
    assert (prescription.fills_dispensed, prescription.quantity_left) == (1, 19)
    # Issue 11 item 14: the 3 left of fill 1 are dispensed on fill 1, not as a refill.
    rest = fill(pharmacist, prescription, quantity=3)
    assert (rest.fill_number, rest.part, rest.early) == (1, 2, False)


def test_no_dispense_beyond_the_fills(pharmacist, approved, prescription, clock):
    clock.move_to(REFILL_DAY.isoformat() + "T16:00:00Z")
    for _ in range(3):
        fill(pharmacist, prescription)
    with pytest.raises(PrescriptionExhausted):
        fill(pharmacist, prescription, quantity=1)
    assert Dispense.objects.count() == 3
    assert balance(approved) == 24
    prescription.refresh_from_db()
    assert (prescription.fills_dispensed, prescription.dispensed_quantity) == (3, 24)


def test_a_fill_is_at_most_the_prescribed_quantity(pharmacist, prescription):
    with pytest.raises(ValidationError) as err:
        fill(pharmacist, prescription, quantity=9)
    assert "quantity" in err.value.message_dict
    assert not Dispense.objects.exists()
    assert not LedgerEvent.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"lot_number": ""}, "lot_number"),
        ({"lot_number": "L" * 41}, "lot_number"),
        # The label's expiry, when typed, must be the lot master's (2026-01-31).
        ({"expires_on": date(2025, 3, 3)}, "expires_on"),
        ({"expires_on": "soon"}, "expires_on"),
    ],
)
def test_dispense_refuses_bad_fields_and_stores_nothing(pharmacist, prescription, changes, field):
    shelve(prescription, prescription.patient.clinic, lot_number="LOT-1")
    fields = {"quantity": 8, "lot_number": "LOT-1", "expires_on": date(2026, 1, 31)} | changes
    with pytest.raises(ValidationError) as err:
        services.dispense(pharmacist, prescription, specs.read(DispenseSpec, fields))
    assert field in err.value.message_dict
    assert not Dispense.objects.exists()
    assert not LedgerEvent.objects.exists()


@pytest.mark.parametrize("trait", ["prescriber", "clinician", "coordinator", "clinic_admin"])
def test_only_pharmacists_dispense(clinic, prescription, trait):
    with pytest.raises(NotAllowed):
        fill(UserFactory(clinic=clinic, **{trait: True}), prescription)
    assert not Dispense.objects.exists()


def test_another_clinics_pharmacist_gets_a_404(other_pharmacist, prescription):
    with pytest.raises(NotFound):
        fill(other_pharmacist, prescription)


def test_no_dispense_while_paused(pharmacist, approved, prescription):
    Patient.objects.filter(pk=approved.pk).update(
        phase=Phase.PAUSED.value, paused_from=Phase.INDUCTION.value
    )
    with pytest.raises(WrongPhase):
        fill(pharmacist, prescription)
    assert not LedgerEvent.objects.exists()


def test_an_early_refill_without_a_reason_is_refused(pharmacist, approved, stocked, prescription):
    with pytest.raises(EarlyRefill):
        fill(pharmacist, prescription)
    assert Dispense.objects.count() == 1
    assert balance(approved) == 8
    assert not DiversionFinding.objects.exists()


def test_an_early_refill_with_a_reason_is_dispensed_and_a_finding(
    pharmacist, approved, stocked, prescription
):
    filled = fill(pharmacist, prescription, early_reason="Travelling abroad for two weeks")
    assert (filled.fill_number, filled.early) == (2, True)
    assert filled.early_reason == "Travelling abroad for two weeks"
    assert balance(approved) == 16
    finding = DiversionFinding.objects.get()
    assert (finding.kind, finding.patient, finding.prescription, finding.dispense) == (
        DiversionKind.EARLY_REFILL,
        approved,
        prescription,
        filled,
    )
    assert finding.quantity == 8


def test_a_refill_on_the_earliest_date_is_not_early(pharmacist, stocked, prescription, clock):
    # 00:30 on the 24th in New York (EDT, UTC-4).
    clock.move_to("2025-03-24T04:30:00Z")
    assert fill(pharmacist, prescription).early is False
    assert not DiversionFinding.objects.exists()


def test_the_refill_date_is_the_patients_calendar_day(pharmacist, stocked, prescription, clock):
    clock.move_to("2025-03-24T03:00:00Z")  # 23:00 on the 23rd in New York
    with pytest.raises(EarlyRefill):
        fill(pharmacist, prescription)


def test_the_first_fill_is_never_early(pharmacist, prescription):
    assert fill(pharmacist, prescription).early is False


def test_a_prescription_for_an_old_product_is_not_dispensed(
    prescriber, pharmacist, approved, plan, prescription
):
    services.revise_plan(
        prescriber,
        plan,
        revision(
            formulation={"kind": "sublingual_tablet", "strength_mg": 100}, reason="Switch product"
        ),
    )
    with pytest.raises(ProductMismatch):
        fill(pharmacist, prescription)
    assert not LedgerEvent.objects.exists()


def test_a_dose_change_keeps_the_prescription_valid(prescriber, pharmacist, plan, prescription):
    services.revise_plan(prescriber, plan, revision(dose_mg=125, reason="Step up"))
    assert fill(pharmacist, prescription).quantity == 8


def test_the_database_never_allows_dispensing_beyond_the_prescription(prescription):
    with pytest.raises(IntegrityError), transaction.atomic():
        Prescription.objects.filter(pk=prescription.pk).update(dispensed_quantity=25)
    with pytest.raises(IntegrityError), transaction.atomic():
        Prescription.objects.filter(pk=prescription.pk).update(fills_dispensed=4)


# --- Refill requests -------------------------------------------------------------------


def test_a_patient_requests_a_refill_on_time(approved, stocked, prescription, clock):
    clock.move_to(REFILL_DAY.isoformat() + "T16:00:00Z")
    request = services.request_refill(
        approved.user, prescription, RefillRequestSpec(note="Running low")
    )
    assert (request.early, request.requested_by, request.note) == (
        False,
        approved.user,
        "Running low",
    )
    assert not DiversionFinding.objects.exists()


def test_an_early_refill_request_is_a_diversion_finding(approved, stocked, prescription):
    request = services.request_refill(approved.user, prescription, RefillRequestSpec())
    assert request.early is True
    finding = DiversionFinding.objects.get()
    assert (finding.kind, finding.refill_request, finding.prescription) == (
        DiversionKind.EARLY_REFILL,
        request,
        prescription,
    )


def test_no_refill_request_on_a_used_up_prescription(pharmacist, approved, prescription, clock):
    clock.move_to(REFILL_DAY.isoformat() + "T16:00:00Z")
    for _ in range(3):
        fill(pharmacist, prescription)
    with pytest.raises(PrescriptionExhausted):
        services.request_refill(approved.user, prescription, RefillRequestSpec())
    assert not RefillRequest.objects.exists()


def test_refill_requests_come_from_the_patient_or_staff_only(
    approved, other_patient, prescription, coordinator, outsider
):
    sitter = SitterFactory(clinic=approved.clinic, patients=[approved])
    with pytest.raises(NotAllowed):
        services.request_refill(sitter.user, prescription, RefillRequestSpec())
    with pytest.raises(NotFound):
        services.request_refill(other_patient.user, prescription, RefillRequestSpec())
    with pytest.raises(NotFound):
        services.request_refill(outsider, prescription, RefillRequestSpec())
    assert (
        services.request_refill(coordinator, prescription, RefillRequestSpec()).requested_by
        == coordinator
    )


def test_prescriptions_and_dispenses_are_scoped(
    approved, other_patient, stocked, prescription, outsider
):
    sitter = SitterFactory(clinic=approved.clinic, patients=[approved])
    coordinator = UserFactory(clinic=approved.clinic, coordinator=True)
    for user in (approved.user, sitter.user, coordinator):
        assert list(Prescription.objects.visible_to(user)) == [prescription]
        assert list(Dispense.objects.visible_to(user)) == [stocked]
    for user in (other_patient.user, outsider):
        assert not Prescription.objects.visible_to(user).exists()
        assert not Dispense.objects.visible_to(user).exists()


def test_the_earliest_refill_date_may_be_tomorrow(prescriber, approved, plan):
    tomorrow = date(2025, 3, 3) + timedelta(days=1)
    assert (
        _write(prescriber, approved, plan, earliest_refill_on=tomorrow).earliest_refill_on
        == tomorrow
    )
