"""Refusals of questionnaire use cases that are not a bad field."""

from __future__ import annotations

from ketacare.errors import DomainError


class WrongPhase(DomainError):
    """The patient's phase does not accept questionnaires (declined, discharged)."""

    code = "wrong_phase"
