"""Rules every signed-in request passes: idle sign-out, the second factor, no stored copy.

- `IdleSignOutMiddleware`: a session unused for longer than the person's idle limit
  (the clinic's, accounts.mfa.idle_minutes) is signed out, and the sign-in page says why.
- `SecondFactorMiddleware`: someone who must use a second factor (or turned one on) and
  has not given it in this session reaches only the pages that ask for it (or set it up).
- `NoStoreMiddleware`: no response is kept by a browser or a proxy (pages and API
  answers carry health data; the static files are served before this, by WhiteNoise).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control

from ketacare.accounts import mfa
from ketacare.accounts.models import User
from ketacare.kernel import clock

LAST_SEEN = "ketacare_last_seen"  # session key: the time (epoch seconds) of the last request
# Writing the session on every request would turn each read into a write: a minute is fine.
LAST_SEEN_RESOLUTION_S = 60
# Reachable before the second factor: the pages that ask for it or set it up, signing out.
OPEN_BEFORE_SECOND_FACTOR = ("login", "logout", "signin-code", "signin-setup")

Handler = Callable[[HttpRequest], HttpResponse]


def _signed_in(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


def _error(code: str, message: str) -> JsonResponse:
    """The API's error shape (api.errors), for requests the API never sees."""
    body: dict[str, object] = {"code": code, "message": message, "field": None, "errors": []}
    return JsonResponse(body, status=401)


def _to(request: HttpRequest, name: str) -> HttpResponse:
    """Redirect to page `name`, coming back here after it; htmx follows with HX-Redirect."""
    url = f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}"
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


class IdleSignOutMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = _signed_in(request)
        if user is None or not settings.KETACARE_IDLE_SIGN_OUT:
            return self.get_response(request)
        limit = mfa.idle_minutes(user)
        now = int(clock.now().timestamp())
        seen = request.session.get(LAST_SEEN)
        if limit is not None and isinstance(seen, int) and now - seen > limit * 60:
            logout(request)
            messages.info(request, f"You were signed out after {limit} minutes without activity.")
            if _machine(request):
                return _error("signed_out", "You were signed out: sign in again.")
            return _to(request, "login")
        if not isinstance(seen, int) or now - seen >= LAST_SEEN_RESOLUTION_S:
            request.session[LAST_SEEN] = now
        return self.get_response(request)


class SecondFactorMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = _signed_in(request)
        if user is None or user.is_verified() or _open(request):  # type: ignore[attr-defined]
            return self.get_response(request)
        if not mfa.asks_second_factor(user):
            return self.get_response(request)
        if _machine(request):
            return _error("otp_required", "Give the code from your authenticator app first.")
        return _to(request, "signin-code" if mfa.has_second_factor(user) else "signin-setup")


def _machine(request: HttpRequest) -> bool:
    """A client of the REST API or of FHIR: it is answered, never sent to a page."""
    return request.path.startswith(("/api/", "/fhir/"))


def _open(request: HttpRequest) -> bool:
    return request.path in {reverse(name) for name in OPEN_BEFORE_SECOND_FACTOR}


class NoStoreMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True)
        response.headers.setdefault("Pragma", "no-cache")
        return response
