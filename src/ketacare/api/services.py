"""Use cases of the API itself: issuing, finding and revoking bearer tokens.

A token is 32 random bytes (URL-safe base64) behind a recognisable "kc_" so that
secret scanners and people can tell what leaked. The database keeps its SHA-256
only: a token is high-entropy, so a plain hash is enough (no salt, no slow hash),
and a stolen table gives no working token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from django.conf import settings

from ketacare.api.models import ApiToken
from ketacare.audit.log import Event
from ketacare.audit.models import AuditAction
from ketacare.kernel import clock, usecase
from ketacare.kernel.usecase import use_case

if TYPE_CHECKING:
    from ketacare.accounts.models import User

TOKEN_PREFIX = "kc_"  # noqa: S105 - a public marker, not a secret
LOOKUP_CHARS = 8  # stored in clear to find the row; the rest is only ever hashed
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def token_days() -> int:
    days = settings.KETACARE_API_TOKEN_DAYS
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        msg = f"KETACARE_API_TOKEN_DAYS must be a whole number of days >= 1, not {days!r}."
        raise ValueError(msg)
    return days


def _sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@use_case("issue_token")
def issue_token(actor: User, *, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `actor` (already authenticated); the clear token is returned once."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    issued = clock.now()
    token = ApiToken.objects.create(
        user=actor,
        name=name.strip()[:100],
        prefix=raw[:LOOKUP_CHARS],
        key_sha256=_sha256(raw),
        created_at=issued,
        expires_at=issued + dt.timedelta(days=token_days()),
    )
    usecase.note(Event.about(AuditAction.LOGIN, token, detail={"via": "api token"}))
    return token, raw


def find_token(raw: str) -> ApiToken | None:
    """The usable token whose hash matches `raw`, or None (expired, revoked, unknown)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200 or "\x00" in raw:  # noqa: PLR2004
        return None
    digest = _sha256(raw)
    found = None
    candidates = ApiToken.objects.usable().filter(prefix=raw[:LOOKUP_CHARS]).select_related("user")
    for candidate in candidates:
        # Constant time: the comparison must not tell how much of a guess was right.
        if hmac.compare_digest(candidate.key_sha256, digest):
            found = candidate
    if found is not None:
        now = clock.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
            found.last_used_at = now
    return found


@use_case("revoke_token", audited=False)  # revoking a revoked token changes nothing
def revoke_token(actor: User, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens; it stops working at once."""
    locked = ApiToken.objects.select_for_update(no_key=True).get(pk=token.pk, user=actor)
    if locked.revoked_at is None:
        locked.revoked_at = clock.now()
        locked.save(update_fields=["revoked_at"])
        usecase.note(Event.about(AuditAction.LOGOUT, locked, detail={"via": "api token"}))
    return locked
