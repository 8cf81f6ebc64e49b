"""Destruction of the clinic's stock: before two witnesses, each confirming from their account."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from ketacare.accounts.models import Clinic, User
from ketacare.audit.models import AuditEntry
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.pharmacy.destruction import confirm_destruction
from ketacare.pharmacy.errors import DestructionAlreadyConfirmed, LotShort
from ketacare.pharmacy.models import Destruction, Lot, MovementKind, StockMovement
from ketacare.pharmacy.queries import destruction as queries
from tests.factories import UserFactory
from tests.pharmacy.destroying import SPRAY, destroyed, lot_of, spec
from tests.treatment.helpers import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def lot(clinic: Clinic) -> Lot:
    return lot_of(clinic)


@pytest.fixture
def witnesses(prescriber: User, clinician: User) -> tuple[User, User]:
    return prescriber, clinician


def _nothing_stored(lot: Lot, entries: int) -> None:
    lot.refresh_from_db()
    assert lot.on_hand == 100
    assert not Destruction.objects.exists()
    assert not StockMovement.objects.filter(kind=MovementKind.DESTROYED).exists()
    assert AuditEntry.objects.count() == entries


def test_a_destruction_takes_the_units_off_the_book_and_waits_for_both_witnesses(
    pharmacist, lot, witnesses
):
    entries = AuditEntry.objects.count()
    done = destroyed(pharmacist, lot, *witnesses, quantity="4.5")
    lot.refresh_from_db()
    assert lot.on_hand == Decimal("95.5")
    assert done.movement.kind == MovementKind.DESTROYED
    assert done.movement.quantity == Decimal("-4.5")
    assert (done.first_witness, done.second_witness) == witnesses
    assert not done.is_complete
    assert queries.awaiting(done) == list(witnesses)
    assert AuditEntry.objects.count() == entries + 1


def test_halves_only_of_a_scored_product(clinic, pharmacist, witnesses):
    spray = lot_of(clinic, SPRAY, lot_number="SPRAY-1")
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        destroyed(pharmacist, spray, *witnesses, quantity="1.5")
    assert "Count whole sprays" in refused.value.message_dict["quantity"][0]
    _nothing_stored(spray, entries)


def test_more_than_the_lot_holds_is_refused(pharmacist, lot, witnesses):
    entries = AuditEntry.objects.count()
    with pytest.raises(LotShort):
        destroyed(pharmacist, lot, *witnesses, quantity="101")
    _nothing_stored(lot, entries)


@pytest.mark.parametrize(
    ("who", "field", "words"),
    [
        ("self", "first_witness_id", "someone other than the person destroying"),
        ("coordinator", "second_witness_id", "clinician, pharmacist or prescriber"),
        ("outsider", "first_witness_id", "of this clinic"),
        ("same", "second_witness_id", "two different people"),
    ],
)
def test_who_may_witness(  # noqa: PLR0913, PLR0917 - the people of the pattern
    request, pharmacist, lot, witnesses, who, field, words
):
    people: dict[str, Any] = {
        "self": (pharmacist, witnesses[1]),
        "coordinator": (witnesses[0], request.getfixturevalue("coordinator")),
        "outsider": (request.getfixturevalue("outsider"), witnesses[1]),
        "same": (witnesses[0], witnesses[0]),
    }
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        destroyed(pharmacist, lot, *people[who])
    assert words in refused.value.message_dict[field][0]
    _nothing_stored(lot, entries)


def test_an_inactive_person_is_no_witness(clinic, pharmacist, lot, prescriber):
    gone = UserFactory(clinic=clinic, clinician=True, is_active=False)
    with pytest.raises(ValidationError) as refused:
        destroyed(pharmacist, lot, prescriber, gone)
    assert "second_witness_id" in refused.value.message_dict


def test_other_needs_a_note(pharmacist, lot, witnesses):
    with pytest.raises(ValidationError) as refused:
        spec(*witnesses, method="other")
    assert "note" in refused.value.message_dict
    done = destroyed(pharmacist, lot, *witnesses, reason="other", note="Dropped in the sink.")
    assert done.note == "Dropped in the sink."


def test_only_a_pharmacist_destroys_and_only_their_clinics_lot(
    prescriber, clinician, pharmacist, other_clinic, lot
):
    with pytest.raises(NotAllowed):
        destroyed(prescriber, lot, pharmacist, clinician)
    elsewhere = UserFactory(clinic=other_clinic, pharmacist=True)
    with pytest.raises(NotFound):
        destroyed(elsewhere, lot, prescriber, clinician)
    assert not Destruction.objects.exists()


def test_each_witness_confirms_once_from_their_own_account(pharmacist, lot, witnesses):
    first, second = witnesses
    done = destroyed(pharmacist, lot, first, second)
    entries = AuditEntry.objects.count()
    with time_machine.travel(NOW, tick=False):
        confirmed = confirm_destruction(second, done)
    assert confirmed.second_confirmed_at == NOW
    assert confirmed.first_confirmed_at is None
    assert queries.awaiting(confirmed) == [first]
    assert AuditEntry.objects.count() == entries + 1
    with pytest.raises(DestructionAlreadyConfirmed) as again:
        confirm_destruction(second, done)
    assert again.value.code == "already_confirmed"
    assert "3 March 2025" in again.value.message  # the clinic's calendar
    complete = confirm_destruction(first, done)
    assert complete.is_complete
    assert queries.state(complete) == "complete"
    assert AuditEntry.objects.count() == entries + 2


def test_nobody_confirms_for_a_witness(pharmacist, lot, witnesses, clinic):
    done = destroyed(pharmacist, lot, *witnesses)
    someone = UserFactory(clinic=clinic, clinician=True, first_name="Sam", last_name="Else")
    for actor in (pharmacist, someone):
        with pytest.raises(NotAllowed) as refused:
            confirm_destruction(actor, done)
        names = f"{witnesses[0].display_name} and {witnesses[1].display_name}"
        assert names in str(refused.value)
    coordinator = UserFactory(clinic=clinic, coordinator=True)
    with pytest.raises(NotAllowed):
        confirm_destruction(coordinator, done)
    done.refresh_from_db()
    assert done.first_confirmed_at is None
    assert done.second_confirmed_at is None


def test_a_witness_sees_their_pending_confirmations(pharmacist, lot, witnesses, clinician):
    first, second = witnesses
    older = destroyed(pharmacist, lot, first, second)
    newer = destroyed(pharmacist, lot, first, second, quantity="2")
    assert list(queries.awaiting_my_confirmation(second)) == [older, newer]
    assert queries.count_awaiting_my_confirmation(second) == 2
    confirm_destruction(second, older)
    assert list(queries.awaiting_my_confirmation(second)) == [newer]
    assert queries.count_awaiting_my_confirmation(pharmacist) == 0
    # The clinic's list, newest first; a clinician (no stock) sees those naming them.
    assert list(queries.destructions(pharmacist)) == [newer, older]
    assert list(queries.destructions(clinician)) == [newer, older]


def test_a_clinician_sees_only_the_destructions_naming_them(  # noqa: PLR0913, PLR0917 - the people of the pattern
    clinic, pharmacist, lot, prescriber, clinician, colleague
):
    theirs = destroyed(pharmacist, lot, prescriber, clinician)
    destroyed(pharmacist, lot, prescriber, colleague)
    assert list(queries.destructions(clinician)) == [theirs]
    coordinator = UserFactory(clinic=clinic, coordinator=True)
    assert not queries.destructions(coordinator).exists()
    with pytest.raises(NotAllowed):
        queries.require_reader(coordinator)
