"""Destruction records as the pages and the API show them, and a witness's to-do list.

Who sees them: whoever sees the clinic's stock (`read_stock`: pharmacists, prescribers,
the clinic's administrators) sees every destruction of the clinic; a witness who does
not (a clinician) sees the destructions naming them, to confirm theirs. A record awaiting
a confirmation says by whom wherever it appears (`awaiting`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from ketacare.kernel import policy
from ketacare.kernel.errors import NotAllowed
from ketacare.pharmacy.models import Destruction

if TYPE_CHECKING:
    from ketacare.accounts.models import User

READERS = (
    "Destruction records are for pharmacists, prescribers, clinic administrators and the "
    "witnesses named on them."
)


def may_see_destructions(user: User) -> bool:
    """Whether the user's roles let them see any destruction record (a link, a page)."""
    return policy.may(user, "read_stock") or policy.may(user, "witness_destruction")


def require_reader(user: User) -> None:
    """NotAllowed unless the user may see destruction records."""
    if not may_see_destructions(user):
        raise NotAllowed(READERS)


def destructions(user: User) -> QuerySet[Destruction]:
    """The destructions the user may see, newest first, with their lot and people."""
    rows = Destruction.objects.visible_to(user).select_related(
        "lot", "clinic", "destroyed_by", "first_witness", "second_witness"
    )
    if policy.may(user, "read_stock"):
        return rows.order_by("-destroyed_at", "-pk")
    if policy.may(user, "witness_destruction"):
        return rows.filter(Q(first_witness=user) | Q(second_witness=user)).order_by(
            "-destroyed_at", "-pk"
        )
    return rows.none()


def awaiting_my_confirmation(user: User) -> QuerySet[Destruction]:
    """The destructions naming the user as a witness who has not confirmed yet, oldest first."""
    mine = Q(first_witness=user, first_confirmed_at__isnull=True) | Q(
        second_witness=user, second_confirmed_at__isnull=True
    )
    return destructions(user).filter(mine).order_by("destroyed_at", "pk")


def count_awaiting_my_confirmation(user: User) -> int:
    """How many destructions wait for the user's confirmation (no query for a non-witness)."""
    if not policy.may(user, "witness_destruction") or user.clinic_id is None:
        return 0
    mine = Q(first_witness=user, first_confirmed_at__isnull=True) | Q(
        second_witness=user, second_confirmed_at__isnull=True
    )
    return Destruction.objects.visible_to(user).filter(mine).count()


def awaiting(destruction: Destruction) -> list[User]:
    """The witnesses who have not confirmed the destruction yet, in the record's order."""
    waiting = []
    if destruction.first_confirmed_at is None:
        waiting.append(destruction.first_witness)
    if destruction.second_confirmed_at is None:
        waiting.append(destruction.second_witness)
    return waiting


def awaits(user: User, destruction: Destruction) -> bool:
    """Whether the destruction waits for this user's own confirmation (their Confirm button)."""
    return any(witness.pk == user.pk for witness in awaiting(destruction))


def state(destruction: Destruction) -> str:
    """Complete, or awaiting confirmation while a witness has not confirmed."""
    return "complete" if destruction.is_complete else "awaiting confirmation"
