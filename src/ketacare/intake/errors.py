"""Refusals of the intake and review use cases that are not a bad field (API: 409)."""

from __future__ import annotations

from ketacare.kernel.errors import DomainError


class IntakeNotOpen(DomainError):
    """The intake was already submitted: it is a record now, not a draft."""

    code = "intake_not_open"


class IntakeNotSubmitted(DomainError):
    """Only a submitted intake can be reviewed."""

    code = "intake_not_submitted"


class IntakeSuperseded(DomainError):
    """A newer intake of the same patient exists; review that one."""

    code = "intake_superseded"


class AlreadyReviewed(DomainError):
    code = "already_reviewed"


class ConsentRequired(DomainError):
    """The current version of the treatment consent is not signed."""

    code = "consent_required"


class IneligibleCannotBeApproved(DomainError):
    """The eligibility assessment found an absolute exclusion (CLINICAL.md D)."""

    code = "ineligible"


class LeadConverted(DomainError):
    """The screening lead is a patient now: follow them up on their chart."""

    code = "lead_converted"
