"""Lot recalls: who received a lot, recall it, and the calls to its recipients.

Under /stock, for the staff of the lot's clinic: who received a lot (the `read_recalls`
row: the people who make the calls), recall it (`recall_lot`: pharmacists and
prescribers), the recall tasks, and record a call's outcome (`complete_recall_task`).
The roles are checked before anything is read (403); another clinic's lot or task is a
404, as one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from ketacare.api.access import actor, audit_list
from ketacare.api.schemas import ERRORS, WRITE_ERRORS, id_in_path
from ketacare.kernel import policy
from ketacare.pharmacy import recalls
from ketacare.pharmacy.models import Lot, RecallTask
from ketacare.pharmacy.queries.recalls import lot_of, recall_task_of, recall_tasks
from ketacare.pharmacy.specs.recalls import RecallOutcomeSpec, RecallSpec
from ketacare.treatment.recall_lookup import LotRecipient, who_received

router = Router(tags=["stock"])


class SitterOut(Schema):
    name: str = Field(description="The sitter's name.")
    phone: str = Field(description="Their phone.")


class RecallTaskOut(Schema):
    id: int = Field(description="The task's id.")
    lot_id: int = Field(description="The recalled lot.")
    lot_number: str = Field(description="Its number.")
    patient_id: int = Field(description="The patient to call.")
    units_received: Decimal = Field(description="Net units of the lot they received.")
    raised_at: dt.datetime = Field(description="When the lot was recalled.")
    done: bool = Field(description="Whether the call is recorded.")
    done_by_id: int | None = Field(description="Who recorded it.")
    done_at: dt.datetime | None = Field(description="When.")
    outcome: str = Field(description="What the patient was told, holds, and will do.")


class RecipientOut(Schema):
    patient_id: int = Field(description="The patient.")
    name: str = Field(description="Their legal name.")
    record_number: str = Field(description='The clinic\'s number of the record ("KC-000123").')
    units_received: Decimal = Field(description="Net units of this lot: dispensed less voided.")
    first_dispensed_at: dt.datetime = Field(description="Their first dispense from the lot.")
    last_dispensed_at: dt.datetime = Field(description="Their last dispense from the lot.")
    balance: Decimal = Field(
        description="Their ledger balance now: what they may hold, of any lot of the product."
    )
    balance_unit: str = Field(description="The ledger's unit (tablets, sprays, devices).")
    phone: str = Field(description="Their phone.")
    email: str = Field(description="Their e-mail (may be empty).")
    address: list[str] = Field(description="Their home address, line by line.")
    sitters: list[SitterOut] = Field(description="Their sitters.")
    task: RecallTaskOut | None = Field(description="Their recall task, once the lot is recalled.")


class LotRecallOut(Schema):
    id: int = Field(description="The lot's id.")
    lot_number: str = Field(description="Its number.")
    product: str = Field(description="The product as its label names it.")
    recalled_at: dt.datetime | None = Field(description="When it was recalled.")
    recalled_by_id: int | None = Field(description="Who recalled it.")
    recall_reason: str = Field(description="Why.")
    recall_reference: str = Field(description="The manufacturer's or FDA's recall number.")
    open_tasks: int = Field(description="Recall tasks whose call is not recorded yet.")


class RecipientsOut(Schema):
    lot: LotRecallOut = Field(description="The lot.")
    recipients: list[RecipientOut] = Field(description="Who received units of it, by name.")


class TaskFilter(Schema):
    open: bool = Field(default=False, description="Only the tasks whose call is not recorded.")


def _task_out(task: RecallTask) -> RecallTaskOut:
    return RecallTaskOut(
        id=task.pk,
        lot_id=task.lot_id,
        lot_number=task.lot.lot_number,
        patient_id=task.patient_id,
        units_received=task.units_received,
        raised_at=task.raised_at,
        done=task.is_done,
        done_by_id=task.done_by_id,
        done_at=task.done_at,
        outcome=task.outcome,
    )


def _lot_out(lot: Lot, open_tasks: int) -> LotRecallOut:
    return LotRecallOut(
        id=lot.pk,
        lot_number=lot.lot_number,
        product=lot.product,
        recalled_at=lot.recalled_at,
        recalled_by_id=lot.recalled_by_id,
        recall_reason=lot.recall_reason,
        recall_reference=lot.recall_reference,
        open_tasks=open_tasks,
    )


def _recipient_out(row: LotRecipient) -> RecipientOut:
    patient = row.patient
    return RecipientOut(
        patient_id=patient.pk,
        name=patient.legal_name,
        record_number=patient.record_number,
        units_received=row.units_received,
        first_dispensed_at=row.first_dispensed_at,
        last_dispensed_at=row.last_dispensed_at,
        balance=row.balance,
        balance_unit=row.balance_unit,
        phone=patient.phone,
        email=patient.email,
        address=row.address,
        sitters=[SitterOut(name=s.name, phone=s.phone) for s in row.sitters],
        task=_task_out(row.task) if row.task is not None else None,
    )


@router.get(
    "/lots/{lot_id}/recipients",
    response={200: RecipientsOut, **ERRORS},
    summary="Who received a lot",
)
def lot_recipients(request: HttpRequest, lot_id: int = id_in_path("lot")) -> RecipientsOut:
    """Each patient who received units of the lot, their balance now and how to reach them."""
    found = who_received(actor(request), lot_id=lot_id, via="api")
    return RecipientsOut(
        lot=_lot_out(found.lot, found.open_tasks),
        recipients=[_recipient_out(row) for row in found.recipients],
    )


@router.post(
    "/lots/{lot_id}/recall",
    response={200: LotRecallOut, **WRITE_ERRORS},
    summary="Recall a lot",
)
def recall_lot(
    request: HttpRequest, payload: RecallSpec, lot_id: int = id_in_path("lot")
) -> LotRecallOut:
    """Recall the lot: nothing more is dispensed from it; a task per patient who received it.

    A lot recalled already: 409 `lot_recalled_already`.
    """
    user = actor(request)
    policy.require_role(user, policy.rule("recall_lot"))
    recalled = recalls.recall_lot(user, lot_of(user, lot_id=lot_id), payload)
    return _lot_out(recalled, RecallTask.objects.filter(lot=recalled).count())


@router.get("/recall-tasks", response={200: list[RecallTaskOut], **ERRORS}, summary="Recall tasks")
def list_recall_tasks(request: HttpRequest, filters: Query[TaskFilter]) -> list[RecallTaskOut]:
    """The recall tasks of the clinic's lots, open first (`open=1`: only the open ones)."""
    user = actor(request)
    policy.require_role(user, policy.rule("read_recalls"))
    tasks = recall_tasks(user, open_only=filters.open)
    audit_list(request, "pharmacy.RecallTask", [t.pk for t in tasks])
    return [_task_out(t) for t in tasks]


@router.post(
    "/recall-tasks/{task_id}/done",
    response={200: RecallTaskOut, **WRITE_ERRORS},
    summary="Record a recall call",
)
def complete_recall_task(
    request: HttpRequest, payload: RecallOutcomeSpec, task_id: int = id_in_path("recall task")
) -> RecallTaskOut:
    """Record the call to the task's patient: what they were told, hold, and will do.

    Once only: a task done already is 409 `recall_task_done`.
    """
    user = actor(request)
    policy.require_role(user, policy.rule("complete_recall_task"))
    task = recall_task_of(user, task_id)
    return _task_out(recalls.complete_recall_task(user, task, payload))
