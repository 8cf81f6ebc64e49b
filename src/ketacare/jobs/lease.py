"""The single-worker lease: on SQLite one `ketacare worker` runs at a time.

SQLite cannot claim outbox rows with `SELECT ... FOR UPDATE SKIP LOCKED`, so workers
there cannot share the outbox. The lease (the one `WorkerLease` row, kept by the alerts
app beside the outbox) names its holder until it expires: a worker that died gives way
after its time to live. On PostgreSQL no lease is needed and any number of workers run.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction

from ketacare.alerts.models import WorkerLease
from ketacare.kernel import clock


def needs_lease() -> bool:
    """Whether this database needs the single-worker lease (it cannot skip locked rows)."""
    return not connection.features.has_select_for_update_skip_locked


def take_lease(worker_id: str, *, ttl: timedelta) -> bool:
    """Hold the lease until now + ttl, unless another worker holds a live one."""
    now = clock.now()
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
