"""Draining the notification outbox: claim, send outside any transaction, mark.

1. Claim (one short transaction): due rows — pending with `next_attempt_at` reached, or
   stuck in "sending" longer than the claim timeout (a worker died after claiming) — are
   locked with `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent workers
   take disjoint rows, and marked "sending" with the worker's id; the attempt is counted.
2. Send, outside any transaction: email through Django's email backend (`EMAIL_URL`), SMS
   through `KETACARE_SMS_BACKEND`. Each message carries its `send_key` (the email's
   Message-ID and X-Ketacare-Send-Key header; the SMS backend's idempotency key).
3. Mark (another short transaction): sent; or, on failure, back to pending after an
   exponential backoff (base * 2**(attempts-1)), or dead after the last attempt — a dead
   notification raises a notification_failed alert to the clinic admins (a notification of
   a notification_failed alert that dies raises nothing more).
A crash between 1 and 3 leaves the row "sending": it is reclaimed after the timeout and
sent again, so delivery is at least once; the send key lets a receiver drop the repeat.
On SQLite (no row locks) one worker runs at a time (see ketacare.jobs.lease).

Its numbers are settings (KETACARE_OUTBOX_*, declared in settings.py with their defaults).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Q

from ketacare.alerts.models import Alert, AlertCause, AlertSeverity, Channel, Notification
from ketacare.alerts.models import NotificationStatus as St
from ketacare.alerts.services import raise_alert
from ketacare.alerts.sms import get_sms_backend
from ketacare.kernel import clock


def max_attempts() -> int:
    return int(settings.KETACARE_OUTBOX_MAX_ATTEMPTS)


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` failed tries: 60 s, 120 s, 240 s, ..."""
    base = int(settings.KETACARE_OUTBOX_BACKOFF_BASE_S)
    return timedelta(seconds=base * 2 ** max(attempts - 1, 0))


def claim_timeout() -> timedelta:
    return timedelta(seconds=int(settings.KETACARE_OUTBOX_CLAIM_TIMEOUT_S))


@dataclass
class DrainResult:
    sent: int = 0
    retried: int = 0
    dead: int = 0

    @property
    def claimed(self) -> int:
        return self.sent + self.retried + self.dead


def claim(worker_id: str, *, limit: int | None = None) -> list[Notification]:
    """Take up to `limit` due notifications for `worker_id` (status -> sending)."""
    limit = limit or int(settings.KETACARE_OUTBOX_BATCH)
    now = clock.now()
    due = Q(status=St.PENDING, next_attempt_at__lte=now) | Q(
        status=St.SENDING, claimed_at__lt=now - claim_timeout()
    )
    with transaction.atomic():
        rows = Notification.objects.filter(due).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        batch = list(rows[:limit])
        for row in batch:
            row.status = St.SENDING
            row.claimed_by = worker_id
            row.claimed_at = now
            row.attempts += 1
            row.save(update_fields=["status", "claimed_by", "claimed_at", "attempts"])
    return batch


def message_id(send_key: str) -> str:
    return f"<{hashlib.sha256(send_key.encode()).hexdigest()[:40]}@ketacare>"


def deliver(row: Notification) -> None:
    """Send one notification; any exception means it was not accepted."""
    if row.channel == Channel.EMAIL:
        EmailMessage(
            subject=row.subject or "ketacare: an alert needs you",
            body=row.body,
            to=[row.address],
            headers={"Message-ID": message_id(row.send_key), "X-Ketacare-Send-Key": row.send_key},
        ).send(fail_silently=False)
    else:
        get_sms_backend().send(to=row.address, body=row.body, send_key=row.send_key)


def mark_sent(row: Notification, worker_id: str) -> None:
    with transaction.atomic():
        Notification.objects.filter(pk=row.pk, status=St.SENDING, claimed_by=worker_id).update(
            status=St.SENT, sent_at=clock.now(), last_error=""
        )


def mark_failed(row: Notification, worker_id: str, error: str) -> bool:
    """Back to pending after the backoff, or dead after the last attempt (True when dead)."""
    with transaction.atomic():
        locked = (
            # Only the notification row: its alert may be empty (a sitter's code), and
            # PostgreSQL locks no nullable side of an outer join.
            Notification.objects.select_for_update(of=("self",))
            .select_related("alert__patient")
            .filter(pk=row.pk, status=St.SENDING, claimed_by=worker_id)
            .first()
        )
        if locked is None:  # reclaimed by another worker after our timeout
            return False
        locked.last_error = error[:1000]
        dead = locked.attempts >= max_attempts()
        if dead:
            locked.status = St.DEAD
        else:
            locked.status = St.PENDING
            locked.next_attempt_at = clock.now() + backoff(locked.attempts)
        locked.save(update_fields=["status", "last_error", "next_attempt_at"])
        # A dead one-time code raises nothing: the patient sees it did not come and asks
        # again, or the sitter confirms from their own sign-in.
        if (
            dead
            and locked.alert is not None
            and locked.alert.cause != AlertCause.NOTIFICATION_FAILED
        ):
            _raise_failed(locked, locked.alert)
    return dead


def _raise_failed(row: Notification, alert: Alert) -> None:
    raise_alert(
        patient=alert.patient,
        lead=alert.lead,
        clinic=alert.clinic if alert.patient is None and alert.lead is None else None,
        cause=AlertCause.NOTIFICATION_FAILED,
        severity=AlertSeverity.WARNING,
        subject=f"notification:{row.pk}",
        title=f"A notification could not be delivered ({row.channel})",
        message=f"The {row.channel} to {row.recipient_label} about alert {row.alert_id} "
        f"failed {row.attempts} times; last error: {row.last_error}",
        source="ketacare outbox",
        detail={"notification_id": row.pk, "alert_id": row.alert_id, "channel": row.channel},
    )


def drain(worker_id: str, *, limit: int | None = None) -> DrainResult:
    """Send every due notification, batch by batch, until none is due."""
    result = DrainResult()
    while batch := claim(worker_id, limit=limit):
        for row in batch:
            try:
                deliver(row)
            except Exception as exc:  # noqa: BLE001 - any backend failure is a failed try
                if mark_failed(row, worker_id, f"{type(exc).__name__}: {exc}"):
                    result.dead += 1
                else:
                    result.retried += 1
            else:
                mark_sent(row, worker_id)
                result.sent += 1
    return result
