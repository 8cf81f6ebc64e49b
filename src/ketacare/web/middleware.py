from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from ketacare.accounts.models import User
from ketacare.accounts.roles import Role
from ketacare.kernel.errors import NotFound


def display_timezone(user: User) -> str | None:
    """Times are stored in UTC; people read them in their own zone.

    A patient reads in the zone of their record (they may live far from the clinic);
    everyone else of a clinic in the clinic's zone.
    """
    if user.has_role(Role.PATIENT):
        record = getattr(user, "patient_record", None)
        if record is not None:
            return str(record.timezone)
    return user.clinic.timezone if user.clinic is not None else None


class DisplayTimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        name = display_timezone(user) if isinstance(user, User) else None
        if name:
            timezone.activate(zoneinfo.ZoneInfo(name))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class NotFoundMiddleware:
    """A service's `NotFound` is the page's 404 (services never import `django.http`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, NotFound):
            raise Http404(str(exception)) from exception
