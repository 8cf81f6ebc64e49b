"""Destroying the clinic's stock, before two witnesses who each confirm from their own account.

A pharmacist records what was destroyed (a lot, how many units), how and why, naming two
witnesses: each another person of the clinic who may handle the substance (the row
`witness_destruction` of kernel.policy), neither the pharmacist, not the same person
twice. The units leave the book at once (a DESTROYED movement, under the lot's lock):
they are gone. The record is complete only when each witness has confirmed it, signed in
as themself; until then every page shows whose confirmation it awaits.

21 CFR 1304.21(e) and 1317.95: a registrant's record of controlled substances destroyed
(DEA Form 41) names the substance and quantity, the method of destruction, and is
signed by two authorised employees of the registrant who witnessed the destruction.
"""

from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone

from ketacare.accounts.models import User
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock, policy, usecase
from ketacare.kernel.errors import NotAllowed, NotFound
from ketacare.kernel.usecase import use_case
from ketacare.pharmacy.errors import DestructionAlreadyConfirmed
from ketacare.pharmacy.models import Destruction, Lot, MovementKind
from ketacare.pharmacy.specs.destruction import DestructionSpec
from ketacare.pharmacy.stock import locked_lot, post

if TYPE_CHECKING:
    from datetime import datetime

# The two slots of a destruction, in the order its record names them.
FIRST, SECOND = "first", "second"


@use_case("destroy_stock")
def destroy_stock(actor: User, lot: Lot, spec: DestructionSpec) -> Destruction:
    """Units of the lot destroyed before two witnesses; pending until both confirm.

    Refused with nothing stored: a field the lot or the clinic judges (ValidationError:
    halves of a product that is not scored, a witness who may not witness), or more units
    than the lot holds (LotShort).
    """
    if not Lot.objects.visible_to(actor).filter(pk=lot.pk).exists():
        raise NotFound("No such lot.")
    first, second = _refuse_fields(actor, lot, spec)
    locked = locked_lot(lot.pk)
    movement = post(
        locked,
        kind=MovementKind.DESTROYED,
        change=-spec.quantity,
        actor=actor,
        note=f"{spec.method.label}; {spec.reason.label.lower()}. {spec.note}".strip(),
    )
    destruction = Destruction.objects.create(
        clinic_id=locked.clinic_id,
        lot=locked,
        quantity=spec.quantity,
        method=spec.method,
        reason=spec.reason,
        note=spec.note,
        destroyed_by=actor,
        destroyed_at=movement.at,
        movement=movement,
        first_witness=first,
        second_witness=second,
    )
    detail = {
        "lot": locked.lot_number,
        "quantity": str(spec.quantity),
        "method": str(spec.method),
        "reason": str(spec.reason),
        "witness_ids": [first.pk, second.pk],
    }
    usecase.note(Event.about(AuditAction.CREATE, destruction, detail=detail))
    return destruction


@use_case("witness_destruction")
def confirm_destruction(actor: User, destruction: Destruction) -> Destruction:
    """A named witness confirms the destruction, from their own account, once."""
    row = (
        Destruction.objects.visible_to(actor)
        .select_for_update(no_key=True)
        .filter(pk=destruction.pk)
        .first()
    )
    if row is None:
        raise NotFound("No such destruction.")
    slot = witness_slot(actor, row)
    if slot is None:
        raise NotAllowed(
            f"Only the witnesses named on this destruction, {_names(row)}, may confirm it, "
            "each signed in to their own account."
        )
    confirmed_at: datetime | None = getattr(row, f"{slot}_confirmed_at")
    if confirmed_at is not None:
        raise DestructionAlreadyConfirmed(
            f"You confirmed this destruction on {_local(confirmed_at, row)}: a witness "
            "confirms once, and there is nothing more for you to do."
        )
    setattr(row, f"{slot}_confirmed_at", clock.now())
    row.save(update_fields=[f"{slot}_confirmed_at"])
    detail = {"witness": slot, "complete": row.is_complete}
    usecase.note(Event.about(AuditAction.UPDATE, row, detail=detail))
    return row


def witness_slot(user: User, destruction: Destruction) -> str | None:
    """FIRST or SECOND when `user` is one of the destruction's witnesses, else None."""
    if user.pk == destruction.first_witness_id:
        return FIRST
    if user.pk == destruction.second_witness_id:
        return SECOND
    return None


def _refuse_fields(actor: User, lot: Lot, spec: DestructionSpec) -> tuple[User, User]:
    """The fields the lot and the clinic judge (ValidationError, every one); the witnesses."""
    refused: dict[str, str] = {}
    if spec.quantity % lot.ledger_step:
        refused["quantity"] = f"Count whole {lot.unit_word}: only a scored tablet is halved."
    first = _witness(actor, lot, spec.first_witness_id, "first_witness_id", refused)
    second = _witness(actor, lot, spec.second_witness_id, "second_witness_id", refused)
    if spec.first_witness_id == spec.second_witness_id and "second_witness_id" not in refused:
        refused["second_witness_id"] = (
            "The two witnesses are two different people: name someone else as the second."
        )
    if refused or first is None or second is None:
        raise ValidationError(refused)
    return first, second


def _witness(
    actor: User, lot: Lot, witness_id: int, field: str, refused: dict[str, str]
) -> User | None:
    """The witness: another active person of the lot's clinic who may handle the substance."""
    handlers = policy.rule("witness_destruction").staff
    witness = User.objects.filter(pk=witness_id, clinic_id=lot.clinic_id, is_active=True).first()
    if witness_id == actor.pk:
        refused[field] = "A witness is someone other than the person destroying the units."
    elif witness is None or not {str(r) for r in witness.roles} & handlers:
        refused[field] = f"A witness is a {_either(handlers)} of this clinic with a sign-in."
    return witness


def _either(roles: frozenset[str]) -> str:
    """("clinician", "pharmacist", "prescriber") as "clinician, pharmacist or prescriber"."""
    names = sorted(roles)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _names(destruction: Destruction) -> str:
    return f"{destruction.first_witness.display_name} and {destruction.second_witness.display_name}"


def _local(moment: datetime, destruction: Destruction) -> str:
    """A moment on the clinic's clock, as its people read it: "7 December 2026 at 18:05"."""
    zone = zoneinfo.ZoneInfo(str(destruction.clinic.timezone))
    return f"{timezone.localtime(moment, zone):%d %B %Y at %H:%M}"
