"""Refusals of the alert use cases."""

from __future__ import annotations

from ketacare.kernel.errors import DomainError


class AlertStateError(DomainError):
    """The alert is not in a state that allows this step (e.g. resolving a resolved alert)."""

    code = "alert_state"


class ContactPreferenceError(DomainError):
    """A contact preference that cannot be kept (email chosen with no email address on file)."""

    code = "contact_preferences"
