"""Refusals of the clinic's stock use cases (the API answers 409 with the code)."""

from __future__ import annotations

from ketacare.kernel.errors import DomainError


class LotUnknown(DomainError):
    """No lot of that number and product is in the clinic's lot master."""

    code = "lot_unknown"


class LotNotDispensable(DomainError):
    """The lot is expired or recalled: nothing more is dispensed from it."""

    code = "lot_not_dispensable"


class LotShort(DomainError):
    """The lot holds fewer units than the movement takes out; nothing was stored."""

    code = "lot_short"


class ReceiptNotPending(DomainError):
    """The receipt was verified or rejected already: nothing more is done with it."""

    code = "receipt_not_pending"


class SecondPersonNeeded(DomainError):
    """The receiver of a delivery may not verify or reject it: another person does."""

    code = "second_person_needed"


class ReceiptCountDiffers(DomainError):
    """The verifier's count differs from the receipt's quantity: nothing goes on hand."""

    code = "receipt_count_differs"


class LotRecalledOnReceipt(DomainError):
    """A delivery of a recalled lot is not taken into stock."""

    code = "lot_recalled"


class LotNotTransferable(DomainError):
    """An expired or recalled lot goes back to its supplier or is destroyed, never onwards."""

    code = "lot_not_transferable"


class LotRecalledAlready(DomainError):
    """The lot is recalled already: its tasks were raised then; work them instead."""

    code = "lot_recalled_already"


class RecallTaskDone(DomainError):
    """The recall task's call is recorded already: an outcome is recorded once."""

    code = "recall_task_done"


class DestructionAlreadyConfirmed(DomainError):
    """The witness has confirmed this destruction already: a witness confirms once."""

    code = "already_confirmed"


class DiscrepancyExplained(DomainError):
    """The stock discrepancy is explained already: it is explained once."""

    code = "discrepancy_explained"
