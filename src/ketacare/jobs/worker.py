"""One tick of `ketacare worker`: raise the facts that arise from time passing, then drain.

The apps own their facts (treatment.jobs: missed check-ins; alerts.jobs: escalation;
assessments.jobs: overdue questionnaires): each is a function of `now`, idempotent, that
counts the alerts it raised. The tick only calls them in turn, drains the notification
outbox, and reports the counts. It sits above every app it calls, so imports run down
only: no app has to reach up to the worker, nor the worker into an app's internals.
A new fact is one more step here and one more count in TickResult.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ketacare.alerts.jobs import escalate_due
from ketacare.alerts.outbox import DrainResult, drain
from ketacare.assessments.jobs import raise_overdue_questionnaires
from ketacare.assessments.reminders import queue_questionnaire_reminders
from ketacare.audit.verification import write_checkpoint
from ketacare.kernel import clock
from ketacare.treatment.jobs import raise_missed_check_ins, raise_window_facts
from ketacare.treatment.reminders import queue_session_reminders

log = logging.getLogger("ketacare.jobs.worker")


@dataclass
class TickResult:
    missed_check_ins: int = 0
    window: int = 0  # readings missed, re-measures missed, windows not ended
    escalated: int = 0
    overdue_questionnaires: int = 0
    auto_resolved: int = 0
    reminders: int = 0  # messages queued: sessions ahead, questionnaires due
    outbox: DrainResult = field(default_factory=DrainResult)
    audit_checkpoint: int | None = None  # the seq a signed audit checkpoint was written at
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"missed check-ins raised: {self.missed_check_ins}, "
            f"observation window alerts raised: {self.window}, escalated: {self.escalated}, "
            f"overdue questionnaires raised: {self.overdue_questionnaires}, "
            f"auto-resolved: {self.auto_resolved}, reminders queued: {self.reminders}; "
            f"notifications sent: {self.outbox.sent}, "
            f"retried: {self.outbox.retried}, dead: {self.outbox.dead}"
        )


def _reminder_steps(now: datetime, result: TickResult) -> tuple[Callable[[], None], ...]:
    """The reminders' steps: each queues its messages, due now or after quiet hours."""

    def session_reminders() -> None:
        result.reminders += queue_session_reminders(now)

    def questionnaire_reminders() -> None:
        result.reminders += queue_questionnaire_reminders(now)

    return (session_reminders, questionnaire_reminders)


def tick(worker_id: str) -> TickResult:
    """One pass of the steps; the last signs an audit checkpoint (audit.checkpoints).

    A step that fails is logged and reported, and the others still run: a bad row in one
    query must not stop the outbox from draining.
    """
    now = clock.now()
    result = TickResult()

    def missed() -> None:
        result.missed_check_ins = raise_missed_check_ins(now)

    def window() -> None:
        result.window = raise_window_facts(now)

    def escalated() -> None:
        result.escalated = escalate_due(now)

    def overdue() -> None:
        result.overdue_questionnaires, result.auto_resolved = raise_overdue_questionnaires(now)

    def outbox() -> None:
        result.outbox = drain(worker_id)

    def audit_checkpoint() -> None:
        # Last, so it anchors what this tick wrote; it refuses to sign a broken chain.
        written = write_checkpoint(now)
        result.audit_checkpoint = written.seq if written else None

    reminders = _reminder_steps(now, result)
    for step in (missed, window, escalated, overdue, *reminders, outbox, audit_checkpoint):
        try:
            step()
        except Exception as exc:
            log.exception("worker step %s failed", step.__name__)
            result.errors.append(f"{step.__name__}: {type(exc).__name__}: {exc}")
    return result
