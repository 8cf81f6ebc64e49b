"""The invitation link's token: Django's password-reset tokens, with their own salt.

`PasswordResetTokenGenerator` signs (with SECRET_KEY, its fallbacks honoured) a hash of
the account's password and last sign-in, so a token stops working once the password is
set: single use. Ours adds the invitation's own state (its id, how many links were sent,
whether it was revoked or accepted), so a resend invalidates the previous link and a
revoke every link. The age check is the invitation's own expiry (`expires_at`, from
KETACARE_INVITATION_DAYS), not PASSWORD_RESET_TIMEOUT, which is the reset links'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from ketacare.kernel import clock

if TYPE_CHECKING:
    from ketacare.invitations.models import Invitation

__all__ = [
    "invitation_tokens",
    "link_id",
    "parse_link_id",
    "token_for",
]


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "ketacare.invitations.tokens.InvitationTokenGenerator"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        invitation: Invitation = user  # the token is made for an invitation, of its user
        state = (
            f"{invitation.pk}:{invitation.sent_count}:"
            f"{invitation.revoked_at is not None}:{invitation.accepted_at is not None}"
        )
        return super()._make_hash_value(invitation.user, timestamp) + state

    def check_token(self, user: Any, token: str | None) -> bool:
        """The signature, as Django checks it; the age, by the invitation's own expiry."""
        invitation: Invitation | None = user
        if invitation is None or not token or clock.now() >= invitation.expires_at:
            return False
        try:
            ts = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        # Django's own comparison (and secret fallbacks), without PASSWORD_RESET_TIMEOUT.
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


invitation_tokens = InvitationTokenGenerator()


def token_for(invitation: Invitation) -> str:
    """The link's token for the invitation as it stands now."""
    made: str = invitation_tokens.make_token(invitation)  # type: ignore[arg-type]
    return made


def link_id(pk: int) -> str:
    """The id in a link (/invite/<id>/<token>/), as Django writes a reset link's uid."""
    return urlsafe_base64_encode(force_bytes(pk))


def parse_link_id(value: str) -> int | None:
    try:
        return int(force_str(urlsafe_base64_decode(value)))
    except (ValueError, TypeError, OverflowError):
        return None
