"""The commands of the invitation use cases, validated once for every face."""

from __future__ import annotations

from pydantic import Field

from ketacare.invitations.models import InvitationChannel
from ketacare.kernel.specs import Spec


class InviteSpec(Spec):
    """How to send the invitation: to the email address or the phone on the record."""

    channel: InvitationChannel = Field(
        description="email (the record's email address) or sms (the record's phone)."
    )


class PasswordSpec(Spec):
    """The new password, checked against the site's password rules by the use case."""

    password: str = Field(min_length=1, max_length=4096, description="The new password.")
