"""The controlled-substance ledger: signed events, a derived balance never below zero."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from ketacare.audit.models import AuditEntry
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.treatment import services
from ketacare.treatment.errors import NoActivePlan, Overdraw
from ketacare.treatment.models import (
    DiversionFinding,
    DiversionKind,
    LedgerAccount,
    LedgerEvent,
    LedgerEventKind,
)
from tests.factories import SitterFactory, UserFactory
from tests.treatment.helpers import accept_returns, balance, ledger_spec, revision

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _returns_accepted(clinic):
    """The clinic is an authorised collector: it takes back patients' units (21 CFR 1317)."""
    accept_returns(clinic)


@pytest.fixture
def witness(clinic):
    return UserFactory(clinic=clinic, prescriber=True, username="wendy")


def _events(patient):
    return list(LedgerEvent.objects.filter(patient=patient).order_by("pk"))


def _record(actor, patient, kind, quantity, **extra):
    return services.record_ledger_event(actor, patient, ledger_spec(kind, quantity, **extra))


def test_returned_units_leave_the_ledger(pharmacist, approved, stocked):
    event = _record(pharmacist, approved, "returned", 3, note="Returned at the visit")
    assert (event.kind, event.quantity, event.balance_after) == ("returned", -3, 5)
    assert (event.actor, event.witness, event.note) == (pharmacist, None, "Returned at the visit")
    assert balance(approved) == 5
    assert services.ledger_balance(approved) == 5  # derived from the events
    entry = AuditEntry.objects.filter(object_type="treatment.LedgerEvent").last()
    assert (entry.object_id, entry.detail) == (str(event.pk), {"kind": "returned"})


def test_half_tablets_of_a_scored_product_are_counted(pharmacist, approved, stocked):
    _record(pharmacist, approved, "returned", Decimal("1.5"))
    assert balance(approved) == Decimal("6.5")


@pytest.mark.parametrize("quantity", [Decimal("0.3"), Decimal("0.25"), 0, -1, "many", True, None])
def test_bad_quantities_are_refused_and_nothing_is_stored(pharmacist, approved, stocked, quantity):
    with pytest.raises(ValidationError) as err:
        _record(pharmacist, approved, "returned", quantity)
    assert "quantity" in err.value.message_dict
    assert len(_events(approved)) == 1
    assert balance(approved) == 8


def test_halves_of_an_unscored_product_are_refused(prescriber, pharmacist, approved, stocked):
    _record(pharmacist, approved, "returned", 8)
    services.revise_plan(
        prescriber,
        services.active_plan(approved),
        revision(
            formulation={"kind": "sublingual_tablet", "strength_mg": 100}, reason="Switch product"
        ),
    )
    with pytest.raises(ValidationError) as err:
        _record(pharmacist, approved, "counted", Decimal("0.5"))
    assert "quantity" in err.value.message_dict


def test_destruction_needs_a_witness(pharmacist, approved, stocked, witness):
    with pytest.raises(ValidationError) as err:
        _record(pharmacist, approved, "destroyed", 2)
    assert "witness" in err.value.message_dict
    event = _record(pharmacist, approved, "destroyed", 2, witness=witness, note="Expired lot")
    assert (event.quantity, event.witness, event.balance_after) == (-2, witness, 6)


def test_the_witness_is_another_handler_of_the_clinic(
    pharmacist, approved, stocked, coordinator, outsider
):
    for not_a_witness in (pharmacist, coordinator, outsider, approved.user):
        with pytest.raises(ValidationError) as err:
            _record(pharmacist, approved, "destroyed", 2, witness=not_a_witness)
        assert "witness" in err.value.message_dict
    assert len(_events(approved)) == 1


def test_the_patient_reports_a_loss_which_is_a_diversion_finding(approved, stocked):
    event = _record(approved.user, approved, "lost_or_stolen", 2, note="Bag stolen on the bus")
    assert (event.quantity, event.balance_after) == (-2, 6)
    finding = DiversionFinding.objects.get()
    assert (finding.kind, finding.quantity, finding.ledger_event) == (
        DiversionKind.LOST_OR_STOLEN,
        2,
        event,
    )
    assert (finding.note, finding.recorded_by) == ("Bag stolen on the bus", approved.user)


def test_a_loss_report_says_what_happened(approved, stocked):
    with pytest.raises(ValidationError) as err:
        _record(approved.user, approved, "lost_or_stolen", 2)
    assert "note" in err.value.message_dict
    assert not DiversionFinding.objects.exists()


def test_a_count_that_matches_changes_nothing(pharmacist, approved, stocked):
    event = _record(pharmacist, approved, "counted", 8)
    assert (event.quantity, event.counted, event.balance_after) == (0, 8, 8)
    assert balance(approved) == 8
    assert not DiversionFinding.objects.exists()


def test_a_count_that_differs_is_a_diversion_finding(coordinator, approved, stocked):
    event = _record(coordinator, approved, "counted", Decimal("6.5"), note="Video count")
    # The expected balance stays what the events say; the count is recorded beside it.
    assert (event.quantity, event.counted, event.balance_after) == (0, Decimal("6.5"), 8)
    assert balance(approved) == 8
    finding = DiversionFinding.objects.get()
    assert (finding.kind, finding.expected, finding.counted, finding.ledger_event) == (
        DiversionKind.COUNT_MISMATCH,
        8,
        Decimal("6.5"),
        event,
    )


def test_a_count_of_zero_is_a_count(pharmacist, approved, stocked):
    _record(pharmacist, approved, "counted", 0)
    assert DiversionFinding.objects.get().counted == 0


def test_an_overdraw_is_refused_and_stores_nothing(pharmacist, approved, stocked):
    audit_before = AuditEntry.objects.count()
    with pytest.raises(Overdraw) as err:
        _record(pharmacist, approved, "returned", 9)
    assert err.value.code == "overdraw"
    assert "holds 8" in err.value.message
    assert len(_events(approved)) == 1
    assert balance(approved) == 8
    assert AuditEntry.objects.count() == audit_before


def test_a_loss_larger_than_the_balance_is_an_overdraw_and_no_finding(approved, stocked):
    with pytest.raises(Overdraw):
        _record(approved.user, approved, "lost_or_stolen", 10, note="Lost")
    assert not DiversionFinding.objects.exists()


@pytest.mark.parametrize("kind", ["dispensed", "taken", "spilled", None])
def test_dispensed_and_taken_come_only_with_their_use_case(pharmacist, approved, stocked, kind):
    with pytest.raises(ValidationError) as err:
        _record(pharmacist, approved, kind, 1)
    assert "kind" in err.value.message_dict


@pytest.mark.parametrize(
    ("kind", "trait"),
    [
        ("returned", "coordinator"),
        ("destroyed", "coordinator"),
        ("returned", "clinic_admin"),
        ("counted", "clinic_admin"),
    ],
)
@pytest.mark.usefixtures("stocked")
def test_ledger_events_need_a_handling_role(clinic, approved, witness, kind, trait):
    actor = UserFactory(clinic=clinic, **{trait: True})
    with pytest.raises(NotAllowed):
        _record(actor, approved, kind, 1, witness=witness, note="x")
    assert len(_events(approved)) == 1


def test_patients_and_sitters_only_report_losses(clinic, approved, stocked):
    sitter = SitterFactory(clinic=clinic, patients=[approved])
    for kind in ("returned", "counted"):
        with pytest.raises(NotAllowed):
            _record(approved.user, approved, kind, 1)
    with pytest.raises(NotAllowed):
        _record(sitter.user, approved, "lost_or_stolen", 1, note="Lost")


def test_another_clinic_and_another_patient_get_a_404(approved, other_patient, stocked, outsider):
    other_pharmacist = UserFactory(clinic=outsider.clinic, pharmacist=True)
    with pytest.raises(NotFound):
        _record(other_pharmacist, approved, "returned", 1)
    with pytest.raises(NotFound):
        _record(other_patient.user, approved, "lost_or_stolen", 1, note="Lost")
    assert len(_events(approved)) == 1


def test_no_ledger_without_a_plan(pharmacist, approved):
    with pytest.raises(NoActivePlan):
        _record(pharmacist, approved, "counted", 0)


def test_the_balance_is_the_sum_of_the_events(pharmacist, approved, stocked, witness):
    _record(pharmacist, approved, "returned", 1)
    _record(pharmacist, approved, "destroyed", Decimal("0.5"), witness=witness)
    _record(approved.user, approved, "lost_or_stolen", 2, note="Dropped down a drain")
    _record(pharmacist, approved, "counted", 4)
    events = _events(approved)
    assert [e.kind for e in events] == [
        "dispensed",
        "returned",
        "destroyed",
        "lost_or_stolen",
        "counted",
    ]
    running = Decimal(0)
    for event in events:
        running += event.quantity
        assert event.balance_after == running
    assert services.ledger_balance(approved) == balance(approved) == Decimal("4.5")
    assert DiversionFinding.objects.filter(kind=DiversionKind.COUNT_MISMATCH).exists()


# --- What the database itself refuses --------------------------------------------------


def test_the_database_refuses_a_negative_balance(approved, stocked):
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.filter(patient=approved).update(balance=-1)


def test_the_database_refuses_an_event_below_zero_or_against_its_kind(
    pharmacist, approved, stocked
):
    base = {"patient": approved, "actor": pharmacist}
    bad = [
        {"kind": LedgerEventKind.RETURNED, "quantity": -9, "balance_after": -1},
        {"kind": LedgerEventKind.RETURNED, "quantity": 1, "balance_after": 9},
        {"kind": LedgerEventKind.DISPENSED, "quantity": -1, "balance_after": 7},
        {"kind": LedgerEventKind.DESTROYED, "quantity": -1, "balance_after": 7},  # no witness
        {"kind": LedgerEventKind.COUNTED, "quantity": 0, "balance_after": 8},  # nothing counted
        {
            "kind": LedgerEventKind.RETURNED,
            "quantity": -1,
            "balance_after": 7,
            "witness": pharmacist,
        },
    ]
    for fields in bad:
        with pytest.raises(IntegrityError), transaction.atomic():
            LedgerEvent.objects.create(**base, **fields)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_on_postgresql_ledger_events_are_append_only(stocked):
    event = stocked.ledger_event
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEvent.objects.filter(pk=event.pk).update(quantity=80)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM treatment_ledgerevent WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.quantity == 8


def test_ledger_rows_are_scoped(approved, other_patient, stocked, clinic, outsider):
    sitter = SitterFactory(clinic=clinic, patients=[approved])
    _record(approved.user, approved, "lost_or_stolen", 1, note="Lost")
    for user in (approved.user, sitter.user, UserFactory(clinic=clinic, pharmacist=True)):
        assert LedgerEvent.objects.visible_to(user).count() == 2
        assert DiversionFinding.objects.visible_to(user).count() == 1
        assert LedgerAccount.objects.visible_to(user).count() == 1
    for user in (other_patient.user, outsider):
        assert not LedgerEvent.objects.visible_to(user).exists()
        assert not DiversionFinding.objects.visible_to(user).exists()
