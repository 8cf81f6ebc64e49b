"""One tick of `ketacare worker`: raise the facts that arise from time passing, then drain.

Each app derives its own facts (treatment.jobs: missed check-ins; alerts.jobs:
escalation; assessments.jobs: overdue questionnaires); the tick calls them in turn.
On SQLite only one worker may run: `WorkerLease` (one row) names the holder until it
expires; on PostgreSQL any number run at once (rows are claimed with SKIP LOCKED).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from ketacare.alerts.jobs import escalate_due
from ketacare.alerts.models import WorkerLease
from ketacare.alerts.outbox import DrainResult, drain
from ketacare.assessments.jobs import raise_overdue_questionnaires
from ketacare.treatment.jobs import raise_missed_check_ins

log = logging.getLogger("ketacare.alerts.worker")


@dataclass
class TickResult:
    missed_check_ins: int = 0
    escalated: int = 0
    overdue_questionnaires: int = 0
    auto_resolved: int = 0
    outbox: DrainResult = field(default_factory=DrainResult)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"missed check-ins raised: {self.missed_check_ins}, escalated: {self.escalated}, "
            f"overdue questionnaires raised: {self.overdue_questionnaires}, "
            f"auto-resolved: {self.auto_resolved}; notifications sent: {self.outbox.sent}, "
            f"retried: {self.outbox.retried}, dead: {self.outbox.dead}"
        )


def tick(worker_id: str) -> TickResult:
    """One pass of the four steps.

    A step that fails is logged and reported, and the others still run: a bad row in one
    query must not stop the outbox from draining.
    """
    now = timezone.now()
    result = TickResult()

    def missed() -> None:
        result.missed_check_ins = raise_missed_check_ins(now)

    def escalated() -> None:
        result.escalated = escalate_due(now)

    def overdue() -> None:
        result.overdue_questionnaires, result.auto_resolved = raise_overdue_questionnaires(now)

    def outbox() -> None:
        result.outbox = drain(worker_id)

    for step in (missed, escalated, overdue, outbox):
        try:
            step()
        except Exception as exc:
            log.exception("worker step %s failed", step.__name__)
            result.errors.append(f"{step.__name__}: {type(exc).__name__}: {exc}")
    return result


# --- The single-worker lease (SQLite) ----------------------------------------------------


def needs_lease() -> bool:
    """Whether this database needs the single-worker lease (it cannot skip locked rows)."""
    return not connection.features.has_select_for_update_skip_locked


def take_lease(worker_id: str, *, ttl: timedelta) -> bool:
    """Hold the lease until now + ttl, unless another worker holds a live one."""
    now = timezone.now()
    with transaction.atomic():
        lease, _ = WorkerLease.objects.select_for_update().get_or_create(pk=1)
        if (
            lease.holder
            and lease.holder != worker_id
            and lease.expires_at
            and lease.expires_at > now
        ):
            return False
        lease.holder = worker_id
        lease.expires_at = now + ttl
        lease.save()
    return True


def release_lease(worker_id: str) -> None:
    WorkerLease.objects.filter(pk=1, holder=worker_id).update(holder="", expires_at=None)
