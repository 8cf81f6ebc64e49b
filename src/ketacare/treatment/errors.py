"""Refusals of the treatment use cases (the API answers 409 with the code)."""

from __future__ import annotations

from ketacare.clinical.safety import Finding
from ketacare.kernel.errors import DomainError


class NoActivePlan(DomainError):
    code = "no_active_plan"


class PlanExists(DomainError):
    """A plan exists already: a change is a new version (revise_plan), never a second plan."""

    code = "plan_exists"


class PlanSuperseded(DomainError):
    """The plan given is an old version; the use case needs the current one."""

    code = "plan_superseded"


class ReviewNoteMissing(DomainError):
    """The clinic revises a plan only after a prescriber's signed review note on the chart."""

    code = "review_note_missing"


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


class NotForHomeUse(DomainError):
    """The product may not be prescribed or dispensed for use at home (esketamine)."""

    code = "not_for_home_use"


class QuantityBeyondPlan(DomainError):
    """More units than the plan still needs, without a reason for a second prescriber."""

    code = "quantity_beyond_plan"


class AwaitingCosign(DomainError):
    """The prescription is larger than the plan needs and not co-signed yet: no dispensing."""

    code = "awaiting_cosign"


class CosignNotNeeded(DomainError):
    """Only a prescription awaiting a co-sign is co-signed, and only once."""

    code = "cosign_not_needed"


class PrescriptionVoided(DomainError):
    """The prescription is voided: nothing more is dispensed, co-signed or voided on it."""

    code = "prescription_voided"


class PrescriptionExpired(DomainError):
    """More than 6 months after the date of issue (CLINICAL.md G8): no fill, first or refill."""

    code = "prescription_expired"


class ExceedsFill(DomainError):
    """More units than the current fill has left: a dispense never straddles two fills."""

    code = "exceeds_fill"


class DispenseVoided(DomainError):
    """The dispense is voided already."""

    code = "dispense_voided"


class UnitsNotOnHand(DomainError):
    """A voided dispense takes its units back, but the patient no longer holds them."""

    code = "units_not_on_hand"


class InductionReviewDue(DomainError):
    """The induction is over and its review not recorded: nothing more is dispensed."""

    code = "induction_review_due"


class TreatmentStopped(DomainError):
    """The end-of-induction review decided to stop treatment: nothing more is dispensed."""

    code = "treatment_stopped"


class InductionReviewNotDue(DomainError):
    """The induction is not over yet: its review is recorded once it is due."""

    code = "induction_review_not_due"


class InductionReviewRecorded(DomainError):
    """The patient's end-of-induction review is recorded already (one per patient)."""

    code = "induction_review_recorded"


class PrescriberIdentityMissing(DomainError):
    """The prescriber's DEA number or NPI, or the patient's address, is missing."""

    code = "prescriber_identity_missing"


class PdmpCheckMissing(DomainError):
    """No state PDMP check of the patient within the clinic's window."""

    code = "pdmp_check_missing"


class FillHeld(DomainError):
    """The fill is held by staged dispensing until its conditions are met or it is released."""

    code = "fill_held"


class FillNotHeld(DomainError):
    """The fill asked to be released has no hold (or is released already)."""

    code = "fill_not_held"


class ReturnsNotAccepted(DomainError):
    """The clinic takes back no patient's controlled substances (21 CFR 1317.30)."""

    code = "returns_not_accepted"
