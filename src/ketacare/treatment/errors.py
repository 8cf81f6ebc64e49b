"""Refusals of the treatment use cases (the API answers 409 with the code)."""

from __future__ import annotations

from ketacare.clinical.safety import Finding
from ketacare.errors import DomainError


class WrongPhase(DomainError):
    """The patient's phase does not allow this use case (e.g. a dose while paused)."""

    code = "wrong_phase"


class NoActivePlan(DomainError):
    code = "no_active_plan"


class PlanExists(DomainError):
    """A plan exists already: a change is a new version (revise_plan), never a second plan."""

    code = "plan_exists"


class PlanSuperseded(DomainError):
    """The plan given is an old version; the use case needs the current one."""

    code = "plan_superseded"


class StockOnHand(DomainError):
    """The product cannot change while the ledger still holds units of the old one."""

    code = "stock_on_hand"


class ProductMismatch(DomainError):
    """The prescription is for another product than the current plan's."""

    code = "product_mismatch"


class Overdraw(DomainError):
    """The change would take the ledger balance below zero; nothing was stored."""

    code = "overdraw"


class PrescriptionExhausted(DomainError):
    """No fill (or not that many units) is left on the prescription."""

    code = "prescription_exhausted"


class EarlyRefill(DomainError):
    """A refill before the earliest refill date, without a reason from the pharmacist."""

    code = "early_refill"


class GateFailed(DomainError):
    """The pre-dose gate holds the dose: at the checklist, or again at the dose.

    `findings` are the gate's reasons (clinical.safety.Finding), each with its next step
    for the patient.
    """

    code = "pre_dose_gate_failed"

    def __init__(
        self, message: str, *, field: str | None = None, findings: tuple[Finding, ...] = ()
    ) -> None:
        super().__init__(message, field=field)
        self.findings = findings


class GateOutdated(DomainError):
    """Another dose was recorded after this session's checklist: start a new session."""

    code = "pre_dose_gate_outdated"


class PlanChanged(DomainError):
    """The plan was revised after this session's checklist: start a new session."""

    code = "plan_changed"


class AlreadyRecorded(DomainError):
    """The dose (or the check-in) of this session is recorded already."""

    code = "already_recorded"


class NotDosed(DomainError):
    """A check-in needs a dose taken in the session first."""

    code = "not_dosed"


class NotYet(DomainError):
    """Too early for this step of the session (the release check-in before the observation)."""

    code = "not_yet"


class WrongSitter(DomainError):
    """Not a registered adult sitter of this patient, or the code does not match."""

    code = "wrong_sitter"
