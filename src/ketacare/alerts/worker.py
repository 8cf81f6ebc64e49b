"""One tick of `ketacare worker`: derive the facts that arise from time passing, then drain.

Facts are derived by queries, not timers, so a worker that was down catches up on its
next tick and two ticks never raise the same alert twice (the dedupe key, and a fact that
already has an alert — even a resolved one — is not raised again):
- a dose taken with no post-dose check-in by the session's `check_in_due_at` plus the
  grace (`KETACARE_CHECK_IN_GRACE_MIN`, ketacare default 0) -> missed_check_in, urgent,
  to level 1 of the roster and the session's sitter (the rule: clinical.safety.
  check_in_status). Doses whose deadline passed more than `KETACARE_MISSED_CHECK_IN_
  LOOKBACK_H` hours ago (ketacare default 24) are not raised: the first run of a new
  installation must not page anyone about last month;
- urgent/emergency alerts not acknowledged by `next_escalation_at` -> the next roster level;
- questionnaires overdue (assessments.services.due_questionnaires) for patients in
  induction or maintenance -> questionnaire_overdue, warning; resolved automatically
  once the questionnaire is no longer overdue.
On SQLite only one worker may run: `WorkerLease` (one row) names the holder until it
expires; on PostgreSQL any number run at once (rows are claimed with SKIP LOCKED).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ketacare.alerts.models import Alert, AlertCause, AlertSeverity, AlertStatus, WorkerLease
from ketacare.alerts.outbox import DrainResult, drain
from ketacare.alerts.services import escalate_alert, raise_alert, resolve_alerts
from ketacare.clinical.safety import check_in_status
from ketacare.patients.models import Patient, Sitter
from ketacare.patients.phases import Phase
from ketacare.treatment.models import DosingSession, SessionStatus

log = logging.getLogger("ketacare.alerts.worker")


def _minutes(name: str, default: int) -> timedelta:
    value: int = getattr(settings, name, default)
    return timedelta(minutes=value)


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


def _known_keys(keys: list[str]) -> set[str]:
    return set(Alert.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))


def _session_sitters(session: DosingSession) -> list[Sitter]:
    """The sitter who attested with their sign-in, else the patient's sitter of that name.

    A name on the checklist that matches no sitter on file reaches nobody by SMS (there is
    no number to text); the on-call clinician is paged either way.
    """
    if session.sitter is not None:
        return [session.sitter]
    name = session.sitter_name.strip()
    if not name:
        return []
    return list(session.patient.sitters.filter(name__iexact=name))


def raise_missed_check_ins(now: datetime) -> int:
    grace = _minutes("KETACARE_CHECK_IN_GRACE_MIN", 0)
    lookback = _minutes("KETACARE_MISSED_CHECK_IN_LOOKBACK_H", 24) * 60
    sessions = list(
        DosingSession.objects.filter(
            status=SessionStatus.DOSED,
            taken_at__isnull=False,
            check_in_due_at__lt=now - grace,
            check_in_due_at__gte=now - lookback,
        )
        .select_related("patient", "sitter")
        .order_by("check_in_due_at", "pk")
    )
    known = _known_keys([f"{AlertCause.MISSED_CHECK_IN}:session:{s.pk}" for s in sessions])
    raised = 0
    for session in sessions:
        if f"{AlertCause.MISSED_CHECK_IN}:session:{session.pk}" in known:
            continue
        if session.taken_at is None or session.check_in_due_at is None:
            continue  # the database constraint rules this out for dosed sessions
        finding = check_in_status(
            session.taken_at,
            None,
            now,
            deadline=session.check_in_due_at - session.taken_at,
            grace=grace,
        )
        if finding is None:
            continue
        with transaction.atomic():
            # The check-in may have arrived since the query: look again under the lock.
            locked = DosingSession.objects.select_for_update().get(pk=session.pk)
            key = f"{AlertCause.MISSED_CHECK_IN}:session:{session.pk}"
            if (
                locked.status != SessionStatus.DOSED
                or Alert.objects.filter(dedupe_key=key).exists()
            ):
                continue  # checked in, or another worker raised it meanwhile
            raise_alert(
                patient=session.patient,
                cause=AlertCause.MISSED_CHECK_IN,
                severity=AlertSeverity(finding.severity.value),
                subject=f"session:{session.pk}",
                title="Missed post-dose check-in",
                message=finding.message,
                source=finding.source,
                detail={"session_id": session.pk},
                sitters=_session_sitters(session),
            )
        raised += 1
    return raised


def escalate_due(now: datetime) -> int:
    due = Alert.objects.filter(
        status=AlertStatus.OPEN, next_escalation_at__isnull=False, next_escalation_at__lte=now
    ).order_by("next_escalation_at", "pk")
    count = 0
    for alert in due:
        before = alert.escalation_level
        if escalate_alert(alert).escalation_level > before:
            count += 1
    return count


def raise_overdue_questionnaires(now: datetime) -> tuple[int, int]:
    """(raised, auto-resolved) questionnaire_overdue alerts."""
    from ketacare.assessments.services import due_questionnaires  # noqa: PLC0415

    raised = resolved = 0
    patients = Patient.objects.filter(
        Q(phase__in=[Phase.INDUCTION.value, Phase.MAINTENANCE.value])
        | Q(alerts__cause=AlertCause.QUESTIONNAIRE_OVERDUE, alerts__status=AlertStatus.OPEN)
    ).distinct()
    for patient in patients:
        in_treatment = patient.phase in (Phase.INDUCTION.value, Phase.MAINTENANCE.value)
        overdue = (
            [i for i in due_questionnaires(patient, at=now) if i.overdue] if in_treatment else []
        )
        subjects = {f"{i.instrument}:{i.due_at.date().isoformat()}": i for i in overdue}
        prefix = f"{AlertCause.QUESTIONNAIRE_OVERDUE}:"
        for alert in Alert.objects.filter(
            patient=patient, cause=AlertCause.QUESTIONNAIRE_OVERDUE
        ).exclude(status=AlertStatus.RESOLVED):
            subject = alert.dedupe_key.removeprefix(prefix)
            if subject not in subjects:
                resolved += resolve_alerts(
                    cause=AlertCause.QUESTIONNAIRE_OVERDUE,
                    subject=subject,
                    note="The questionnaire is no longer overdue.",
                )
        known = _known_keys([prefix + s for s in subjects])
        for subject, item in subjects.items():
            if prefix + subject in known:
                continue
            raise_alert(
                patient=patient,
                cause=AlertCause.QUESTIONNAIRE_OVERDUE,
                severity=AlertSeverity.WARNING,
                subject=subject,
                title=f"{item.instrument} questionnaire overdue",
                message=f"The {item.instrument} questionnaire was due "
                f"{item.due_at:%Y-%m-%d %H:%M} UTC. {item.reason}".strip(),
                source="ketacare questionnaire schedule",
                detail={"instrument": item.instrument, "due_at": item.due_at.isoformat()},
            )
            raised += 1
    return raised, resolved


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
