"""Recalls: a lot is recalled, and each patient who received units of it is called.

Recalling a lot marks it recalled (who, when, why, the recall's number) and, in the same
transaction, raises one task per patient whose net units of the lot (their dispenses
from it less the dispenses voided, in the stock book) are above zero. From then on
nothing is dispensed from it (pharmacy.stock.refuse_unless_dispensable). The clinic keeps
the stock of a recalled lot until it is returned to its supplier or destroyed.

Whoever calls a patient records the outcome once: what the patient was told, what they
hold of the lot, and what they will do with it. (A recall reaches every consignee of the
product, here every patient who received it, and the reference is the recall's number as
the firm or the FDA gives it: 21 CFR Part 7, subpart C, recall communications 7.49.)

Lock order: the lot first (a dispense from it at the same moment locks it too, and so
reads the recall, or is read by it), then the audit head; a task alone is locked to
record its call.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock, usecase
from ketacare.kernel.errors import NotFound
from ketacare.kernel.usecase import use_case
from ketacare.patients.access import require
from ketacare.pharmacy import stock
from ketacare.pharmacy.errors import LotRecalledAlready, RecallTaskDone
from ketacare.pharmacy.models import Lot, RecallTask
from ketacare.pharmacy.queries.recalls import NO_SUCH_LOT, clinic_lots, recipients
from ketacare.pharmacy.specs.recalls import RecallOutcomeSpec, RecallSpec

if TYPE_CHECKING:
    from ketacare.accounts.models import User


def _day(lot: Lot, at: datetime | None) -> str:
    """The day of `at` on the calendar of the lot's clinic (its time zone), in words."""
    if at is None:
        return ""
    local = at.astimezone(ZoneInfo(str(lot.clinic.timezone)))
    return f"{local.day} {local:%B %Y}"


@use_case("recall_lot")
def recall_lot(actor: User, lot: Lot, spec: RecallSpec) -> Lot:
    """Recall a lot of the actor's clinic, and raise a task per patient who holds units of it.

    Refused (LotRecalledAlready) for a lot recalled already: its tasks were raised then.
    Another clinic's lot is not found (NotFound).
    """
    if actor.clinic_id != lot.clinic_id or not clinic_lots(actor).filter(pk=lot.pk).exists():
        raise NotFound(NO_SUCH_LOT)
    locked = stock.locked_lot(lot.pk)
    if locked.is_recalled:
        raise LotRecalledAlready(
            f"Lot {locked.lot_number} was recalled on {_day(locked, locked.recalled_at)} "
            f"({locked.recall_reference}): call the patients on its open recall tasks."
        )
    at = clock.now()
    locked.recalled_at, locked.recalled_by = at, actor
    locked.recall_reason, locked.recall_reference = spec.reason, spec.reference
    locked.save(update_fields=["recalled_at", "recalled_by", "recall_reason", "recall_reference"])
    tasks = RecallTask.objects.bulk_create(
        RecallTask(
            clinic_id=locked.clinic_id,
            lot=locked,
            patient_id=received.patient_id,
            units_received=received.units,
            raised_at=at,
        )
        for received in recipients(locked)
    )
    usecase.note(
        Event.about(
            AuditAction.UPDATE,
            locked,
            detail={
                "recalled": True,
                "lot_number": locked.lot_number,
                "reference": spec.reference,
                "tasks": len(tasks),
                "patients": [task.patient_id for task in tasks],
            },
        )
    )
    return locked


@use_case("complete_recall_task")
def complete_recall_task(actor: User, task: RecallTask, spec: RecallOutcomeSpec) -> RecallTask:
    """Record the call to the patient of a recall task: the outcome, once.

    Refused (RecallTaskDone) when its call is recorded already.
    """
    require(actor, task.patient, "complete_recall_task")
    locked = RecallTask.objects.select_for_update(no_key=True).select_related("lot").get(pk=task.pk)
    if locked.is_done:
        raise RecallTaskDone(
            f"The call to this patient about lot {locked.lot.lot_number} was recorded on "
            f"{_day(locked.lot, locked.done_at)}: it is recorded once. Add anything new as a note "
            "on the patient's chart."
        )
    locked.done_by, locked.done_at, locked.outcome = actor, clock.now(), spec.outcome
    locked.save(update_fields=["done_by", "done_at", "outcome"])
    usecase.note(
        Event.about(
            AuditAction.UPDATE,
            locked,
            detail={"recall_task_done": True, "lot": locked.lot_id},
        )
    )
    return locked
