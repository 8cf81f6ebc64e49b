"""Issue 11 items 14 and 6: the controls on prescriptions and dispensing, through the services.

The plan of these tests: 12 sessions (8 of induction, 4 weekly), 2 troches of 50 mg a
session: 24 troches for the whole course. The prescription fixture is 8 troches a fill
with 2 refills (24 in all), no refill before 24 March 2025; the clock is 3 March 2025,
18:00 in New York.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.kernel import specs
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.treatment import services
from ketacare.treatment.errors import (
    AwaitingCosign,
    CosignNotNeeded,
    DispenseVoided,
    EarlyRefill,
    ExceedsFill,
    NotForHomeUse,
    PrescriptionExhausted,
    PrescriptionExpired,
    PrescriptionVoided,
    QuantityBeyondPlan,
    UnitsNotOnHand,
)
from ketacare.treatment.models import (
    Dispense,
    LedgerEvent,
    LedgerEventKind,
    Prescription,
    PrescriptionState,
    RefillRequest,
)
from ketacare.treatment.specs.dispensing import (
    DispenseCorrectionSpec,
    RefillRequestSpec,
    VoidDispenseSpec,
)
from tests.factories import UserFactory, shelve
from tests.treatment.helpers import balance, correction, fill, rx_spec, rx_void
from tests.treatment.rx_helpers import dose_on_record, legacy_esketamine_plan, set_margin

pytestmark = pytest.mark.django_db

DIRECTIONS = "Hold 2 troches under the tongue."
NEXT_STEP = "Lower the quantity, or give a reason and ask a second prescriber to co-sign."


@pytest.fixture
def second_prescriber(clinic):
    return UserFactory(clinic=clinic, prescriber=True, username="sam")


@pytest.fixture
def second_pharmacist(clinic):
    return UserFactory(clinic=clinic, pharmacist=True, username="pia")


def _write(prescriber, patient, *, quantity, refills=0, **extra):
    fields = {
        "plan": services.active_plan(patient),
        "quantity": quantity,
        "refills": refills,
        "directions": DIRECTIONS,
        "earliest_refill_on": date(2025, 3, 24) if refills else None,
    }
    return services.write_prescription(prescriber, patient, rx_spec(**fields | extra))


def _audit(object_type, action):
    return list(AuditEntry.objects.filter(object_type=object_type, action=action).order_by("seq"))


# --- 1. Quantity against the plan ------------------------------------------------------------


def test_100000_tablets_are_refused_with_the_numbers_and_the_next_step(prescriber, approved, plan):
    with pytest.raises(QuantityBeyondPlan) as err:
        _write(prescriber, approved, quantity=100_000)
    assert err.value.code == "quantity_beyond_plan"
    assert err.value.field == "quantity"
    assert err.value.message == (
        f"This plan needs 24 troches for its remaining 12 sessions; 100,000 is more. {NEXT_STEP}"
    )
    assert not Prescription.objects.exists()
    assert not AuditEntry.objects.filter(object_type="treatment.Prescription").exists()


def test_the_whole_course_fits_and_one_unit_more_does_not(prescriber, approved, plan):
    with pytest.raises(QuantityBeyondPlan):
        _write(prescriber, approved, quantity=25)
    assert _write(prescriber, approved, quantity=24).state == PrescriptionState.ACTIVE


def test_refills_count_in_the_total(prescriber, approved, plan):
    # 9 a fill x 3 fills = 27 troches for a course of 24.
    with pytest.raises(QuantityBeyondPlan, match="27 is more"):
        _write(prescriber, approved, quantity=9, refills=2)
    assert not Prescription.objects.exists()
    assert _write(prescriber, approved, quantity=8, refills=2).quantity_left == 24


def test_doses_taken_leave_fewer_sessions_to_prescribe_for(
    prescriber, pharmacist, approved, plan, prescription
):
    fill(pharmacist, prescription)
    for _ in range(3):
        dose_on_record(approved)
    services.void_prescription(
        prescriber, prescription, rx_void(reason="Rewritten for fewer refills")
    )
    # 9 sessions left: 18 troches; the patient holds 8 - 6 = 2.
    need = services.plan_need(approved, plan)
    assert (need.sessions_left, need.units_held, need.units_allowed) == (9, 2, 16)
    with pytest.raises(QuantityBeyondPlan) as err:
        _write(prescriber, approved, quantity=17)
    assert err.value.message == (
        "This plan needs 18 troches for its remaining 9 sessions; the patient holds or can "
        f"still fill 2 troches, so at most 16 more; 17 is more. {NEXT_STEP}"
    )
    assert _write(prescriber, approved, quantity=16).quantity == 16


def test_what_the_patient_can_still_fill_counts_as_held(prescriber, approved, plan, prescription):
    with pytest.raises(QuantityBeyondPlan, match="can still fill 24 troches, so at most 0 more"):
        _write(prescriber, approved, quantity=1)
    assert Prescription.objects.count() == 1


def test_a_voided_prescription_no_longer_counts_but_its_dispensed_units_do(
    prescriber, approved, plan, prescription, stocked
):
    services.void_prescription(prescriber, prescription, rx_void(reason="Wrong directions"))
    # 8 troches are at home; the voided prescription's 16 still to fill are not.
    assert services.plan_need(approved, plan).units_allowed == 16
    assert _write(prescriber, approved, quantity=16).state == PrescriptionState.ACTIVE


def test_a_prescription_past_its_6_months_no_longer_counts(
    prescriber, approved, plan, prescription, clock
):
    clock.move_to("2025-09-04T16:00:00Z")  # 4 September: the last fill day was 3 September
    assert services.plan_need(approved, plan).units_allowed == 24


def test_the_clinics_margin_adds_spare_sessions(prescriber, approved, plan, clinic):
    set_margin(clinic, 2)
    with pytest.raises(QuantityBeyondPlan) as err:
        _write(prescriber, approved, quantity=29)
    assert err.value.message == (
        "This plan needs 28 troches for its remaining 12 sessions with the clinic's margin "
        f"of 2 sessions; 29 is more. {NEXT_STEP}"
    )
    assert _write(prescriber, approved, quantity=28).state == PrescriptionState.ACTIVE


@pytest.mark.usefixtures("plan")
def test_every_session_taken_leaves_nothing_to_prescribe(
    prescriber, pharmacist, approved, prescription, clock
):
    clock.move_to("2025-03-24T16:00:00Z")
    for _ in range(3):
        fill(pharmacist, prescription)
    for _ in range(12):
        dose_on_record(approved)
    with pytest.raises(QuantityBeyondPlan) as err:
        _write(prescriber, approved, quantity=1)
    assert err.value.message == (
        f"Every session of this plan is taken: it needs no more troches; 1 is more. {NEXT_STEP}"
    )


# --- 1. A written reason, and a second prescriber's co-sign -------------------------------------


def test_with_a_reason_it_is_stored_awaiting_a_cosign(prescriber, approved, plan):
    rx = _write(
        prescriber, approved, quantity=100_000, quantity_reason="Pharmacy stock test, ignore"
    )
    assert rx.state == PrescriptionState.AWAITING_COSIGN
    assert (rx.needs_cosign, rx.quantity_reason, rx.cosigned_by) == (
        True,
        "Pharmacy stock test, ignore",
        None,
    )
    entry = _audit("treatment.Prescription", AuditAction.CREATE)[-1]
    assert entry.detail == {"refills": 0, "units": 100_000, "units_allowed": 24, "cosign": True}


def test_a_prescription_awaiting_its_cosign_is_not_dispensed(
    prescriber, pharmacist, approved, plan
):
    rx = _write(prescriber, approved, quantity=30, quantity_reason="Travelling for a month")
    with pytest.raises(AwaitingCosign) as err:
        fill(pharmacist, rx, quantity=8)
    assert err.value.code == "awaiting_cosign"
    assert "awaits a second prescriber's co-sign" in err.value.message
    assert not Dispense.objects.exists()
    assert not LedgerEvent.objects.exists()


def test_a_second_prescriber_cosigns_and_then_it_is_dispensed(
    prescriber, second_prescriber, pharmacist, approved, plan
):
    rx = _write(prescriber, approved, quantity=30, quantity_reason="Travelling for a month")
    cosigned = services.cosign_prescription(second_prescriber, rx)
    assert cosigned.state == PrescriptionState.ACTIVE
    assert cosigned.cosigned_by == second_prescriber
    assert cosigned.cosigned_at is not None
    entry = _audit("treatment.Prescription", AuditAction.UPDATE)[-1]
    assert (entry.actor_id, entry.object_id, entry.detail) == (
        second_prescriber.pk,
        str(rx.pk),
        {"cosigned": True},
    )
    assert fill(pharmacist, rx, quantity=30).quantity == 30


def test_the_prescriber_who_wrote_it_may_not_cosign_it(prescriber, approved, plan):
    rx = _write(prescriber, approved, quantity=30, quantity_reason="Travelling for a month")
    with pytest.raises(NotAllowed, match="second prescriber"):
        services.cosign_prescription(prescriber, rx)
    rx.refresh_from_db()
    assert rx.state == PrescriptionState.AWAITING_COSIGN


@pytest.mark.parametrize("trait", ["pharmacist", "clinician", "coordinator", "clinic_admin"])
def test_only_prescribers_cosign(clinic, prescriber, approved, plan, trait):
    rx = _write(prescriber, approved, quantity=30, quantity_reason="Travelling for a month")
    with pytest.raises(NotAllowed):
        services.cosign_prescription(UserFactory(clinic=clinic, **{trait: True}), rx)


def test_another_clinics_prescriber_may_not_cosign(prescriber, other_prescriber, approved, plan):
    rx = _write(prescriber, approved, quantity=30, quantity_reason="Travelling for a month")
    with pytest.raises(NotFound):
        services.cosign_prescription(other_prescriber, rx)


def test_only_a_prescription_awaiting_a_cosign_is_cosigned_and_once(
    prescriber, second_prescriber, approved, plan, prescription
):
    with pytest.raises(CosignNotNeeded):
        services.cosign_prescription(second_prescriber, prescription)
    rx = _write(prescriber, approved, quantity=30, quantity_reason="Travelling for a month")
    services.cosign_prescription(second_prescriber, rx)
    with pytest.raises(CosignNotNeeded):
        services.cosign_prescription(UserFactory(clinic=approved.clinic, prescriber=True), rx)


def test_a_voided_prescription_is_not_cosigned(prescriber, second_prescriber, approved, plan):
    rx = _write(prescriber, approved, quantity=30, quantity_reason="Travelling for a month")
    services.void_prescription(prescriber, rx, rx_void(reason="Wrote it for the wrong patient"))
    with pytest.raises(PrescriptionVoided):
        services.cosign_prescription(second_prescriber, rx)


def test_the_database_keeps_the_cosign_rules(prescriber, approved, plan, prescription):
    rx = _write(prescriber, approved, quantity=30, quantity_reason="Travelling for a month")
    now = rx.written_at
    with pytest.raises(IntegrityError), transaction.atomic():  # the writer co-signs
        Prescription.objects.filter(pk=rx.pk).update(cosigned_by=prescriber, cosigned_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():  # dispensed before the co-sign
        Prescription.objects.filter(pk=rx.pk).update(dispensed_quantity=8, fills_dispensed=1)
    with pytest.raises(IntegrityError), transaction.atomic():  # a co-sign without a reason
        Prescription.objects.filter(pk=rx.pk).update(quantity_reason="")
    with pytest.raises(IntegrityError), transaction.atomic():  # a co-sign nobody asked for
        Prescription.objects.filter(pk=prescription.pk).update(
            cosigned_by=UserFactory(clinic=approved.clinic, prescriber=True), cosigned_at=now
        )


# --- 2. The 6-month limit (CLINICAL.md G8) ----------------------------------------------------


def test_the_last_fill_day_is_6_months_after_the_date_of_issue(prescription):
    assert (prescription.written_on, prescription.last_fill_on) == (
        date(2025, 3, 3),
        date(2025, 9, 3),
    )


def test_a_first_fill_on_the_last_day_is_dispensed(pharmacist, prescription, clock):
    clock.move_to("2025-09-04T03:30:00Z")  # 23:30 on 3 September in New York
    assert fill(pharmacist, prescription).fill_number == 1


def test_no_first_fill_after_6_months(pharmacist, approved, prescription, clock):
    clock.move_to("2025-09-04T04:30:00Z")  # 00:30 on 4 September in New York
    with pytest.raises(PrescriptionExpired) as err:
        fill(pharmacist, prescription)
    assert err.value.code == "prescription_expired"
    assert err.value.message == (
        f"Prescription {prescription.pk} was written on 3 March 2025; a Schedule III "
        "prescription is not filled more than 6 months after its date of issue (21 CFR "
        "1306.22(a)), so its last fill day was 3 September 2025. Ask the prescriber for a "
        "new prescription."
    )
    assert not Dispense.objects.exists()
    assert balance(approved) == 0


def test_no_refill_after_6_months(pharmacist, approved, prescription, stocked, clock):
    clock.move_to("2025-09-04T16:00:00Z")
    with pytest.raises(PrescriptionExpired, match="3 September 2025"):
        fill(pharmacist, prescription)
    assert Dispense.objects.count() == 1


def test_no_refill_request_after_6_months_said_in_plain_words(approved, stocked, clock):
    clock.move_to("2025-09-04T16:00:00Z")
    with pytest.raises(PrescriptionExpired) as err:
        services.request_refill(approved.user, stocked.prescription, RefillRequestSpec())
    assert err.value.message == (
        "This prescription can no longer be filled: its last day was 3 September 2025, 6 "
        "months after it was written. Ask your prescriber for a new one."
    )
    assert not RefillRequest.objects.exists()


def test_the_earliest_refill_date_is_within_the_6_months(prescriber, approved, plan):
    with pytest.raises(ValidationError) as err:
        _write(prescriber, approved, quantity=8, refills=2, earliest_refill_on=date(2025, 9, 4))
    assert err.value.message_dict["earliest_refill_on"] == [
        (
            "No fill after 3 September 2025, 6 months after the prescription is written "
            "(21 CFR 1306.22(a)): the earliest refill date is on or before it."
        )
    ]
    assert _write(
        prescriber, approved, quantity=8, refills=2, earliest_refill_on=date(2025, 9, 3)
    ).earliest_refill_on == date(2025, 9, 3)


# --- 3. Voiding and correcting a prescription -----------------------------------------------


def test_its_prescriber_voids_a_prescription_and_nothing_more_is_dispensed(
    prescriber, pharmacist, approved, prescription, stocked
):
    voided = services.void_prescription(
        prescriber, prescription, rx_void(reason="Wrong directions")
    )
    assert voided.state == PrescriptionState.VOIDED
    assert (voided.voided_by, voided.void_reason) == (prescriber, "Wrong directions")
    entry = _audit("treatment.Prescription", AuditAction.UPDATE)[-1]
    assert (entry.object_id, entry.detail) == (str(prescription.pk), {"voided": True})
    with pytest.raises(PrescriptionVoided) as err:
        fill(pharmacist, prescription, early_reason="Travelling")
    assert err.value.code == "prescription_voided"
    # Nothing deleted: the prescription, its dispense and the units at home stay.
    assert Prescription.objects.filter(pk=prescription.pk).exists()
    assert Dispense.objects.count() == 1
    assert balance(approved) == 8


def test_only_the_prescriber_who_wrote_it_voids_it(
    prescription, second_prescriber, pharmacist, other_prescriber
):
    for actor in (second_prescriber, pharmacist):
        with pytest.raises(NotAllowed):
            services.void_prescription(actor, prescription, rx_void(reason="Not mine"))
    with pytest.raises(NotFound):
        services.void_prescription(other_prescriber, prescription, rx_void(reason="Not mine"))
    prescription.refresh_from_db()
    assert prescription.state == PrescriptionState.ACTIVE


def test_a_void_needs_a_reason_and_happens_once(prescriber, prescription):
    with pytest.raises(ValidationError) as err:
        services.void_prescription(prescriber, prescription, rx_void(reason="  "))
    assert "reason" in err.value.message_dict
    services.void_prescription(prescriber, prescription, rx_void(reason="Wrong directions"))
    with pytest.raises(PrescriptionVoided):
        services.void_prescription(prescriber, prescription, rx_void(reason="Again"))
    assert len(_audit("treatment.Prescription", AuditAction.UPDATE)) == 1


def test_no_refill_request_on_a_voided_prescription(prescriber, approved, prescription):
    services.void_prescription(prescriber, prescription, rx_void(reason="Wrong directions"))
    with pytest.raises(PrescriptionVoided, match="cancelled by your prescriber"):
        services.request_refill(approved.user, prescription, RefillRequestSpec())


def test_a_corrected_prescription_is_voided_and_replaced_in_one_step(
    prescriber, approved, plan, prescription, stocked
):
    new = services.correct_prescription(
        prescriber,
        prescription,
        correction(
            reason="Two refills were one too many",
            quantity=8,
            refills=1,
            directions=DIRECTIONS,
            earliest_refill_on=date(2025, 3, 24),
        ),
    )
    prescription.refresh_from_db()
    assert prescription.state == PrescriptionState.VOIDED
    assert prescription.void_reason == "Two refills were one too many"
    assert (new.corrects, new.state, new.quantity_left, new.plan) == (
        prescription,
        PrescriptionState.ACTIVE,
        16,
        plan,
    )
    assert prescription.corrected_by == new
    updated = _audit("treatment.Prescription", AuditAction.UPDATE)
    created = _audit("treatment.Prescription", AuditAction.CREATE)
    assert [e.detail for e in updated] == [{"voided": True}]
    assert created[-1].detail == {"refills": 1, "corrects": prescription.pk}
    assert created[-1].seq > updated[-1].seq


def test_a_correction_is_checked_against_the_plan_and_stores_nothing_when_refused(
    prescriber, approved, plan, prescription, stocked
):
    # 8 troches are at home: the replacement may carry 16.
    with pytest.raises(QuantityBeyondPlan, match="holds or can still fill 8 troches"):
        services.correct_prescription(
            prescriber,
            prescription,
            correction(
                reason="More refills",
                quantity=8,
                refills=2,
                directions=DIRECTIONS,
                earliest_refill_on=date(2025, 3, 24),
            ),
        )
    prescription.refresh_from_db()
    assert prescription.state == PrescriptionState.ACTIVE  # the void was undone too
    assert Prescription.objects.count() == 1
    assert not _audit("treatment.Prescription", AuditAction.UPDATE)


def test_only_the_prescriber_who_wrote_it_corrects_it(second_prescriber, prescription):
    with pytest.raises(NotAllowed):
        services.correct_prescription(
            second_prescriber,
            prescription,
            correction(
                reason="Mine now",
                quantity=8,
                refills=0,
                directions=DIRECTIONS,
                earliest_refill_on=None,
            ),
        )
    assert Prescription.objects.count() == 1


# --- 3. Voiding and correcting a dispense ---------------------------------------------------


def test_its_pharmacist_voids_a_dispense_and_the_ledger_takes_the_units_back(
    pharmacist, approved, prescription, stocked
):
    voided = services.void_dispense(
        pharmacist, stocked, VoidDispenseSpec(reason="Dispensed to the wrong patient")
    )
    assert voided.is_voided
    assert (voided.voided_by, voided.void_reason) == (pharmacist, "Dispensed to the wrong patient")
    reversal = voided.reversal_event
    assert (reversal.kind, reversal.quantity, reversal.balance_after, reversal.actor) == (
        LedgerEventKind.DISPENSE_REVERSED,
        Decimal(-8),
        Decimal(0),
        pharmacist,
    )
    assert reversal.note == (
        f"Voids dispense {stocked.pk} (prescription {prescription.pk}, fill 1 part 1, lot "
        "LOT-2025-01): Dispensed to the wrong patient"
    )
    assert balance(approved) == 0
    assert services.ledger_balance(approved) == 0
    prescription.refresh_from_db()
    assert (prescription.dispensed_quantity, prescription.fills_dispensed) == (0, 1)
    entry = _audit("treatment.Dispense", AuditAction.UPDATE)[-1]
    assert (entry.object_id, entry.detail) == (str(stocked.pk), {"voided": True})
    # Nothing deleted; the fill's units are back: the next dispense is fill 1 again.
    assert Dispense.objects.count() == 1
    again = fill(pharmacist, prescription)
    assert (again.fill_number, again.part, again.early) == (1, 2, False)


def test_a_dispense_whose_units_were_taken_is_not_voided(pharmacist, approved, stocked):
    dose_on_record(approved)  # 2 of the 8 troches taken
    with pytest.raises(UnitsNotOnHand) as err:
        services.void_dispense(pharmacist, stocked, VoidDispenseSpec(reason="Wrong lot"))
    assert err.value.code == "units_not_on_hand"
    assert err.value.message == (
        "The patient holds 6 troches, fewer than the 8 troches this dispense put in the "
        "ledger: some were taken already, so it cannot be voided. Record what happened "
        "instead: units returned or destroyed, or a pill count."
    )
    stocked.refresh_from_db()
    assert not stocked.is_voided
    assert balance(approved) == 6
    assert not LedgerEvent.objects.filter(kind=LedgerEventKind.DISPENSE_REVERSED).exists()


def test_only_the_pharmacist_who_dispensed_it_voids_it(
    second_pharmacist, prescriber, other_pharmacist, stocked
):
    for actor in (second_pharmacist, prescriber):
        with pytest.raises(NotAllowed):
            services.void_dispense(actor, stocked, VoidDispenseSpec(reason="Not mine"))
    with pytest.raises(NotFound):
        services.void_dispense(other_pharmacist, stocked, VoidDispenseSpec(reason="Not mine"))
    stocked.refresh_from_db()
    assert not stocked.is_voided


def test_a_dispense_void_needs_a_reason_and_happens_once(pharmacist, stocked):
    with pytest.raises(ValidationError) as err:
        services.void_dispense(pharmacist, stocked, specs.read(VoidDispenseSpec, {"reason": ""}))
    assert "reason" in err.value.message_dict
    services.void_dispense(pharmacist, stocked, VoidDispenseSpec(reason="Wrong lot"))
    with pytest.raises(DispenseVoided):
        services.void_dispense(pharmacist, stocked, VoidDispenseSpec(reason="Again"))
    assert LedgerEvent.objects.filter(kind=LedgerEventKind.DISPENSE_REVERSED).count() == 1


def test_a_corrected_dispense_is_voided_and_replaced_in_one_step(
    pharmacist, approved, prescription, stocked
):
    new = services.correct_dispense(
        pharmacist,
        stocked,
        DispenseCorrectionSpec(
            reason="Counted 6 into the bag, not 8",
            quantity=6,
            lot_number="LOT-2025-01",
            expires_on=date(2026, 1, 31),
        ),
    )
    stocked.refresh_from_db()
    assert stocked.is_voided
    assert stocked.void_reason == "Counted 6 into the bag, not 8"
    assert (new.corrects, new.fill_number, new.part, new.quantity) == (stocked, 1, 2, 6)
    assert balance(approved) == 6
    kinds = list(
        LedgerEvent.objects.filter(patient=approved).order_by("pk").values_list("kind", "quantity")
    )
    assert kinds == [
        ("dispensed", Decimal(8)),
        ("dispensed", Decimal(6)),
        ("dispense_reversed", Decimal(-8)),
    ]
    assert stocked.reversal_event.note.endswith(f"Corrected by dispense {new.pk}.")
    prescription.refresh_from_db()
    assert (prescription.dispensed_quantity, prescription.fills_dispensed) == (6, 1)
    assert _audit("treatment.Dispense", AuditAction.UPDATE)[-1].detail == {"voided": True}
    assert _audit("treatment.Dispense", AuditAction.CREATE)[-1].detail == {
        "fill": 1,
        "early": False,
        "corrects": stocked.pk,
    }


def test_a_correction_after_a_dose_keeps_what_is_left(pharmacist, approved, stocked):
    dose_on_record(approved)  # 8 recorded, 2 taken; only 6 were handed over
    services.correct_dispense(
        pharmacist,
        stocked,
        DispenseCorrectionSpec(
            reason="Counted 6 into the bag, not 8",
            quantity=6,
            lot_number="LOT-2025-01",
            expires_on=date(2026, 1, 31),
        ),
    )
    assert balance(approved) == 4


def test_a_correction_that_would_leave_less_than_nothing_is_refused(pharmacist, approved, stocked):
    dose_on_record(approved)
    events = LedgerEvent.objects.count()
    with pytest.raises(UnitsNotOnHand, match="so a correction is at least 2 troches"):
        services.correct_dispense(
            pharmacist,
            stocked,
            DispenseCorrectionSpec(
                reason="Only 1 handed over",
                quantity=1,
                lot_number="LOT-2025-01",
                expires_on=date(2026, 1, 31),
            ),
        )
    assert LedgerEvent.objects.count() == events
    assert Dispense.objects.count() == 1
    assert balance(approved) == 6


def test_a_correction_is_checked_as_a_dispense(pharmacist, prescriber, prescription, stocked):
    shelve(prescription, prescription.patient.clinic, lot_number="LOT-2025-02")
    services.void_prescription(prescriber, prescription, rx_void(reason="Wrong directions"))
    with pytest.raises(PrescriptionVoided):
        services.correct_dispense(
            pharmacist,
            stocked,
            DispenseCorrectionSpec(
                reason="Lot typo",
                quantity=8,
                lot_number="LOT-2025-02",
                expires_on=date(2026, 1, 31),
            ),
        )
    stocked.refresh_from_db()
    assert not stocked.is_voided


def test_the_database_keeps_the_ledger_rules_with_voids(
    pharmacist, approved, prescription, stocked
):
    services.void_dispense(pharmacist, stocked, VoidDispenseSpec(reason="Wrong patient"))
    reversal = LedgerEvent.objects.get(kind=LedgerEventKind.DISPENSE_REVERSED)
    with pytest.raises(IntegrityError), transaction.atomic():  # a reversal adds nothing
        LedgerEvent.objects.create(
            patient=approved,
            kind=LedgerEventKind.DISPENSE_REVERSED,
            quantity=Decimal(8),
            balance_after=Decimal(8),
            actor=pharmacist,
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # below zero
        LedgerEvent.objects.create(
            patient=approved,
            kind=LedgerEventKind.DISPENSE_REVERSED,
            quantity=Decimal(-1),
            balance_after=Decimal(-1),
            actor=pharmacist,
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # voided without its reversal
        Dispense.objects.filter(pk=stocked.pk).update(reversal_event=None)
    with pytest.raises(IntegrityError), transaction.atomic():  # beyond the fills started
        Prescription.objects.filter(pk=prescription.pk).update(dispensed_quantity=9)
    assert reversal.balance_after == 0


# --- 4. Partial fills keep their remainder ------------------------------------------------------


def test_a_partial_fill_keeps_its_remainder_for_the_next_dispense(
    pharmacist, approved, prescription
):
    first = fill(pharmacist, prescription, quantity=4)
    second = fill(pharmacist, prescription, quantity=4)  # before the earliest refill date
    assert [(d.fill_number, d.part, d.early) for d in (first, second)] == [
        (1, 1, False),
        (1, 2, False),
    ]
    prescription.refresh_from_db()
    assert (prescription.fills_dispensed, prescription.dispensed_quantity) == (1, 8)
    assert balance(approved) == 8
    # The fill is complete: the next one is a refill, and early before 24 March.
    with pytest.raises(EarlyRefill):
        fill(pharmacist, prescription, quantity=1)


def test_a_dispense_never_straddles_two_fills(pharmacist, approved, prescription):
    fill(pharmacist, prescription, quantity=5)
    with pytest.raises(ExceedsFill) as err:
        fill(pharmacist, prescription, quantity=4)
    assert (err.value.code, err.value.field) == ("exceeds_fill", "quantity")
    assert err.value.message == (
        "Fill 1 of this prescription has 3 troches left: dispense at most 3 now. A dispense "
        "never straddles two fills; the next fill starts once this one is complete."
    )
    assert Dispense.objects.count() == 1
    assert balance(approved) == 5


def test_the_last_fill_in_parts_then_nothing_more(pharmacist, approved, prescription, clock):
    clock.move_to("2025-03-24T16:00:00Z")
    for quantity in (8, 8, 3, 5):
        fill(pharmacist, prescription, quantity=quantity)
    assert list(Dispense.objects.order_by("pk").values_list("fill_number", "part")) == [
        (1, 1),
        (2, 1),
        (3, 1),
        (3, 2),
    ]
    with pytest.raises(PrescriptionExhausted):
        fill(pharmacist, prescription, quantity=1)
    assert balance(approved) == 24


def test_a_refill_request_on_an_unfinished_fill_is_not_early(approved, pharmacist, prescription):
    fill(pharmacist, prescription, quantity=4)
    assert services.request_refill(approved.user, prescription, RefillRequestSpec()).early is False


def test_the_database_allows_one_dispense_per_part_of_a_fill(pharmacist, prescription):
    first = fill(pharmacist, prescription, quantity=4)
    second = fill(pharmacist, prescription, quantity=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispense.objects.filter(pk=second.pk).update(part=first.part)


# --- 5. Esketamine is never prescribed or dispensed for home use (item 6) ------------------------


def test_esketamine_is_not_prescribed_for_home_use(prescriber, approved, plan):
    legacy_esketamine_plan(plan)
    with pytest.raises(NotForHomeUse) as err:
        _write(prescriber, approved, quantity=2)
    assert err.value.code == "not_for_home_use"
    assert "never dispensed for use at home (Spravato REMS)" in err.value.message
    assert not Prescription.objects.exists()


def test_an_esketamine_prescription_written_before_is_not_dispensed(
    prescriber, pharmacist, approved, plan
):
    plan = legacy_esketamine_plan(plan)
    rx = Prescription.objects.create(
        patient=approved,
        plan=plan,
        drug=plan.drug,
        formulation_kind=plan.formulation_kind,
        product=plan.formulation.name,
        unit=plan.ledger_unit,
        quantity=2,
        directions="Two devices, 5 minutes apart.",
        written_by=prescriber,
    )
    with pytest.raises(NotForHomeUse):
        fill(pharmacist, rx, quantity=2)
    assert not LedgerEvent.objects.exists()
