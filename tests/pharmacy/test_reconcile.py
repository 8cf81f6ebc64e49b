"""Counting the shelf against the book, explaining a discrepancy, and reporting a loss."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from ketacare.alerts.models import Alert, AlertCause, AlertSeverity, AlertStatus, Notification
from ketacare.audit.models import AuditEntry
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.kernel.specs import read
from ketacare.pharmacy.errors import DiscrepancyExplained, LotShort
from ketacare.pharmacy.models import (
    Lot,
    MovementKind,
    Reconciliation,
    StockCount,
    StockDiscrepancy,
    StockMovement,
)
from ketacare.pharmacy.reconcile import (
    explain_stock_discrepancy,
    reconcile_stock,
    report_stock_lost,
)
from ketacare.pharmacy.specs.reconcile import ExplanationSpec, LossSpec, ReconciliationSpec
from tests.factories import UserFactory
from tests.pharmacy.receiving import on_shelf
from tests.treatment.helpers import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def lots(pharmacist, prescriber) -> list[Lot]:
    """KC-1001: 100 scored troches; KC-2002: 40 troches, not scored."""
    on_shelf(pharmacist, prescriber)
    on_shelf(pharmacist, prescriber, lot_number="KC-2002", scored=False, quantity=40)
    return list(Lot.objects.order_by("lot_number"))


def counting(counts: dict[int, Any], note: str = "") -> ReconciliationSpec:
    return read(ReconciliationSpec, {"counts": counts, "note": note})


def loss(**fields: Any) -> LossSpec:
    return read(LossSpec, {"quantity": 5, "what_happened": "A box missing from the safe."} | fields)


def test_a_count_that_matches_the_book_raises_nothing(pharmacist, lots):
    done = reconcile_stock(pharmacist, pharmacist.clinic, counting({lots[0].pk: 100}))
    [count] = done.counts.all()
    assert (count.expected, count.counted, count.differs) == (100, 100, False)
    assert not StockDiscrepancy.objects.exists()
    assert not Alert.objects.exists()


def test_a_count_that_differs_is_a_discrepancy_and_an_alert_about_the_clinic(
    pharmacist, clinician, lots
):
    first, second = lots
    done = reconcile_stock(
        pharmacist, pharmacist.clinic, counting({first.pk: "97.5", second.pk: 40}, "Safe 1")
    )
    assert done.note == "Safe 1"
    assert StockCount.objects.filter(reconciliation=done).count() == 2
    [found] = StockDiscrepancy.objects.all()
    assert (found.lot, found.expected, found.counted, found.difference) == (
        first,
        100,
        Decimal("97.5"),
        Decimal("-2.5"),
    )
    [alert] = Alert.objects.all()
    assert alert.cause == AlertCause.STOCK_DISCREPANCY
    assert (alert.patient, alert.lead, alert.clinic_id) == (None, None, first.clinic_id)
    assert alert.subject_name == "The clinic's stock"
    assert alert.dedupe_key == f"stock_discrepancy:discrepancy:{found.pk}"
    assert alert.detail["lot_id"] == first.pk
    # Graded as a patient's ledger discrepancy is (treatment.alerting.DIVERSION_SEVERITY).
    assert alert.severity == AlertSeverity.WARNING
    assert "97.5 troches on the shelf, the book says 100 troches" in alert.message
    assert "fewer by 2.5 troches" in alert.message


def test_a_count_does_not_change_the_book(pharmacist, lots):
    before = list(StockMovement.objects.values_list("pk", flat=True))
    reconcile_stock(pharmacist, pharmacist.clinic, counting({lots[0].pk: 90}))
    lots[0].refresh_from_db()
    assert lots[0].on_hand == 100
    assert list(StockMovement.objects.values_list("pk", flat=True)) == before


def test_one_count_is_one_audit_entry_listing_the_counts(pharmacist, lots):
    before = AuditEntry.objects.filter(object_type="pharmacy.Reconciliation").count()
    done = reconcile_stock(
        pharmacist, pharmacist.clinic, counting({lots[0].pk: 100, lots[1].pk: 39})
    )
    entry = AuditEntry.objects.filter(object_type="pharmacy.Reconciliation").last()
    assert AuditEntry.objects.filter(object_type="pharmacy.Reconciliation").count() == before + 1
    assert entry is not None
    assert entry.object_id == str(done.pk)
    assert entry.detail["counts"] == {
        str(lots[0].pk): {"expected": "100.0", "counted": "100"},
        str(lots[1].pk): {"expected": "40.0", "counted": "39"},
    }
    assert len(entry.detail["discrepancies"]) == 1


def test_half_units_only_for_scored_tablets(pharmacist, lots):
    with pytest.raises(ValidationError) as refused:
        reconcile_stock(pharmacist, pharmacist.clinic, counting({lots[1].pk: "39.5"}))
    assert "only scored tablets are counted in halves" in str(refused.value)
    assert not Reconciliation.objects.exists()


def test_a_lot_of_another_clinic_is_not_counted(pharmacist, lots, other_clinic):
    other = UserFactory(clinic=other_clinic, pharmacist=True)
    with pytest.raises(ValidationError) as refused:
        reconcile_stock(other, other_clinic, counting({lots[0].pk: 1}))
    assert f"counts.{lots[0].pk}" in refused.value.message_dict
    with pytest.raises(NotFound):
        reconcile_stock(other, pharmacist.clinic, counting({lots[0].pk: 1}))


def test_a_count_needs_a_stock_keeper(coordinator, lots):
    with pytest.raises(NotAllowed):
        reconcile_stock(coordinator, coordinator.clinic, counting({lots[0].pk: 1}))


def test_the_spec_refuses_an_empty_or_negative_count():
    with pytest.raises(ValidationError):
        counting({})
    with pytest.raises(ValidationError):
        counting({1: -1})


def _discrepancy(pharmacist, lot) -> StockDiscrepancy:
    reconcile_stock(pharmacist, pharmacist.clinic, counting({lot.pk: 98}))
    return StockDiscrepancy.objects.get()


def test_explaining_closes_the_discrepancy_and_resolves_its_alert(pharmacist, prescriber, lots):
    found = _discrepancy(pharmacist, lots[0])
    spec = read(ExplanationSpec, {"explanation": "Two troches were on the second shelf."})
    explained = explain_stock_discrepancy(prescriber, found, spec)
    assert (explained.explained_by, explained.explanation) == (
        prescriber,
        "Two troches were on the second shelf.",
    )
    alert = Alert.objects.get()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolved_by == prescriber
    assert alert.resolved_note == "Explained: Two troches were on the second shelf."


def test_the_person_who_counted_may_explain_too_and_only_once(pharmacist, lots):
    found = _discrepancy(pharmacist, lots[0])
    spec = read(ExplanationSpec, {"explanation": "Miscounted."})
    explain_stock_discrepancy(pharmacist, found, spec)
    with pytest.raises(DiscrepancyExplained):
        explain_stock_discrepancy(pharmacist, found, spec)


def test_an_explanation_is_required(pharmacist, lots):
    with pytest.raises(ValidationError) as refused:
        read(ExplanationSpec, {"explanation": "  "})
    assert "explanation" in refused.value.message_dict


def test_an_administrator_explains_but_a_clinician_may_not(
    pharmacist, clinic_admin, clinician, lots
):
    found = _discrepancy(pharmacist, lots[0])
    spec = read(ExplanationSpec, {"explanation": "Found in the returns bin."})
    with pytest.raises(NotAllowed):
        explain_stock_discrepancy(clinician, found, spec)
    assert explain_stock_discrepancy(clinic_admin, found, spec).explained_by == clinic_admin


def test_another_clinic_cannot_explain(pharmacist, lots, other_clinic):
    found = _discrepancy(pharmacist, lots[0])
    other = UserFactory(clinic=other_clinic, pharmacist=True)
    with pytest.raises(NotFound):
        explain_stock_discrepancy(other, found, read(ExplanationSpec, {"explanation": "No."}))


def test_a_loss_leaves_the_book_and_raises_an_alert_naming_the_dea_duty(pharmacist, lots):
    movement = report_stock_lost(
        pharmacist,
        lots[0],
        loss(
            quantity="4.5",
            discovered_at="2025-03-03T20:00:00+00:00",
            police_notified=True,
            police_reference="NYPD-123",
        ),
    )
    assert (movement.kind, movement.quantity, movement.on_hand_after) == (
        MovementKind.LOST_OR_STOLEN,
        Decimal("-4.5"),
        Decimal("95.5"),
    )
    assert movement.reference == "NYPD-123"
    assert "Police told (reference NYPD-123)" in movement.note
    lots[0].refresh_from_db()
    assert lots[0].on_hand == Decimal("95.5")
    [alert] = Alert.objects.all()
    assert (alert.cause, alert.patient, alert.lead) == (AlertCause.STOCK_LOST, None, None)
    assert alert.dedupe_key == f"stock_lost:movement:{movement.pk}"
    assert "within one business day of its discovery" in alert.message
    assert "DEA Form 106" in alert.message
    assert "21 CFR 1301.76(b)" in alert.message
    assert alert.source == "21 CFR 1301.76(b)"


def test_a_loss_beyond_the_lot_is_refused_and_stores_nothing(pharmacist, lots):
    with pytest.raises(LotShort):
        report_stock_lost(pharmacist, lots[1], loss(quantity=41))
    assert not Alert.objects.exists()
    assert not StockMovement.objects.filter(kind=MovementKind.LOST_OR_STOLEN).exists()


def test_a_loss_discovered_in_the_future_is_refused(pharmacist, lots):
    later = (NOW + dt.timedelta(hours=1)).isoformat()
    with pytest.raises(ValidationError) as refused:
        report_stock_lost(pharmacist, lots[0], loss(discovered_at=later))
    assert "discovered_at" in refused.value.message_dict


def test_a_loss_of_half_a_tablet_that_is_not_scored_is_refused(pharmacist, lots):
    with pytest.raises(ValidationError) as refused:
        report_stock_lost(pharmacist, lots[1], loss(quantity="0.5"))
    assert "quantity" in refused.value.message_dict


def test_what_happened_is_required(pharmacist, lots):
    with pytest.raises(ValidationError) as refused:
        loss(what_happened="")
    assert "what_happened" in refused.value.message_dict


def test_a_loss_of_another_clinics_lot_is_not_found(lots, other_clinic):
    other = UserFactory(clinic=other_clinic, pharmacist=True)
    with pytest.raises(NotFound):
        report_stock_lost(other, lots[0], loss())


def test_stock_alerts_page_the_roster_as_any_alert_of_their_severity(pharmacist, clinician, lots):
    # Warnings wait in the inbox (alerts.services._PAGING): nobody is paged at night for
    # them, as for a patient's ledger discrepancy.
    report_stock_lost(pharmacist, lots[0], loss())
    assert not Notification.objects.exists()
