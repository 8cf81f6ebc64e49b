"""Refusals of the invitation use cases."""

from __future__ import annotations

from ketacare.kernel.errors import DomainError


class InvitationStateError(DomainError):
    """The invitation is not in a state that allows this step (used, revoked, pending)."""

    code = "invitation_state"


class AlreadySignedUp(DomainError):
    """The person already has a sign-in of their own: they reset their password instead."""

    code = "already_signed_up"


class NoAddress(DomainError):
    """The record has no address for the channel asked for."""

    code = "no_address"
