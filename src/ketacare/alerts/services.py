"""Raising, acknowledging and resolving alerts.

`raise_alert` and `resolve_alerts` are called by the other apps' services inside their
own transaction, so the alert (and its outbox rows) exist exactly when the fact does;
`escalate_alert` by the worker. `acknowledge_alert` and `resolve_alert` are the use
cases of a person in the inbox: (actor, alert, spec). Every status change writes an
audit entry; the entry names the cause and severity, never the health values behind them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.urls import reverse

from ketacare.alerts.errors import AlertStateError
from ketacare.alerts.models import (
    SEVERITY_RANK,
    Alert,
    AlertCause,
    AlertSeverity,
    AlertStatus,
    Channel,
    Notification,
    NotificationStatus,
)
from ketacare.alerts.recipients import (
    Recipient,
    clinic_admins,
    escalation_delay_min,
    roster_levels,
    sitter_recipients,
    staff_recipients,
)
from ketacare.alerts.specs import AcknowledgeSpec, ResolveSpec
from ketacare.audit.log import Event, record
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock, usecase
from ketacare.kernel.errors import NotFound
from ketacare.kernel.usecase import use_case

if TYPE_CHECKING:
    from ketacare.accounts.models import Clinic, User
    from ketacare.patients.models import Patient, Sitter

__all__ = [
    "AlertCause",
    "AlertSeverity",
    "AlertStatus",
    "acknowledge_alert",
    "escalate_alert",
    "queue_text",
    "raise_alert",
    "resolve_alert",
    "resolve_alerts",
]

# Causes whose notifications go to the clinic admins instead of the roster (a dead-lettered
# notification: the roster may be exactly who could not be reached).
_ADMIN_CAUSES = frozenset({AlertCause.NOTIFICATION_FAILED})
# Severities that notify people (the roster, sitters); info and warning alerts wait in the
# inbox (an overdue questionnaire must not page the on-call clinician at night).
_PAGING = frozenset({AlertSeverity.URGENT, AlertSeverity.EMERGENCY})


def sign_in_url() -> str:
    base = str(settings.KETACARE_SITE_URL)
    return base.rstrip("/") + reverse("login")


def _staff_body(severity: str) -> str:
    article = "an" if severity in (AlertSeverity.URGENT, AlertSeverity.EMERGENCY) else "a"
    return f"ketacare: {article} {severity} alert needs you. Sign in: {sign_in_url()}"


def _sitter_body(alert: Alert) -> str:
    phone = alert.clinic.on_call_phone
    if alert.severity == AlertSeverity.EMERGENCY:
        return (
            "ketacare: go to the person you are sitting for now. If they are very unwell, "
            f"call {alert.clinic.emergency_number}; then call their clinic on {phone}."
        )
    return (
        "ketacare: please check on the person you are sitting for now, "
        f"and call their clinic on {phone}."
    )


def _notify(alert: Alert, recipients: Iterable[Recipient], *, reason: str) -> list[Notification]:
    """Outbox rows for `recipients` not yet notified about this alert (same transaction)."""
    at = clock.now()
    already = set(
        Notification.objects.filter(alert=alert)
        .exclude(status=NotificationStatus.CANCELLED)
        .values_list("channel", "address")
    )
    created = []
    for r in recipients:
        if (r.channel, r.address) in already:
            continue
        already.add((r.channel, r.address))
        body = _sitter_body(alert) if r.is_sitter else _staff_body(alert.severity)
        created.append(
            Notification.objects.create(
                alert=alert,
                recipient=r.user,
                recipient_label=r.label,
                channel=r.channel,
                address=r.address,
                body=body,
                next_attempt_at=at,
                created_at=at,
                send_key=_send_key(alert, reason, r),
            )
        )
    return created


def _send_key(alert: Alert, reason: str, recipient: Recipient) -> str:
    """The idempotent send key: which alert, why, to whom (hashed: it goes to providers)."""
    to = hashlib.sha256(f"{recipient.channel}:{recipient.address}".encode()).hexdigest()[:16]
    return f"alert:{alert.pk}:{reason}:{recipient.channel}:{to}"


def queue_text(*, to: str, label: str, body: str, send_key: str) -> Notification:
    """A text message that is not about an alert (a sitter's one-time code), in the outbox.

    Written in the caller's transaction and sent by the worker like every notification;
    the body holds no health detail.
    """
    return Notification.objects.create(
        alert=None,
        recipient_label=label,
        channel=Channel.SMS,
        address=to,
        body=body,
        next_attempt_at=clock.now(),
        send_key=send_key,
    )


def _schedule(alert: Alert) -> None:
    delay = escalation_delay_min(alert.clinic, alert.severity)
    alert.next_escalation_at = None if delay is None else clock.now() + timedelta(minutes=delay)


def _notify_at_raise(alert: Alert, sitters: Iterable[Sitter], *, reason: str) -> None:
    if alert.cause in _ADMIN_CAUSES:
        _notify(alert, staff_recipients(clinic_admins(alert.clinic)), reason=reason)
        return
    if alert.severity not in _PAGING:
        return  # the inbox only: nobody is paged for info and warning alerts
    levels = roster_levels(alert.clinic, clock.now())
    first = 2 if alert.severity == AlertSeverity.EMERGENCY else 1
    reached = levels[:first]
    recipients = [r for people in reached for r in staff_recipients(people)]
    recipients += sitter_recipients(list(sitters))
    _notify(alert, recipients, reason=reason)
    alert.escalation_level = max(alert.escalation_level, len(reached))


def raise_alert(  # noqa: PLR0913 - the fixed interface of the other apps
    *,
    patient: Patient | None = None,
    lead: Model | None = None,
    clinic: Clinic | None = None,
    cause: AlertCause | str,
    severity: AlertSeverity | str,
    subject: str,
    title: str,
    message: str,
    source: str = "",
    detail: dict[str, Any] | None = None,
    sitters: Iterable[Sitter] = (),
) -> Alert:
    """Raise (or find) the alert for one fact; call inside the caller's transaction.

    Idempotent: an unresolved alert with the same key ("<cause>:<subject>") is returned
    unchanged, or upgraded when `severity` is higher (the new recipients are notified).
    The outbox rows are written in the same transaction. `sitters` are also notified (by
    SMS): the worker passes the session's sitter for a missed check-in. An alert is about
    a `patient`, a screening `lead` (no record yet), or the `clinic` (CLINIC_CAUSES: its stock).
    """
    about = _about(patient, lead, clinic)
    cause = AlertCause(cause)
    severity = AlertSeverity(severity)
    key = f"{cause}:{subject}"
    sitters = list(sitters)
    fields = {"title": title[:200], "message": message, "source": source[:200]}
    with transaction.atomic():
        existing = _unresolved(key)
        if existing is not None:
            return _maybe_upgrade(existing, severity, sitters)
        alert, created = _insert_or_raced(
            key, about, cause, severity, detail=detail or {}, **fields
        )
        if not created:
            return _maybe_upgrade(alert, severity, sitters)
        _announce(alert, sitters)
    return alert


def _about(patient: Patient | None, lead: Model | None, clinic: Clinic | None) -> dict[str, Any]:
    """The alert's clinic and subject: a patient, a screening lead, or the clinic itself."""
    if (patient is not None) + (lead is not None) + (clinic is not None) != 1:
        raise ValueError("An alert is about one of: a patient, a screening lead, the clinic.")
    clinic_id = clinic.pk if clinic is not None else getattr(patient or lead, "clinic_id", None)
    return {"clinic_id": clinic_id, "patient": patient, "lead": lead}


def _insert_or_raced(
    key: str, about: dict[str, Any], cause: AlertCause, severity: AlertSeverity, **fields: Any
) -> tuple[Alert, bool]:
    """(the new alert, True), or (the one another transaction raised first, False)."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                **about,
                cause=cause,
                severity=severity,
                dedupe_key=key,
                raised_at=clock.now(),
                **fields,
            )
    except IntegrityError:
        existing = _unresolved(key)
        if existing is None:
            raise
        return existing, False
    return alert, True


def _announce(alert: Alert, sitters: list[Sitter]) -> None:
    """Notify, schedule the escalation and audit a newly raised alert."""
    _notify_at_raise(alert, sitters, reason="raised")
    _schedule(alert)
    alert.save(update_fields=["escalation_level", "next_escalation_at"])
    cause, severity = AlertCause(alert.cause).value, AlertSeverity(alert.severity).value
    detail = {"cause": cause, "severity": severity, "key": alert.dedupe_key}
    record(Event.about(AuditAction.CREATE, alert, detail=detail))


def _unresolved(key: str) -> Alert | None:
    return (
        Alert.objects.select_for_update(no_key=True)
        .select_related("clinic")
        .filter(dedupe_key=key)
        .exclude(status=AlertStatus.RESOLVED)
        .first()
    )


def _maybe_upgrade(alert: Alert, severity: AlertSeverity, sitters: list[Sitter]) -> Alert:
    if SEVERITY_RANK[severity] <= alert.severity_rank:
        return alert
    before = alert.severity
    alert.severity = severity
    _notify_at_raise(alert, sitters, reason=f"upgraded-{severity}")
    if alert.status == AlertStatus.OPEN:
        _schedule(alert)
    alert.save(update_fields=["severity", "escalation_level", "next_escalation_at"])
    record(
        Event.about(
            AuditAction.UPDATE,
            alert,
            detail={"change": "severity", "from": before, "to": severity.value},
        )
    )
    return alert


def _cancel_pending(alert: Alert) -> None:
    Notification.objects.filter(alert=alert, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.CANCELLED
    )


def resolve_alerts(
    *, cause: AlertCause | str, subject: str, note: str, actor: User | None = None
) -> int:
    """Resolve the unresolved alert of this fact (e.g. the check-in arrived); how many."""
    key = f"{AlertCause(cause)}:{subject}"
    count = 0
    with transaction.atomic():
        for alert in (
            Alert.objects.select_for_update(no_key=True)
            .filter(dedupe_key=key)
            .exclude(status=AlertStatus.RESOLVED)
        ):
            record(_resolve(alert, note=note, actor=actor, automatic=True), actor=actor)
            count += 1
    return count


def _resolve(alert: Alert, *, note: str, actor: User | None, automatic: bool) -> Event:
    """Close `alert` (locked by the caller); the audit event for the caller to write."""
    before = alert.status
    alert.status = AlertStatus.RESOLVED
    alert.resolved_by = actor
    alert.resolved_at = clock.now()
    alert.resolved_note = note
    alert.next_escalation_at = None
    alert.save(
        update_fields=[
            "status",
            "resolved_by",
            "resolved_at",
            "resolved_note",
            "next_escalation_at",
        ]
    )
    _cancel_pending(alert)
    detail = {"change": "resolved", "from": before, "automatic": automatic}
    return Event.about(AuditAction.UPDATE, alert, detail=detail)


def _locked(actor: User, alert: Alert) -> Alert:
    """The alert, locked, if the actor (staff, by the use case's roles) may see it."""
    visible = Alert.objects.visible_to(actor).select_for_update(no_key=True)
    locked = visible.filter(pk=alert.pk).first()
    if locked is None:
        raise NotFound("No such alert.")
    return locked


@use_case("acknowledge_alert")
def acknowledge_alert(actor: User, alert: Alert, spec: AcknowledgeSpec) -> Alert:
    """Someone has seen the alert and is acting on it: escalation stops."""
    locked = _locked(actor, alert)
    if locked.status != AlertStatus.OPEN:
        raise AlertStateError(f"The alert is {locked.status}, not open.", field="status")
    locked.status = AlertStatus.ACKNOWLEDGED
    locked.acknowledged_by = actor
    locked.acknowledged_at = clock.now()
    locked.acknowledged_note = spec.note
    locked.next_escalation_at = None
    locked.save(
        update_fields=[
            "status",
            "acknowledged_by",
            "acknowledged_at",
            "acknowledged_note",
            "next_escalation_at",
        ]
    )
    detail = {"change": "acknowledged", "from": "open"}
    usecase.note(Event.about(AuditAction.UPDATE, locked, detail=detail))
    return locked


@use_case("resolve_alert")
def resolve_alert(actor: User, alert: Alert, spec: ResolveSpec) -> Alert:
    """A person closes the alert, saying how."""
    locked = _locked(actor, alert)
    if locked.status == AlertStatus.RESOLVED:
        raise AlertStateError("The alert is already resolved.", field="status")
    usecase.note(_resolve(locked, note=spec.note, actor=actor, automatic=False))
    return locked


def escalate_alert(alert: Alert) -> Alert:
    """Notify the next roster level of an unacknowledged alert and schedule the next step.

    Called by the worker for alerts past `next_escalation_at`; after the last level (the
    medical director) nothing is scheduled any more.
    """
    with transaction.atomic():
        locked = (
            Alert.objects.select_for_update(no_key=True)
            .select_related("clinic")
            .filter(pk=alert.pk, status=AlertStatus.OPEN, next_escalation_at__isnull=False)
            .first()
        )
        if locked is None or locked.next_escalation_at is None:
            return alert
        if locked.next_escalation_at > clock.now():
            return locked
        levels = roster_levels(locked.clinic, clock.now())
        level = locked.escalation_level + 1
        if level > len(levels):
            locked.next_escalation_at = None
            locked.save(update_fields=["next_escalation_at"])
            return locked
        _notify(locked, staff_recipients(levels[level - 1]), reason=f"level-{level}")
        locked.escalation_level = level
        if level < len(levels):
            _schedule(locked)
        else:
            locked.next_escalation_at = None
        locked.save(update_fields=["escalation_level", "next_escalation_at"])
        record(
            Event.about(AuditAction.UPDATE, locked, detail={"change": "escalated", "level": level})
        )
    return locked
