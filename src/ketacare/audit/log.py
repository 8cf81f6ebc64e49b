"""Writing the audit chain (verifying it: audit.verification, re-exported here).

Every entry is written as chain version 2: its hash is an HMAC under the audit key's
signing key (audit.keys), and it names that key's id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from ketacare.audit.chain import GENESIS_HASH, KEYED, keyed_hash
from ketacare.audit.context import current
from ketacare.audit.keys import keyring
from ketacare.audit.models import AuditAction, AuditEntry, AuditHead
from ketacare.audit.verification import Verification, verify
from ketacare.kernel import clock

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ketacare.accounts.models import User


@dataclass(frozen=True)
class Event:
    """One thing to record: what was done to which object of which patient."""

    action: AuditAction
    object_type: str = ""
    object_id: str = ""
    patient_id: int | None = None
    clinic_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def about(
        cls,
        action: AuditAction,
        obj: models.Model,
        *,
        patient_id: int | None = None,
        clinic_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> Event:
        """An event about a model instance; patient and clinic are read off it when it has them."""
        if patient_id is None:
            patient_id = _patient_id_of(obj)
        if clinic_id is None:
            clinic_id = getattr(obj, "clinic_id", None)
        return cls(
            action=action,
            object_type=obj._meta.label,
            object_id=str(obj.pk),
            patient_id=patient_id,
            clinic_id=clinic_id,
            detail=detail or {},
        )


def _patient_id_of(obj: models.Model) -> int | None:
    if obj._meta.label == "patients.Patient":
        return obj.pk  # type: ignore[no-any-return]
    value = getattr(obj, "patient_id", None)
    return value if isinstance(value, int) else None


def _actor(user: User | AnonymousUser | None) -> tuple[int | None, str, str, int | None]:
    """(actor id, label, roles, clinic id) of `user`, or of whoever acts in this context."""
    ctx = current()
    if user is None:
        user = ctx.user
    if user is not None and user.is_authenticated:
        return user.pk, user.get_username(), user.role_label, user.clinic_id
    return None, ctx.label or "anonymous", "", None


def record(event: Event, *, actor: User | AnonymousUser | None = None) -> AuditEntry:
    return record_many([event], actor=actor)[0]


def record_many(
    events: Sequence[Event], *, actor: User | AnonymousUser | None = None
) -> list[AuditEntry]:
    """Append events to the chain, in order, inside the caller's transaction.

    `actor` is who acts (services pass theirs); without it, the user of the
    current request or command context.
    """
    if not events:
        return []
    ctx = current()
    actor_id, actor_label, role, actor_clinic = _actor(actor)
    at = clock.now()
    keys = keyring()
    with transaction.atomic():
        head = _lock_head()
        seq, prev = head.seq, head.hash
        entries = []
        for event in events:
            seq += 1
            fields: dict[str, Any] = {
                "seq": seq,
                "at": at,
                "actor_id": actor_id,
                "actor_label": actor_label,
                "role": role,
                "action": str(event.action),
                "object_type": event.object_type,
                "object_id": event.object_id,
                "patient_id": event.patient_id,
                "clinic_id": event.clinic_id if event.clinic_id is not None else actor_clinic,
                "request_id": ctx.request_id,
                "ip_address": ctx.ip_address,
                "detail": event.detail,
                "prev_hash": prev,
                "version": KEYED,
                "key_id": keys.signing_id,
            }
            prev = keyed_hash(fields, keys.signing)
            entries.append(AuditEntry(hash=prev, **fields))
        AuditEntry.objects.bulk_create(entries, batch_size=1000)
        AuditHead.objects.filter(pk=head.pk).update(seq=seq, hash=prev)
    return entries


def _lock_head() -> AuditHead:
    # The head row is created on first use (a test flush or a fresh database has
    # none); ignore_conflicts makes two first writers safe on PostgreSQL.
    AuditHead.objects.bulk_create(
        [AuditHead(pk=1, seq=0, hash=GENESIS_HASH)], ignore_conflicts=True
    )
    return AuditHead.objects.select_for_update().get(pk=1)


__all__ = ["Event", "Verification", "record", "record_many", "verify"]
