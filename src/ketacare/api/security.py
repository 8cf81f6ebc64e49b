"""Who is calling: a bearer token (clients, phones) or the browser's session (with CSRF)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.utils import check_csrf

from ketacare.accounts.models import User
from ketacare.api.services import find_token


class CsrfFailed(HttpError):
    """A signed-in browser sent an unsafe request without the CSRF token."""

    def __init__(self) -> None:
        super().__init__(
            403,
            "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header, "
            "or authenticate with a bearer token.",
        )


class BearerAuth(HttpBearer):
    """`Authorization: Bearer kc_...`: a token from POST /api/v1/auth/token."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = find_token(token.strip())
        if found is None:
            return None
        # Kept for DELETE /auth/token, which revokes the token it was called with.
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


class SessionAuth(NinjaSessionAuth):
    """The browser's Django session; unsafe methods need the CSRF token.

    Unlike ninja's own, a request without a session is simply not authenticated here
    (401), rather than refused for a missing CSRF token it could not have had.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfFailed
        return request.COOKIES.get(self.param_name)


bearer_auth = BearerAuth()
session_auth = SessionAuth()
